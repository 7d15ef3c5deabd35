// Strict JSON mapping: every bad input is an error naming its field.
#include "core/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::HasSubstr;

Json J(const char* text) { return Json::parse(text); }

const char* kTenant = R"({"slug":"acme","base_url":"http://10.0.0.5:8080","driver":"agent",
  "agent_url":"http://10.0.0.5:7701","labels":{"region":"eu"},"vars":{"host":"10.0.0.5"},
  "image_repo":null,"state":"active"})";

TEST(JsonCodecTest, TenantFromTheDesignExample) {
  Result<Tenant> t = ParseTenant(J(kTenant));
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->slug, "acme");
  EXPECT_EQ(t->driver, DriverKind::kAgent);
  EXPECT_EQ(t->labels.at("region"), "eu");
  EXPECT_EQ(t->vars.at("host"), "10.0.0.5");
  EXPECT_FALSE(t->image_repo.has_value());
  EXPECT_EQ(t->state, TenantState::kActive);
}

TEST(JsonCodecTest, TenantRoundTripsThroughItsOwnJson) {
  Tenant t = *ParseTenant(J(kTenant));
  t.running_image = "repo:v1";  // observed fields are shown, and ignored on input
  Result<Tenant> again = ParseTenant(ToJson(t));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(ToJson(*again)["agent_url"], "http://10.0.0.5:7701");
  EXPECT_EQ(again->running_image, "");
}

TEST(JsonCodecTest, TenantPublicUrlIsOptionalAndRoundTrips) {
  Tenant t = *ParseTenant(J(kTenant));
  EXPECT_EQ(t.public_url, "");
  EXPECT_TRUE(ToJson(t)["public_url"].is_null());
  Json with = J(kTenant);
  with["public_url"] = "https://acme.example.com";
  Result<Tenant> edge = ParseTenant(with);
  ASSERT_TRUE(edge.ok()) << edge.status().message();
  EXPECT_EQ(edge->public_url, "https://acme.example.com");
  EXPECT_EQ(ParseTenant(ToJson(*edge))->public_url, "https://acme.example.com");
}

TEST(JsonCodecTest, ExecTenant) {
  Result<Tenant> t = ParseTenant(J(R"({"slug":"b","base_url":"http://h","driver":"exec",
    "exec":{"deploy":["ssh","{host}","/opt/app/redeploy","{image}"],"inspect":["ssh","{host}","cat"]},
    "vars":{"host":"10.0.0.6"}})"));
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->exec.deploy.size(), 4u);
  EXPECT_EQ(t->exec.inspect[2], "cat");
}

TEST(JsonCodecTest, BulkRejectsDuplicatesAndNamesTheIndex) {
  Result<std::vector<Tenant>> list = ParseTenantList(J(R"({"tenants":[
    {"slug":"a","base_url":"http://h","driver":"agent","agent_url":"http://h:1"},
    {"slug":"a","base_url":"http://h","driver":"agent","agent_url":"http://h:1"}]})"));
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().message(), "tenants[1].slug: \"a\" appears twice");
  Result<std::vector<Tenant>> bad = ParseTenantList(J(R"({"tenants":[{"slug":"A"}]})"));
  EXPECT_THAT(bad.status().message(), HasSubstr("tenants[0].base_url: required"));
}

TEST(JsonCodecTest, RolloutRequestTakesServerDefaultsForMissingPolicyFields) {
  Policy defaults;
  defaults.max_parallel = 9;
  Result<RolloutRequest> req = ParseRolloutRequest(
      J(R"({"release":{"tag":"v1.2.3","git_sha":"abcdef1","seq":42},
            "policy":{"canary":["acme"],"soak_seconds":0.25,"max_stragglers":"10%","strategy":"batches"}})"),
      defaults);
  ASSERT_TRUE(req.ok()) << req.status().message();
  EXPECT_EQ(req->release.seq, std::optional<int64_t>(42));
  EXPECT_EQ(req->policy.max_parallel, 9);
  EXPECT_DOUBLE_EQ(req->policy.soak_seconds, 0.25);
  EXPECT_TRUE(req->policy.max_stragglers.percent);
  EXPECT_EQ(req->policy.max_stragglers.value, 10);
  EXPECT_EQ(req->policy.strategy, Strategy::kBatches);
}

TEST(JsonCodecTest, PolicyRoundTrips) {
  Policy p;
  p.canary = {"a"};
  p.max_stragglers = {25, true};
  p.only_slugs = std::vector<std::string>{"a", "b"};
  p.health_interval_s = 0.05;
  Result<Policy> again = ParsePolicy(ToJson(p), Policy{});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(ToJson(*again), ToJson(p));
}

struct BadRequest {
  const char* body;
  const char* error;
};

class BadRolloutRequestTest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(BadRolloutRequestTest, IsInvalidNamingTheField) {
  Result<RolloutRequest> req = ParseRolloutRequest(J(GetParam().body), Policy{});
  ASSERT_FALSE(req.ok()) << GetParam().body;
  EXPECT_EQ(req.status().code(), Status::Code::kInvalid);
  EXPECT_THAT(req.status().message(), HasSubstr(GetParam().error)) << GetParam().body;
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadRolloutRequestTest,
    ::testing::Values(
        BadRequest{R"({})", "release: required"},
        BadRequest{R"({"release":{"tag":"v1"},"bogus":1})", "bogus: unknown field"},
        BadRequest{R"({"release":"v1"})", "release: must be a JSON object"},
        BadRequest{R"({"release":{}})", "release.tag: required"},
        BadRequest{R"({"release":{"tag":"-bad"}})", "release.tag: must match"},
        BadRequest{R"({"release":{"tag":"v1","git_sha":"xyz"}})", "release.git_sha: must be 7 to 40 hex"},
        BadRequest{R"({"release":{"tag":"v1","git_sha":"abc12"}})", "release.git_sha"},
        BadRequest{R"({"release":{"tag":"v1","seq":"7"}})", "release.seq: must be an integer"},
        BadRequest{R"({"release":{"tag":"v1","seq":1.5}})", "release.seq: must be an integer"},
        BadRequest{R"({"release":{"tag":"v1","seq":-1}})", "release.seq: must be >= 0"},
        BadRequest{R"({"release":{"tag":"v1","extra":1}})", "release.extra: unknown field"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"max_parallel":0}})", "policy.max_parallel: must be >= 1"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"max_parallel":"3"}})", "policy.max_parallel: must be an integer"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"soak_seconds":-1}})", "policy.soak_seconds: must be a number of seconds >= 0"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"health_timeout_s":"90"}})", "policy.health_timeout_s: must be a number"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"per_tenant_timeout_s":-0.5}})", "policy.per_tenant_timeout_s"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"health_interval_s":-3}})", "policy.health_interval_s"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"max_stragglers":-1}})", "policy.max_stragglers: must be an integer >= 0"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"max_stragglers":"101%"}})", "policy.max_stragglers"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"max_stragglers":"ten"}})", "policy.max_stragglers"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"max_stragglers":1.5}})", "policy.max_stragglers"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"strategy":"yolo"}})", "policy.strategy: must be one of window, batches"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"canary":["a","a"]}})", "policy.canary: \"a\" is listed twice"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"canary":["Bad!"]}})", "policy.canary: \"Bad!\" is not a valid slug"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"canary":"a"}})", "policy.canary: must be a list of strings"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"only_slugs":[]}})", "policy.only_slugs: must not be an empty list"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"dry_run":"yes"}})", "policy.dry_run: must be true or false"},
        BadRequest{R"({"release":{"tag":"v1"},"policy":{"surprise":true}})", "policy.surprise: unknown field"},
        BadRequest{R"({"release":{"tag":"v1"},"rollback":1})", "rollback: must be true or false"}));

struct BadTenant {
  const char* body;
  const char* error;
};

class BadTenantTest : public ::testing::TestWithParam<BadTenant> {};

TEST_P(BadTenantTest, IsInvalidNamingTheField) {
  Result<Tenant> t = ParseTenant(J(GetParam().body));
  ASSERT_FALSE(t.ok()) << GetParam().body;
  EXPECT_THAT(t.status().message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadTenantTest,
    ::testing::Values(
        BadTenant{R"({"slug":"Acme","base_url":"http://h","driver":"agent","agent_url":"http://a"})", "slug: must match"},
        BadTenant{R"({"slug":"-acme","base_url":"http://h","driver":"agent","agent_url":"http://a"})", "slug: must match"},
        BadTenant{R"({"slug":"acme","base_url":"ftp://h","driver":"agent","agent_url":"http://a"})", "base_url: must be an http"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"ssh"})", "driver: must be one of agent, exec, docker"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"agent"})", "agent_url: must be an http"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"exec"})", "exec.deploy: must be a non-empty argv"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"exec","exec":{"deploy":["x"],"shell":"sh"}})", "exec.shell: unknown field"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"exec","exec":{"deploy":"x"}})", "exec.deploy: must be a list of strings"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"agent","agent_url":"http://a","state":"gone"})", "state: must be one of active, cordoned"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"agent","agent_url":"http://a","vars":{"a":1}})", "vars.a: must be a string"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"agent","agent_url":"http://a","image_repo":""})", "image_repo: must not be empty"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"agent","agent_url":"http://a","public_url":"acme.example.com"})", "public_url: must be an http"},
        BadTenant{R"({"slug":"acme","base_url":"http://h","driver":"agent","agent_url":"http://a","color":"red"})", "color: unknown field"}));

TEST(JsonCodecTest, MalformedBodiesAreInvalid) {
  EXPECT_EQ(ParseJsonObject("{").status().message(), "body: malformed JSON");
  EXPECT_EQ(ParseJsonObject("[1]").status().message(), "body: must be a JSON object");
  EXPECT_TRUE(ParseJsonObject(R"({"a":1})").ok());
}

TEST(JsonCodecTest, ResultRowsUseV1OrLegacyNames) {
  TenantResult row;
  row.slug = "acme";
  row.phase = "batch-1";
  row.status = TenantStatus::kTimedOut;
  row.error = "deploy did not finish";
  Json v1 = ToJson(row);
  EXPECT_EQ(v1["status"], "TimedOut");
  EXPECT_TRUE(v1["exit_code"].is_null());
  EXPECT_FALSE(v1.contains("ssm_status"));
  Json legacy = ToJson(row, RowShape::kLegacy);
  EXPECT_EQ(legacy["ssm_status"], "TimedOut");
  EXPECT_TRUE(legacy.contains("ssm_exit_code"));
  EXPECT_FALSE(legacy.contains("status"));
  for (const char* key : {"slug", "phase", "healthz_ok", "verified_on_target", "running_image",
                          "error", "started_at", "finished_at", "duration_ms"}) {
    EXPECT_TRUE(legacy.contains(key)) << key;
  }
  Result<TenantResult> back = ParseResultRow(legacy);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->status, TenantStatus::kTimedOut);
  EXPECT_FALSE(back->verified_on_target);
}

TEST(JsonCodecTest, RowWithoutVerifiedFieldCountsAsVerifiedOnlyWhenSuccessful) {
  EXPECT_TRUE(ParseResultRow(J(R"({"slug":"a","ssm_status":"Success"})"))->verified_on_target);
  EXPECT_FALSE(ParseResultRow(J(R"({"slug":"a","ssm_status":"DryRun"})"))->verified_on_target);
  EXPECT_FALSE(ParseResultRow(J(R"({"slug":"a","status":"Failed"})"))->verified_on_target);
}

}  // namespace
}  // namespace rollcall
