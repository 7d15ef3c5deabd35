// The drift watch end to end (DESIGN §10): rollcalld over rollcall-sim with
// a one-second watch. A tenant the simulator flips back to its old build
// after a successful rollout (`revert:S`, DESIGN §7) is reported drifted,
// in /v1/fleet and /metrics, while the rest stay on target.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stack.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;

Json ObservedOf(const Json& fleet, const std::string& slug) {
  for (const auto& t : fleet.value("tenants", Json::array())) {
    if (t.value("slug", "") == slug) return t.value("observed", Json());
  }
  return Json();
}

std::string StateOf(const Json& fleet, const std::string& slug) {
  Json observed = ObservedOf(fleet, slug);
  return observed.is_object() ? observed.value("state", "") : "";
}

TEST(DriftIt, ATenantThatFallsBackAfterTheRolloutIsReportedDrifted) {
  Stack s({.tenants = 3, .faults = {"t0001=revert:1"}, .server_args = {"--watch-interval", "1"}});
  Json done = s.WaitFinished(s.StartRollout(RolloutBody({{"max_parallel", 3}}, "v2", 2)));
  ASSERT_EQ(done["state"], "succeeded") << done.dump();

  Json fleet;
  const bool drifted = PollUntil(
      [&] {
        fleet = s.Get("/v1/fleet").Json();
        return StateOf(fleet, "t0001") == "drifted" && StateOf(fleet, "t0000") == "on_target" &&
               StateOf(fleet, "t0002") == "on_target";
      },
      After(20s));
  ASSERT_TRUE(drifted) << fleet.dump();
  Json observed = ObservedOf(fleet, "t0001");
  EXPECT_THAT(observed.value("detail", ""), HasSubstr("desired " + s.image_repo() + ":v2"));
  EXPECT_EQ(observed["image"], s.SimState()["tenants"]["t0001"]["image"]);
  EXPECT_TRUE(observed["since"].is_string());
  EXPECT_EQ(fleet["summary"]["observed"]["drifted"], 1);

  HttpReply metrics = s.Get("/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("rollcall_tenants_observed{state=\"drifted\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("rollcall_tenant_drift_seconds{state=\"drifted\"}"));
  // The watch only looks: nothing was deployed again.
  EXPECT_EQ(s.SimState()["tenants"]["t0001"]["deploy_count"], 1);
}

}  // namespace
}  // namespace rollcall::it
