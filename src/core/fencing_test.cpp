#include "core/fencing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using Kind = Admission::Kind;

Release Rel(const std::string& tag, std::optional<int64_t> seq) { return Release{tag, "", seq}; }

// A whole-fleet request for `release` against active rollouts of the same
// default scope.
AdmissionRequest Ask(const Release& release, bool rollback, const std::string& reason,
                     std::optional<Release> desired, std::vector<std::pair<std::string, Release>> active) {
  AdmissionRequest req{KeyOf(release, Policy{}, rollback), reason, std::move(desired), {}};
  for (auto& [id, rel] : active) req.active.push_back({id, KeyOf(rel, Policy{}, false)});
  return req;
}

TEST(FencingTest, FirstReleaseIsAcceptedAndBecomesDesired) {
  Admission a = DecideAdmission(Ask(Rel("v1", 1), false, "", std::nullopt, {}));
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_TRUE(a.set_desired);
}

TEST(FencingTest, OlderThanDesiredIsSuperseded) {
  Admission a = DecideAdmission(Ask(Rel("v1", 1), false, "", Rel("v2", 2), {}));
  EXPECT_EQ(a.kind, Kind::kSuperseded);
  EXPECT_EQ(a.newer.tag, "v2");
}

TEST(FencingTest, NewerSupersedesEveryActiveRollout) {
  Admission a = DecideAdmission(
      Ask(Rel("v3", 3), false, "", Rel("v2", 2), {{"r1", Rel("v1", 1)}, {"r2", Rel("v2", 2)}}));
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_THAT(a.supersede_ids, ElementsAre("r1", "r2"));
}

TEST(FencingTest, SameReleaseWhileActiveReturnsTheExistingRollout) {
  Admission a = DecideAdmission(Ask(Rel("v2", 2), false, "", Rel("v2", 2), {{"r9", Rel("v2", 2)}}));
  EXPECT_EQ(a.kind, Kind::kExisting);
  EXPECT_EQ(a.existing_id, "r9");
}

TEST(FencingTest, RollbackPassesTheFenceOnlyWithAReason) {
  EXPECT_EQ(DecideAdmission(Ask(Rel("v1", 1), true, "", Rel("v2", 2), {})).kind, Kind::kInvalid);
  Admission a = DecideAdmission(Ask(Rel("v1", 1), true, "bad migration", Rel("v2", 2), {{"r2", Rel("v2", 2)}}));
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_TRUE(a.set_desired);
  EXPECT_THAT(a.supersede_ids, ElementsAre("r2"));
}

TEST(FencingTest, UnfencedReleaseNeitherMovesNorStopsAnything) {
  Admission a = DecideAdmission(Ask(Rel("x", std::nullopt), false, "", Rel("v2", 2), {{"r2", Rel("v2", 2)}}));
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_FALSE(a.set_desired);
  EXPECT_TRUE(a.supersede_ids.empty());
  EXPECT_EQ(a.warnings.size(), 1u);
}

TEST(FencingTest, TenantGuard) {
  EXPECT_EQ(TenantFenceRefusal(std::nullopt, Rel("v1", 1), false), "");
  EXPECT_EQ(TenantFenceRefusal(1, Rel("v1", 1), false), "");
  EXPECT_EQ(TenantFenceRefusal(1, Rel("x", std::nullopt), false), "");
  EXPECT_EQ(TenantFenceRefusal(2, Rel("v1", 1), false),
            "fenced: tenant runs release seq 2, newer than 1");
  EXPECT_EQ(TenantFenceRefusal(2, Rel("v1", 1), true), "");
}

// ---- promotion ----

using PKind = PromotionDecision::Kind;

ChannelRecord At(const std::string& tag, std::optional<int64_t> seq) {
  return ChannelRecord{"latest", tag, seq, "sha256:" + tag, 0, false, ""};
}

PromotionRequest Promote(const std::string& tag, std::optional<int64_t> seq,
                         std::optional<ChannelRecord> current = std::nullopt,
                         std::optional<Release> desired = std::nullopt) {
  return PromotionRequest{"latest", Rel(tag, seq), false, "", std::move(current), std::move(desired)};
}

TEST(PromotionFencingTest, ANewChannelOrANewerSeqIsAccepted) {
  EXPECT_EQ(DecidePromotion(Promote("v1", 1)).kind, PKind::kAccept);
  EXPECT_EQ(DecidePromotion(Promote("v2", 2, At("v1", 1), Rel("v2", 2))).kind, PKind::kAccept);
  EXPECT_EQ(DecidePromotion(Promote("v2", 2, At("v2", 2))).kind, PKind::kAccept);  // idempotent
}

TEST(PromotionFencingTest, AnOlderSeqThanTheChannelIsSupersededNamingIt) {
  PromotionDecision d = DecidePromotion(Promote("v1", 1, At("v2", 2)));
  EXPECT_EQ(d.kind, PKind::kSuperseded);
  EXPECT_EQ(d.newer.tag, "v2");
  EXPECT_EQ(d.newer.seq, std::optional<int64_t>(2));
}

TEST(PromotionFencingTest, AnOlderSeqThanTheFleetsDesiredReleaseIsSuperseded) {
  // The fleet already targets v3: promoting v2 would point latest behind it.
  PromotionDecision d = DecidePromotion(Promote("v2", 2, At("v1", 1), Rel("v3", 3)));
  EXPECT_EQ(d.kind, PKind::kSuperseded);
  EXPECT_EQ(d.newer.tag, "v3");
}

TEST(PromotionFencingTest, TheSameSeqNamingAnotherTagIsAConflict) {
  PromotionDecision d = DecidePromotion(Promote("v2-hotfix", 2, At("v2", 2)));
  EXPECT_EQ(d.kind, PKind::kConflict);
  EXPECT_THAT(d.error, ::testing::HasSubstr("already names tag v2"));
}

TEST(PromotionFencingTest, RollbackNeedsAReasonAndThenMovesBack) {
  PromotionRequest req = Promote("v1", 1, At("v2", 2), Rel("v2", 2));
  req.rollback = true;
  PromotionDecision refused = DecidePromotion(req);
  EXPECT_EQ(refused.kind, PKind::kInvalid);
  EXPECT_EQ(refused.error, "reason: required when rollback is true");
  req.reason = "v2 corrupts uploads";
  PromotionDecision d = DecidePromotion(req);
  EXPECT_EQ(d.kind, PKind::kAccept);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_THAT(d.warnings[0], ::testing::HasSubstr("v2 corrupts uploads"));
}

TEST(PromotionFencingTest, AnUnfencedReleaseIsAcceptedWithAWarning) {
  PromotionDecision d = DecidePromotion(Promote("hotfix", std::nullopt, At("v2", 2)));
  EXPECT_EQ(d.kind, PKind::kAccept);
  EXPECT_EQ(d.warnings.size(), 1u);
}

TEST(FencingTest, OnlyTheSameReleaseAndScopeIsTheExistingRollout) {
  Policy some;
  some.only_slugs = std::vector<std::string>{"b", "a"};
  AdmissionRequest req{KeyOf(Rel("v2", 2), some, false), "", Rel("v2", 2), {}};
  Policy same_set;
  same_set.only_slugs = std::vector<std::string>{"a", "b"};
  Policy other;
  other.only_slugs = std::vector<std::string>{"c"};
  req.active = {{"r-other", KeyOf(Rel("v2", 2), other, false)}, {"r-same", KeyOf(Rel("v2", 2), same_set, false)}};
  Admission a = DecideAdmission(req);
  EXPECT_EQ(a.kind, Kind::kExisting);
  EXPECT_EQ(a.existing_id, "r-same");

  req.active.pop_back();  // only the other scope runs: this one is its own, beside it
  Admission own = DecideAdmission(req);
  EXPECT_EQ(own.kind, Kind::kAccept);
  EXPECT_TRUE(own.supersede_ids.empty());

  Release with_sha{"v2", "abc1234", 2};
  req.active = {{"r-same", KeyOf(Rel("v2", 2), same_set, false)}};
  req.key.release = with_sha;  // another git_sha is another request
  EXPECT_EQ(DecideAdmission(req).kind, Kind::kAccept);
}

TEST(FencingTest, ADryRunIsDecidedLikeTheRealRunWithoutSideEffects) {
  Policy dry;
  dry.dry_run = true;
  AdmissionRequest older{KeyOf(Rel("v1", 1), dry, false), "", Rel("v2", 2), {}};
  EXPECT_EQ(DecideAdmission(older).kind, Kind::kSuperseded);
  AdmissionRequest no_reason{KeyOf(Rel("v1", 1), dry, true), "", Rel("v2", 2), {}};
  EXPECT_EQ(DecideAdmission(no_reason).kind, Kind::kInvalid);
  AdmissionRequest newer{KeyOf(Rel("v3", 3), dry, false), "", Rel("v2", 2), {{"r2", KeyOf(Rel("v2", 2), Policy{}, false)}}};
  Admission a = DecideAdmission(newer);
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_FALSE(a.set_desired);
  EXPECT_TRUE(a.supersede_ids.empty());
}

TEST(FencingTest, TheRecordedRunningSeqNeverDecreasesButForARollback) {
  EXPECT_EQ(NextRunningSeq(std::nullopt, 5, false), 5);
  EXPECT_EQ(NextRunningSeq(5, 6, false), 6);
  EXPECT_EQ(NextRunningSeq(6, 5, false), std::nullopt);  // keep 6
  EXPECT_EQ(NextRunningSeq(6, 5, true), 5);
  EXPECT_EQ(NextRunningSeq(6, std::nullopt, false), std::nullopt);
}

}  // namespace
}  // namespace rollcall
