#include "core/image_ref.h"

#include <gtest/gtest.h>

#include <string>

namespace rollcall {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(ImageRefTest, RepositoriesFollowTheDistributionGrammar) {
  for (const char* good : {"app", "acme/app", "ghcr.io/acme/app", "registry.local/app", "localhost/app",
                           "localhost:5000/app", "127.0.0.1:5000/team/app", "reg-1.example.com/a/b/c",
                           "a__b/c.d", "a--b", "[::1]:5000/app", "Registry.Example.com/app"}) {
    EXPECT_TRUE(IsValidRepository(good)) << good;
  }
  for (const char* bad : {"", "App", "acme/App", "Not A Repo", "app:v1", "/app", "app/", "a//b", "-app",
                          "app-", "a...b", "a___b", "reg.test:port/app", "reg.test:123456/app",
                          "reg..test/app", "-reg.test/app", "app\nx", "a@b"}) {
    EXPECT_FALSE(IsValidRepository(bad)) << bad;
  }
  EXPECT_FALSE(IsValidRepository(std::string(256, 'a')));
}

TEST(ImageRefTest, ReferencesTakeATagAndOrADigest) {
  for (std::string good : {std::string("app:v1"), std::string("registry.it/app:v1"),
                           std::string("localhost:5000/app"), std::string("localhost:5000/app:v1.2_3-rc"),
                           "app@" + kDigest, "ghcr.io/acme/app:v1@" + kDigest}) {
    EXPECT_TRUE(IsValidImageReference(good)) << good;
  }
  for (std::string bad : {std::string("app:"), std::string("app:v1 and more"), std::string("app:-x"),
                          std::string("registry.it/app:v1\n"), std::string("app@sha256:abc"),
                          std::string(":v1"), std::string("app:v1:v2"), "app@" + kDigest + "@" + kDigest}) {
    EXPECT_FALSE(IsValidImageReference(bad)) << bad;
  }
}

}  // namespace
}  // namespace rollcall
