// Integration test: the real rollcall-agent binary on loopback, deploying
// through a small script, driven through the shared harness. Waits are
// bounded by deadlines; nothing sleeps.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"
#include "runtime/process_testing.h"

namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using rollcall::Result;
using rollcall::it::After;
using rollcall::it::BearerHeader;
using rollcall::it::ChildProcess;
using rollcall::it::Endpoint;
using rollcall::it::HttpHeaders;
using rollcall::it::TestHttpClient;
using rollcall::testing::ReportFifo;
using rollcall::testing::ScratchDir;
using rollcall::testing::WaitForGroupExit;

constexpr auto kWait = 60s;  // bound on every wait; never reached when all is well
const std::string kToken = "s3cret-agent-token";

// A running rollcall-agent: ready once it printed "listening on HOST:PORT".
// The harness kills and reaps it if a test ends without Stop().
class AgentProcess {
 public:
  AgentProcess(std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), ROLLCALL_AGENT_BIN);
    // An empty ROLLCALL_AGENT_TOKEN counts as unset: the test runner's own
    // environment must not decide whether a token is configured.
    env.emplace("ROLLCALL_AGENT_TOKEN", "");
    Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(std::move(args), env);
    if (!child.ok()) {
      ADD_FAILURE() << child.status().message();
      return;
    }
    child_ = std::move(child).value();
    Result<Endpoint> at = rollcall::it::WaitForListening(*child_, After(kWait));
    if (at.ok()) endpoint_ = *at;
  }

  bool listening() const { return endpoint_.port > 0; }
  const Endpoint& endpoint() const { return endpoint_; }

  // SIGTERM, then the exit code (-1 when it did not exit in time).
  int Stop() {
    if (!child_) return -1;
    if (child_->Running() && !child_->Kill(SIGTERM).ok()) return -1;
    Result<int> code = child_->Wait(After(kWait));
    return code.ok() ? *code : -1;
  }

 private:
  std::unique_ptr<ChildProcess> child_;
  Endpoint endpoint_;
};

struct Answer {
  int status = 0;  // 0: no HTTP answer
  Json body;
};

Answer ToAnswer(const rollcall::it::HttpReply& reply) { return Answer{reply.status, reply.Json()}; }

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deploy_script_ = dir_.WriteScript("deploy", R"(
image="$1"; dir="$2"
case "$image" in
  *slow*) echo "$$" > "$dir/started"; read _ < "$dir/release" ;;
  *fail*) echo "cannot pull $image" >&2; exit 3 ;;
esac
echo "deploying $image seq=$ROLLCALL_RELEASE_SEQ"
echo "ROLLCALL_RUNNING_IMAGE=$image"
)");
    state_file_ = (dir_.path() / "state.json").string();
  }

  std::unique_ptr<AgentProcess> StartAgent() {
    auto agent = std::make_unique<AgentProcess>(
        std::vector<std::string>{"--listen", "127.0.0.1:0", "--state-file", state_file_,
                                 "--deploy-cmd", deploy_script_, "{image}", dir_.path().string()},
        std::map<std::string, std::string>{{"ROLLCALL_AGENT_TOKEN", kToken}});
    EXPECT_TRUE(agent->listening()) << "rollcall-agent did not start";
    // One request from this thread first: cpp-httplib initialises function-
    // local statics (regexes) on first use inside its uninstrumented .so, and
    // ThreadSanitizer would report threads racing on that first use.
    EXPECT_EQ(Get(*agent, "/healthz", std::nullopt).status, 200);
    return agent;
  }

  // A client per call: calls may come from several threads at once.
  static Answer Deploy(const AgentProcess& agent, const Json& body,
                       const std::string& token = kToken) {
    TestHttpClient http(agent.endpoint(), kWait);
    return ToAnswer(http.Post("/v1/deploy", body.dump(), BearerHeader(token)));
  }

  static Answer Get(const AgentProcess& agent, const std::string& path,
                    std::optional<std::string> token = kToken) {
    TestHttpClient http(agent.endpoint(), kWait);
    return ToAnswer(http.Get(path, token ? BearerHeader(*token) : HttpHeaders{}));
  }

  static Json Order(const std::string& image, int64_t seq, bool rollback = false) {
    return Json{{"image", image},      {"tag", "v" + std::to_string(seq)},
                {"git_sha", ""},       {"release_seq", seq},
                {"rollout_id", "r-1"}, {"rollback", rollback}};
  }

  ScratchDir dir_;
  std::string deploy_script_;
  std::string state_file_;
};

TEST_F(AgentTest, DeploySucceedsAndTheStateShowsIt) {
  auto agent = StartAgent();
  Answer answer = Deploy(*agent, Order("reg.test/app:v5", 5));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body["exit_code"], 0);
  EXPECT_EQ(answer.body["running_image"], "reg.test/app:v5");
  EXPECT_NE(answer.body["output"].get<std::string>().find("deploying reg.test/app:v5 seq=5"),
            std::string::npos);
  Answer state = Get(*agent, "/v1/state");
  ASSERT_EQ(state.status, 200);
  EXPECT_EQ(state.body, (Json{{"running_image", "reg.test/app:v5"}, {"release_seq", 5}, {"deploying", nullptr}}));
}

TEST_F(AgentTest, FailedDeployAnswersItsExitCodeAndKeepsTheState) {
  auto agent = StartAgent();
  Answer answer = Deploy(*agent, Order("reg.test/app:fail", 6));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body["exit_code"], 3);
  EXPECT_NE(answer.body["output"].get<std::string>().find("cannot pull"), std::string::npos);
  EXPECT_EQ(Get(*agent, "/v1/state").body,
            (Json{{"running_image", nullptr}, {"release_seq", nullptr}, {"deploying", nullptr}}));
}

TEST_F(AgentTest, LowerSeqIsRefusedUnlessRollback) {
  auto agent = StartAgent();
  ASSERT_EQ(Deploy(*agent, Order("reg.test/app:v5", 5)).status, 200);
  Answer older = Deploy(*agent, Order("reg.test/app:v3", 3));
  EXPECT_EQ(older.status, 409);
  EXPECT_EQ(older.body["error"].get<std::string>().rfind("superseded: release_seq 3", 0), 0u)
      << older.body;
  Answer rollback = Deploy(*agent, Order("reg.test/app:v3", 3, /*rollback=*/true));
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  EXPECT_EQ(Get(*agent, "/v1/state").body["release_seq"], 3);
}

TEST_F(AgentTest, ConcurrentDeployIsRefused) {
  ReportFifo started((dir_.path() / "started").string());
  ReportFifo release((dir_.path() / "release").string());  // held open: `read` blocks on it
  auto agent = StartAgent();
  std::future<Answer> slow =
      std::async(std::launch::async, [&] { return Deploy(*agent, Order("reg.test/app:slow", 7)); });
  ASSERT_TRUE(started.ReadLine(kWait)) << "the slow deploy never started";

  Answer second = Deploy(*agent, Order("reg.test/app:v8", 8));
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.body, (Json{{"error", "a deploy is already running"}}));

  ASSERT_TRUE(release.WriteLine("go"));
  ASSERT_EQ(slow.wait_for(kWait), std::future_status::ready);
  Answer first = slow.get();
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body["running_image"], "reg.test/app:slow");
}

TEST_F(AgentTest, ADeployThatProvesNothingReportsNoRunningImage) {
  AgentProcess agent({"--listen", "127.0.0.1:0", "--deploy-cmd", "/bin/true"},
                     {{"ROLLCALL_AGENT_TOKEN", kToken}});
  ASSERT_TRUE(agent.listening());
  Answer answer = Deploy(agent, Order("reg.test/app:v5", 5));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body["exit_code"], 0);
  EXPECT_EQ(answer.body["running_image"], nullptr) << answer.body;
  Answer state = Get(agent, "/v1/state");
  EXPECT_EQ(state.body["running_image"], nullptr) << state.body;
  EXPECT_EQ(state.body["release_seq"], 5) << state.body;  // still fenced: it ran seq 5
  EXPECT_EQ(Deploy(agent, Order("reg.test/app:v4", 4)).status, 409);
}

TEST_F(AgentTest, AnUnfencedDeployNeverLowersTheFence) {
  auto agent = StartAgent();
  ASSERT_EQ(Deploy(*agent, Order("reg.test/app:v5", 5)).status, 200);
  Json unfenced = Order("reg.test/app:hotfix", 0);
  unfenced.erase("release_seq");
  ASSERT_EQ(Deploy(*agent, unfenced).status, 200);
  Answer state = Get(*agent, "/v1/state");
  EXPECT_EQ(state.body["running_image"], "reg.test/app:hotfix");
  EXPECT_EQ(state.body["release_seq"], 5) << state.body;
  Answer older = Deploy(*agent, Order("reg.test/app:v3", 3));
  EXPECT_EQ(older.status, 409) << older.body;
}

TEST_F(AgentTest, TheStateSaysWhileADeployRuns) {
  ReportFifo started((dir_.path() / "started").string());
  ReportFifo release((dir_.path() / "release").string());
  auto agent = StartAgent();
  EXPECT_EQ(Get(*agent, "/v1/state").body["deploying"], nullptr);
  std::future<Answer> slow =
      std::async(std::launch::async, [&] { return Deploy(*agent, Order("reg.test/app:slow", 7)); });
  ASSERT_TRUE(started.ReadLine(kWait)) << "the slow deploy never started";
  Json deploying = Get(*agent, "/v1/state").body["deploying"];
  ASSERT_TRUE(release.WriteLine("go"));
  ASSERT_TRUE(deploying.is_object()) << deploying;
  EXPECT_EQ(deploying["image"], "reg.test/app:slow");
  EXPECT_EQ(deploying["release_seq"], 7);
  EXPECT_EQ(deploying["rollout_id"], "r-1");
  EXPECT_TRUE(deploying["started_at"].is_string()) << deploying;
  ASSERT_EQ(slow.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(Get(*agent, "/v1/state").body["deploying"], nullptr);
}

TEST_F(AgentTest, StateSurvivesARestart) {
  {
    auto agent = StartAgent();
    ASSERT_EQ(Deploy(*agent, Order("reg.test/app:v5", 5)).status, 200);
    EXPECT_EQ(agent->Stop(), 0);  // SIGTERM: a clean exit
  }
  auto restarted = StartAgent();
  EXPECT_EQ(Get(*restarted, "/v1/state").body,
            (Json{{"running_image", "reg.test/app:v5"}, {"release_seq", 5}, {"deploying", nullptr}}));
  EXPECT_EQ(Deploy(*restarted, Order("reg.test/app:v4", 4)).status, 409);
}

TEST_F(AgentTest, TokenIsRequiredExceptForHealthz) {
  auto agent = StartAgent();
  EXPECT_EQ(Get(*agent, "/v1/state", std::nullopt).status, 401);
  Answer wrong = Get(*agent, "/v1/state", "not-the-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, (Json{{"error", "unauthorized"}}));
  EXPECT_EQ(Deploy(*agent, Order("reg.test/app:v5", 5), "nope").status, 401);
  EXPECT_EQ(Get(*agent, "/v1/state").body["release_seq"], nullptr);  // nothing deployed
  EXPECT_EQ(Get(*agent, "/healthz", std::nullopt).status, 200);
}

TEST_F(AgentTest, BadBodiesAreRefusedNamingTheField) {
  auto agent = StartAgent();
  Answer unknown = Deploy(*agent, Json{{"image", "reg.test/app:v1"}, {"colour", "red"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body, (Json{{"error", "colour: unknown field"}}));
  Answer wrong_type = Deploy(*agent, Json{{"image", "reg.test/app:v1"}, {"release_seq", "5"}});
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.body, (Json{{"error", "release_seq: must be an integer"}}));
  Answer too_big = Deploy(*agent, Json{{"image", std::string(2 << 20, 'a')}});
  EXPECT_EQ(too_big.status, 413);
  EXPECT_TRUE(too_big.body.contains("error")) << too_big.body;
  EXPECT_EQ(Get(*agent, "/v1/nothing-here").status, 404);
}

TEST_F(AgentTest, StoppingKillsARunningDeploy) {
  ReportFifo started((dir_.path() / "started").string());
  ReportFifo release((dir_.path() / "release").string());
  auto agent = StartAgent();
  std::future<Answer> slow =
      std::async(std::launch::async, [&] { return Deploy(*agent, Order("reg.test/app:slow", 7)); });
  std::optional<std::string> script_pid = started.ReadLine(kWait);
  ASSERT_TRUE(script_pid);
  EXPECT_EQ(agent->Stop(), 0);
  EXPECT_TRUE(WaitForGroupExit(std::stoi(*script_pid), kWait));
  ASSERT_EQ(slow.wait_for(kWait), std::future_status::ready);
}

TEST(AgentStartupTest, RefusesToStartWithoutAToken) {
  Result<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({ROLLCALL_AGENT_BIN, "--listen", "127.0.0.1:0", "--deploy-cmd", "true"},
                          {{"ROLLCALL_AGENT_TOKEN", ""}});
  ASSERT_TRUE(child.ok()) << child.status().message();
  Result<int> code = (*child)->Wait(After(kWait));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 2);
  EXPECT_NE((*child)->ReadStderr().find("no token"), std::string::npos);
}

TEST(AgentStartupTest, RefusesAnUnknownPlaceholder) {
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(
      {ROLLCALL_AGENT_BIN, "--listen", "127.0.0.1:0", "--deploy-cmd", "echo", "{slug}"},
      {{"ROLLCALL_AGENT_TOKEN", kToken}});
  ASSERT_TRUE(child.ok()) << child.status().message();
  Result<int> code = (*child)->Wait(After(kWait));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 2);
  EXPECT_NE((*child)->ReadStderr().find("--deploy-cmd: argv[1]: unknown placeholder {slug}"),
            std::string::npos);
}

TEST(AgentStartupTest, DockerModeOrACommandNeverBothAndEachFlagIsChecked) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--deploy-cmd", "true", "--docker-container", "app"}, "give exactly one of --deploy-cmd and --docker-container"},
      {{}, "give exactly one of --deploy-cmd and --docker-container"},
      {{"--docker-container", "-app"}, "--docker-container: \"-app\" is not a Docker name"},
      {{"--docker-container", "app", "--docker-host", "tcp://10.0.0.5:2375"}, "--docker-host: required for a tcp://"},
      {{"--docker-container", "app", "--docker-host", "http://x"}, "--docker-host: must be unix:///path"},
      {{"--docker-container", "app", "--docker-keep", "a b"}, "--docker-keep[0]: \"a b\" is not a Docker name"},
      {{"--docker-container", "app", "--docker-health-url", "ftp://x"}, "--docker-health-url: must be an http"},
      {{"--docker-container", "app", "--registry-password-file", "/nonexistent"}, "--registry-password-file: cannot read"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {ROLLCALL_AGENT_BIN, "--listen", "127.0.0.1:0", "--insecure-no-token"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(argv, {{"ROLLCALL_AGENT_TOKEN", ""}});
    ASSERT_TRUE(child.ok()) << child.status().message();
    Result<int> code = (*child)->Wait(After(kWait));
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 2) << c.error;
    EXPECT_NE((*child)->ReadStderr().find(c.error), std::string::npos) << (*child)->ReadStderr();
  }
}

TEST(AgentStartupTest, InsecureFlagAllowsNoToken) {
  AgentProcess agent({"--listen", "127.0.0.1:0", "--insecure-no-token", "--deploy-cmd", "true"},
                     {});
  ASSERT_TRUE(agent.listening());
  TestHttpClient http(agent.endpoint(), kWait);
  EXPECT_EQ(http.Get("/v1/state").status, 200);
  EXPECT_EQ(agent.Stop(), 0);
}

}  // namespace
