#include "core/fencing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using Kind = Admission::Kind;

Release Rel(const std::string& tag, std::optional<int64_t> seq) { return Release{tag, "", seq}; }

TEST(FencingTest, FirstReleaseIsAcceptedAndBecomesDesired) {
  Admission a = DecideAdmission({Rel("v1", 1), false, "", std::nullopt, {}});
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_TRUE(a.set_desired);
}

TEST(FencingTest, OlderThanDesiredIsSuperseded) {
  Admission a = DecideAdmission({Rel("v1", 1), false, "", Rel("v2", 2), {}});
  EXPECT_EQ(a.kind, Kind::kSuperseded);
  EXPECT_EQ(a.newer.tag, "v2");
}

TEST(FencingTest, NewerSupersedesEveryActiveRollout) {
  Admission a = DecideAdmission(
      {Rel("v3", 3), false, "", Rel("v2", 2), {{"r1", Rel("v1", 1)}, {"r2", Rel("v2", 2)}}});
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_THAT(a.supersede_ids, ElementsAre("r1", "r2"));
}

TEST(FencingTest, SameReleaseWhileActiveReturnsTheExistingRollout) {
  Admission a = DecideAdmission({Rel("v2", 2), false, "", Rel("v2", 2), {{"r9", Rel("v2", 2)}}});
  EXPECT_EQ(a.kind, Kind::kExisting);
  EXPECT_EQ(a.existing_id, "r9");
}

TEST(FencingTest, RollbackPassesTheFenceOnlyWithAReason) {
  EXPECT_EQ(DecideAdmission({Rel("v1", 1), true, "", Rel("v2", 2), {}}).kind, Kind::kInvalid);
  Admission a = DecideAdmission({Rel("v1", 1), true, "bad migration", Rel("v2", 2), {{"r2", Rel("v2", 2)}}});
  EXPECT_EQ(a.kind, Kind::kAccept);
  EXPECT_TRUE(a.set_desired);
  EXPECT_THAT(a.supersede_ids, ElementsAre("r2"));
}

TEST(FencingTest, UnfencedReleaseNeitherMovesNorStopsAnything) {
  Admission a = DecideAdmission({Rel("x", std::nullopt), false, "", Rel("v2", 2), {{"r2", Rel("v2", 2)}}});
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

}  // namespace
}  // namespace rollcall
