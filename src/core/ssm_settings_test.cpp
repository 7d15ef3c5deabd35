// The ssm driver's tenant settings: strict, each mistake named.
#include "core/ssm_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json_codec.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

Json Tenant(const Json& ssm) {
  return {{"slug", "acme"}, {"base_url", "http://10.0.0.5:8080"}, {"driver", "ssm"}, {"ssm", ssm},
          {"vars", {{"app", "web"}}}};
}

Json Good() {
  return Json::parse(R"({"instance_id":"i-0abc1234def567890","region":"eu-west-1",
    "commands":["/opt/app/redeploy {image} {app}"],"inspect":["docker inspect --format '{{.Config.Image}}' app"],
    "execution_timeout_s":600})");
}

TEST(SsmSettingsTest, TheDesignsExampleParsesAndRoundTrips) {
  Result<rollcall::Tenant> t = ParseTenant(Tenant(Good()));
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->driver, DriverKind::kSsm);
  EXPECT_EQ(t->ssm.instance_id, "i-0abc1234def567890");
  EXPECT_EQ(t->ssm.document, "AWS-RunShellScript");  // the default
  EXPECT_EQ(t->ssm.execution_timeout_s, 600);
  EXPECT_EQ(ParseTenant(ToJson(*t))->ssm, t->ssm);
  EXPECT_EQ(ToJson(*t)["driver"], "ssm");
}

TEST(SsmSettingsTest, EveryMistakeIsA400NamingItsField) {
  struct Bad {
    std::function<void(Json&)> edit;
    std::string error;
  };
  const std::vector<Bad> cases = {
      {[](Json& j) { j["instance_id"] = "i-xyz"; }, "ssm.instance_id: must be an EC2 instance id"},
      {[](Json& j) { j["instance_id"] = "i-0abc1234; rm"; }, "ssm.instance_id"},
      {[](Json& j) { j.erase("instance_id"); }, "ssm.instance_id: required"},
      {[](Json& j) { j["region"] = "Europe"; }, "ssm.region: must be an AWS region"},
      {[](Json& j) { j["commands"] = Json::array(); }, "ssm.commands: must be a non-empty list"},
      {[](Json& j) { j["commands"] = {"deploy {imgae}"}; }, "ssm.commands[0]: unknown placeholder {imgae}"},
      {[](Json& j) { j["inspect"] = {"cat {image}"}; }, "ssm.inspect[0]: unknown placeholder {image}"},
      {[](Json& j) { j["execution_timeout_s"] = 0; }, "ssm.execution_timeout_s: must be 1 to 172800"},
      {[](Json& j) { j["document"] = "x y"; }, "ssm.document"},
      {[](Json& j) { j["shell"] = "bash"; }, "ssm.shell: unknown field"},
  };
  for (const Bad& bad : cases) {
    Json ssm = Good();
    bad.edit(ssm);
    Result<rollcall::Tenant> t = ParseTenant(Tenant(ssm));
    ASSERT_FALSE(t.ok()) << ssm.dump();
    EXPECT_THAT(t.status().message(), HasSubstr(bad.error)) << ssm.dump();
  }
  Json none = Tenant(Good());
  none.erase("ssm");
  EXPECT_THAT(ParseTenant(none).status().message(), HasSubstr("ssm: required for the ssm driver"));
}

TEST(SsmSettingsTest, ManagedInstancesAndGovRegionsAreFine) {
  Json ssm = Good();
  ssm["instance_id"] = "mi-0123456789abcdef0";
  ssm["region"] = "us-gov-west-1";
  EXPECT_TRUE(ParseTenant(Tenant(ssm)).ok());
}

}  // namespace
}  // namespace rollcall
