// rollcalld end to end: the real control plane, the real simulator, the
// real exec driver, over HTTP on loopback. The five production failures of
// DESIGN §1 replayed against it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <thread>

#include "stack.h"

namespace rollcall::it {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

std::string Rollout(const std::string& policy, const std::string& tag = "v1", int seq = 1) {
  return Json{{"release", {{"tag", tag}, {"git_sha", "abc1234"}, {"seq", seq}}},
              {"policy", Json::parse(policy)}}
      .dump();
}

int Deploys(const Json& sim_state, const std::string& slug) {
  return sim_state["tenants"][slug].value("deploy_count", -1);
}

TEST(ControlPlaneIt, CleanRolloutStreamsEveryTenantAndLeavesTheFleetOnTarget) {
  Stack s({.tenants = 20});
  std::string id = s.StartRollout(Rollout(R"({"canary":["t0005"],"max_parallel":4})"));
  Json r = s.WaitFinished(id);
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  EXPECT_EQ(r["results"].size(), 20u);
  EXPECT_EQ(r["stragglers"], Json::array());
  EXPECT_EQ(r["results"][0]["slug"], "t0005");
  for (const auto& row : r["results"]) {
    EXPECT_TRUE(row["verified_on_target"].get<bool>()) << row.dump();
    EXPECT_EQ(row["running_image"], std::string(kRepo) + ":v1");
  }
  // The stream replays from the first event and ends after the final one.
  HttpReply events = s.Get("/v1/rollouts/" + id + "/events", kRead);
  ASSERT_EQ(events.status, 200);
  std::set<std::string> started, finished;
  std::istringstream lines(events.body);
  std::string line, type;
  for (int64_t last_id = 0; std::getline(lines, line);) {
    if (line.rfind("id: ", 0) == 0) {
      int64_t id_value = std::stoll(line.substr(4));
      EXPECT_GT(id_value, last_id);
      last_id = id_value;
    }
    if (line.rfind("event: ", 0) == 0) type = line.substr(7);
    if (line.rfind("data: ", 0) == 0 && type != "rollout_state") {
      std::string slug = Json::parse(line.substr(6))["slug"];
      (type == "tenant_started" ? started : finished).insert(slug);
    }
  }
  EXPECT_EQ(started.size(), 20u);
  EXPECT_EQ(finished.size(), 20u);
  EXPECT_THAT(events.body, HasSubstr("\"state\":\"succeeded\""));

  Json fleet = s.Get("/v1/fleet").Json();
  EXPECT_EQ(fleet["summary"]["on_target"], 20);
  EXPECT_EQ(fleet["summary"]["drifted"], 0);
}

TEST(ControlPlaneIt, StuckTenantIsAnOffTargetStragglerFailingStrictAndQuarantinedAtOne) {
  Stack s({.tenants = 6, .faults = {"t0002=stuck"}});
  Json strict = s.WaitFinished(s.StartRollout(Rollout(R"({"max_stragglers":0})", "v1", 1)));
  EXPECT_EQ(strict["state"], "failed");
  EXPECT_EQ(StatusOf(strict, "t0002"), "OffTarget");
  EXPECT_THAT(strict["error"].get<std::string>(), HasSubstr("t0002"));

  Json tolerant = s.WaitFinished(s.StartRollout(Rollout(R"({"max_stragglers":1})", "v2", 2)));
  EXPECT_EQ(tolerant["state"], "succeeded");
  EXPECT_EQ(tolerant["stragglers"], Json::array({"t0002"}));
  Json tenant = s.Get("/v1/tenants/t0002").Json();
  EXPECT_TRUE(tenant["quarantined"].get<bool>());
  EXPECT_THAT(tenant["quarantine_reason"].get<std::string>(), HasSubstr("OffTarget"));
}

TEST(ControlPlaneIt, DeadTenantTimesOutWhileTheRestShip) {
  Stack s({.tenants = 12, .faults = {"t0003=dead"}});
  Json r = s.WaitFinished(s.StartRollout(
      Rollout(R"({"max_stragglers":1,"max_parallel":3,"per_tenant_timeout_s":3})")));
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  EXPECT_EQ(StatusOf(r, "t0003"), "TimedOut");
  EXPECT_EQ(r["stragglers"], Json::array({"t0003"}));
  // The dead tenant held one slot; everyone else finished before it timed out.
  const std::string dead_finished = RowOf(r, "t0003")->at("finished_at");
  for (const auto& row : r["results"]) {
    if (row["slug"] != "t0003") {
      EXPECT_LT(row["finished_at"].get<std::string>(), dead_finished) << row.dump();
    }
  }
}

TEST(ControlPlaneIt, UnhealthyTenantIsUnhealthy) {
  Stack s({.tenants = 3, .faults = {"t0001=unhealthy"}});
  Json r = s.WaitFinished(s.StartRollout(Rollout(R"({"max_stragglers":1,"health_timeout_s":0.5})")));
  EXPECT_EQ(StatusOf(r, "t0001"), "Unhealthy");
  EXPECT_FALSE((*RowOf(r, "t0001"))["healthz_ok"].get<bool>());
  EXPECT_EQ(r["state"], "succeeded");
}

TEST(ControlPlaneIt, TwoFaultyTenantsAtToleranceOneHaltTheRollout) {
  Stack s({.tenants = 10, .faults = {"t0001=stuck", "t0002=unhealthy"}});
  Json r = s.WaitFinished(s.StartRollout(
      Rollout(R"({"max_stragglers":1,"max_parallel":1,"health_timeout_s":0.3})")));
  EXPECT_EQ(r["state"], "failed");
  EXPECT_THAT(r["error"].get<std::string>(), HasSubstr("halted"));
  Json sim = s.SimState();
  for (int i = 3; i < 10; ++i) {
    std::string slug = "t000" + std::to_string(i);
    EXPECT_EQ(StatusOf(r, slug), "Skipped") << slug;
    EXPECT_EQ(Deploys(sim, slug), 0) << slug;
  }
}

TEST(ControlPlaneIt, DeadCanaryTouchesOnlyTheCanary) {
  Stack s({.tenants = 5, .faults = {"t0004=dead"}});
  Json r = s.WaitFinished(s.StartRollout(
      Rollout(R"({"canary":["t0004"],"max_stragglers":"100%","per_tenant_timeout_s":1})")));
  EXPECT_EQ(r["state"], "failed");
  EXPECT_THAT(r["error"].get<std::string>(), HasSubstr("canary t0004 failed"));
  Json sim = s.SimState();
  for (const char* slug : {"t0000", "t0001", "t0002", "t0003"}) EXPECT_EQ(Deploys(sim, slug), 0) << slug;
}

TEST(ControlPlaneIt, LegacyEndpoint) {
  Stack s({.tenants = 6, .faults = {"t0003=dead"}});
  const std::string path = "/cp/admin/tenants/redeploy-fleet";
  HttpReply dry = s.Post(path, R"({"target_tag":"v1","confirm":true,"dry_run":true,"batch_size":4,"canary_slug":"t0000"})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  std::vector<std::string> phases;
  const Json dry_body = dry.Json();
  for (const auto& row : dry_body["results"]) {
    EXPECT_EQ(row["ssm_status"], "DryRun");
    phases.push_back(row["phase"]);
  }
  EXPECT_THAT(phases, ElementsAre("canary", "batch-1", "batch-1", "batch-1", "batch-1", "batch-2"));
  EXPECT_EQ(s.SimState()["deploy_count"], 0);

  for (const char* bad : {"", "{}", R"({"confirm":false})", R"({"only_slugs":[]})"}) {
    HttpReply r = s.Post(path, bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(r.Json().contains("error")) << bad;
  }

  // The server's default per-tenant timeout is 3 s in this stack.
  HttpReply ok = s.Post(path, R"({"target_tag":"v1","confirm":true,"batch_size":3,"max_stragglers":1,"release_seq":1})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(ok.Json()["ok"].get<bool>());
  EXPECT_EQ(ok.Json()["stragglers"], Json::array({"t0003"}));
  EXPECT_EQ(StatusOf(ok.Json(), "t0003"), "TimedOut");
  EXPECT_EQ(ok.Json()["results"].size(), 6u);
}

TEST(ControlPlaneIt, LegacyEndpointQuarantinesWithinToleranceAnd500sBeyond) {
  Stack s({.tenants = 6, .faults = {"t0003=stuck", "t0004=stuck"}});
  const std::string path = "/cp/admin/tenants/redeploy-fleet";
  HttpReply tolerated = s.Post(path, R"({"target_tag":"v1","confirm":true,"batch_size":3,"max_stragglers":2,"release_seq":1})");
  EXPECT_EQ(tolerated.status, 200) << tolerated.body;
  EXPECT_TRUE(tolerated.Json()["ok"].get<bool>());
  EXPECT_EQ(tolerated.Json()["stragglers"], Json::array({"t0003", "t0004"}));
  HttpReply beyond = s.Post(path, R"({"target_tag":"v2","confirm":true,"batch_size":3,"max_stragglers":1,"release_seq":2})");
  EXPECT_EQ(beyond.status, 500);
  EXPECT_FALSE(beyond.Json()["ok"].get<bool>());
  EXPECT_EQ(beyond.Json()["results"].size(), 6u);
  HttpReply clean = s.Post(path, R"({"target_tag":"v3","only_slugs":["t0000","t0001"],"release_seq":3})");
  EXPECT_EQ(clean.status, 200);
  EXPECT_FALSE(clean.Json().contains("stragglers"));
}

// ---- exec driver -------------------------------------------------------

void PutExecTenant(Stack& s, const std::string& slug, const Json& exec, const Json& vars = Json::object()) {
  Json t = {{"base_url", s.sim().Url() + "/t/t0000"}, {"driver", "exec"}, {"exec", exec}, {"vars", vars}};
  HttpReply r = s.Send("PUT", "/v1/tenants/" + slug, t.dump(), BearerHeader(kAdmin));
  ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
}

TEST(ControlPlaneIt, ExecDriverProofTimeoutAndNoShell) {
  Stack s({.tenants = 1});
  ASSERT_EQ(s.Send("DELETE", "/v1/tenants/t0000", "", BearerHeader(kAdmin)).status, 200);
  const std::string d = s.dir();
  PutExecTenant(s, "marker", {{"deploy", {WriteScript(d, "marker.sh", "echo deploying; echo ROLLCALL_RUNNING_IMAGE=$1"), "{image}"}}});
  PutExecTenant(s, "silent", {{"deploy", {WriteScript(d, "silent.sh", "echo deployed")}}});
  PutExecTenant(s, "inspected", {{"deploy", {WriteScript(d, "deploy.sh", "true")}},
                                 {"inspect", {WriteScript(d, "inspect.sh", "echo " + std::string(kRepo) + ":v1")}}});
  PutExecTenant(s, "sleeper", {{"deploy", {WriteScript(d, "sleep.sh", "sleep 60 & echo $! > " + d + "/sleeper.pid; wait")}}});
  const std::string canary = d + "/pwned";
  PutExecTenant(s, "literal", {{"deploy", {WriteScript(d, "literal.sh", "printf '%s\\n' \"$1\" > " + d + "/arg; echo ROLLCALL_RUNNING_IMAGE=$2"), "{host}", "{image}"}}},
                {{"host", "; touch " + canary}});

  Json r = s.WaitFinished(s.StartRollout(Rollout(R"({"max_stragglers":2,"per_tenant_timeout_s":2,"max_parallel":5})")));
  EXPECT_EQ(StatusOf(r, "marker"), "Success");
  EXPECT_EQ(StatusOf(r, "inspected"), "Success");
  EXPECT_EQ(StatusOf(r, "silent"), "OffTarget");
  EXPECT_EQ((*RowOf(r, "silent"))["error"], "no running-image proof");
  EXPECT_EQ(StatusOf(r, "sleeper"), "TimedOut");
  EXPECT_EQ(StatusOf(r, "literal"), "Success");

  // The sleeper's child was killed with its process group: no orphan.
  std::ifstream pid_file(d + "/sleeper.pid");
  pid_t orphan = 0;
  pid_file >> orphan;
  ASSERT_GT(orphan, 0);
  Deadline deadline = After(std::chrono::seconds(10));
  while (kill(orphan, 0) == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // reaping is asynchronous
  }
  EXPECT_NE(kill(orphan, 0), 0) << "process " << orphan << " survived the timeout";
  // The var went through as one literal argument; no shell ran it.
  std::ifstream arg(d + "/arg");
  std::string got;
  std::getline(arg, got);
  EXPECT_EQ(got, "; touch " + canary);
  struct stat st;
  EXPECT_NE(stat(canary.c_str(), &st), 0);
}

// ---- crash resume --------------------------------------------------------

TEST(ControlPlaneIt, Kill9MidRolloutThenRestartCompletesWithExactCoverage) {
  Stack s({.tenants = 50, .deploy_ms = "200"});
  std::string id = s.StartRollout(Rollout(R"({"max_parallel":5,"canary":["t0000"]})"));
  // Kill once a good part of the fleet is done and some tenants are in flight.
  // The in-flight set is read before the kill: a look after it races the
  // agents finishing those deploys (200 ms) on a loaded machine.
  Deadline deadline = After(std::chrono::seconds(60));
  std::set<std::string> in_flight_at_kill;
  while (SteadyClock::now() < deadline) {
    Json state = s.SimState();
    in_flight_at_kill.clear();
    for (const auto& [slug, t] : state["tenants"].items()) {
      if (t["deploying"].get<bool>()) in_flight_at_kill.insert(slug);
    }
    if (state["deploy_count"].get<int>() >= 15 && !in_flight_at_kill.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.Kill9Server();
  s.StartServer();
  Json r = s.WaitFinished(id);
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  EXPECT_EQ(r["results"].size(), 50u);
  std::set<std::string> slugs;
  for (const auto& row : r["results"]) {
    slugs.insert(row["slug"].get<std::string>());
    EXPECT_TRUE(row["verified_on_target"].get<bool>()) << row.dump();
  }
  EXPECT_EQ(slugs.size(), 50u);
  Json sim = s.SimState();
  EXPECT_FALSE(in_flight_at_kill.empty());
  for (const auto& [slug, t] : sim["tenants"].items()) {
    // In flight at the kill or not: the deploy that was running is waited
    // out (the agent's `deploying`), never repeated.
    const int deploys = t["deploy_count"].get<int>();
    EXPECT_EQ(deploys, 1) << slug << " was deployed " << deploys << " times"
                          << (in_flight_at_kill.count(slug) ? " (in flight at the kill)" : "");
  }
}

// ---- bad input and auth --------------------------------------------------

TEST(ControlPlaneIt, MalformedRequestsGetTheRight4xxAndTheServerKeepsServing) {
  Stack s({.tenants = 2});
  struct Case {
    std::string method, path, body;
    int status;
    std::string error;
  };
  const std::string big(2 << 20, 'x');
  const std::vector<Case> cases = {
      {"POST", "/v1/rollouts", "{", 400, "body: malformed JSON"},
      {"POST", "/v1/rollouts", "[]", 400, "body: must be a JSON object"},
      {"POST", "/v1/rollouts", "{}", 400, "release: required"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"extra":1})", 400, "extra: unknown field"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"bad tag"}})", 400, "release.tag"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1","git_sha":"zzz"}})", 400, "release.git_sha"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1","seq":"1"}})", 400, "release.seq"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"max_parallel":0}})", 400, "policy.max_parallel"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"soak_seconds":-1}})", 400, "policy.soak_seconds"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"max_stragglers":"x%"}})", 400, "policy.max_stragglers"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"strategy":"fast"}})", 400, "policy.strategy"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"canary":["nope"]}})", 400, "policy.canary"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"only_slugs":[]}})", 400, "policy.only_slugs"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"only_slugs":["ghost"]}})", 400, "policy.only_slugs"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1","seq":5},"rollback":true})", 400, "reason"},
      {"POST", "/v1/rollouts", R"({"release":{"tag":"v1"},"policy":{"bogus":1}})", 400, "policy.bogus: unknown field"},
      {"POST", "/v1/rollouts", big, 413, "body: larger than"},
      {"PUT", "/v1/tenants/Bad_Slug", R"({"base_url":"http://h","driver":"agent","agent_url":"http://a"})", 400, "slug"},
      {"PUT", "/v1/tenants/ok", R"({"base_url":"nope","driver":"agent","agent_url":"http://a"})", 400, "base_url"},
      {"PUT", "/v1/tenants/ok", R"({"base_url":"http://h","driver":"telnet"})", 400, "driver"},
      {"PUT", "/v1/tenants/ok", R"({"base_url":"http://h","driver":"agent","agent_url":"http://a","x":1})", 400, "x: unknown field"},
      {"POST", "/v1/tenants:bulk", R"({"tenants":{}})", 400, "tenants: must be a list"},
      {"POST", "/v1/tenants:bulk", R"({"tenants":[{"slug":"a"}]})", 400, "tenants[0].base_url"},
      {"GET", "/v1/tenants/ghost", "", 404, "tenant ghost not found"},
      {"GET", "/v1/rollouts/ghost", "", 404, "rollout ghost not found"},
      {"GET", "/v1/rollouts?state=done", "", 400, "state:"},
      {"POST", "/v1/rollouts/ghost/cancel", "", 404, "not found"},
      {"GET", "/v1/nothing-here", "", 404, "not found"},
      {"POST", "/v1/fleet/recover", R"({"bogus":1})", 400, "bogus: unknown field"},
      {"POST", "/v1/fleet/recover", R"({"only":["Bad Slug"]})", 400, "only[0]: not a valid slug"},
      {"POST", "/v1/fleet/recover", R"({"only":"t0000"})", 400, "only"},
      {"POST", "/v1/fleet/recover", "{}", 409, "no desired release"},
      {"GET", "/v1/audit?limit=0", "", 400, "limit: must be 1 to 1000"},
      {"GET", "/v1/audit?since=yesterday", "", 400, "since: not an RFC 3339"},
      {"GET", "/v1/audit?cursor=-3", "", 400, "cursor:"},
  };
  for (const auto& c : cases) {
    HttpReply r = s.Send(c.method, c.path, c.body, BearerHeader(kAdmin));
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body.substr(0, 80) << " -> " << r.body;
    EXPECT_THAT(r.Json().value("error", ""), HasSubstr(c.error)) << c.method << " " << c.path;
  }
  EXPECT_EQ(s.Get("/healthz", "").status, 200);
  EXPECT_EQ(s.Get("/v1/tenants").Json()["tenants"].size(), 2u);  // nothing half-written
}

TEST(ControlPlaneIt, EveryMutatingRouteNeedsTheAdminToken) {
  Stack s({.tenants = 1});
  const std::vector<std::pair<std::string, std::string>> mutations = {
      {"PUT", "/v1/tenants/t0000"},          {"POST", "/v1/tenants:bulk"},
      {"DELETE", "/v1/tenants/t0000"},       {"POST", "/v1/tenants/t0000/cordon"},
      {"POST", "/v1/tenants/t0000/uncordon"}, {"POST", "/v1/rollouts"},
      {"POST", "/v1/rollouts/x/cancel"},     {"POST", "/v1/rollouts/x/pause"},
      {"POST", "/v1/rollouts/x/resume"},     {"POST", "/cp/admin/tenants/redeploy-fleet"},
      {"POST", "/v1/channels/latest/promote"}, {"POST", "/v1/fleet/freeze"},
      {"POST", "/v1/fleet/unfreeze"},         {"POST", "/v1/fleet/recover"}};
  for (const auto& [method, path] : mutations) {
    EXPECT_EQ(s.Send(method, path, "{}", {}).status, 401) << method << " " << path;
    EXPECT_EQ(s.Send(method, path, "{}", BearerHeader("wrong")).status, 401) << method << " " << path;
    EXPECT_EQ(s.Send(method, path, "{}", BearerHeader(kRead)).status, 403) << method << " " << path;
  }
  for (const char* path : {"/v1/tenants", "/v1/rollouts", "/v1/fleet", "/v1/channels", "/v1/audit", "/metrics"}) {
    EXPECT_EQ(s.Get(path, "").status, 401) << path;
    EXPECT_EQ(s.Get(path, kRead).status, 200) << path;
  }
  EXPECT_EQ(s.Get("/v1/tenants/t0000").Json()["slug"], "t0000");  // nothing changed
  EXPECT_EQ(s.Get("/v1/fleet").Json()["freeze"], nullptr);
}

}  // namespace
}  // namespace rollcall::it
