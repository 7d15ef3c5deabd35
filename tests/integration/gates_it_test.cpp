// The gates a real client's call pattern must not slip past (DESIGN §3, §4),
// end to end: rollcalld over rollcall-sim on loopback. Each test replays the
// call sequence that once got through: the legacy orchestrator's scoped
// canary call, a rollout that lands nowhere, two jobs for one commit, a
// tenant removed mid-rollout, a halted rollout's rows, a fenced dry run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "stack.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Json = nlohmann::json;

constexpr char kLegacy[] = "/cp/admin/tenants/redeploy-fleet";

int Deploys(const Json& sim, const std::string& slug) {
  return sim["tenants"][slug].value("deploy_count", -1);
}

std::set<std::string> SlugsOf(const Json& rollout) {
  std::set<std::string> slugs;
  for (const auto& row : rollout.value("results", Json::array())) slugs.insert(row.value("slug", ""));
  return slugs;
}

// ---- 2: the orchestrator's canary call --------------------------------

// prod-auto-deploy.py: a dry run naming the canary, then the canary alone
// (canary_slug removed, max_stragglers inherited), then one call per chunk.
Json DryRunCall(const std::string& canary, int batch) {
  return {{"target_tag", "v1"}, {"canary_slug", canary}, {"batch_size", batch},
          {"max_stragglers", 1}, {"confirm", true},      {"dry_run", true}};
}
Json ScopedCall(const std::vector<std::string>& slugs, int batch) {
  return {{"target_tag", "v1"}, {"only_slugs", slugs}, {"batch_size", batch},
          {"soak_seconds", 0},  {"max_stragglers", 1}, {"confirm", true}};
}

TEST(GatesIt, TheOrchestratorsScopedCanaryCallFailsOnADeadCanaryEvenAfterARestart) {
  Stack s({.tenants = 5, .faults = {"t0000=dead"}});
  HttpReply dry = s.Post(kLegacy, DryRunCall("t0000", 2).dump());
  ASSERT_EQ(dry.status, 200) << dry.body;
  // The memory is durable: a restart between the dry run and the canary.
  s.Kill9Server();
  s.StartServer();

  HttpReply canary = s.Post(kLegacy, ScopedCall({"t0000"}, 1).dump());
  EXPECT_EQ(canary.status, 500) << canary.body;
  const Json answer = canary.Json();
  EXPECT_FALSE(answer.value("ok", true)) << answer.dump();
  ASSERT_NE(RowOf(answer, "t0000"), nullptr) << answer.dump();
  EXPECT_EQ((*RowOf(answer, "t0000"))["phase"], "canary");
  EXPECT_EQ(StatusOf(answer, "t0000"), "TimedOut");
  EXPECT_THAT(answer.value("error", ""), HasSubstr("canary t0000 failed"));
  // The rollout's events say where the canary came from.
  bool told = false;
  for (const auto& e : ReadEvents(s, answer.value("rollout_id", ""))) {
    told = told || e.data.dump().find("canary t0000 from the legacy dry run") != std::string::npos;
  }
  EXPECT_TRUE(told) << "no event names the remembered canary";
  const Json sim = s.SimState();
  for (const char* slug : {"t0001", "t0002", "t0003", "t0004"}) EXPECT_EQ(Deploys(sim, slug), 0) << slug;
}

TEST(GatesIt, TheOrchestratorsLastChunkHoldingOnlyADeadTenantIsQuarantinedNotFailed) {
  Stack s({.tenants = 5, .faults = {"t0004=dead"}});
  ASSERT_EQ(s.Post(kLegacy, DryRunCall("t0000", 3).dump()).status, 200);
  HttpReply canary = s.Post(kLegacy, ScopedCall({"t0000"}, 1).dump());
  ASSERT_EQ(canary.status, 200) << canary.body;
  EXPECT_EQ((*RowOf(canary.Json(), "t0000"))["phase"], "canary");
  HttpReply chunk = s.Post(kLegacy, ScopedCall({"t0001", "t0002", "t0003"}, 3).dump());
  EXPECT_EQ(chunk.status, 200) << chunk.body;
  HttpReply last = s.Post(kLegacy, ScopedCall({"t0004"}, 3).dump());
  EXPECT_EQ(last.status, 200) << last.body;
  EXPECT_TRUE(last.Json().value("ok", false)) << last.body;
  EXPECT_EQ(last.Json()["stragglers"], Json::array({"t0004"}));
  EXPECT_TRUE(s.Get("/v1/tenants/t0004").Json().value("quarantined", false));
}

// ---- 3: nothing shipped is never a success -------------------------------

TEST(GatesIt, ARolloutInWhichNoTenantWasVerifiedFailsWhateverTheTolerance) {
  Stack s({.tenants = 6, .faults = {"t0005=stuck", "t0003=stuck", "t0004=stuck"}});
  Json scoped = s.WaitFinished(s.StartRollout(RolloutBody({{"only_slugs", {"t0005"}}, {"max_stragglers", 1}})));
  EXPECT_EQ(scoped["state"], "failed") << scoped.dump();
  EXPECT_EQ(scoped["error"], "no tenant was verified on the target");
  EXPECT_FALSE(s.Get("/v1/tenants/t0005").Json().value("quarantined", true));

  // An unscoped legacy call over a fleet where nothing lands: 500.
  for (const char* slug : {"t0000", "t0001", "t0002"}) {
    ASSERT_EQ(s.Post("/v1/tenants/" + std::string(slug) + "/cordon", "").status, 200);
  }
  HttpReply legacy = s.Post(kLegacy, R"({"target_tag":"v2","confirm":true,"batch_size":3,"max_stragglers":3})");
  EXPECT_EQ(legacy.status, 500) << legacy.body;
  EXPECT_FALSE(legacy.Json().value("ok", true));
  EXPECT_EQ(legacy.Json()["error"], "no tenant was verified on the target");
}

// ---- 4: one request never gets another's answer --------------------------

TEST(GatesIt, TheSameReleaseWithAnotherScopeIsARolloutOfItsOwn) {
  Stack s({.tenants = 4, .deploy_ms = "300"});
  const Json a_policy = {{"only_slugs", {"t0000", "t0001"}}, {"max_parallel", 1}};
  const std::string a = s.StartRollout(RolloutBody(a_policy));
  const std::string b = s.StartRollout(RolloutBody({{"only_slugs", {"t0002"}}}));
  EXPECT_NE(a, b);
  // The same release and the same scope (only_slugs as a set) is idempotent.
  EXPECT_EQ(s.StartRollout(RolloutBody({{"only_slugs", {"t0001", "t0000"}}, {"max_parallel", 1}})), a);
  EXPECT_NE(s.StartRollout(RolloutBody({{"only_slugs", {"t0000", "t0001"}}, {"canary", {"t0000"}}})), a);

  Json ra = s.WaitFinished(a), rb = s.WaitFinished(b);
  EXPECT_EQ(ra["state"], "succeeded") << ra.dump();
  EXPECT_EQ(rb["state"], "succeeded") << rb.dump();
  EXPECT_THAT(SlugsOf(ra), UnorderedElementsAre("t0000", "t0001"));
  EXPECT_THAT(SlugsOf(rb), UnorderedElementsAre("t0002"));
  EXPECT_EQ(Deploys(s.SimState(), "t0002"), 1);
}

// ---- 7: removing a tenant mid-rollout halts nothing ----------------------

TEST(GatesIt, ATenantDeletedOrCordonedMidRolloutEndsCancelledAndTheRestShips) {
  Stack s({.tenants = 6, .deploy_ms = "400"});
  const std::string id = s.StartRollout(RolloutBody({{"max_parallel", 1}, {"max_stragglers", 0}}));
  ASSERT_TRUE(PollUntil([&] { return s.SimState()["tenants"]["t0001"].value("deploying", false); }, After(30s)));
  ASSERT_EQ(s.Send("DELETE", "/v1/tenants/t0001", "", BearerHeader(kAdmin)).status, 200);
  ASSERT_EQ(s.Post("/v1/tenants/t0003/cordon", "").status, 200);

  Json r = s.WaitFinished(id);
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  EXPECT_EQ(r["stragglers"], Json::array());
  EXPECT_EQ(StatusOf(r, "t0001"), "Cancelled");
  EXPECT_THAT((*RowOf(r, "t0001")).value("error", ""), HasSubstr("removed"));
  EXPECT_EQ(StatusOf(r, "t0003"), "Cancelled");
  EXPECT_THAT((*RowOf(r, "t0003")).value("error", ""), HasSubstr("cordoned"));
  for (const char* slug : {"t0000", "t0002", "t0004", "t0005"}) EXPECT_EQ(StatusOf(r, slug), "Success") << slug;
  const auto events = ReadEvents(s, id);
  EXPECT_EQ(FinishedEventsFor(events, "t0001"), 1);
  EXPECT_EQ(FinishedEventsFor(events, "t0003"), 1);
}

// ---- 14: every row reaches the stream, exactly once ----------------------

TEST(GatesIt, EveryRowOfAHaltedACancelledAndADryRunRolloutReachesTheEventStreamOnce) {
  Stack s({.tenants = 6, .faults = {"t0001=stuck"}, .deploy_ms = "100"});
  const std::string halted = s.StartRollout(RolloutBody({{"max_parallel", 1}, {"max_stragglers", 0}}));
  Json r = s.WaitFinished(halted);
  EXPECT_EQ(r["state"], "failed");
  EXPECT_EQ(StatusOf(r, "t0005"), "Skipped");

  const std::string cancelled = s.StartRollout(RolloutBody({{"max_parallel", 1}, {"max_stragglers", 5}}, "v2", 2));
  ASSERT_TRUE(PollUntil([&] { return s.SimState()["tenants"]["t0002"].value("deploy_count", 0) >= 1; }, After(30s)));
  ASSERT_EQ(s.Post("/v1/rollouts/" + cancelled + "/cancel", "").status, 200);
  Json c = s.WaitFinished(cancelled);
  EXPECT_EQ(c["state"], "cancelled");

  const std::string dry = s.StartRollout(RolloutBody({{"dry_run", true}}, "v3", 3));
  Json d = s.WaitFinished(dry);

  for (const Json* rollout : {&r, &c, &d}) {
    const auto events = ReadEvents(s, (*rollout)["id"]);
    ASSERT_EQ((*rollout)["results"].size(), 6u) << rollout->dump();
    for (const auto& row : (*rollout)["results"]) {
      EXPECT_EQ(FinishedEventsFor(events, row["slug"]), 1) << (*rollout)["id"] << " " << row.dump();
    }
  }
}

// ---- 15: a dry run answers what the real run would -----------------------

TEST(GatesIt, ADryRunIsAdmittedLikeTheRealRunWithNoSideEffect) {
  Stack s({.tenants = 3});
  ASSERT_EQ(s.WaitFinished(s.StartRollout(RolloutBody(Json::object(), "v5", 5)))["state"], "succeeded");

  HttpReply older = s.Post("/v1/rollouts", RolloutBody({{"dry_run", true}}, "v3", 3));
  EXPECT_EQ(older.status, 409) << older.body;
  EXPECT_EQ(older.Json()["error"], "superseded");
  EXPECT_EQ(older.Json()["newer"]["seq"], 5);

  Json no_reason = Json::parse(RolloutBody({{"dry_run", true}}, "v3", 3));
  no_reason["rollback"] = true;
  HttpReply refused = s.Post("/v1/rollouts", no_reason.dump());
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(refused.Json().value("error", ""), HasSubstr("reason"));

  Json with_reason = no_reason;
  with_reason["reason"] = "preview the rollback";
  Json preview = s.WaitFinished(s.StartRollout(with_reason.dump()));
  EXPECT_EQ(preview["state"], "succeeded");
  EXPECT_EQ(s.Get("/v1/fleet").Json()["desired_release"]["seq"], 5);  // no side effect

  HttpReply legacy = s.Post(kLegacy, R"({"target_tag":"v3","release_seq":3,"confirm":true,"dry_run":true})");
  EXPECT_EQ(legacy.status, 409) << legacy.body;
  EXPECT_FALSE(legacy.Json().value("ok", true));
  EXPECT_EQ(s.SimState()["deploy_count"], 3);
}

// ---- 10: zero tenants is a bad request, not a success ----------------------

TEST(GatesIt, ARolloutOverNoActiveTenantIsRefused) {
  Stack s({.tenants = 2});
  for (const char* slug : {"t0000", "t0001"}) {
    ASSERT_EQ(s.Post("/v1/tenants/" + std::string(slug) + "/cordon", "").status, 200);
  }
  HttpReply r = s.Post("/v1/rollouts", RolloutBody(Json::object()));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["error"], "no active tenant matches");
  HttpReply legacy = s.Post(kLegacy, R"({"target_tag":"v1","confirm":true})");
  EXPECT_EQ(legacy.status, 400) << legacy.body;
  EXPECT_EQ(s.Get("/v1/rollouts").Json()["rollouts"].size(), 0u);
}

}  // namespace
}  // namespace rollcall::it
