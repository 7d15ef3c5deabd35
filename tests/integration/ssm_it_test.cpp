// Real rollouts through rollcalld over a mixed fleet: agent tenants on
// rollcall-sim, ssm tenants on FakeSsm (SigV4 checked on every request).
// An Undeliverable tenant is a straggler named with its status, a
// throttled fleet still completes, a command that never ends is cancelled,
// and the legacy endpoint's rows carry ssm_status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssm/fake_ssm.h"
#include "stack.h"

namespace rollcall::it {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr const char* kKey = "AKIAFAKE000000000001";
constexpr const char* kSecret = "fake/secret/key/0123456789abcdefgh";

struct MixedFleet {
  MixedFleet()
      : stack({.tenants = 4,
               .server_args = {"--ssm-endpoint", fake.url(), "--ssm-max-rps", "50"},
               .server_env = {{"AWS_ACCESS_KEY_ID", kKey}, {"AWS_SECRET_ACCESS_KEY", kSecret},
                              {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}}}) {}

  // An ssm tenant whose health gate is a simulated tenant's /healthz. Its
  // command ends at the first poll (1 s): rollcalld's per-tenant timeout is
  // the Stack's 3 s.
  void AddSsmTenant(const std::string& slug, const std::string& instance, FakeSsmInstance script) {
    if (script.in_progress_polls > 0) script.in_progress_polls = 0;
    fake.Script(instance, script);
    const std::string base = stack.Get("/v1/tenants/t0000").Json().value("base_url", "");
    Json t = {{"base_url", base},
              {"driver", "ssm"},
              {"ssm", {{"instance_id", instance}, {"region", "eu-west-1"},
                       {"commands", {"/opt/app/redeploy {image}"}}, {"inspect", {"cat /run/image"}}}}};
    HttpReply put = stack.Send("PUT", "/v1/tenants/" + slug, t.dump(), BearerHeader(kAdmin));
    ASSERT_EQ(put.status, 201) << put.body;
  }

  FakeSsm fake{kKey, kSecret};
  Stack stack;
};

TEST(SsmIt, AMixedFleetShipsAndAnUndeliverableTenantIsAStragglerNamedWithItsStatus) {
  MixedFleet m;
  m.AddSsmTenant("s-ok", "i-0000000000000000a", FakeSsmInstance{});
  m.AddSsmTenant("s-throttled", "i-0000000000000000b", {.throttles = 2});
  m.AddSsmTenant("s-lost", "i-0000000000000000c",
                 {.status = "Failed", .details = "Undeliverable", .response_code = -1});
  // Time enough for the throttled tenant's backoffs.
  const std::string id = m.stack.StartRollout(
      RolloutBody(Json{{"max_parallel", 7}, {"max_stragglers", 1}, {"per_tenant_timeout_s", 60}}, "v2", 2));
  Json done = m.stack.WaitFinished(id);
  EXPECT_EQ(done.value("state", ""), "succeeded") << done.dump();
  EXPECT_EQ(done["stragglers"], Json::array({"s-lost"}));
  const Json* lost = RowOf(done, "s-lost");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->value("status", ""), "Failed");
  EXPECT_THAT(lost->value("error", ""), HasSubstr("SSM Undeliverable"));
  for (const char* slug : {"s-ok", "s-throttled", "t0000", "t0003"}) {
    const Json* row = RowOf(done, slug);
    ASSERT_NE(row, nullptr) << slug;
    EXPECT_TRUE(row->value("verified_on_target", false)) << slug << ": " << row->dump();
  }
  EXPECT_EQ(RowOf(done, "s-ok")->value("running_image", ""), m.stack.image_repo() + ":v2");
  EXPECT_GT(m.fake.throttled(), 0);
  EXPECT_EQ(m.fake.bad_signatures(), 0);
  // The throttling it rode out is on the tenant's event.
  bool noted = false;
  for (const StreamEvent& e : ReadEvents(m.stack, id)) {
    if (e.type == "tenant_finished" && e.data.value("slug", "") == "s-throttled") {
      noted = e.data.contains("notes") && e.data["notes"].dump().find("throttled") != std::string::npos;
    }
  }
  EXPECT_TRUE(noted);
  // The quarantine says why, with SSM's word for it.
  EXPECT_THAT(m.stack.Get("/v1/tenants/s-lost").Json().value("quarantine_reason", ""), HasSubstr("Undeliverable"));
}

TEST(SsmIt, ACommandThatNeverEndsIsCancelledAndTheTenantTimedOut) {
  MixedFleet m;
  m.AddSsmTenant("s-stuck", "i-0000000000000000d", {.in_progress_polls = -1});
  const std::string id = m.stack.StartRollout(RolloutBody(
      Json{{"only_slugs", {"s-stuck", "t0001"}}, {"max_stragglers", 1}, {"per_tenant_timeout_s", 2}}, "v2", 2));
  Json done = m.stack.WaitFinished(id);
  const Json* stuck = RowOf(done, "s-stuck");
  ASSERT_NE(stuck, nullptr) << done.dump();
  EXPECT_EQ(stuck->value("status", ""), "TimedOut");
  ASSERT_FALSE(m.fake.sent().empty());
  ASSERT_TRUE(PollUntil([&] { return !m.fake.cancelled().empty(); }, After(std::chrono::seconds(20))));
  EXPECT_EQ(m.fake.cancelled()[0], m.fake.sent()[0].command_id);
}

TEST(SsmIt, TheLegacyEndpointsRowsCarrySsmStatusAndExitCode) {
  MixedFleet m;
  m.AddSsmTenant("s-fails", "i-0000000000000000e", {.status = "Failed", .response_code = 7});
  HttpReply legacy = m.stack.Post("/cp/admin/tenants/redeploy-fleet",
                                  R"({"target_tag":"v3","confirm":true,"batch_size":5,"max_stragglers":1,
                                      "release_seq":3,"soak_seconds":0})");
  ASSERT_EQ(legacy.status, 200) << legacy.body;
  const Json answer = legacy.Json();
  bool seen = false;
  for (const Json& row : answer["results"]) {
    if (row.value("slug", "") != "s-fails") continue;
    seen = true;
    EXPECT_EQ(row.value("ssm_status", ""), "Failed");
    EXPECT_EQ(row["ssm_exit_code"], 7);
  }
  EXPECT_TRUE(seen) << legacy.body;
  EXPECT_EQ(answer["stragglers"], Json::array({"s-fails"}));
}

}  // namespace
}  // namespace rollcall::it
