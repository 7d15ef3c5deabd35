#include "server/auth.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

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

}  // namespace
}  // namespace rollcall
