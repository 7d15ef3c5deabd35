// One deploy per tenant at any time, and fences that never move back (DESIGN
// §3.5, §3.10, §5), end to end: rollcalld, rollcall-sim and exec tenants
// whose deploy scripts log when they start and end, so any overlap shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "runtime/process_testing.h"
#include "stack.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

bool Contains(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& line : lines) {
    if (line.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// An exec tenant (health from the simulator's t0000, which the test
// unregisters) whose deploy logs "start IMAGE" and "end IMAGE" around
// `work`, then writes the image where its inspect command reads it.
void PutLoggingTenant(Stack& s, const std::string& slug, const std::string& work, const std::string& prelude = "") {
  const std::string d = s.dir();
  std::ofstream(d + "/" + slug + ".state") << s.image_repo() << ":v0\n";
  const std::string deploy = WriteScript(
      d, slug + "-deploy.sh",
      prelude + "\necho \"start $1\" >> " + d + "/" + slug + ".log\n" + work + "\necho \"$1\" > " + d + "/" + slug +
          ".state\necho \"end $1\" >> " + d + "/" + slug + ".log\necho ROLLCALL_RUNNING_IMAGE=$1");
  Json tenant = {{"base_url", s.sim().Url() + "/t/t0000"},
                 {"driver", "exec"},
                 {"exec", {{"deploy", {deploy, "{image}"}}, {"inspect", {"/bin/cat", d + "/" + slug + ".state"}}}}};
  HttpReply r = s.Send("PUT", "/v1/tenants/" + slug, tenant.dump(), BearerHeader(kAdmin));
  ASSERT_EQ(r.status, 201) << r.body;
}

std::vector<std::string> LogOf(Stack& s, const std::string& slug) { return ReadLines(s.dir() + "/" + slug + ".log"); }

// Exec tenants only: the simulator's own tenant just serves their /healthz.
void UnregisterSimTenant(Stack& s) {
  ASSERT_EQ(s.Send("DELETE", "/v1/tenants/t0000", "", BearerHeader(kAdmin)).status, 200);
}

// ---- 11: a superseding rollout waits for the tenant's deploy --------------

TEST(ExclusivityIt, ANewerRolloutWaitsForTheSupersededDeployThenInspects) {
  Stack s({.tenants = 1});
  UnregisterSimTenant(s);
  PutLoggingTenant(s, "solo", "sleep 1");
  const std::string v5 = s.StartRollout(RolloutBody(Json::object(), "v5", 5));
  ASSERT_TRUE(PollUntil([&] { return Contains(LogOf(s, "solo"), "start"); }, After(30s)));
  const std::string v6 = s.StartRollout(RolloutBody(Json::object(), "v6", 6));
  Json r6 = s.WaitFinished(v6);
  Json r5 = s.WaitFinished(v5);
  EXPECT_EQ(r6["state"], "succeeded") << r6.dump();
  EXPECT_EQ(r5["state"], "superseded") << r5.dump();
  const std::string repo = s.image_repo();
  EXPECT_THAT(LogOf(s, "solo"), ElementsAre("start " + repo + ":v5", "end " + repo + ":v5",
                                            "start " + repo + ":v6", "end " + repo + ":v6"));
  Json tenant = s.Get("/v1/tenants/solo").Json();
  EXPECT_EQ(tenant["running_seq"], 6) << tenant.dump();
  EXPECT_EQ(tenant["running_image"], repo + ":v6");
}

// ---- 13: an exec deploy of a killed rollcalld is waited out on resume -----

TEST(ExclusivityIt, AfterKill9TheResumedRolloutWaitsForTheRecordedProcessGroup) {
  Stack s({.tenants = 1});
  UnregisterSimTenant(s);
  // Ignores the parent-death SIGTERM, so it outlives the killed rollcalld.
  PutLoggingTenant(s, "survivor", "sleep 1.5", "trap '' TERM");
  const std::string id = s.StartRollout(RolloutBody(Json::object()));
  ASSERT_TRUE(PollUntil([&] { return Contains(LogOf(s, "survivor"), "start"); }, After(30s)));
  s.Kill9Server();
  s.StartServer();
  Json r = s.WaitFinished(id);
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  EXPECT_EQ(StatusOf(r, "survivor"), "Success");
  const std::string image = s.image_repo() + ":v1";
  EXPECT_THAT(LogOf(s, "survivor"), ElementsAre("start " + image, "end " + image));
}

TEST(ExclusivityIt, AnExecDeployGetsTheParentDeathSignalWhenRollcalldIsKilled) {
  Stack s({.tenants = 1});
  UnregisterSimTenant(s);
  const std::string pid_file = s.dir() + "/leader.pid";
  const std::string deploy = WriteScript(s.dir(), "forever.sh", "echo $$ > " + pid_file + "; exec sleep 60");
  Json tenant = {{"base_url", s.sim().Url() + "/t/t0000"}, {"driver", "exec"}, {"exec", {{"deploy", {deploy}}}}};
  ASSERT_EQ(s.Send("PUT", "/v1/tenants/forever", tenant.dump(), BearerHeader(kAdmin)).status, 201);
  s.StartRollout(RolloutBody({{"per_tenant_timeout_s", 120}}));
  ASSERT_TRUE(PollUntil([&] { return !ReadLines(pid_file).empty(); }, After(30s)));
  const pid_t leader = std::stoi(ReadLines(pid_file).front());
  s.Kill9Server();
  EXPECT_TRUE(rollcall::testing::WaitForExit(leader, 20s)) << "deploy " << leader << " outlived rollcalld";
}

// ---- 6: crash resume never deploys an agent tenant twice ------------------

TEST(ExclusivityIt, Kill9WithEveryTenantInFlightNeverDeploysOneTwice) {
  constexpr int kTrials = 20;
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    Stack s({.tenants = 6, .deploy_dist = "lognormal:400:0.5"});
    const std::string id = s.StartRollout(RolloutBody({{"max_parallel", 6}}));
    // Kill at a different point of the deploys each trial.
    const int in_flight = 1 + trial % 6;
    ASSERT_TRUE(PollUntil(
        [&] {
          int n = 0;
          const Json sim = s.SimState();
          for (const auto& [slug, t] : sim["tenants"].items()) n += t.value("deploying", false) ? 1 : 0;
          return n >= in_flight;
        },
        After(30s)));
    s.Kill9Server();
    s.StartServer();
    Json r = s.WaitFinished(id);
    EXPECT_EQ(r["state"], "succeeded") << r.dump();
    const Json sim = s.SimState();
    for (const auto& [slug, t] : sim["tenants"].items()) {
      EXPECT_EQ(t.value("deploy_count", -1), 1) << slug << " deployed " << t.value("deploy_count", -1) << " times";
    }
    if (::testing::Test::HasFailure()) break;
  }
}

// ---- 5: an unfenced deploy never lowers the simulator's fence --------------

TEST(ExclusivityIt, AnUnfencedDeployKeepsTheSimulatedAgentsFence) {
  Stack s({.tenants = 1, .deploy_ms = "10"});
  TestHttpClient sim(s.sim());
  const std::string path = "/t/t0000/agent/v1/deploy";
  auto order = [&](const std::string& tag, std::optional<int> seq) {
    Json o = {{"image", s.image_repo() + ":" + tag}, {"tag", tag}};
    if (seq) o["release_seq"] = *seq;
    return o.dump();
  };
  ASSERT_EQ(sim.Post(path, order("v5", 5)).status, 200);
  ASSERT_EQ(sim.Post(path, order("hotfix", std::nullopt)).status, 200);
  EXPECT_EQ(sim.Get("/t/t0000/agent/v1/state").Json()["release_seq"], 5);
  HttpReply older = sim.Post(path, order("v3", 3));
  EXPECT_EQ(older.status, 409) << older.body;
}

}  // namespace
}  // namespace rollcall::it
