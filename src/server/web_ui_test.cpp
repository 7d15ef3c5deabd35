// The embedded dashboard: a strict CSP, no inline script or style for it to
// block, every module import resolving to an embedded file, and caching by
// content.
#include "server/web_ui.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "server/web_assets.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string HeaderOf(const httpd::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WebUiTest, TheIndexHasAStrictPolicyAndNoInlineScriptOrStyle) {
  httpd::HttpResponse index = DashboardIndex(nullptr);
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(index, "Content-Security-Policy"), "default-src 'self'");
  EXPECT_EQ(HeaderOf(index, "Cache-Control"), "no-cache");
  EXPECT_THAT(index.body, HasSubstr(std::string("/ui/") + kWebVersion + "/app.js"));
  EXPECT_THAT(index.body, Not(HasSubstr("{{ASSETS}}")));
  // Every <script> loads a file; no style attribute or inline handler.
  std::regex script("<script[^>]*>");
  for (auto it = std::sregex_iterator(index.body.begin(), index.body.end(), script); it != std::sregex_iterator(); ++it) {
    EXPECT_THAT(it->str(), HasSubstr(" src=")) << it->str();
  }
  EXPECT_THAT(index.body, Not(HasSubstr(" style=")));
  EXPECT_FALSE(std::regex_search(index.body, std::regex(R"(\son[a-z]+=)")));
  const std::string etag = HeaderOf(index, "ETag");
  httpd::HttpResponse again = DashboardIndex(&etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST(WebUiTest, AssetsAreImmutableUnderTheirVersionAndOthersAre404) {
  httpd::HttpResponse app = DashboardAsset(kWebVersion, "app.js", nullptr);
  ASSERT_EQ(app.status, 200);
  EXPECT_EQ(app.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(app, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(app, "Content-Security-Policy"), "default-src 'self'");
  EXPECT_EQ(HeaderOf(app, "X-Content-Type-Options"), "nosniff");
  const std::string etag = HeaderOf(app, "ETag");
  EXPECT_EQ(DashboardAsset(kWebVersion, "app.js", &etag).status, 304);
  EXPECT_EQ(DashboardAsset("0123456789abcdef", "app.js", nullptr).status, 404);
  EXPECT_EQ(DashboardAsset(kWebVersion, "nope.js", nullptr).status, 404);
  EXPECT_EQ(DashboardAsset(kWebVersion, "index.html", nullptr).status, 404);
}

TEST(WebUiTest, EveryModuleImportIsAnEmbeddedFile) {
  std::set<std::string> names;
  for (const WebAsset& a : WebAssets()) names.insert(std::string(a.name));
  std::regex import(R"(from '\./([A-Za-z0-9_.-]+)')");
  for (const WebAsset& a : WebAssets()) {
    if (!a.name.ends_with(".js")) continue;
    const std::string body(a.body);
    for (auto it = std::sregex_iterator(body.begin(), body.end(), import); it != std::sregex_iterator(); ++it) {
      EXPECT_EQ(names.count((*it)[1]), 1u) << a.name << " imports " << (*it)[1];
    }
    EXPECT_THAT(body, Not(HasSubstr("innerHTML"))) << a.name << ": text from the API must never become markup";
    EXPECT_THAT(body, Not(HasSubstr("eval("))) << a.name;
  }
}

}  // namespace
}  // namespace rollcall
