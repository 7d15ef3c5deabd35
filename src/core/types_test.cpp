#include "core/types.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace rollcall {
namespace {

TEST(TypesTest, SlugPattern) {
  EXPECT_TRUE(IsValidSlug("a"));
  EXPECT_TRUE(IsValidSlug("acme-eu-1"));
  EXPECT_TRUE(IsValidSlug("0abc"));
  EXPECT_TRUE(IsValidSlug(std::string(63, 'a')));
  EXPECT_FALSE(IsValidSlug(std::string(64, 'a')));
  EXPECT_FALSE(IsValidSlug(""));
  EXPECT_FALSE(IsValidSlug("-a"));
  EXPECT_FALSE(IsValidSlug("Acme"));
  EXPECT_FALSE(IsValidSlug("a_b"));
}

TEST(TypesTest, TagPattern) {
  EXPECT_TRUE(IsValidTag("v1.2.3"));
  EXPECT_TRUE(IsValidTag("_x"));
  EXPECT_TRUE(IsValidTag("staging-abc1234"));
  EXPECT_TRUE(IsValidTag(std::string(128, 'a')));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
  EXPECT_FALSE(IsValidTag(".v1"));
  EXPECT_FALSE(IsValidTag("-v1"));
  EXPECT_FALSE(IsValidTag("v1:latest"));
  EXPECT_FALSE(IsValidTag(""));
}

TEST(TypesTest, GitShaIsSevenToFortyHex) {
  EXPECT_TRUE(IsValidGitSha("abcdef1"));
  EXPECT_TRUE(IsValidGitSha(std::string(40, 'F')));
  EXPECT_FALSE(IsValidGitSha("abcdef"));
  EXPECT_FALSE(IsValidGitSha(std::string(41, 'a')));
  EXPECT_FALSE(IsValidGitSha("abcdefg"));
}

TEST(TypesTest, StragglerLimitParsing) {
  EXPECT_EQ(ParseStragglerLimit("3")->value, 3);
  EXPECT_FALSE(ParseStragglerLimit("3")->percent);
  EXPECT_TRUE(ParseStragglerLimit("10%")->percent);
  EXPECT_EQ(ParseStragglerLimit("0%")->ToleranceFor(50), 0);
  EXPECT_EQ(ParseStragglerLimit("100%")->ToleranceFor(7), 7);
  EXPECT_EQ(ParseStragglerLimit("10%")->ToleranceFor(25), 2);
  EXPECT_EQ(ParseStragglerLimit("10%")->ToleranceFor(9), 0);
  for (const char* bad : {"", "%", "-1", "101%", "1.5", "x", "3 ", "5%%"}) {
    EXPECT_FALSE(ParseStragglerLimit(bad).ok()) << bad;
  }
}

TEST(TypesTest, PolicyValidationNamesTheField) {
  Policy p;
  EXPECT_TRUE(Validate(p).ok());
  p.max_parallel = 0;
  EXPECT_EQ(Validate(p, "policy.").message(), "policy.max_parallel: must be >= 1");
  p = Policy{};
  p.health_interval_s = -1;
  EXPECT_EQ(Validate(p, "policy.").message(),
            "policy.health_interval_s: must be a number of seconds >= 0");
  p = Policy{};
  p.canary = {"a", "b", "a"};
  EXPECT_EQ(Validate(p).message(), "canary: \"a\" is listed twice");
}

TEST(TypesTest, TargetImageUsesTheTenantsRepoOverride) {
  Tenant t;
  Release r{"v7", "", 7};
  EXPECT_EQ(TargetImage(t, r, "ghcr.io/acme/app"), "ghcr.io/acme/app:v7");
  t.image_repo = "registry.eu/app";
  EXPECT_EQ(TargetImage(t, r, "ghcr.io/acme/app"), "registry.eu/app:v7");
}

TEST(TypesTest, EnumNamesRoundTrip) {
  for (auto s : {TenantStatus::kSuccess, TenantStatus::kFailed, TenantStatus::kTimedOut,
                 TenantStatus::kUnhealthy, TenantStatus::kOffTarget, TenantStatus::kSkipped,
                 TenantStatus::kCancelled, TenantStatus::kDryRun}) {
    EXPECT_EQ(*ParseTenantStatus(ToString(s)), s);
  }
  EXPECT_EQ(*ParseRolloutState("superseded"), RolloutState::kSuperseded);
  EXPECT_FALSE(ParseRolloutState("done").ok());
}

TEST(TimeTest, FormatsWallTimeAsRfc3339) {
  EXPECT_EQ(FormatWallMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatWallMillis(1'800'000'000'250), "2027-01-15T08:00:00.250Z");
  EXPECT_EQ(SecondsToDuration(0.0015), Duration(1500));
}

}  // namespace
}  // namespace rollcall
