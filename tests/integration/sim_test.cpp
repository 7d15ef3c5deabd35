// rollcall-sim end to end: the real binary on a free loopback port.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "harness.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr const char* kInitialImage = "registry.test/app:initial";

std::string DeployBody(const std::string& tag, std::optional<int64_t> seq, bool rollback = false) {
  Json body = {{"image", "registry.test/app:" + tag},
               {"tag", tag},
               {"git_sha", "sha" + tag},
               {"release_seq", seq ? Json(*seq) : Json(nullptr)},
               {"rollout_id", "ro-" + tag},
               {"rollback", rollback}};
  return body.dump();
}

class SimProcessTest : public testing::Test {
 protected:
  // Starts rollcall-sim with `args` after --listen 127.0.0.1:0 and waits
  // until it listens.
  void StartSim(std::vector<std::string> args) {
    std::vector<std::string> argv = {ROLLCALL_SIM_BIN, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::Start(argv);
    ASSERT_TRUE(child.ok()) << child.status().message();
    sim_ = std::move(*child);
    Result<Endpoint> at = WaitForListening(*sim_, After(20s));
    ASSERT_TRUE(at.ok()) << at.status().message();
    endpoint_ = *at;
    http_ = std::make_unique<TestHttpClient>(endpoint_);
  }

  Json SimState() {
    HttpReply r = http_->Get("/sim/v1/state");
    EXPECT_EQ(r.status, 200) << r.error;
    return r.Json();
  }

  // Polls /sim/v1/state until `slug` is mid-deploy or the deadline passes.
  bool WaitUntilDeploying(const std::string& slug, Deadline deadline) {
    while (SteadyClock::now() < deadline) {
      if (SimState()["tenants"][slug]["deploying"] == true) return true;
    }
    return false;
  }

  std::unique_ptr<ChildProcess> sim_;
  Endpoint endpoint_;
  std::unique_ptr<TestHttpClient> http_;
};

TEST_F(SimProcessTest, ServesHealthAndInitialBuildinfo) {
  StartSim(
      {"--tenants", "3", "--initial-image", "registry.test/app:v1", "--initial-sha", "1111111"});
  EXPECT_EQ(http_->Get("/healthz").status, 200);
  HttpReply health = http_->Get("/t/t0002/healthz");
  EXPECT_EQ(health.status, 200);
  HttpReply info = http_->Get("/t/t0002/buildinfo");
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(info.Json(), (Json{{"git_sha", "1111111"}, {"image", "registry.test/app:v1"}}));
  EXPECT_EQ(http_->Get("/t/t0003/buildinfo").status, 404);
  EXPECT_EQ(http_->Get("/t/t0000/nothing").status, 404);
  EXPECT_EQ(http_->Post("/t/t0000/buildinfo", "{}").status, 405);
}

TEST_F(SimProcessTest, DeployUpdatesBuildinfoStateAndHistory) {
  StartSim({"--tenants", "2", "--deploy-ms", "20"});
  HttpReply deploy = http_->Post("/t/t0001/agent/v1/deploy", DeployBody("v2", 5));
  ASSERT_EQ(deploy.status, 200) << deploy.body;
  EXPECT_EQ(deploy.Json()["exit_code"], 0);
  EXPECT_EQ(deploy.Json()["running_image"], "registry.test/app:v2");
  EXPECT_TRUE(deploy.Json()["output"].is_string());

  EXPECT_EQ(http_->Get("/t/t0001/buildinfo").Json(),
            (Json{{"git_sha", "shav2"}, {"image", "registry.test/app:v2"}}));
  EXPECT_EQ(http_->Get("/t/t0001/agent/v1/state").Json(),
            (Json{{"running_image", "registry.test/app:v2"}, {"release_seq", 5}, {"deploying", nullptr}}));
  Json state = SimState();
  const Json& t1 = state["tenants"]["t0001"];
  EXPECT_EQ(t1["history"], (Json{kInitialImage, "registry.test/app:v2"}));
  EXPECT_EQ(t1["deploy_count"], 1);
  EXPECT_EQ(t1["git_sha"], "shav2");
  EXPECT_EQ(state["tenants"]["t0000"]["deploy_count"], 0);
  EXPECT_EQ(state["tenants"]["t0000"]["history"], (Json{kInitialImage}));
}

TEST_F(SimProcessTest, ConcurrentDeployIsRefusedWith409) {
  StartSim({"--tenants", "1", "--fault", "t0000=slow:60"});
  auto first = RawConnection::Open(endpoint_);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(
      (*first)->Send(RawRequest("POST", "/t/t0000/agent/v1/deploy", DeployBody("v2", 2))).ok());
  ASSERT_TRUE(WaitUntilDeploying("t0000", After(10s)));
  HttpReply second = http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v3", 3));
  EXPECT_EQ(second.status, 409);
  EXPECT_NE(second.Json()["error"].get<std::string>().find("deploy in progress"),
            std::string::npos);
}

TEST_F(SimProcessTest, OlderReleaseSeqIsRefusedUnlessRollback) {
  StartSim({"--tenants", "1", "--deploy-ms", "0"});
  ASSERT_EQ(http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v9", 9)).status, 200);
  HttpReply older = http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v8", 8));
  EXPECT_EQ(older.status, 409);
  EXPECT_EQ(older.Json()["error"].get<std::string>().rfind("release_seq: ", 0), 0u);
  HttpReply rollback = http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v8", 8, true));
  EXPECT_EQ(rollback.status, 200);
  EXPECT_EQ(SimState()["tenants"]["t0000"]["history"],
            (Json{kInitialImage, "registry.test/app:v9", "registry.test/app:v8"}));
}

TEST_F(SimProcessTest, MalformedDeployBodiesAre400NamingTheField) {
  StartSim({"--tenants", "1"});
  EXPECT_EQ(http_->Post("/t/t0000/agent/v1/deploy", "{}").Json()["error"], "image: required");
  HttpReply unknown = http_->Post("/t/t0000/agent/v1/deploy", R"({"image":"x","force":1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.Json()["error"], "force: unknown field");
  EXPECT_EQ(http_->Post("/t/t0000/agent/v1/deploy", "not json").status, 400);
}

TEST_F(SimProcessTest, DeadTenantNeverAnswers) {
  StartSim({"--tenants", "2", "--fault", "t0001=dead"});
  TestHttpClient impatient(endpoint_, 300ms);
  EXPECT_EQ(impatient.Get("/t/t0001/healthz").status, 0);
  EXPECT_EQ(impatient.Post("/t/t0001/agent/v1/deploy", DeployBody("v2", 1)).status, 0);
  EXPECT_EQ(http_->Get("/t/t0000/healthz").status, 200);  // the others are fine
  EXPECT_EQ(SimState()["tenants"]["t0001"]["deploy_count"], 0);
}

TEST_F(SimProcessTest, StuckTenantReportsSuccessButStaysOld) {
  StartSim({"--tenants", "1", "--deploy-ms", "0", "--fault", "t0000=stuck"});
  HttpReply deploy = http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v2", 2));
  ASSERT_EQ(deploy.status, 200);
  EXPECT_EQ(deploy.Json()["exit_code"], 0);
  EXPECT_EQ(deploy.Json()["running_image"], kInitialImage);
  EXPECT_EQ(http_->Get("/t/t0000/buildinfo").Json()["image"], kInitialImage);
  EXPECT_EQ(http_->Get("/t/t0000/agent/v1/state").Json()["running_image"], kInitialImage);
  Json t = SimState()["tenants"]["t0000"];
  EXPECT_EQ(t["history"], (Json{kInitialImage}));
  EXPECT_EQ(t["deploy_count"], 1);
}

TEST_F(SimProcessTest, FlakyTenantFailsItsFirstTwoAgentCalls) {
  StartSim({"--tenants", "1", "--fault", "t0000=flaky:2"});
  EXPECT_EQ(http_->Get("/t/t0000/agent/v1/state").status, 502);
  EXPECT_EQ(http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v2", 2)).status, 502);
  EXPECT_EQ(http_->Get("/t/t0000/agent/v1/state").status, 200);
}

TEST_F(SimProcessTest, CrashingTenantClosesAgentCallsWithoutAnswer) {
  StartSim({"--tenants", "1", "--fault", "t0000=crash"});
  auto raw = RawConnection::Open(endpoint_);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(
      (*raw)->Send(RawRequest("POST", "/t/t0000/agent/v1/deploy", DeployBody("v2", 2))).ok());
  EXPECT_TRUE((*raw)->ClosedWithoutAnswer(After(10s)));
  EXPECT_EQ(http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v2", 2)).status, 0);
  EXPECT_EQ(http_->Get("/t/t0000/healthz").status, 200);
}

TEST_F(SimProcessTest, UnhealthyAndLaggingTenants) {
  StartSim({"--tenants", "2", "--deploy-ms", "0", "--fault", "t0000=unhealthy", "--fault",
            "t0001=lag:600"});
  EXPECT_EQ(http_->Get("/t/t0000/healthz").status, 503);
  ASSERT_EQ(http_->Post("/t/t0001/agent/v1/deploy", DeployBody("v2", 2)).status, 200);
  // The agent knows the new image; the tenant's own endpoints still show the old build.
  EXPECT_EQ(http_->Get("/t/t0001/agent/v1/state").Json()["running_image"], "registry.test/app:v2");
  EXPECT_EQ(http_->Get("/t/t0001/buildinfo").Json()["git_sha"], "0000000");
  EXPECT_EQ(http_->Get("/t/t0001/healthz").Json()["image"], kInitialImage);
}

TEST_F(SimProcessTest, AgentTokenGuardsAgentRoutesOnly) {
  const std::string token = "s3cret-agent-token";
  StartSim({"--tenants", "1", "--agent-token", token, "--deploy-ms", "0"});
  EXPECT_EQ(http_->Get("/t/t0000/agent/v1/state").status, 401);
  EXPECT_EQ(http_->Get("/t/t0000/agent/v1/state", BearerHeader("wrong")).status, 401);
  EXPECT_EQ(http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v2", 2)).status, 401);
  EXPECT_EQ(http_->Get("/t/t0000/agent/v1/state", BearerHeader(token)).status, 200);
  EXPECT_EQ(
      http_->Post("/t/t0000/agent/v1/deploy", DeployBody("v2", 2), BearerHeader(token)).status,
      200);
  EXPECT_EQ(http_->Get("/t/t0000/healthz").status, 200);
  ASSERT_TRUE(sim_->Kill(SIGTERM).ok());
  ASSERT_TRUE(sim_->Wait(After(10s)).ok());
  EXPECT_EQ(sim_->ReadStdout().find(token), std::string::npos);
  EXPECT_EQ(sim_->ReadStderr().find(token), std::string::npos);
}

TEST_F(SimProcessTest, TenantsOutHoldsTheBulkBodyWithTheRealPort) {
  char dir[] = "/tmp/rollcall-sim-it-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/tenants.json";
  StartSim({"--names", "acme,globex", "--tenants-out", path});
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  std::remove(path.c_str());
  rmdir(dir);
  Json body = Json::parse(content.str(), nullptr, false);
  const std::string base = endpoint_.Url() + "/t/globex";
  ASSERT_EQ(body["tenants"].size(), 2u) << content.str();
  EXPECT_EQ(body["tenants"][1], (Json{{"slug", "globex"},
                                      {"base_url", base},
                                      {"driver", "agent"},
                                      {"agent_url", base + "/agent"}}));
  EXPECT_EQ(http_->Get("/t/acme/healthz").status, 200);
}

TEST_F(SimProcessTest, SigtermExitsCleanly) {
  StartSim({"--tenants", "1"});
  ASSERT_TRUE(sim_->Kill(SIGTERM).ok());
  Result<int> code = sim_->Wait(After(10s));
  ASSERT_TRUE(code.ok()) << code.status().message();
  EXPECT_EQ(*code, 0);
}

TEST(SimFlagsTest, BadFlagsExit2WithOneLineNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  for (const Case& c : {Case{{"--tenants", "0"}, "--tenants"}, Case{{}, "--tenants"},
                        Case{{"--tenants", "2", "--fault", "t0009=dead"}, "--fault"},
                        Case{{"--tenants", "2", "--fault", "t0000=zombie"}, "--fault"},
                        Case{{"--tenants", "2", "--deploy-dist", "normal:1:2"}, "--deploy-dist"},
                        Case{{"--tenants", "2", "--listen", "nowhere"}, "--listen"},
                        Case{{"--tenants", "2", "--bogus"}, "--bogus"}}) {
    std::vector<std::string> argv = {ROLLCALL_SIM_BIN};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto child = ChildProcess::Start(argv);
    ASSERT_TRUE(child.ok());
    Result<int> code = (*child)->Wait(After(20s));
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 2) << c.flag;
    std::string err = (*child)->ReadStderr();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(c.flag), std::string::npos) << err;
  }
}

// Scale: 10,000 tenants, 2,000 connections open at once, each deploying one
// tenant and then reading its buildinfo over the same kept-alive connection.
TEST_F(SimProcessTest, TwoThousandConcurrentKeepAliveConnectionsAllGetAnswers) {
  RaiseOpenFileLimit();
  StartSim({"--tenants", "10000", "--deploy-dist", "lognormal:50:0.5", "--seed", "7"});
  constexpr int kConnections = 2000;
  auto request = [](int index, int round) {
    std::string slug = fmt::format("t{:04d}", index * 5);  // spread over the fleet
    if (round == 0) {
      return RawRequest("POST", "/t/" + slug + "/agent/v1/deploy", DeployBody("v2", 2));
    }
    return RawRequest("GET", "/t/" + slug + "/buildinfo");
  };
  FanOutReport report = KeepAliveFanOut(endpoint_, kConnections, 2, request, After(120s));
  EXPECT_EQ(report.connected, kConnections);
  EXPECT_EQ(report.answered, 2 * kConnections);
  EXPECT_EQ(report.by_status[200], 2 * kConnections);
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
  Json state = SimState();
  EXPECT_EQ(state["deploy_count"], kConnections);
  EXPECT_EQ(state["tenants"]["t0005"]["history"], (Json{kInitialImage, "registry.test/app:v2"}));
  EXPECT_EQ(state["tenants"]["t0001"]["deploy_count"], 0);
}

}  // namespace
}  // namespace rollcall::it
