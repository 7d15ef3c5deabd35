// What an operator adopting Rollcall uses beyond rollouts, end to end:
// /metrics in the Prometheus format (promtool-clean where Debian's
// prometheus is installed), the CLI's tables and -o formats, `history`,
// `undo` through the fenced rollback, "did you mean", and `verify` checking
// tenants where their users reach them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "stack.h"

namespace rollcall::it {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

// The text exposition format, checked line by line: HELP and TYPE once per
// family and before its samples, sample names of a declared family, label
// sets well formed, values numbers, histogram buckets cumulative up to
// +Inf == _count. Returns "" or the first problem; fills `samples`.
std::string CheckExposition(const std::string& text, std::map<std::string, double>& samples) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.e+]+|\+Inf|-Inf|NaN))");
  std::map<std::string, std::string> types;
  std::map<std::string, double> last_bucket;  // per series, its le label left out
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) continue;
    if (std::regex_match(line, m, kType)) {
      if (!types.emplace(m[1], m[2]).second) return "TYPE twice: " + line;
      continue;
    }
    if (!std::regex_match(line, m, kSample)) return "not a sample: " + line;
    std::string family = m[1];
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (!types.count(family) && family.size() > suffix.size() && family.ends_with(suffix)) {
        family = family.substr(0, family.size() - suffix.size());
      }
    }
    if (!types.count(family)) return "sample before its TYPE: " + line;
    const std::string value_text = m[7];
    const double value = value_text == "+Inf" ? 1e308 : std::stod(value_text);
    if (types[family] == "counter" && !(value >= 0)) return "negative counter: " + line;
    if (const size_t le = line.find("le=\""); le != std::string::npos && line.find("_bucket{") != std::string::npos) {
      const std::string series = line.substr(0, le) + line.substr(line.find('"', le + 4) + 1);
      const std::string key = series.substr(0, series.rfind(' '));
      if (last_bucket.count(key) && value < last_bucket[key]) return "buckets not cumulative: " + line;
      last_bucket[key] = value;
    }
    samples[line.substr(0, line.rfind(' '))] = value;
  }
  return "";
}

TEST(MetricsIt, ARolloutsCountersAndHistogramsAreScrapedInThePrometheusFormat) {
  Stack s({.tenants = 6, .faults = {"t0003=stuck"}});
  const std::string id = s.StartRollout(RolloutBody(Json{{"max_stragglers", 1}, {"max_parallel", 3}}, "v2", 2));
  ASSERT_EQ(s.WaitFinished(id).value("state", ""), "succeeded");
  EXPECT_EQ(s.Post("/v1/rollouts", RolloutBody(Json::object(), "v1", 1)).status, 409);  // fenced

  HttpReply scrape = s.Get("/metrics", kRead);
  ASSERT_EQ(scrape.status, 200);
  std::map<std::string, double> m;
  ASSERT_EQ(CheckExposition(scrape.body, m), "") << scrape.body;
  EXPECT_EQ(m["rollcall_tenant_deploys_total{status=\"Success\"}"], 5);
  EXPECT_EQ(m["rollcall_tenant_deploys_total{status=\"OffTarget\"}"], 1);
  EXPECT_EQ(m["rollcall_tenant_deploys_total{status=\"TimedOut\"}"], 0);  // created at zero
  EXPECT_EQ(m["rollcall_tenant_deploy_duration_seconds_count"], 6);
  EXPECT_EQ(m["rollcall_tenant_health_settle_seconds_count"], 6);
  EXPECT_EQ(m["rollcall_rollouts_total{state=\"succeeded\"}"], 1);
  EXPECT_EQ(m["rollcall_rollout_duration_seconds_count"], 1);
  EXPECT_EQ(m["rollcall_stragglers_total{status=\"OffTarget\"}"], 1);
  EXPECT_EQ(m["rollcall_fence_refusals_total{kind=\"rollout\"}"], 1);
  EXPECT_EQ(m["rollcall_http_requests_total{route=\"POST /v1/rollouts\",code=\"202\"}"], 1);
  EXPECT_EQ(m["rollcall_http_requests_total{route=\"POST /v1/rollouts\",code=\"409\"}"], 1);
  EXPECT_GE(m["rollcall_http_request_duration_seconds_count{route=\"GET /v1/rollouts/{id}\"}"], 1);
  EXPECT_EQ(m["rollcall_rollouts{state=\"succeeded\"}"], 1);  // the gauge, from a count
  EXPECT_THAT(scrape.body, HasSubstr("rollcall_build_info{version=\""));
  // A path from outside never becomes a label value.
  s.Get("/v1/nope/../../etc/passwd", kRead);
  EXPECT_THAT(s.Get("/metrics", kRead).body, Not(HasSubstr("passwd")));

  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0) {
    if (std::getenv("ROLLCALL_REQUIRE_PROMTOOL") != nullptr) FAIL() << "promtool is not installed";
    GTEST_SKIP() << "promtool not installed (Debian's prometheus package)";
  }
  const std::string file = s.dir() + "/metrics.txt";
  std::ofstream(file) << scrape.body;
  CliRun check = RunCliBinary("/bin/sh", {"-c", std::string(promtool) + " check metrics < " + file});
  EXPECT_EQ(check.exit, 0) << check.out << check.err;
}

std::vector<std::string> Cli(const Stack& s, std::vector<std::string> args) {
  std::vector<std::string> out = {"--server", s.server().Url(), "--token", kAdmin};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

TEST(OperatorIt, TablesFormatsHistoryAndUndoThroughTheFencedRollback) {
  Stack s({.tenants = 4});
  for (int seq = 1; seq <= 2; ++seq) {
    const std::string id = s.StartRollout(RolloutBody(Json{{"max_parallel", 4}}, "v" + std::to_string(seq), seq));
    ASSERT_EQ(s.WaitFinished(id).value("state", ""), "succeeded");
  }
  CliRun status = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"status"}));
  ASSERT_EQ(status.exit, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("STATE"));
  EXPECT_LT(status.out.find(" v2 "), status.out.find(" v1 "));  // newest first
  EXPECT_THAT(status.out, HasSubstr("4/4"));
  CliRun limited = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"status", "--limit", "1", "-o", "json"}));
  ASSERT_EQ(limited.exit, 0) << limited.err;
  const Json page = Json::parse(limited.out);
  ASSERT_EQ(page["rollouts"].size(), 1u);
  EXPECT_EQ(page["rollouts"][0]["release"]["tag"], "v2");
  EXPECT_TRUE(page["next_cursor"].is_string());
  CliRun yaml = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"tenants", "list", "-o", "yaml"}));
  EXPECT_THAT(yaml.out, HasSubstr("tenants:\n  - agent_url: "));
  CliRun bad = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"status", "--state", "done"}));
  EXPECT_EQ(bad.exit, 2);
  EXPECT_THAT(bad.err, HasSubstr("--state: "));

  CliRun no_reason = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"undo"}));
  EXPECT_EQ(no_reason.exit, 2) << no_reason.out << no_reason.err;
  CliRun undo = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"undo", "--reason", "v2 breaks logins"}));
  ASSERT_EQ(undo.exit, 0) << undo.out << undo.err;
  EXPECT_THAT(undo.out, HasSubstr("undo: from v2 (seq 2) back to v1 (seq 1)"));
  const Json tenants = s.Get("/v1/tenants").Json();  // held: the loop reads into it
  for (const Json& tenant : tenants["tenants"]) {
    EXPECT_EQ(tenant.value("running_image", ""), s.image_repo() + ":v1") << tenant.dump();
  }
  CliRun history = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"history", "-o", "wide"}));
  ASSERT_EQ(history.exit, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("succeeded (rollback)"));
  EXPECT_THAT(history.out, HasSubstr("v2 breaks logins"));
  EXPECT_THAT(history.out, HasSubstr("admin"));  // who: the token's name
  // Nothing older than v1 to go back to.
  CliRun again = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"undo", "--to", "0", "--reason", "x"}));
  EXPECT_EQ(again.exit, 1) << again.out << again.err;
  const Json trail = s.Get("/v1/audit?kind=rollout.rollback").Json();
  ASSERT_EQ(trail["entries"].size(), 1u) << trail.dump();
  EXPECT_EQ(trail["entries"][0]["reason"], "v2 breaks logins");
}

TEST(OperatorIt, ATypoGetsDidYouMeanAndExit2InEveryBinary) {
  CliRun command = RunCliBinary(ROLLCALL_CLI_BIN, {"rolout", "--tag", "v1"});
  EXPECT_EQ(command.exit, 2);
  EXPECT_THAT(command.err, HasSubstr("did you mean \"rollout\"?"));
  CliRun flag = RunCliBinary(ROLLCALL_CLI_BIN, {"rollout", "--tag", "v1", "--max-straglers", "1"});
  EXPECT_EQ(flag.exit, 2);
  EXPECT_THAT(flag.err, HasSubstr("did you mean --max-stragglers?"));
  CliRun server = RunCliBinary(ROLLCALLD_BIN, {"--listn", "127.0.0.1:0"});
  EXPECT_EQ(server.exit, 2);
  EXPECT_THAT(server.err, HasSubstr("did you mean --listen?"));
}

TEST(OperatorIt, VerifyChecksWhereUsersReachEachTenant) {
  Stack s({.tenants = 2});
  const std::string id = s.StartRollout(RolloutBody(Json{{"max_parallel", 2}}, "v1", 1));
  ASSERT_EQ(s.WaitFinished(id).value("state", ""), "succeeded");
  // The control plane's own address for t0000 goes dead; users reach it at
  // its public_url (the simulator's address).
  Json t0 = s.Get("/v1/tenants/t0000").Json();
  const std::string edge = t0.value("base_url", "");
  t0["public_url"] = edge;
  t0["base_url"] = "http://127.0.0.1:9/dead";
  for (const char* observed : {"running_image", "running_seq", "quarantined", "quarantine_reason"}) t0.erase(observed);
  ASSERT_EQ(s.Send("PUT", "/v1/tenants/t0000", t0.dump(), BearerHeader(kAdmin)).status, 200);
  CliRun ok = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"verify", "--sha", "abc1234", "--budget", "5", "--interval", "1"}));
  EXPECT_EQ(ok.exit, 0) << ok.out << ok.err;

  // Without public_url, a template names the edge; base_url is not used.
  Json t1 = s.Get("/v1/tenants/t0001").Json();
  const std::string template_url = edge.substr(0, edge.rfind('/') + 1) + "{slug}";
  t1["base_url"] = "http://127.0.0.1:9/dead";
  for (const char* observed : {"running_image", "running_seq", "quarantined", "quarantine_reason"}) t1.erase(observed);
  ASSERT_EQ(s.Send("PUT", "/v1/tenants/t0001", t1.dump(), BearerHeader(kAdmin)).status, 200);
  CliRun dead = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"verify", "--sha", "abc1234", "--budget", "2", "--interval", "1"}));
  EXPECT_EQ(dead.exit, 1) << dead.out << dead.err;
  EXPECT_THAT(dead.out, HasSubstr("t0001"));
  CliRun templated = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"verify", "--sha", "abc1234", "--budget", "5", "--interval",
                                                            "1", "--url-template", template_url}));
  EXPECT_EQ(templated.exit, 0) << templated.out << templated.err;
  CliRun bad = RunCliBinary(ROLLCALL_CLI_BIN, Cli(s, {"verify", "--sha", "abc1234", "--url-template", "{host}"}));
  EXPECT_EQ(bad.exit, 2);
}

TEST(DashboardIt, ThePageAndItsFilesNeedNoTokenAndCarryAStrictPolicy) {
  Stack s({.tenants = 2});
  HttpReply page = s.Send("GET", "/", "", {});
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("Content-Security-Policy"), "default-src 'self'");
  EXPECT_THAT(page.Header("Content-Type"), HasSubstr("text/html"));
  std::smatch script;
  ASSERT_TRUE(std::regex_search(page.body, script, std::regex(R"re(src="(/ui/[0-9a-f]{16}/app\.js)")re"))) << page.body;
  HttpReply app = s.Send("GET", script[1], "", {});
  EXPECT_EQ(app.status, 200);
  EXPECT_THAT(app.Header("Cache-Control"), HasSubstr("immutable"));
  EXPECT_EQ(s.Send("GET", script[1], "", {{"If-None-Match", app.Header("ETag")}}).status, 304);
  EXPECT_EQ(s.Send("GET", "/ui/0000000000000000/app.js", "", {}).status, 404);
  // The data still needs a token; whoami says whose.
  EXPECT_EQ(s.Send("GET", "/v1/whoami", "", {}).status, 401);
  EXPECT_EQ(s.Get("/v1/whoami", kRead).Json(), Json::parse(R"({"name":"read","role":"read"})"));
  EXPECT_EQ(s.Get("/v1/whoami").Json(), Json::parse(R"({"name":"admin","role":"admin"})"));
  EXPECT_TRUE(s.Get("/v1/fleet", kRead).Json()["tenants"][0].contains("labels"));
}

}  // namespace
}  // namespace rollcall::it
