#include "server/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(AuthTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(AuthTest, AdminReadAndNone) {
  Authorizer auth("adm", "rd");
  EXPECT_EQ(auth.Check("Bearer adm"), Access::kAdmin);
  EXPECT_EQ(auth.Check("Bearer rd"), Access::kRead);
  EXPECT_EQ(auth.Check("Bearer nope"), Access::kNone);
  EXPECT_EQ(auth.Check("adm"), Access::kNone);
  EXPECT_EQ(auth.Check("Bearer "), Access::kNone);
  EXPECT_EQ(auth.Check(""), Access::kNone);
  EXPECT_EQ(auth.Check("Basic adm"), Access::kNone);
}

TEST(AuthTest, AnEmptyReadTokenGrantsNothing) {
  Authorizer auth("adm", "");
  EXPECT_EQ(auth.Check("Bearer "), Access::kNone);
  EXPECT_EQ(auth.Check("Bearer adm"), Access::kAdmin);
}

TEST(AuthTest, TheSingleTokensAreNamedAdminAndRead) {
  Authorizer auth("adm", "rd");
  EXPECT_EQ(auth.Identify("Bearer adm").name, "admin");
  EXPECT_EQ(auth.Identify("Bearer rd").name, "read");
  EXPECT_EQ(auth.Identify("Bearer x").name, "");
}

TEST(AuthTest, ATokensFileNamesEachTokenAndItsRole) {
  Result<std::vector<NamedToken>> tokens = ParseTokensFile(
      "# who may do what\n"
      "\n"
      "ci-deploy   admin  0123456789abcdef-ci\n"
      "  alice@acme read 0123456789abcdef-alice  \n",
      "tokens.txt");
  ASSERT_TRUE(tokens.ok()) << tokens.status().message();
  Result<Authorizer> auth = Authorizer::Create(*tokens);
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  Caller ci = auth->Identify("Bearer 0123456789abcdef-ci");
  EXPECT_EQ(ci.access, Access::kAdmin);
  EXPECT_EQ(ci.name, "ci-deploy");
  Caller alice = auth->Identify("Bearer 0123456789abcdef-alice");
  EXPECT_EQ(alice.access, Access::kRead);
  EXPECT_EQ(alice.name, "alice@acme");
  EXPECT_EQ(auth->Identify("Bearer 0123456789abcdef").access, Access::kNone);
}

TEST(AuthTest, ABadTokensFileIsRefusedNamingTheLineNeverTheToken) {
  const char* secret = "s3cret-s3cret-s3cret";
  struct Case {
    std::string text, says;
  };
  for (const Case& c : std::vector<Case>{
           {"a admin\n", "line 1: expected NAME ROLE TOKEN"},
           {"ok read 0123456789abcdef\na admin " + std::string(secret) + " extra\n", "line 2: expected NAME"},
           {"a root " + std::string(secret) + "\n", "line 1: ROLE must be admin or read"},
           {"a/b admin " + std::string(secret) + "\n", "line 1: NAME must be"},
           {"a admin s3cret\n", "line 1: the token of a is shorter than 16"},
       }) {
    Result<std::vector<NamedToken>> tokens = ParseTokensFile(c.text, "tokens.txt");
    ASSERT_FALSE(tokens.ok()) << c.text;
    EXPECT_THAT(tokens.status().message(), HasSubstr("tokens.txt " + c.says)) << c.text;
    EXPECT_THAT(tokens.status().message(), Not(HasSubstr("s3cret"))) << c.text;
  }
}

TEST(AuthTest, NamesAndTokensMustBeDistinct) {
  Result<Authorizer> twice_named = Authorizer::Create(
      {{"ci", Access::kAdmin, "0123456789abcdef-1"}, {"ci", Access::kRead, "0123456789abcdef-2"}});
  ASSERT_FALSE(twice_named.ok());
  EXPECT_THAT(twice_named.status().message(), HasSubstr("ci is used twice"));
  Result<Authorizer> same_token = Authorizer::Create(
      {{"ci", Access::kAdmin, "0123456789abcdef-1"}, {"bob", Access::kRead, "0123456789abcdef-1"}});
  ASSERT_FALSE(same_token.ok());
  EXPECT_THAT(same_token.status().message(), HasSubstr("ci and bob are the same token"));
  EXPECT_THAT(same_token.status().message(), Not(HasSubstr("0123456789abcdef")));
}

}  // namespace
}  // namespace rollcall
