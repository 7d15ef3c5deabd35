#include "sim/agent_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rollcall::sim {
namespace {

using Json = nlohmann::json;

TEST(AgentApiTest, ParsesAFullDeployOrder) {
  Result<DeployOrder> o =
      ParseDeployOrder(R"({"image":"r/app:v2","tag":"v2","git_sha":"abc1234","release_seq":12,)"
                       R"("rollout_id":"ro-1","rollback":true})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->image, "r/app:v2");
  EXPECT_EQ(o->tag, "v2");
  EXPECT_EQ(o->git_sha, "abc1234");
  EXPECT_EQ(o->release_seq, 12);
  EXPECT_EQ(o->rollout_id, "ro-1");
  EXPECT_TRUE(o->rollback);
}

TEST(AgentApiTest, OnlyTheImageIsRequiredAndNullMeansAbsent) {
  Result<DeployOrder> o = ParseDeployOrder(R"({"image":"r/app:v2","release_seq":null})");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->release_seq.has_value());
  EXPECT_FALSE(o->rollback);
}

TEST(AgentApiTest, RejectsBadOrdersNamingTheField) {
  struct Case {
    const char* body;
    const char* message;
  };
  for (const Case& c :
       {Case{"{", "body: malformed JSON"}, Case{"[1]", "body: must be a JSON object"},
        Case{"{}", "image: required"}, Case{R"({"image":""})", "image: must not be empty"},
        Case{R"({"image":5})", "image: must be a string"},
        Case{R"({"image":"x","release_seq":"7"})", "release_seq: must be an integer"},
        Case{R"({"image":"x","release_seq":1.5})", "release_seq: must be an integer"},
        Case{R"({"image":"x","rollback":"yes"})", "rollback: must be true or false"},
        Case{R"({"image":"x","force":true})", "force: unknown field"}}) {
    Result<DeployOrder> o = ParseDeployOrder(c.body);
    ASSERT_FALSE(o.ok()) << c.body;
    EXPECT_EQ(o.status().code(), Status::Code::kInvalid);
    EXPECT_EQ(o.status().message(), c.message) << c.body;
  }
}

TEST(AgentApiTest, AnswersHaveTheContractFields) {
  Json deploy =
      Json::parse(DeployAnswerJson({.exit_code = 0, .running_image = "i", .output = "o"}));
  EXPECT_EQ(deploy, (Json{{"exit_code", 0}, {"running_image", "i"}, {"output", "o"}}));
  Json build = Json::parse(BuildInfoJson({.image = "i", .git_sha = "s"}));
  EXPECT_EQ(build, (Json{{"git_sha", "s"}, {"image", "i"}}));
  SimTenant tenant("t", {.image = "i0", .git_sha = "s0"});
  EXPECT_EQ(Json::parse(AgentStateJson(tenant)),
            (Json{{"running_image", "i0"}, {"release_seq", nullptr}, {"deploying", nullptr}}));
}

TEST(AgentApiTest, FleetStateListsEveryTenantWithItsHistory) {
  TenantSnapshot s{.slug = "t0000",
                   .build = {.image = "i1", .git_sha = "s1"},
                   .release_seq = 3,
                   .deploy_count = 1,
                   .history = {"i0", "i1"},
                   .deploying = false,
                   .faults = {"lag:2"}};
  Json state = Json::parse(FleetStateJson({s}));
  EXPECT_EQ(state["tenant_count"], 1);
  EXPECT_EQ(state["deploy_count"], 1);
  const Json& t = state["tenants"]["t0000"];
  EXPECT_EQ(t["image"], "i1");
  EXPECT_EQ(t["git_sha"], "s1");
  EXPECT_EQ(t["release_seq"], 3);
  EXPECT_EQ(t["deploy_count"], 1);
  EXPECT_EQ(t["history"], (Json{"i0", "i1"}));
  EXPECT_EQ(t["deploying"], false);
  EXPECT_EQ(t["faults"], (Json{"lag:2"}));
}

TEST(AgentApiTest, TenantsOutIsTheBulkUpsertBody) {
  Json out = Json::parse(TenantsOutJson({"t0000", "t0001"}, "127.0.0.1", 8080));
  ASSERT_EQ(out["tenants"].size(), 2u);
  EXPECT_EQ(out["tenants"][1], (Json{{"slug", "t0001"},
                                     {"base_url", "http://127.0.0.1:8080/t/t0001"},
                                     {"driver", "agent"},
                                     {"agent_url", "http://127.0.0.1:8080/t/t0001/agent"}}));
  Json v6 = Json::parse(TenantsOutJson({"a"}, "::1", 9));
  EXPECT_EQ(v6["tenants"][0]["base_url"], "http://[::1]:9/t/a");
}

}  // namespace
}  // namespace rollcall::sim
