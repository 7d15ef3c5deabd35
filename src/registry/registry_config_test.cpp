#include "registry/registry_config.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

RegistryConfig Config(std::string url) {
  RegistryConfig c;
  c.url = std::move(url);
  c.repository = "team/app";
  return c;
}

TEST(RegistryConfigTest, AcceptsHttpsAndInsecureHttp) {
  EXPECT_TRUE(ValidateRegistryConfig(Config("https://registry.example")).ok());
  EXPECT_TRUE(ValidateRegistryConfig(Config("https://registry.example:5000/")).ok());
  RegistryConfig loopback = Config("http://127.0.0.1:5000");
  loopback.insecure = true;
  EXPECT_TRUE(ValidateRegistryConfig(loopback).ok());
}

TEST(RegistryConfigTest, PlainHttpNeedsInsecure) {
  Status s = ValidateRegistryConfig(Config("http://127.0.0.1:5000"));
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_EQ(s.message(),
            "registry url \"http://127.0.0.1:5000\" is plain HTTP; use https:// or set insecure "
            "to allow it");
}

TEST(RegistryConfigTest, RefusesMalformedUrls) {
  for (const char* url : {"", "registry.example", "ftp://registry.example",
                          "https://registry.example/v2", "https://", "https://a b"}) {
    EXPECT_EQ(ValidateRegistryConfig(Config(url)).code(), Status::Code::kInvalid) << url;
  }
}

TEST(RegistryConfigTest, CredentialsInTheUrlAreRefusedWithoutBeingEchoed) {
  Status s = ValidateRegistryConfig(Config("https://ci:hunter2@registry.example"));
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
}

TEST(RegistryConfigTest, ChecksRepositoryCredentialsAndTimeout) {
  RegistryConfig c = Config("https://registry.example");
  c.repository = "Team/App";
  EXPECT_EQ(ValidateRegistryConfig(c).message(),
            "registry repository \"Team/App\" is not a valid repository name");
  c = Config("https://registry.example");
  c.password = "secret";
  EXPECT_EQ(ValidateRegistryConfig(c).message(), "registry password is set without a username");
  c = Config("https://registry.example");
  c.timeout = Duration::zero();
  EXPECT_EQ(ValidateRegistryConfig(c).message(), "registry timeout must be positive");
}

TEST(RegistryConfigTest, NamesTheRepositoryByHost) {
  EXPECT_EQ(RegistryName(Config("https://registry.example:5000/")),
            "registry.example:5000/team/app");
  EXPECT_EQ(RegistryBaseUrl(Config("https://registry.example/")), "https://registry.example");
}

TEST(RegistryConfigTest, RepositoryGrammar) {
  EXPECT_TRUE(IsValidRepository("app"));
  EXPECT_TRUE(IsValidRepository("team/my-app_2/x.y"));
  EXPECT_FALSE(IsValidRepository("team//app"));
  EXPECT_FALSE(IsValidRepository("/app"));
  EXPECT_FALSE(IsValidRepository("app/"));
  EXPECT_FALSE(IsValidRepository("-app"));
  EXPECT_FALSE(IsValidRepository("app?x"));
}

TEST(ParseImageRepoTest, SplitsHostAndRepository) {
  Result<ImageRepo> a = ParseImageRepo("127.0.0.1:5000/app");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->host, "127.0.0.1:5000");
  EXPECT_EQ(a->repository, "app");
  Result<ImageRepo> b = ParseImageRepo("registry.example.com/team/app");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "registry.example.com");
  EXPECT_EQ(b->repository, "team/app");
  Result<ImageRepo> c = ParseImageRepo("localhost/app");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "localhost");
}

TEST(ParseImageRepoTest, RefusesWhatItCannotSplit) {
  EXPECT_EQ(ParseImageRepo("app").status().message(),
            "image repo \"app\" must start with a registry host, e.g. registry.example/app");
  EXPECT_EQ(ParseImageRepo("team/app").status().code(), Status::Code::kInvalid);
  EXPECT_EQ(ParseImageRepo("registry.example/app:latest").status().message(),
            "image repo \"registry.example/app:latest\" must not carry a tag or digest");
  EXPECT_EQ(ParseImageRepo("registry.example/app@sha256:00").status().code(),
            Status::Code::kInvalid);
  EXPECT_EQ(ParseImageRepo("registry.example/").status().code(), Status::Code::kInvalid);
  EXPECT_EQ(ParseImageRepo("registry.example/App").status().code(), Status::Code::kInvalid);
}

}  // namespace
}  // namespace rollcall
