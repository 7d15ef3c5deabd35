// The docker driver's tenant settings: parsed strictly, validated with the
// field named, and round-tripped through the tenant's JSON.
#include "core/docker_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json_codec.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

Result<Tenant> DockerTenant(const std::string& docker, const std::string& extra = "") {
  return ParseTenant(Json::parse(R"({"slug":"acme","base_url":"http://h:8080","driver":"docker",)" + extra +
                                 R"("docker":)" + docker + "}"));
}

TEST(DockerSettingsTest, TheDesignExampleParsesAndRoundTrips) {
  Result<Tenant> t = DockerTenant(
      R"({"host":"unix:///var/run/docker.sock","container":"mol-tenant-{slug}",
          "keep":["mol-db-{slug}","mol-data-{region}"]})",
      R"("vars":{"region":"eu"},)");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->driver, DriverKind::kDocker);
  EXPECT_EQ(t->docker.container, "mol-tenant-{slug}");
  EXPECT_EQ(t->docker.stop_grace_s, 10);
  Result<Tenant> again = ParseTenant(ToJson(*t));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->docker, t->docker);
}

TEST(DockerSettingsTest, ALabelSelectorAndTlsOverTcp) {
  Result<Tenant> t = DockerTenant(
      R"({"host":"tcp://10.0.0.5:2376","select":{"label":"rollcall.tenant={slug}"},
          "tls":{"ca_file":"/etc/rollcall/ca.pem","cert_file":"/c.pem","key_file":"/k.pem"},
          "stop_grace_s":30})");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->docker.select_label, "rollcall.tenant={slug}");
  EXPECT_TRUE(t->docker.tls.Enabled());
  EXPECT_EQ(ToJson(*t)["docker"]["select"]["label"], "rollcall.tenant={slug}");
}

TEST(DockerSettingsTest, PlainTcpIsAllowedOnlyToLoopback) {
  EXPECT_TRUE(DockerTenant(R"({"host":"tcp://127.0.0.1:2375","container":"a"})").ok());
  Result<Tenant> remote = DockerTenant(R"({"host":"tcp://10.0.0.5:2375","container":"a"})");
  ASSERT_FALSE(remote.ok());
  EXPECT_THAT(remote.status().message(), HasSubstr("docker.tls: required"));
}

struct BadDocker {
  const char* docker;
  const char* error;
};

class BadDockerTest : public ::testing::TestWithParam<BadDocker> {};

TEST_P(BadDockerTest, IsInvalidNamingTheField) {
  Result<Tenant> t = DockerTenant(GetParam().docker);
  ASSERT_FALSE(t.ok()) << GetParam().docker;
  EXPECT_THAT(t.status().message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadDockerTest,
    ::testing::Values(
        BadDocker{R"({"container":"a"})", "docker.host: required"},
        BadDocker{R"({"host":"unix://relative.sock","container":"a"})", "docker.host: a unix socket must be"},
        BadDocker{R"({"host":"http://h:1","container":"a"})", "docker.host: must be unix:///path or tcp://host:port"},
        BadDocker{R"({"host":"tcp://h","container":"a"})", "docker.host: must be"},
        BadDocker{R"({"host":"tcp://h:99999","container":"a"})", "docker.host: must be"},
        BadDocker{R"({"host":"unix:///s","container":"a","tls":{"ca_file":"/x"}})", "docker.tls: applies to tcp://"},
        BadDocker{R"({"host":"tcp://h:2376","container":"a","tls":{"cert_file":"/x"}})", "docker.tls: cert_file and key_file"},
        BadDocker{R"({"host":"unix:///s"})", "docker.container: give exactly one of container and select.label"},
        BadDocker{R"({"host":"unix:///s","container":"a","select":{"label":"k=v"}})", "give exactly one"},
        BadDocker{R"({"host":"unix:///s","container":"-a"})", "docker.container: \"-a\" is not a Docker name"},
        BadDocker{R"({"host":"unix:///s","container":"a b"})", "is not a Docker name"},
        BadDocker{R"({"host":"unix:///s","container":"t-{host}"})", "docker.container: unknown placeholder {host}"},
        BadDocker{R"({"host":"unix:///s","select":{"label":"=v"}})", "docker.select.label: must be key=value"},
        BadDocker{R"({"host":"unix:///s","select":{"label":"novalue"}})", "docker.select.label: must be key=value"},
        BadDocker{R"({"host":"unix:///s","select":{}})", "docker.select.label: required"},
        BadDocker{R"({"host":"unix:///s","container":"a","keep":["db/{slug}"]})", "docker.keep[0]: \"db/{slug}\" is not"},
        BadDocker{R"({"host":"unix:///s","container":"a","stop_grace_s":601})", "docker.stop_grace_s: must be between"},
        BadDocker{R"({"host":"unix:///s","container":"a","network":"x"})", "docker.network: unknown field"},
        BadDocker{R"({"host":"unix:///s","container":"a","tls":{"ca":"/x"}})", "docker.tls.ca: unknown field"}));

TEST(DockerSettingsTest, TheDockerDriverNeedsItsSettings) {
  Result<Tenant> t = ParseTenant(Json::parse(R"({"slug":"a","base_url":"http://h","driver":"docker"})"));
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("docker: required for the docker driver"));
}

TEST(DockerSettingsTest, DockerNames) {
  EXPECT_TRUE(IsValidDockerName("mol-tenant-acme_1.x"));
  EXPECT_FALSE(IsValidDockerName(""));
  EXPECT_FALSE(IsValidDockerName(".a"));
  EXPECT_FALSE(IsValidDockerName(std::string(129, 'a')));
}

}  // namespace
}  // namespace rollcall
