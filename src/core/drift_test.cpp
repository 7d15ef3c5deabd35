#include "core/drift.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

using namespace std::chrono_literals;

constexpr char kTarget[] = "repo/app:v2";

Release Desired() { return Release{"v2", "sha2", 2}; }

// A tenant that answers everything: on target and healthy unless changed.
TenantSighting Seen(int64_t at_ms = 1000) {
  TenantSighting s;
  s.at_ms = at_ms;
  s.inspected = true;
  s.inspected_image = kTarget;
  s.inspected_seq = 2;
  s.buildinfo_answered = true;
  s.buildinfo_sha = "sha2";
  s.buildinfo_image = kTarget;
  s.health_answered = true;
  s.healthy = true;
  return s;
}

DriftState StateOf(const TenantSighting& s, std::optional<Release> desired = Desired()) {
  return Judge(s, desired, kTarget).state;
}

TEST(DriftJudge, OnTargetNeedsTheBuildAndHealth) {
  EXPECT_EQ(StateOf(Seen()), DriftState::kOnTarget);
  TenantSighting sick = Seen();
  sick.healthy = false;
  EXPECT_EQ(StateOf(sick), DriftState::kUnhealthy);
  TenantSighting silent_health = Seen();
  silent_health.health_answered = false;
  EXPECT_EQ(StateOf(silent_health), DriftState::kUnhealthy);
}

TEST(DriftJudge, AnotherImageOrShaIsDriftedNamingTheDifference) {
  TenantSighting old_image = Seen();
  old_image.inspected_image = "repo/app:v1";
  DriftVerdict v = Judge(old_image, Desired(), kTarget);
  EXPECT_EQ(v.state, DriftState::kDrifted);
  EXPECT_EQ(v.detail, "runs repo/app:v1, desired repo/app:v2");

  TenantSighting old_sha = Seen();
  old_sha.buildinfo_sha = "sha1";
  EXPECT_EQ(Judge(old_sha, Desired(), kTarget).detail, "/buildinfo git_sha sha1, desired sha2");

  // Without an inspect answer, /buildinfo's image is the evidence.
  TenantSighting by_buildinfo = Seen();
  by_buildinfo.inspected = false;
  by_buildinfo.buildinfo_image = "repo/app:v1";
  EXPECT_EQ(StateOf(by_buildinfo), DriftState::kDrifted);
  // A drifted tenant that is also unhealthy is drifted: that is what to fix.
  old_image.healthy = false;
  EXPECT_EQ(StateOf(old_image), DriftState::kDrifted);
}

TEST(DriftJudge, ANewerReleaseIsAheadNeverDrifted) {
  TenantSighting newer = Seen();
  newer.inspected_image = "repo/app:v3";
  newer.inspected_seq = 3;
  DriftVerdict v = Judge(newer, Desired(), kTarget);
  EXPECT_EQ(v.state, DriftState::kAhead);
  EXPECT_EQ(v.detail, "runs release_seq 3, newer than the desired 2");
}

TEST(DriftJudge, NothingAnsweringIsUnreachable) {
  TenantSighting none;
  none.at_ms = 5;
  EXPECT_EQ(StateOf(none), DriftState::kUnreachable);
  TenantSighting only_health;
  only_health.health_answered = only_health.healthy = true;
  EXPECT_EQ(StateOf(only_health), DriftState::kUnreachable);  // healthy, but which build?
  EXPECT_EQ(StateOf(only_health, std::nullopt), DriftState::kOnTarget);  // nothing desired yet
}

TEST(DriftAdvance, SinceMovesOnlyWithTheStateAndDeploysAreNotDrift) {
  DriftStatus s;
  bool changed = false;
  s = Advance(s, Seen(1000), Judge(Seen(1000), Desired(), kTarget), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s.state, DriftState::kOnTarget);
  EXPECT_EQ(s.since_ms, 1000);
  s = Advance(s, Seen(2000), Judge(Seen(2000), Desired(), kTarget), &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(s.since_ms, 1000);
  EXPECT_EQ(s.last.at_ms, 2000);

  TenantSighting rolling = Seen(3000);
  rolling.deploying = true;
  rolling.inspected_image = "repo/app:v1";
  s = Advance(s, rolling, Judge(rolling, Desired(), kTarget), &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(s.state, DriftState::kOnTarget);
  EXPECT_EQ(s.last.at_ms, 3000);

  TenantSighting reverted = Seen(4000);
  reverted.inspected_image = "repo/app:v1";
  s = Advance(s, reverted, Judge(reverted, Desired(), kTarget), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s.state, DriftState::kDrifted);
  EXPECT_EQ(s.since_ms, 4000);
}

TEST(DriftRecovery, TouchesQuarantinedOrDriftedActiveTenantsNeverBackward) {
  Tenant t;
  t.slug = "t1";
  DriftStatus drifted{DriftState::kDrifted, 0, "", {}};
  DriftStatus on_target{DriftState::kOnTarget, 0, "", {}};
  DriftStatus ahead{DriftState::kAhead, 0, "", {}};
  EXPECT_TRUE(RecoveryMayTouch(t, drifted, Desired()));
  EXPECT_FALSE(RecoveryMayTouch(t, on_target, Desired()));
  t.quarantined = true;
  EXPECT_TRUE(RecoveryMayTouch(t, on_target, Desired()));  // quarantined: retried
  EXPECT_FALSE(RecoveryMayTouch(t, ahead, Desired()));
  EXPECT_FALSE(RecoveryMayTouch(t, drifted, std::nullopt));
  t.running_seq = 3;  // its own fence is past the desired release
  EXPECT_FALSE(RecoveryMayTouch(t, drifted, Desired()));
  t.running_seq = 2;
  t.state = TenantState::kCordoned;
  EXPECT_FALSE(RecoveryMayTouch(t, drifted, Desired()));
  EXPECT_TRUE(LeavesQuarantine(on_target));
  EXPECT_FALSE(LeavesQuarantine(drifted));
}

TEST(DriftRecovery, BackoffStartsAtOnceThenDoublesToTheCap) {
  const Duration base = std::chrono::minutes(1), cap = std::chrono::hours(1);
  EXPECT_EQ(RecoveryBackoff(0, base, cap), Duration::zero());
  EXPECT_EQ(RecoveryBackoff(1, base, cap), std::chrono::minutes(1));
  EXPECT_EQ(RecoveryBackoff(2, base, cap), std::chrono::minutes(2));
  EXPECT_EQ(RecoveryBackoff(6, base, cap), std::chrono::minutes(32));
  EXPECT_EQ(RecoveryBackoff(7, base, cap), std::chrono::hours(1));
  EXPECT_EQ(RecoveryBackoff(1000, base, cap), std::chrono::hours(1));
}

}  // namespace
}  // namespace rollcall
