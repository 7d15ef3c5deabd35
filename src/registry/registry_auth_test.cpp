#include "registry/registry_auth.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

TEST(AuthChallengeTest, ParsesABearerChallengeWithCommasInQuotes) {
  std::vector<AuthChallenge> c = ParseAuthChallenges(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].Param("realm"), "https://auth.example/token");
  EXPECT_EQ(c[0].Param("service"), "registry.example");
  EXPECT_EQ(c[0].Param("scope"), "repository:team/app:pull,push");
  EXPECT_EQ(c[0].Param("error"), "");
}

TEST(AuthChallengeTest, ToleratesSpacesCaseAndEscapes) {
  std::vector<AuthChallenge> c = ParseAuthChallenges(
      R"(  BEARER  Realm = "https://a/t?x=1" , Service=reg.example ,error="say \"no\", twice")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].Param("realm"), "https://a/t?x=1");
  EXPECT_EQ(c[0].Param("service"), "reg.example");
  EXPECT_EQ(c[0].Param("error"), "say \"no\", twice");
}

TEST(AuthChallengeTest, SplitsSeveralChallengesInOneValue) {
  std::vector<AuthChallenge> c = ParseAuthChallenges(
      R"(Basic realm="Registry Realm", Bearer realm="https://auth/t",scope="a b")");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].Param("realm"), "Registry Realm");
  EXPECT_EQ(c[1].scheme, "bearer");
  EXPECT_EQ(c[1].Param("realm"), "https://auth/t");
  EXPECT_EQ(c[1].Param("scope"), "a b");
}

TEST(AuthChallengeTest, SurvivesGarbage) {
  EXPECT_TRUE(ParseAuthChallenges("").empty());
  EXPECT_TRUE(ParseAuthChallenges("  ,, ").empty());
  std::vector<AuthChallenge> bare = ParseAuthChallenges("Basic");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_TRUE(bare[0].params.empty());
  std::vector<AuthChallenge> cut = ParseAuthChallenges(R"(Bearer realm="https://unterminated)");
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].Param("realm"), "https://unterminated");
  EXPECT_EQ(ParseAuthChallenges(R"("quoted" Bearer)").size(), 0u);
}

TEST(RegistryAuthTest, BasicAuthorizationIsBase64OfUserColonPassword) {
  EXPECT_EQ(BasicAuthorization("ci", "s3cret"), "Basic Y2k6czNjcmV0");
  EXPECT_EQ(BasicAuthorization("a", ""), "Basic YTo=");
}

TEST(RegistryAuthTest, TokenRequestUrlEncodesServiceAndScopes) {
  EXPECT_EQ(TokenRequestUrl("https://auth.example/token", "registry.example",
                            {"repository:team/app:pull,push"}),
            "https://auth.example/token?service=registry.example"
            "&scope=repository%3Ateam%2Fapp%3Apull%2Cpush");
  EXPECT_EQ(TokenRequestUrl("https://auth/t?tenant=1", "", {"a", "b c"}),
            "https://auth/t?tenant=1&scope=a&scope=b%20c");
}

TEST(RegistryAuthTest, ReadsTokenOrAccessToken) {
  EXPECT_EQ(ReadToken(R"({"token":"t1","access_token":"t2"})").value(), "t1");
  EXPECT_EQ(ReadToken(R"({"access_token":"t2","expires_in":300})").value(), "t2");
  EXPECT_EQ(ReadToken(R"({"token":""})").status().message(),
            "token service answered without a token");
  EXPECT_EQ(ReadToken("<html>").status().code(), Status::Code::kInternal);
}

TEST(RegistryAuthTest, Scopes) {
  EXPECT_EQ(PullScope("team/app"), "repository:team/app:pull");
  EXPECT_EQ(PushScope("team/app"), "repository:team/app:pull,push");
}

}  // namespace
}  // namespace rollcall
