// The drift watch end to end (DESIGN §10): rollcalld over rollcall-sim with
// a one-second watch. A tenant the simulator flips back to its old build
// after a successful rollout (`revert:S`, DESIGN §7) is reported drifted,
// in /v1/fleet and /metrics, while the rest stay on target.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

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

// GET /v1/events from the ledger's first event until a frame holds `want`,
// or 30 s have passed (checked on every chunk: heartbeats come every 15 s),
// or 20 s pass without a byte: the stream itself never ends.
std::string FollowFleetUntil(Stack& s, const std::string& want) {
  httplib::Client c(s.server().host, s.server().port);
  c.set_read_timeout(std::chrono::seconds(20));
  httplib::Headers h = {{"Authorization", std::string("Bearer ") + kRead}, {"Last-Event-ID", "0"}};
  const Deadline deadline = After(30s);
  std::string got;
  c.Get("/v1/events", h, [&](const char* data, size_t n) {
    got.append(data, n);
    return got.find(want) == std::string::npos && SteadyClock::now() < deadline;
  });
  return got;
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
  // The fleet's stream holds the rollout's events (naming it) and the
  // transition, on one sequence.
  const std::string stream = FollowFleetUntil(s, "event: audit\n");  // the drift's audit entry follows it
  EXPECT_THAT(stream, HasSubstr("event: tenant_finished\n"));
  EXPECT_THAT(stream, HasSubstr(R"("rollout_id":")" + done.value("id", "") + "\""));
  EXPECT_THAT(stream, HasSubstr("event: drift\n"));
  EXPECT_THAT(stream, HasSubstr(R"("slug":"t0001")"));
  Json audit = s.Get("/v1/audit?kind=drift", kRead).Json();
  ASSERT_EQ(audit["entries"].size(), 1u) << audit.dump();
  EXPECT_EQ(audit["entries"][0]["target"], "t0001");

  // The watch only looks: nothing was deployed again.
  EXPECT_EQ(s.SimState()["tenants"]["t0001"]["deploy_count"], 1);
}

}  // namespace
}  // namespace rollcall::it
