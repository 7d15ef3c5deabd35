// What a recreated container keeps: its own configuration, not its old
// image's defaults, and nothing the engine assigned.
#include "docker/recreate_spec.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

const char* kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Json Container() {
  return {
      {"Id", kId},
      {"Config",
       {{"Hostname", "0123456789ab"},
        {"Env", {"PATH=/usr/bin", "APP_VERSION=1", "TENANT=acme", "HOSTNAME=0123456789ab"}},
        {"Labels", {{"org.opencontainers.image.version", "1"}, {"rollcall.tenant", "acme"}}},
        {"Cmd", {"/start.sh"}},
        {"Entrypoint", Json::array()},
        {"WorkingDir", "/app"},
        {"ExposedPorts", {{"8080/tcp", Json::object()}}},
        {"Image", "reg.test/app:v1"}}},
      {"HostConfig",
       {{"NetworkMode", "tenants"},
        {"RestartPolicy", {{"Name", "always"}, {"MaximumRetryCount", 0}}},
        {"ExtraHosts", {"db:10.0.0.9"}},
        {"Binds", {"/srv/acme/config:/config:ro"}}}},
      {"Mounts",
       {{{"Type", "bind"}, {"Source", "/srv/acme/config"}, {"Destination", "/config"}, {"RW", false}},
        {{"Type", "volume"}, {"Name", "3f2a"}, {"Destination", "/data"}, {"RW", true}}}},
      {"NetworkSettings",
       {{"Networks",
         {{"tenants", {{"Aliases", {"acme", "0123456789ab"}}, {"IPAddress", "172.18.0.5"}, {"NetworkID", "n1"}}},
          {"monitoring", {{"Aliases", Json()}, {"IPAddress", "172.19.0.5"}}}}}}}};
}

Json OldImage() {
  return {{"Id", "sha256:1111"},
          {"Config",
           {{"Env", {"PATH=/usr/bin", "APP_VERSION=1"}},
            {"Labels", {{"org.opencontainers.image.version", "1"}}},
            {"Cmd", {"/start.sh"}},
            {"WorkingDir", "/app"},
            {"ExposedPorts", {{"8080/tcp", Json::object()}}}}}};
}

TEST(RecreateSpecTest, KeepsTheContainersOwnConfigurationAndDropsTheOldImagesDefaults) {
  Result<CreateSpec> spec = RecreateSpec(Container(), OldImage(), "reg.test/app:v2");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const Json& b = spec->body;
  EXPECT_EQ(b["Image"], "reg.test/app:v2");
  EXPECT_EQ(b["Env"], Json({"TENANT=acme"}));
  EXPECT_EQ(b["Labels"], Json({{"rollcall.tenant", "acme"}}));
  EXPECT_FALSE(b.contains("Cmd"));         // the new image's command applies
  EXPECT_FALSE(b.contains("Entrypoint"));  // none was set
  EXPECT_FALSE(b.contains("WorkingDir"));
  EXPECT_TRUE(b["ExposedPorts"].empty());
  EXPECT_FALSE(b.contains("Hostname"));  // the engine's, from the short id
  EXPECT_EQ(b["HostConfig"]["RestartPolicy"]["Name"], "always");
  EXPECT_EQ(b["HostConfig"]["ExtraHosts"], Json({"db:10.0.0.9"}));
}

TEST(RecreateSpecTest, AnonymousVolumesComeAlongByName) {
  Result<CreateSpec> spec = RecreateSpec(Container(), OldImage(), "reg.test/app:v2");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->body["HostConfig"]["Binds"], Json({"/srv/acme/config:/config:ro", "3f2a:/data"}));
}

TEST(RecreateSpecTest, NetworksKeepTheirAliasesButNotWhatTheEngineAssigned) {
  Result<CreateSpec> spec = RecreateSpec(Container(), OldImage(), "reg.test/app:v2");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->body["NetworkingConfig"], Json({{"EndpointsConfig", {{"tenants", {{"Aliases", {"acme"}}}}}}}));
  ASSERT_EQ(spec->more_networks.size(), 1u);
  EXPECT_EQ(spec->more_networks[0].first, "monitoring");
  EXPECT_EQ(spec->more_networks[0].second, Json::object());
}

TEST(RecreateSpecTest, HostNetworkingSharesTheHostsNameAndHasNoEndpoints) {
  Json c = Container();
  c["HostConfig"]["NetworkMode"] = "host";
  c["Config"]["Hostname"] = "buildhost";
  Result<CreateSpec> spec = RecreateSpec(c, OldImage(), "reg.test/app:v2");
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(spec->body.contains("Hostname"));
  EXPECT_FALSE(spec->body.contains("NetworkingConfig"));
  EXPECT_TRUE(spec->more_networks.empty());
}

TEST(RecreateSpecTest, ACustomCommandAndHostnameStay) {
  Json c = Container();
  c["Config"]["Cmd"] = {"/start.sh", "--verbose"};
  c["Config"]["Hostname"] = "acme";
  Result<CreateSpec> spec = RecreateSpec(c, OldImage(), "reg.test/app:v2");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->body["Cmd"], Json({"/start.sh", "--verbose"}));
  EXPECT_EQ(spec->body["Hostname"], "acme");
}

TEST(RecreateSpecTest, WithoutTheOldImageEverythingButTheEnginesHostnameStays) {
  Result<CreateSpec> spec = RecreateSpec(Container(), Json(), "reg.test/app:v2");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->body["Env"], Json({"PATH=/usr/bin", "APP_VERSION=1", "TENANT=acme"}));
  EXPECT_EQ(spec->body["Cmd"], Json({"/start.sh"}));
}

TEST(RecreateSpecTest, AContainerWithoutConfigIsInvalid) {
  EXPECT_FALSE(RecreateSpec(Json::object(), Json(), "x").ok());
  EXPECT_FALSE(RecreateSpec(Json{{"Config", Json::object()}}, Json(), "x").ok());
}

}  // namespace
}  // namespace rollcall
