// Recovery end to end (DESIGN §10): rollcalld over rollcall-sim with a
// one-second drift watch. A tenant the simulator flips back after the
// rollout (`revert:S`) is redeployed by --auto-recover; a stuck tenant the
// rollout quarantined is recovered by `rollcall recover` once its fault is
// cleared and leaves quarantine; a freeze and a cordon hold automatic
// recovery back; a running rollout's tenants are never recovered under it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

#include "stack.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

Json TenantOf(const Json& fleet, const std::string& slug) {
  for (const auto& t : fleet.value("tenants", Json::array())) {
    if (t.value("slug", "") == slug) return t;
  }
  return Json::object();
}

std::string ObservedState(const Json& fleet, const std::string& slug) {
  Json observed = TenantOf(fleet, slug).value("observed", Json());
  return observed.is_object() ? observed.value("state", "") : "";
}

// The recovery rollouts in the ledger, oldest first.
std::vector<Json> Recoveries(Stack& s) {
  std::vector<Json> out;
  for (const auto& r : s.Get("/v1/rollouts").Json().value("rollouts", Json::array())) {
    Json full = s.Get("/v1/rollouts/" + r.value("id", "")).Json();
    if (full.value("recovery", false)) out.push_back(full);
  }
  return out;
}

Json Audit(Stack& s, const std::string& query) { return s.Get("/v1/audit?" + query).Json().value("entries", Json::array()); }

std::string RollOut(Stack& s, const std::string& policy, const std::string& tag, int seq) {
  Json done = s.WaitFinished(s.StartRollout(RolloutBody(Json::parse(policy), tag, seq)));
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  return done.value("id", "");
}

TEST(RecoveryIt, AutoRecoveryRedeploysATenantThatFellBackAndNeverRacesARollout) {
  Stack s({.tenants = 4, .faults = {"t0001=revert:1"}, .deploy_ms = "300",
           .server_args = {"--watch-interval", "1", "--auto-recover", "--auto-recover-backoff", "1s"}});
  RollOut(s, R"({"max_parallel": 4})", "v2", 2);
  const std::string v2 = s.image_repo() + ":v2";
  Json fleet;
  const bool recovered = PollUntil(
      [&] {
        Json sim = s.SimState()["tenants"]["t0001"];
        fleet = s.Get("/v1/fleet").Json();
        return sim.value("deploy_count", 0) >= 2 && sim.value("image", "") == v2 &&
               ObservedState(fleet, "t0001") == "on_target";
      },
      After(30s));
  ASSERT_TRUE(recovered) << fleet.dump() << "\n" << s.SimState().dump();
  std::vector<Json> recoveries = Recoveries(s);
  ASSERT_EQ(recoveries.size(), 1u);
  EXPECT_EQ(recoveries[0]["enumerated"], Json::array({"t0001"}));
  EXPECT_EQ(recoveries[0]["state"], "succeeded");
  Json attempts = Audit(s, "kind=recover&actor=auto-recover");
  ASSERT_EQ(attempts.size(), 1u) << attempts.dump();
  EXPECT_EQ(attempts[0]["target"], "t0001");
  EXPECT_THAT(attempts[0].value("reason", ""), HasSubstr("attempt 1"));
  Json drift = Audit(s, "kind=drift&actor=drift-watch");
  EXPECT_GE(drift.size(), 2u);  // on_target -> drifted, drifted -> on_target

  // A slow rollout of v3, one tenant at a time: while it runs, the watch
  // sees the tenants it has not reached yet behind v3 — that is the
  // rollout's work, not drift to recover.
  RollOut(s, R"({"max_parallel": 1})", "v3", 3);
  EXPECT_EQ(Recoveries(s).size(), 1u);
  Json sim = s.SimState()["tenants"];
  for (const char* slug : {"t0000", "t0001", "t0002", "t0003"}) {
    int v3_deploys = 0;
    for (const auto& image : sim[slug]["history"]) v3_deploys += image == s.image_repo() + ":v3" ? 1 : 0;
    EXPECT_EQ(v3_deploys, 1) << slug << ": " << sim[slug].dump();
  }
}

TEST(RecoveryIt, AStuckTenantIsRecoveredByHandOnceItsFaultIsClearedAndLeavesQuarantine) {
  Stack s({.tenants = 3, .faults = {"t0001=stuck"}});
  RollOut(s, R"({"max_parallel": 3, "max_stragglers": 1})", "v2", 2);
  ASSERT_TRUE(TenantOf(s.Get("/v1/fleet").Json(), "t0001").value("quarantined", false));
  // Still stuck: the recovery fails and the tenant stays quarantined with the new reason.
  CliRun again = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kAdmin, "recover",
                                                "--reason", "try again"});
  EXPECT_EQ(again.exit, 1) << again.out << again.err;
  Json t1 = TenantOf(s.Get("/v1/fleet").Json(), "t0001");
  EXPECT_TRUE(t1.value("quarantined", false));
  const std::string first_recovery = Recoveries(s).at(0).value("id", "");
  EXPECT_THAT(t1.value("quarantine_reason", ""), HasSubstr("rollout " + first_recovery + ": OffTarget"));

  httplib::Client sim(s.sim().host, s.sim().port);
  ASSERT_EQ(sim.Delete("/sim/v1/tenants/t0001/faults")->status, 200);

  CliRun fixed = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kAdmin, "recover",
                                                "--only", "t0001", "--reason", "host fixed"});
  EXPECT_EQ(fixed.exit, 0) << fixed.out << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("to 1 tenant(s): t0001"));
  Json fleet = s.Get("/v1/fleet").Json();
  EXPECT_FALSE(TenantOf(fleet, "t0001").value("quarantined", true)) << fleet.dump();
  EXPECT_EQ(s.SimState()["tenants"]["t0001"]["image"], s.image_repo() + ":v2");
  EXPECT_EQ(s.SimState()["tenants"]["t0000"]["deploy_count"], 1);  // only the one left behind
  Json by_hand = Audit(s, "kind=fleet.recover&actor=admin");
  ASSERT_EQ(by_hand.size(), 2u);
  EXPECT_EQ(by_hand[0]["reason"], "host fixed");  // newest first

  CliRun nothing = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kAdmin, "recover"});
  EXPECT_EQ(nothing.exit, 0);
  EXPECT_THAT(nothing.out, HasSubstr("nothing to recover"));
  CliRun table = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kRead, "fleet"});
  EXPECT_EQ(table.exit, 0);
  EXPECT_THAT(table.out, HasSubstr("desired release: v2 (seq 2, sha abc1234)"));
  CliRun unknown = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kAdmin, "recover",
                                                  "--only", "nope"});
  EXPECT_EQ(unknown.exit, 2);
  EXPECT_THAT(unknown.err, HasSubstr("only[0]: no tenant \"nope\""));
}

TEST(RecoveryIt, FreezeAndCordonHoldAutomaticRecoveryBack) {
  Stack s({.tenants = 3, .faults = {"t0001=stuck", "t0002=stuck"}});
  RollOut(s, R"({"max_parallel": 3, "max_stragglers": 2})", "v2", 2);
  ASSERT_EQ(s.Post("/v1/fleet/freeze", R"({"reason":"incident 7"})").status, 200);
  ASSERT_EQ(s.Post("/v1/tenants/t0002/cordon", "").status, 200);
  s.RestartServerWith({"--watch-interval", "1", "--auto-recover", "--auto-recover-backoff", "1s"});

  // The look that finds t0001 drifted is the one that would start its
  // recovery, in the same turn of the engine loop: once a later look shows,
  // that turn is over.
  Json fleet;
  std::string first_look;
  ASSERT_TRUE(PollUntil(
      [&] {
        fleet = s.Get("/v1/fleet").Json();
        Json observed = TenantOf(fleet, "t0001").value("observed", Json());
        if (!observed.is_object() || observed.value("state", "") != "drifted") return false;
        if (first_look.empty()) first_look = observed.value("at", "");
        return observed.value("at", "") != first_look;
      },
      After(30s)))
      << fleet.dump();
  EXPECT_TRUE(Recoveries(s).empty());
  EXPECT_TRUE(Audit(s, "kind=recover").empty());

  ASSERT_EQ(s.Post("/v1/fleet/unfreeze", "").status, 200);
  std::vector<Json> recoveries;
  ASSERT_TRUE(PollUntil(
      [&] {
        recoveries = Recoveries(s);
        return !recoveries.empty() && recoveries.back().value("state", "") == "failed";
      },
      After(30s)));
  EXPECT_EQ(recoveries[0]["enumerated"], Json::array({"t0001"}));  // never the cordoned t0002

  httplib::Client sim(s.sim().host, s.sim().port);
  ASSERT_EQ(sim.Delete("/sim/v1/tenants/t0001/faults")->status, 200);
  ASSERT_TRUE(PollUntil(
      [&] {
        fleet = s.Get("/v1/fleet").Json();
        return !TenantOf(fleet, "t0001").value("quarantined", true);
      },
      After(30s)))
      << fleet.dump();
  EXPECT_TRUE(TenantOf(fleet, "t0002").value("quarantined", false));
  EXPECT_EQ(s.SimState()["tenants"]["t0002"]["deploy_count"], 1);
  for (const auto& r : Recoveries(s)) EXPECT_EQ(r["enumerated"], Json::array({"t0001"}));
}

}  // namespace
}  // namespace rollcall::it
