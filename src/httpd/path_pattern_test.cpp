#include "httpd/path_pattern.h"

#include <gtest/gtest.h>

namespace rollcall::httpd {
namespace {

using Captures = std::vector<std::string>;

TEST(PathPattern, LiteralsCapturesAndAlternatives) {
  EXPECT_EQ(PathPattern("/healthz").Match("/healthz"), Captures{});
  EXPECT_FALSE(PathPattern("/healthz").Match("/healthz/"));
  EXPECT_EQ(PathPattern("/v1/tenants:bulk").Match("/v1/tenants:bulk"), Captures{});
  PathPattern one("/v1/tenants/{}");
  EXPECT_EQ(one.Match("/v1/tenants/acme"), Captures{"acme"});
  EXPECT_FALSE(one.Match("/v1/tenants/"));
  EXPECT_FALSE(one.Match("/v1/tenants"));
  EXPECT_FALSE(one.Match("/v1/tenants/a/b"));
  EXPECT_FALSE(one.Match("/v1/tenants:bulk"));
  PathPattern control("/v1/rollouts/{}/{cancel|pause|resume}");
  EXPECT_EQ(control.Match("/v1/rollouts/r1/pause"), (Captures{"r1", "pause"}));
  EXPECT_FALSE(control.Match("/v1/rollouts/r1/explode"));
  EXPECT_FALSE(control.Match("/v1/rollouts//pause"));
}

}  // namespace
}  // namespace rollcall::httpd
