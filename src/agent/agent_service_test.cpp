#include "agent/agent_service.h"
#include "core/listen_address.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "agent/agent_http.h"
#include "core/secure_compare.h"
#include "agent/agent_state.h"
#include "runtime/process_testing.h"

namespace rollcall {
namespace {

using testing::ScratchDir;

AgentDeployRequest Request(const std::string& image, std::optional<int64_t> seq,
                           bool rollback = false) {
  AgentDeployRequest req;
  req.image = image;
  req.release_seq = seq;
  req.rollback = rollback;
  return req;
}

DeployOutcome Exited(int code, std::string running_image = "") {
  DeployOutcome outcome;
  outcome.exit_code = code;
  outcome.running_image = std::move(running_image);
  return outcome;
}

// Runs a whole deploy through the service; the outcome answered, or the error.
Result<DeployOutcome> Deploy(AgentService& service, const AgentDeployRequest& req,
                             DeployOutcome outcome) {
  Result<AgentService::Slot> slot = service.BeginDeploy(req);
  if (!slot.ok()) return slot.status();
  return service.FinishDeploy(std::move(slot).value(), req, std::move(outcome));
}

// --- request parsing -------------------------------------------------------

TEST(ParseAgentDeployRequestTest, ReadsEveryField) {
  Result<AgentDeployRequest> req = ParseAgentDeployRequest(
      R"({"image":"reg/app:v42","tag":"v42","git_sha":"abc1234","release_seq":42,)"
      R"("rollout_id":"r-1","rollback":true})");
  ASSERT_TRUE(req.ok()) << req.status().message();
  EXPECT_EQ(req->image, "reg/app:v42");
  EXPECT_EQ(req->tag, "v42");
  EXPECT_EQ(req->git_sha, "abc1234");
  EXPECT_EQ(req->release_seq, 42);
  EXPECT_EQ(req->rollout_id, "r-1");
  EXPECT_TRUE(req->rollback);
}

TEST(ParseAgentDeployRequestTest, AcceptsWhatTheAgentDriverSends) {
  Result<AgentDeployRequest> req =
      ParseAgentDeployRequest(R"({"image":"reg/app:v1","tag":"v1","git_sha":"","release_seq":null,)"
                              R"("rollout_id":"r","rollback":false})");
  ASSERT_TRUE(req.ok()) << req.status().message();
  EXPECT_FALSE(req->release_seq);
}

TEST(ParseAgentDeployRequestTest, RejectsBadBodiesNamingTheField) {
  auto error = [](const std::string& body) {
    Result<AgentDeployRequest> req = ParseAgentDeployRequest(body);
    EXPECT_FALSE(req.ok()) << body;
    return req.ok() ? std::string() : req.status().message();
  };
  EXPECT_EQ(error("{"), "body: malformed JSON");
  EXPECT_EQ(error("[]"), "body: must be a JSON object");
  EXPECT_EQ(error("{}"), "image: required");
  EXPECT_EQ(error(R"({"image":"a","colour":"red"})"), "colour: unknown field");
  EXPECT_EQ(error(R"({"image":1})"), "image: must be a string");
  EXPECT_EQ(error(R"({"image":"a","release_seq":"5"})"), "release_seq: must be an integer");
  EXPECT_EQ(error(R"({"image":"a","release_seq":1.5})"), "release_seq: must be an integer");
  EXPECT_EQ(error(R"({"image":"a","rollback":"yes"})"), "rollback: must be true or false");
  EXPECT_EQ(error(R"({"image":""})"), "image: must not be empty");
  EXPECT_EQ(error(R"({"image":"--privileged"})"),
            "image: must not start with '-' or contain spaces or control characters");
  EXPECT_EQ(error(R"({"image":"a","tag":"no spaces"})"), "tag: not a valid OCI tag");
  EXPECT_EQ(error(R"({"image":"a","git_sha":"xyz"})"), "git_sha: must be 7 to 40 hex digits");
}

TEST(AgentPlaceholdersTest, NamesEveryField) {
  AgentDeployRequest req = Request("reg/app:v42", 42);
  req.tag = "v42";
  req.rollout_id = "r-1";
  PlaceholderValues values = AgentPlaceholders(req);
  EXPECT_EQ(values.at("image"), "reg/app:v42");
  EXPECT_EQ(values.at("release_seq"), "42");
  EXPECT_EQ(values.at("tag"), "v42");
  EXPECT_EQ(values.at("git_sha"), "");
  EXPECT_EQ(values.at("rollout_id"), "r-1");
  EXPECT_EQ(AgentPlaceholders(Request("x", std::nullopt)).at("release_seq"), "");
}

TEST(DeployAnswerJsonTest, HasTheContractFields) {
  EXPECT_EQ(ToJson(DeployAnswerOf(Exited(0, "reg/app:v1"))),
            (Json{{"exit_code", 0}, {"running_image", "reg/app:v1"}, {"output", ""}}));
  DeployOutcome timed_out;
  timed_out.error = "deploy command timed out after 1s";
  EXPECT_EQ(ToJson(DeployAnswerOf(timed_out)), (Json{{"exit_code", nullptr},
                                                     {"running_image", nullptr},
                                                     {"output", ""},
                                                     {"error", "deploy command timed out after 1s"}}));
}

// --- decisions -------------------------------------------------------------

TEST(AgentServiceTest, OneDeployAtATime) {
  AgentService service("", {});
  Result<AgentService::Slot> first = service.BeginDeploy(Request("a", 1));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(service.Deploying());
  Result<AgentService::Slot> second = service.BeginDeploy(Request("b", 2));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kConflict);
  EXPECT_EQ(second.status().message(), "a deploy is already running");
}

TEST(AgentServiceTest, SlotIsReleasedWhenDropped) {
  AgentService service("", {});
  { Result<AgentService::Slot> slot = service.BeginDeploy(Request("a", 1)); }
  EXPECT_FALSE(service.Deploying());
  EXPECT_TRUE(service.BeginDeploy(Request("a", 1)).ok());
}

TEST(AgentServiceTest, SuccessRecordsTheProvenImageAndSeq) {
  AgentService service("", {});
  Result<DeployOutcome> answer = Deploy(service, Request("reg/app:v5", 5), Exited(0, "reg/app:v5"));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->running_image, "reg/app:v5");
  EXPECT_EQ(service.State(), (AgentState{"reg/app:v5", 5}));
  EXPECT_FALSE(service.Deploying());
}

TEST(AgentServiceTest, WithoutProofNoImageIsReportedButTheFenceMoves) {
  AgentService service("", AgentState{"reg/app:v4", 4});
  Result<DeployOutcome> answer = Deploy(service, Request("reg/app:v5", 5), Exited(0));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->running_image, "");  // never the requested image
  EXPECT_EQ(service.State(), (AgentState{"", 5}));
  EXPECT_EQ(ToJson(service.StateAnswer())["running_image"], nullptr);
}

TEST(AgentServiceTest, ProofOfAnotherImageIsReportedAndTheHighestSeqKept) {
  AgentService service("", AgentState{"reg/app:v4", 4});
  Result<DeployOutcome> answer = Deploy(service, Request("reg/app:v5", 5), Exited(0, "reg/app:v4"));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->running_image, "reg/app:v4");
  EXPECT_EQ(service.State(), (AgentState{"reg/app:v4", 5}));
}

TEST(AgentServiceTest, TheStateShowsTheDeployInProgress) {
  AgentService service("", AgentState{"reg/app:v4", 4});
  EXPECT_FALSE(service.StateAnswer().deploying);
  AgentDeployRequest req = Request("reg/app:v5", 5);
  req.rollout_id = "r-1";
  Result<AgentService::Slot> slot = service.BeginDeploy(req, 1'800'000'000'000);
  ASSERT_TRUE(slot.ok());
  Json state = ToJson(service.StateAnswer());
  EXPECT_EQ(state["deploying"], (Json{{"image", "reg/app:v5"}, {"release_seq", 5}, {"rollout_id", "r-1"},
                                      {"started_at", "2027-01-15T08:00:00.000Z"}}));
  EXPECT_EQ(state["running_image"], "reg/app:v4");
}

TEST(AgentServiceTest, FailedDeployChangesNothing) {
  AgentService service("", AgentState{"reg/app:v4", 4});
  Result<DeployOutcome> answer = Deploy(service, Request("reg/app:v5", 5), Exited(3));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->exit_code, 3);
  EXPECT_EQ(answer->running_image, "");
  EXPECT_EQ(service.State(), (AgentState{"reg/app:v4", 4}));
  EXPECT_TRUE(Deploy(service, Request("reg/app:v5", 5), DeployOutcome{}).ok());  // no exit code
  EXPECT_EQ(service.State(), (AgentState{"reg/app:v4", 4}));
}

TEST(AgentServiceTest, LowerSeqIsRefusedUnlessRollback) {
  AgentService service("", AgentState{"reg/app:v5", 5});
  Result<AgentService::Slot> older = service.BeginDeploy(Request("reg/app:v3", 3));
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().code(), Status::Code::kConflict);
  EXPECT_EQ(older.status().message(),
            "superseded: release_seq 3 is lower than the running release_seq 5 (send "
            "\"rollback\": true to go back)");
  EXPECT_FALSE(service.Deploying());

  ASSERT_TRUE(Deploy(service, Request("reg/app:v3", 3, /*rollback=*/true), Exited(0, "reg/app:v3")).ok());
  EXPECT_EQ(service.State(), (AgentState{"reg/app:v3", 3}));
}

TEST(AgentServiceTest, SameHigherOrAbsentSeqIsAcceptedAndAnAbsentOneNeverLowersTheFence) {
  AgentService service("", AgentState{"reg/app:v5", 5});
  EXPECT_TRUE(Deploy(service, Request("reg/app:v5", 5), Exited(0, "reg/app:v5")).ok());
  EXPECT_TRUE(Deploy(service, Request("reg/app:v6", 6), Exited(0, "reg/app:v6")).ok());
  EXPECT_TRUE(Deploy(service, Request("reg/app:dev", std::nullopt), Exited(0, "reg/app:dev")).ok());
  EXPECT_EQ(service.State(), (AgentState{"reg/app:dev", 6}));
  EXPECT_FALSE(service.BeginDeploy(Request("reg/app:v5", 5)).ok());
}

TEST(AgentServiceTest, ConcurrentBeginsAdmitExactlyOne) {
  AgentService service("", {});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  std::vector<std::optional<AgentService::Slot>> slots(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Result<AgentService::Slot> slot = service.BeginDeploy(Request("a", 1));
      if (slot.ok()) {
        ++admitted;
        slots[i].emplace(std::move(slot).value());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1);
}

// --- state file ------------------------------------------------------------

TEST(AgentStateFileTest, SurvivesARestart) {
  ScratchDir dir;
  std::string path = (dir.path() / "state.json").string();
  {
    Result<std::unique_ptr<AgentService>> service = AgentService::Open(path);
    ASSERT_TRUE(service.ok());
    EXPECT_EQ((*service)->State(), AgentState{});  // no file yet
    ASSERT_TRUE(Deploy(**service, Request("reg/app:v7", 7), Exited(0, "reg/app:v7")).ok());
  }
  Result<std::unique_ptr<AgentService>> reopened = AgentService::Open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->State(), (AgentState{"reg/app:v7", 7}));
  EXPECT_FALSE((*reopened)->BeginDeploy(Request("reg/app:v6", 6)).ok());
  // Only the state file: no temp file left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(AgentStateFileTest, CorruptFileIsAnErrorNamingIt) {
  ScratchDir dir;
  std::string path = dir.WriteFile("state.json", R"({"running_image": 5})");
  Result<std::unique_ptr<AgentService>> service = AgentService::Open(path);
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(service.status().message(), "state file " + path + ": running_image: must be a string");
  EXPECT_FALSE(LoadAgentState(dir.WriteFile("torn.json", "{\"running")).ok());
}

TEST(AgentStateFileTest, UnwritableFileFailsTheAnswerButKeepsFencing) {
  ScratchDir dir;
  std::string path = (dir.path() / "missing-dir" / "state.json").string();
  AgentService service(path, {});
  Result<DeployOutcome> answer = Deploy(service, Request("reg/app:v7", 7), Exited(0, "reg/app:v7"));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), Status::Code::kInternal);
  EXPECT_NE(answer.status().message().find("state file " + path), std::string::npos);
  EXPECT_EQ(service.State(), (AgentState{"reg/app:v7", 7}));
  EXPECT_FALSE(service.Deploying());
}

TEST(AgentStateFileTest, RoundTripsNullSeq) {
  ScratchDir dir;
  std::string path = (dir.path() / "s.json").string();
  ASSERT_TRUE(SaveAgentState(path, AgentState{"reg/app:dev", std::nullopt}).ok());
  Result<AgentState> loaded = LoadAgentState(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, (AgentState{"reg/app:dev", std::nullopt}));
}

// --- small helpers of the HTTP glue -----------------------------------------

TEST(ParseListenAddressTest, AcceptsHostPortAndIpv6) {
  auto parsed = ParseListenAddress("127.0.0.1:7701");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, std::make_pair(std::string("127.0.0.1"), 7701));
  parsed = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, std::make_pair(std::string("::1"), 0));
  EXPECT_FALSE(ParseListenAddress("localhost").ok());
  EXPECT_FALSE(ParseListenAddress(":7701").ok());
  EXPECT_FALSE(ParseListenAddress("host:70000").ok());
  EXPECT_FALSE(ParseListenAddress("host:12x").ok());
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("Bearer abc", "Bearer abc"));
  EXPECT_FALSE(ConstantTimeEquals("Bearer abc", "Bearer abd"));
  EXPECT_FALSE(ConstantTimeEquals("Bearer ab", "Bearer abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "Bearer abc"));
}

}  // namespace
}  // namespace rollcall
