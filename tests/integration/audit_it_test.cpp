// The audit trail end to end: named tokens (--tokens-file), every kind of
// mutation recorded with the token's name as the actor, refusals included,
// and the token itself never in the trail, the ledger or the log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>

#include "stack.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr const char* kCiToken = "ci-0123456789abcdef-token";
constexpr const char* kAliceToken = "alice-0123456789abcdef-token";

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A tokens file only its owner can read, in a temp dir of its own.
std::string WriteTokensFile() {
  char tmpl[] = "/tmp/rollcall-tokens-XXXXXX";
  const std::string path = std::string(mkdtemp(tmpl)) + "/tokens";
  std::ofstream(path) << "# the deploy pipeline and an on-call engineer\n"
                      << "ci-deploy admin " << kCiToken << "\n"
                      << "alice read " << kAliceToken << "\n";
  chmod(path.c_str(), 0600);
  return path;
}

TEST(AuditIt, EveryMutationIsRecordedWithTheTokensNameAndNeverTheToken) {
  const std::string tokens = WriteTokensFile();
  Stack s({.tenants = 4, .server_args = {"--tokens-file", tokens}});
  auto as_ci = [&](const std::string& method, const std::string& path, const std::string& body) {
    return s.Send(method, path, body, BearerHeader(kCiToken));
  };
  const std::string tenant = R"({"base_url":"http://127.0.0.1:1/t/extra","driver":"agent","agent_url":"http://127.0.0.1:1/a"})";
  EXPECT_EQ(as_ci("PUT", "/v1/tenants/extra", tenant).status, 201);
  EXPECT_EQ(as_ci("PUT", "/v1/tenants/extra", tenant).status, 200);
  EXPECT_EQ(as_ci("POST", "/v1/tenants/extra/cordon", "").status, 200);
  EXPECT_EQ(as_ci("POST", "/v1/tenants/extra/uncordon", "").status, 200);
  EXPECT_EQ(as_ci("DELETE", "/v1/tenants/extra", "").status, 200);
  EXPECT_EQ(as_ci("POST", "/v1/fleet/freeze", R"({"reason":"incident 7"})").status, 200);
  EXPECT_EQ(as_ci("POST", "/v1/rollouts", RolloutBody(Json::object(), "v1", 1)).status, 409);  // frozen
  EXPECT_EQ(as_ci("POST", "/v1/fleet/unfreeze", "").status, 200);
  HttpReply started = as_ci("POST", "/v1/rollouts", RolloutBody(Json::parse(R"({"max_parallel":4})"), "v2", 2));
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.Json().value("id", "");
  EXPECT_EQ(s.WaitFinished(id).value("created_by", ""), "ci-deploy");
  // A fenced refusal: older than what the fleet runs.
  HttpReply older = as_ci("POST", "/v1/rollouts", RolloutBody(Json::object(), "v1", 1));
  EXPECT_EQ(older.status, 409) << older.body;
  // A read token may not mutate, and that is not a mutation to record.
  EXPECT_EQ(s.Send("POST", "/v1/fleet/unfreeze", "", BearerHeader(kAliceToken)).status, 403);

  HttpReply trail = s.Send("GET", "/v1/audit?actor=ci-deploy&limit=100", "", BearerHeader(kAliceToken));
  ASSERT_EQ(trail.status, 200) << trail.body;
  const Json entries = trail.Json().value("entries", Json::array());
  std::map<std::string, std::vector<Json>> by_kind;
  for (const auto& e : entries) {
    EXPECT_EQ(e.value("actor", ""), "ci-deploy") << e.dump();
    by_kind[e.value("kind", "")].push_back(e);
  }
  for (const char* kind : {"tenant.create", "tenant.replace", "tenant.cordon", "tenant.uncordon", "tenant.delete",
                           "fleet.freeze", "fleet.unfreeze", "rollout.create"}) {
    EXPECT_EQ(by_kind.count(kind), 1u) << kind << " missing from " << trail.body.substr(0, 2000);
  }
  ASSERT_EQ(by_kind["rollout.create"].size(), 3u);  // refused frozen, started, refused fenced (newest first)
  EXPECT_EQ(by_kind["rollout.create"][1].value("target", ""), id);
  EXPECT_EQ(by_kind["rollout.create"][1]["data"]["status"], 202);
  EXPECT_EQ(by_kind["rollout.create"][0]["data"]["status"], 409);
  EXPECT_EQ(by_kind["rollout.create"][0]["data"]["error"], "superseded");
  EXPECT_EQ(by_kind["fleet.freeze"][0].value("reason", ""), "incident 7");
  EXPECT_EQ(by_kind["tenant.delete"][0].value("target", ""), "extra");
  EXPECT_EQ(by_kind["tenant.delete"][0]["data"]["route"], "DELETE /v1/tenants/{slug}");
  EXPECT_EQ(s.Get("/v1/audit?actor=alice").Json().value("entries", Json::array()).size(), 0u);

  // The same trail through the CLI, as a table, with a read token.
  CliRun table = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kAliceToken, "audit",
                                                 "--actor", "ci-deploy"});
  EXPECT_EQ(table.exit, 0) << table.out << table.err;
  EXPECT_THAT(table.out, HasSubstr("fleet.freeze"));
  EXPECT_THAT(table.out, HasSubstr("incident 7"));
  EXPECT_THAT(table.out, HasSubstr("refused: superseded"));
  CliRun typo = RunCliBinary(ROLLCALL_CLI_BIN, {"--server", s.server().Url(), "--token", kAliceToken, "audit",
                                                "--actor", "a&kind=x"});
  EXPECT_EQ(typo.exit, 2) << typo.out << typo.err;

  // The token is nowhere: not in the trail, the ledger or the log.
  for (const char* token : {kCiToken, kAliceToken}) {
    EXPECT_THAT(trail.body, Not(HasSubstr(token)));
    EXPECT_THAT(FileText(s.db()), Not(HasSubstr(token)));
    EXPECT_THAT(FileText(s.db() + "-wal"), Not(HasSubstr(token)));
    EXPECT_THAT(FileText(s.server_process()->stderr_path()), Not(HasSubstr(token)));
  }
}

TEST(AuditIt, ATokensFileEveryUserMayReadIsRefused) {
  const std::string tokens = WriteTokensFile();
  chmod(tokens.c_str(), 0644);
  CliRun refused = RunCliBinary(ROLLCALLD_BIN, {"--listen", "127.0.0.1:0", "--db", ":memory:", "--tokens-file", tokens},
                                {}, After(30s));
  EXPECT_EQ(refused.exit, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("--tokens-file: " + tokens + " is readable by every user"));
  EXPECT_THAT(refused.err, Not(HasSubstr(kCiToken)));
}

// Every binary says what it is; a usage error is exit 2 in every one.
TEST(VersionIt, EveryBinaryHasVersionAndUsageErrorsExit2) {
  const std::vector<std::pair<std::string, std::string>> binaries = {
      {ROLLCALLD_BIN, "rollcalld"}, {ROLLCALL_CLI_BIN, "rollcall"},
      {ROLLCALL_AGENT_BIN, "rollcall-agent"}, {ROLLCALL_SIM_BIN, "rollcall-sim"}};
  for (const auto& [bin, name] : binaries) {
    CliRun version = RunCliBinary(bin, {"--version"}, {}, After(30s));
    EXPECT_EQ(version.exit, 0) << name << ": " << version.out << version.err;
    EXPECT_THAT(version.out, ::testing::StartsWith(name + " ")) << version.out;
    EXPECT_THAT(version.out, HasSubstr(" (commit ")) << version.out;
    CliRun typo = RunCliBinary(bin, {"--no-such-flag"}, {}, After(30s));
    EXPECT_EQ(typo.exit, 2) << name << ": " << typo.out << typo.err;
  }
}

}  // namespace
}  // namespace rollcall::it
