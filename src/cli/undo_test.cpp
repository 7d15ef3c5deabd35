// Which release `rollcall undo` goes back to.
#include "cli/undo.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

Json Rollout(const std::string& id, const std::string& tag, int64_t seq, const std::string& state = "succeeded",
             int verified = 3) {
  return {{"id", id},
          {"state", state},
          {"release", {{"tag", tag}, {"seq", seq}, {"git_sha", nullptr}}},
          {"policy", {{"dry_run", false}, {"only_slugs", nullptr}}},
          {"recovery", false},
          {"legacy_scoped", false},
          {"verified", verified}};
}

const Release kDesired{"v5", "", 5};

TEST(UndoTest, GoesBackToTheNewestOlderReleaseThatShipped) {
  std::vector<Json> newest_first = {Rollout("r5", "v5", 5), Rollout("r4", "v4", 4), Rollout("r3", "v3", 3)};
  Result<UndoTarget> t = PickUndoTarget(kDesired, newest_first, std::nullopt);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->release.tag, "v4");
  EXPECT_EQ(t->release.seq, 4);
  EXPECT_EQ(t->rollout_id, "r4");
}

TEST(UndoTest, ScopedDryAndRecoveryRunsAndRunsThatVerifiedNothingAreNoProof) {
  Json dry = Rollout("r4d", "v4", 4);
  dry["policy"]["dry_run"] = true;
  Json scoped = Rollout("r4s", "v4", 4);
  scoped["policy"]["only_slugs"] = Json::array({"a"});
  Json recovery = Rollout("r4r", "v4", 4);
  recovery["recovery"] = true;
  std::vector<Json> rollouts = {dry, scoped, recovery, Rollout("r4z", "v4", 4, "succeeded", 0),
                                Rollout("r3", "v3", 3)};
  EXPECT_EQ(PickUndoTarget(kDesired, rollouts, std::nullopt)->rollout_id, "r3");
}

TEST(UndoTest, ToASeqThatMustBeOlder) {
  std::vector<Json> rollouts = {Rollout("r4", "v4", 4), Rollout("r2", "v2", 2)};
  EXPECT_EQ(PickUndoTarget(kDesired, rollouts, 2)->release.tag, "v2");
  Result<UndoTarget> newer = PickUndoTarget(kDesired, rollouts, 6);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(PickUndoTarget(kDesired, rollouts, 1).status().code(), Status::Code::kNotFound);
}

TEST(UndoTest, NothingOlderIsNotFound) {
  Result<UndoTarget> t = PickUndoTarget(kDesired, {Rollout("r5", "v5", 5)}, std::nullopt);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "no succeeded rollout of a release older than v5 (seq 5) to go back to");
}

}  // namespace
}  // namespace rollcall
