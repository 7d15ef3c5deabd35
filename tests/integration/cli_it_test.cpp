// The rollcall CLI end to end: the real binary against a real rollcalld and
// rollcall-sim, a local bare git repository, and a fake Gitea served inside
// the test (the only fake: a third-party SaaS API).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "httpd/server_thread.h"
#include "stack.h"
#include "tcp_proxy.h"
#include "test_registry.h"

namespace rollcall::it {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;
using namespace std::chrono_literals;

CliRun RunCli(std::vector<std::string> args, std::map<std::string, std::string> env = {},
              Deadline deadline = After(120s)) {
  return RunCliBinary(ROLLCALL_CLI_BIN, std::move(args), std::move(env), deadline);
}

std::vector<std::string> Server(const Stack& s) {
  return {"--server", s.server().Url(), "--token", kAdmin};
}

std::vector<std::string> Cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A bare repository with a clone that commits and pushes to main.
class GitRepo {
 public:
  explicit GitRepo(const std::string& dir) : bare_(dir + "/remote.git"), work_(dir + "/work") {
    Git({"init", "-q", "--bare", "-b", "main", bare_});
    Git({"init", "-q", "-b", "main", work_});
    Git({"-C", work_, "remote", "add", "origin", bare_});
  }
  // Commits and pushes; returns the new head's sha.
  std::string CommitAndPush(const std::string& message) {
    Git({"-C", work_, "-c", "user.name=ci", "-c", "user.email=ci@example.com", "commit", "-q",
         "--allow-empty", "-m", message});
    Git({"-C", work_, "push", "-q", "origin", "main"});
    std::string sha = Git({"-C", work_, "rev-parse", "HEAD"});
    return sha.substr(0, sha.find('\n'));
  }
  const std::string& bare() const { return bare_; }
  const std::string& work() const { return work_; }

  static std::string Git(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/git"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::Start(argv);
    EXPECT_TRUE(child.ok());
    Result<int> code = (*child)->Wait(After(30s));
    EXPECT_TRUE(code.ok() && *code == 0) << "git failed: " << (*child)->ReadStderr();
    return (*child)->ReadStdout();
  }

 private:
  std::string bare_, work_;
};

TEST(CliIt, DeployRunsEveryStageAndWritesTheStepSummary) {
  Stack s({.tenants = 6});
  GitRepo repo(s.dir());
  const std::string sha = repo.CommitAndPush("release");
  const std::string summary = s.dir() + "/summary.md";
  CliRun run = RunCli(Cat(Server(s), {"deploy", "--sha", sha, "--seq", "7", "--remote", repo.bare(),
                                      "--canary", "t0000", "--max-stragglers", "0", "--budget", "20",
                                      "--interval", "0.2", "--no-promote", "--annotations", "on"}),
                      {{"GITHUB_STEP_SUMMARY", summary}});
  ASSERT_EQ(run.exit, 0) << run.out << run.err;
  const std::string md = ReadFile(summary);
  EXPECT_THAT(md, HasSubstr("### Rollcall deploy `" + sha + "` as **staging-" + sha.substr(0, 7) + "**"));
  EXPECT_THAT(md, HasSubstr("| check-superseded | current |"));
  EXPECT_THAT(md, HasSubstr("| rollout | succeeded |"));
  EXPECT_THAT(md, HasSubstr("| verify | on target | 6/6 OK, 0 quarantined skipped |"));
  EXPECT_THAT(md, HasSubstr("| promote | skipped (--no-promote) |"));
  EXPECT_THAT(md, HasSubstr("| Tenant | Phase | Status | Exit | Healthz | On target | Running image | Duration | Error |"));
  EXPECT_THAT(md, HasSubstr("| t0000 | canary | Success | 0 | ✅ | ✅ | " + std::string(kRepo) + ":staging-"));
  EXPECT_THAT(md, HasSubstr("### ✅ Rollcall verify `" + sha + "`"));
  EXPECT_THAT(md, Not(HasSubstr("Stragglers")));
  Json fleet = s.Get("/v1/fleet").Json();
  EXPECT_EQ(fleet.dump().find("\"drift\":true"), std::string::npos) << fleet.dump();
}

TEST(CliIt, DeployPromotesLatestOnARealRegistryAndAnOlderPromoteIsRefused) {
  if (!TestRegistry::Available()) GTEST_SKIP() << TestRegistry::kBin << " is not installed";
  auto registry = TestRegistry::Start();
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const std::string repo = (*registry)->host() + "/app";
  Stack s({.tenants = 3, .image_repo = repo,
           .server_args = {"--registry-url", (*registry)->url(), "--registry-insecure"}});
  GitRepo git(s.dir());
  git.CommitAndPush("one");
  const std::string sha = git.CommitAndPush("two");
  const std::string tag = "staging-" + sha.substr(0, 7);
  const TestImage image = MakeImage("release " + sha);
  ASSERT_TRUE((*registry)->PushImage(image, "app", tag).ok());
  ASSERT_TRUE((*registry)->PushImage(MakeImage("older"), "app", "staging-0000001").ok());

  // No --seq: the CLI counts `git rev-list --count` in the full clone (2).
  CliRun run = RunCli(Cat(Server(s), {"deploy", "--sha", sha, "--remote", git.bare(), "--budget", "20",
                                      "--interval", "0.2"}),
                      {{"GIT_DIR", git.work() + "/.git"}});
  ASSERT_EQ(run.exit, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("promoted latest -> " + tag + " (seq 2, digest " + DigestOf(image) + ")"));
  EXPECT_EQ(*(*registry)->Digest("app", "latest"), DigestOf(image));
  Json channels = s.Get("/v1/channels").Json();
  ASSERT_EQ(channels["channels"].size(), 1u);
  EXPECT_EQ(channels["channels"][0]["tag"], tag);
  EXPECT_EQ(channels["channels"][0]["seq"], 2);

  CliRun older = RunCli(Cat(Server(s), {"promote", "--tag", "staging-0000001", "--seq", "1"}));
  EXPECT_EQ(older.exit, 1);
  EXPECT_THAT(older.err, HasSubstr("HTTP 409"));
  EXPECT_EQ(*(*registry)->Digest("app", "latest"), DigestOf(image));
  CliRun missing = RunCli(Cat(Server(s), {"promote", "--tag", "staging-fffffff", "--seq", "3"}));
  EXPECT_EQ(missing.exit, 2);
  EXPECT_THAT(missing.err, HasSubstr("staging-fffffff"));
}

TEST(CliIt, DeployOfASupersededCommitTouchesNothing) {
  Stack s({.tenants = 3});
  GitRepo repo(s.dir());
  const std::string old_sha = repo.CommitAndPush("one");
  const std::string head = repo.CommitAndPush("two");
  CliRun run = RunCli(Cat(Server(s), {"deploy", "--sha", old_sha, "--seq", "1", "--remote", repo.bare(),
                                      "--annotations", "on"}));
  EXPECT_EQ(run.exit, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("::notice::deploy " + old_sha + ": superseded by " + head));
  EXPECT_EQ(s.Get("/v1/rollouts").Json()["rollouts"].size(), 0u);
  EXPECT_EQ(s.SimState()["tenants"]["t0000"].value("deploy_count", -1), 0);
}

TEST(CliIt, AFleetFreezeOrTheKillSwitchDisablesDeploys) {
  Stack s({.tenants = 2});
  EXPECT_EQ(RunCli(Cat(Server(s), {"assert-enabled"})).exit, 0);
  CliRun env = RunCli(Cat(Server(s), {"assert-enabled"}), {{"ROLLCALL_DISABLED", "Yes"}});
  EXPECT_EQ(env.exit, 1);
  EXPECT_THAT(env.err, HasSubstr("ROLLCALL_DISABLED=Yes"));

  ASSERT_EQ(RunCli(Cat(Server(s), {"freeze", "--reason", "incident 42"})).exit, 0);
  CliRun frozen = RunCli(Cat(Server(s), {"assert-enabled", "--annotations", "on"}));
  EXPECT_EQ(frozen.exit, 1);
  EXPECT_THAT(frozen.out, HasSubstr("::notice::deploys are disabled: fleet frozen since"));
  EXPECT_THAT(frozen.err, HasSubstr("incident 42"));
  const std::string summary = s.dir() + "/summary.md";
  CliRun deploy = RunCli(Cat(Server(s), {"deploy", "--sha", "abc1234", "--seq", "1", "--annotations", "on"}),
                         {{"GITHUB_STEP_SUMMARY", summary}});
  EXPECT_EQ(deploy.exit, 1);
  EXPECT_THAT(ReadFile(summary), HasSubstr("| assert-enabled | disabled |"));
  CliRun rollout = RunCli(Cat(Server(s), {"rollout", "--tag", "v2", "--seq", "2"}));
  EXPECT_EQ(rollout.exit, 1);
  EXPECT_THAT(rollout.err, HasSubstr("fleet frozen: incident 42"));
  EXPECT_EQ(s.SimState()["tenants"]["t0000"].value("deploy_count", -1), 0);

  ASSERT_EQ(RunCli(Cat(Server(s), {"unfreeze"})).exit, 0);
  EXPECT_EQ(RunCli(Cat(Server(s), {"assert-enabled"})).exit, 0);
  CliRun unreachable = RunCli({"--server", "http://127.0.0.1:9", "assert-enabled"});
  EXPECT_EQ(unreachable.exit, 1);  // a gate that cannot read the freeze stays closed
}

TEST(CliIt, StuckTenantIsQuarantinedThenExcludedFromVerify) {
  Stack s({.tenants = 5, .faults = {"t0002=stuck"}});
  const std::string response = s.dir() + "/response.json";
  CliRun rollout = RunCli(Cat(Server(s), {"rollout", "--tag", "v2", "--sha", "abc1234", "--seq", "2",
                                          "--max-stragglers", "1", "--response", response}));
  ASSERT_EQ(rollout.exit, 0) << rollout.out << rollout.err;
  EXPECT_THAT(rollout.out, HasSubstr("⚠ Stragglers (quarantined): t0002"));
  Json agg = Json::parse(ReadFile(response));
  EXPECT_EQ(agg["ok"], true);
  EXPECT_EQ(agg["stragglers"], Json::array({"t0002"}));
  EXPECT_FALSE(agg["rollout_id"].get<std::string>().empty());
  EXPECT_EQ(agg["results"].size(), 5u);
  EXPECT_EQ(agg["results"][2]["ssm_status"], "OffTarget");

  CliRun verify = RunCli(Cat(Server(s), {"verify", "--sha", "ABC1234", "--from-response", response,
                                         "--budget", "10", "--interval", "0.2"}));
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("4/4 OK, 1 quarantined skipped"));
  EXPECT_THAT(verify.out, Not(HasSubstr("t0002")));
}

TEST(CliIt, VerifyWaitsForALaggingTenantAndNamesTheOneThatNeverSwitches) {
  Stack s({.tenants = 4, .faults = {"t0001=lag:1.5", "t0003=stuck"}});
  CliRun rollout = RunCli(Cat(Server(s), {"rollout", "--tag", "v2", "--sha", "abc1234", "--seq", "2",
                                          "--max-stragglers", "1"}));
  ASSERT_EQ(rollout.exit, 0) << rollout.out << rollout.err;
  CliRun verify = RunCli(Cat(Server(s), {"verify", "--sha", "abc1234", "--budget", "6", "--interval", "0.25",
                                         "--annotations", "on"}));
  EXPECT_EQ(verify.exit, 1);
  EXPECT_THAT(verify.out, HasSubstr("::error::verify abc1234: not on target after 6s: t0003 (STALE)"));
  EXPECT_THAT(verify.out, Not(HasSubstr("t0001 (")));
  EXPECT_TRUE(std::regex_search(verify.out, std::regex("t0001 +OK +abc1234")) ) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("3/4 OK"));
}

TEST(CliIt, EventStreamCutMidRolloutResumesWithoutLosingOrRepeatingEvents) {
  Stack s({.tenants = 12, .faults = {}, .deploy_ms = "250"});
  TcpProxy proxy(s.server());
  auto child = ChildProcess::Start({ROLLCALL_CLI_BIN, "--server", proxy.endpoint().Url(), "--token", kAdmin,
                                    "rollout", "--tag", "v2", "--sha", "abc1234", "--seq", "2",
                                    "--max-parallel", "2"},
                                   {{"ROLLCALL_RETRY_DELAYS", "0.01,0.01,0.01"}});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE((*child)->WaitForLine(std::regex(R"(^\[3/12\])"), After(60s)).ok()) << (*child)->ReadStderr();
  proxy.CutAll();
  Result<int> code = (*child)->Wait(After(120s));
  ASSERT_TRUE(code.ok());
  const std::string out = (*child)->ReadStdout();
  EXPECT_EQ(*code, 0) << out << (*child)->ReadStderr();
  EXPECT_GE(proxy.cuts(), 1);
  EXPECT_THAT((*child)->ReadStderr(), HasSubstr("event stream dropped"));
  for (int i = 1; i <= 12; ++i) {
    const std::string progress = "[" + std::to_string(i) + "/12]";
    size_t first = out.find(progress);
    EXPECT_NE(first, std::string::npos) << progress << " missing:\n" << out;
    EXPECT_EQ(out.find(progress, first + 1), std::string::npos) << progress << " twice:\n" << out;
  }
  for (int t = 0; t < 12; ++t) {
    char slug[8];
    std::snprintf(slug, sizeof slug, "t%04d", t);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n') > 12, true);
    EXPECT_TRUE(std::regex_search(out, std::regex(std::string(R"(\] )") + slug + " +Success"))) << slug;
  }
}

TEST(CliIt, CheckSupersededFollowsTheBareRepositorysMain) {
  char tmpl[] = "/tmp/rollcall-git-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  GitRepo repo(dir);
  const std::string first = repo.CommitAndPush("one");
  CliRun same = RunCli({"check-superseded", "--sha", first.substr(0, 10), "--remote", repo.bare()});
  EXPECT_EQ(same.exit, 10) << same.err;
  EXPECT_THAT(same.err, HasSubstr("still the head"));
  CliRun upper = RunCli({"check-superseded", "--sha", first.substr(0, 7), "--remote", repo.bare()});
  EXPECT_EQ(upper.exit, 10);

  const std::string second = repo.CommitAndPush("two");
  CliRun moved = RunCli({"check-superseded", "--sha", first, "--remote", repo.bare()});
  EXPECT_EQ(moved.exit, 0) << moved.err;
  EXPECT_EQ(moved.out, second + "\n");
  CliRun branch = RunCli({"check-superseded", "--sha", first, "--remote", repo.bare(), "--branch", "release"});
  EXPECT_EQ(branch.exit, 10);  // no such branch: fail-safe
  EXPECT_THAT(branch.err, HasSubstr("warning"));
  CliRun unreadable = RunCli({"check-superseded", "--sha", first, "--remote", dir + "/nope.git"});
  EXPECT_EQ(unreadable.exit, 10);
  EXPECT_THAT(unreadable.err, HasSubstr("cannot read the head of main"));
  std::filesystem::remove_all(dir);
}

// A Gitea commit-status API that clamps every page to two rows, answers the
// first request with 503, and records the pages asked for.
class FakeGitea {
 public:
  explicit FakeGitea(std::vector<Json> rows)
      : rows_(std::move(rows)), server_([this](const httpd::HttpRequest& req) { return Answer(req); }) {}
  std::string Url() const { return server_.Url(); }
  std::vector<size_t> pages() const { return pages_; }

 private:
  httpd::HttpResponse Answer(const httpd::HttpRequest& req) {
    static const std::regex kStatuses(R"(/api/v1/repos/acme/app/commits/([0-9a-f]+)/statuses)");
    if (!std::regex_match(req.path, kStatuses)) return httpd::HttpResponse::JsonError(404, "not found");
    if (requests_++ == 0) return httpd::HttpResponse::Json(503, "{}");
    const size_t page = std::stoul(req.Query("page").value_or("1"));
    pages_.push_back(page);
    Json out = Json::array();
    for (size_t i = (page - 1) * 2; i < rows_.size() && i < page * 2; ++i) out.push_back(rows_[i]);
    return httpd::HttpResponse::Json(200, out.dump());
  }

  std::vector<Json> rows_;
  std::atomic<int> requests_{0};
  std::vector<size_t> pages_;  // written by the server's worker; read after the CLI exited
  httpd::ServerThread server_;  // last: stopped first
};

Json Row(int id, const std::string& context, const std::string& state) {
  return {{"id", id}, {"context", context}, {"status", state}};
}

std::vector<std::string> WaitCi(const FakeGitea& gitea) {
  return {"wait-ci", "--sha", "abc1234", "--repo", "acme/app", "--scm", "gitea", "--scm-url", gitea.Url(),
          "--context", "build", "--context", "test", "--interval", "0.1", "--timeout", "20"};
}

TEST(CliIt, WaitCiFindsTheSuccessBehindAClampedPage) {
  FakeGitea gitea({Row(1, "build", "pending"), Row(2, "test", "pending"), Row(3, "lint", "failure"),
                   Row(4, "build", "success"), Row(5, "test", "success")});
  CliRun run = RunCli(WaitCi(gitea));
  EXPECT_EQ(run.exit, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("green: build=success, test=success"));
  EXPECT_THAT(run.err, HasSubstr("attempt 2/4"));  // the 503 was retried
  EXPECT_EQ(gitea.pages(), (std::vector<size_t>{1, 2, 3, 4}));  // page 3 was short, page 4 empty
}

TEST(CliIt, WaitCiFailsAtOnceOnACancelledContext) {
  FakeGitea gitea({Row(1, "build", "success"), Row(2, "test", "pending"), Row(3, "test", "cancelled")});
  CliRun run = RunCli(Cat(WaitCi(gitea), {"--annotations", "on"}));
  EXPECT_EQ(run.exit, 1);
  EXPECT_THAT(run.out, HasSubstr("::error::wait-ci abc1234: test is cancelled"));
  EXPECT_EQ(gitea.pages().size(), 3u);  // one poll, not a wait for the timeout
}

TEST(CliIt, WaitCiTimesOutWithEveryContextsLastState) {
  FakeGitea gitea({Row(1, "build", "success"), Row(2, "test", "pending")});
  std::vector<std::string> args = WaitCi(gitea);
  args.back() = "0.5";  // --timeout
  CliRun run = RunCli(args);
  EXPECT_EQ(run.exit, 1);
  EXPECT_THAT(run.err, HasSubstr("timed out after 500ms: build=success, test=pending"));
}

TEST(CliIt, ResponseFileIsWrittenWhenTheRolloutFails) {
  Stack s({.tenants = 4, .faults = {"t0000=dead"}});
  const std::string response = s.dir() + "/response.json";
  CliRun run = RunCli(Cat(Server(s), {"rollout", "--tag", "v2", "--sha", "abc1234", "--seq", "2", "--canary",
                                      "t0000", "--max-stragglers", "3", "--per-tenant-timeout", "1",
                                      "--response", response}));
  EXPECT_EQ(run.exit, 1) << run.out << run.err;
  Json agg = Json::parse(ReadFile(response));
  EXPECT_EQ(agg["ok"], false);
  EXPECT_FALSE(agg["rollout_id"].get<std::string>().empty());
  EXPECT_EQ(agg["results"][0]["slug"], "t0000");
  EXPECT_EQ(agg["results"][0]["ssm_status"], "TimedOut");
  EXPECT_THAT(agg["error"].get<std::string>(), HasSubstr("canary"));
}

TEST(CliIt, ARolloutThatLandsNowhereFailsWithAHeadingAndARecapThatSaySo) {
  Stack s({.tenants = 6, .faults = {"t0005=dead"}});
  const std::string response = s.dir() + "/response.json";
  CliRun run = RunCli(Cat(Server(s), {"rollout", "--tag", "v1", "--sha", "abc1234", "--seq", "1", "--only", "t0005",
                                      "--max-stragglers", "1", "--per-tenant-timeout", "1", "--response", response}));
  EXPECT_EQ(run.exit, 1) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("no tenant was verified on the target"));
  EXPECT_THAT(run.out, HasSubstr("✗ Not landed: t0005"));
  EXPECT_THAT(run.out, Not(HasSubstr("Stragglers (quarantined)")));
  EXPECT_THAT(run.out, HasSubstr("0 verified, 0 quarantined, 1 failed, 0 skipped, 0 cancelled in "));
  Json agg = Json::parse(ReadFile(response));
  EXPECT_EQ(agg["ok"], false);
  EXPECT_EQ(agg["error"], "no tenant was verified on the target");
}

TEST(CliIt, CancelSaysCancelledAndTheRolloutsTenantsAreNotCalledQuarantined) {
  Stack s({.tenants = 4, .deploy_ms = "400"});
  const std::string id = s.StartRollout(R"({"release":{"tag":"v1","seq":1},"policy":{"max_parallel":1}})");
  ASSERT_TRUE(PollUntil([&] { return s.SimState()["tenants"]["t0000"].value("deploying", false); }, After(30s)));
  CliRun cancel = RunCli(Cat(Server(s), {"cancel", id}));
  EXPECT_EQ(cancel.exit, 0) << cancel.err;
  EXPECT_EQ(cancel.out, "rollout " + id + " cancelled\n");
  CliRun watch = RunCli(Cat(Server(s), {"watch", id}));
  EXPECT_EQ(watch.exit, 1);
  EXPECT_THAT(watch.out, HasSubstr("✗ Not landed: t0000, t0001, t0002, t0003"));
  EXPECT_THAT(watch.out, Not(HasSubstr("quarantined)")));
  EXPECT_THAT(watch.out, HasSubstr("0 verified, 0 quarantined, 0 failed, 0 skipped, 4 cancelled in "));
}

TEST(CliIt, EveryCliErrorCarriesTheServersErrorText) {
  // A registry that refuses connections: the server answers 503 naming it
  // (retried like any 503), and the CLI must show that text, not a bare 503.
  Stack s({.tenants = 1, .server_args = {"--registry-url", "http://127.0.0.1:9", "--registry-insecure"}});
  CliRun promote = RunCli(Cat(Server(s), {"promote", "--tag", "v1", "--seq", "1"}));
  EXPECT_EQ(promote.exit, 1) << promote.out << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("HTTP 503: registry"));
  ASSERT_EQ(s.Post("/v1/tenants/t0000/cordon", "").status, 200);
  CliRun nothing = RunCli(Cat(Server(s), {"rollout", "--tag", "v1", "--seq", "1"}));
  EXPECT_EQ(nothing.exit, 2) << nothing.out << nothing.err;
  EXPECT_THAT(nothing.err, HasSubstr("HTTP 400: no active tenant matches"));
}

TEST(CliIt, ExitCodesForBadInputAndAnUnreachableServer) {
  CliRun no_tag = RunCli({"rollout", "--sha", "abc1234"});
  EXPECT_EQ(no_tag.exit, 2);
  EXPECT_THAT(no_tag.err, HasSubstr("--tag"));
  CliRun bad_limit = RunCli({"rollout", "--tag", "v2", "--no-seq", "--max-stragglers", "lots"});
  EXPECT_EQ(bad_limit.exit, 2);
  EXPECT_THAT(bad_limit.err, HasSubstr("--max-stragglers"));
  EXPECT_EQ(std::count(bad_limit.err.begin(), bad_limit.err.end(), '\n'), 1) << bad_limit.err;
  CliRun bad_sha = RunCli({"verify", "--sha", "xyz"});
  EXPECT_EQ(bad_sha.exit, 2);
  EXPECT_THAT(bad_sha.err, HasSubstr("--sha"));
  CliRun unknown = RunCli({"frobnicate"});
  EXPECT_EQ(unknown.exit, 2);

  CliRun unreachable = RunCli({"--server", "http://127.0.0.1:9", "status"});
  EXPECT_EQ(unreachable.exit, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("http://127.0.0.1:9/v1/rollouts"));

  Stack s({.tenants = 0});
  CliRun missing = RunCli(Cat(Server(s), {"status", "r-nope"}));
  EXPECT_EQ(missing.exit, 2);
  EXPECT_THAT(missing.err, HasSubstr("HTTP 404"));
  CliRun wrong_token = RunCli({"--server", s.server().Url(), "--token", "nope", "tenants", "list"});
  EXPECT_EQ(wrong_token.exit, 2);
  EXPECT_THAT(wrong_token.err, HasSubstr("HTTP 401"));
}

TEST(CliIt, AShallowCloneRefusesToGuessTheSeq) {
  char tmpl[] = "/tmp/rollcall-git-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  GitRepo repo(dir);
  repo.CommitAndPush("one");
  const std::string sha = repo.CommitAndPush("two");
  GitRepo::Git({"clone", "-q", "--depth", "1", "file://" + repo.bare(), dir + "/shallow"});
  CliRun run = RunCli({"--server", "http://127.0.0.1:9", "rollout", "--tag", "v2", "--sha", sha},
                      {{"GIT_DIR", dir + "/shallow/.git"}});
  EXPECT_EQ(run.exit, 2);
  EXPECT_THAT(run.err, HasSubstr("shallow clone"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  CliRun full = RunCli({"--server", "http://127.0.0.1:9", "rollout", "--tag", "v2", "--sha", sha},
                       {{"GIT_DIR", repo.work() + "/.git"}});
  EXPECT_EQ(full.exit, 1);  // counted the seq (2), then found no server
  EXPECT_THAT(full.err, HasSubstr("127.0.0.1:9"));
  std::filesystem::remove_all(dir);
}

TEST(CliIt, TenantCommandsManageTheRegistry) {
  Stack s({.tenants = 0});
  CliRun add = RunCli(Cat(Server(s), {"tenants", "add", "acme", "--base-url", "http://127.0.0.1:1",
                                      "--driver", "exec", "--var", "host=box1", "--label", "region=eu",
                                      "--deploy", "/opt/app/redeploy", "--deploy", "{image}"}));
  ASSERT_EQ(add.exit, 0) << add.err;
  Json t = s.Get("/v1/tenants/acme").Json();
  EXPECT_EQ(t["exec"]["deploy"], Json::array({"/opt/app/redeploy", "{image}"}));
  EXPECT_EQ(t["vars"]["host"], "box1");
  EXPECT_EQ(RunCli(Cat(Server(s), {"tenants", "cordon", "acme"})).exit, 0);
  EXPECT_EQ(s.Get("/v1/tenants/acme").Json()["state"], "cordoned");
  EXPECT_EQ(RunCli(Cat(Server(s), {"tenants", "uncordon", "acme"})).exit, 0);
  EXPECT_EQ(s.Get("/v1/tenants/acme").Json()["state"], "active");
  CliRun bad = RunCli(Cat(Server(s), {"tenants", "add", "Acme!", "--base-url", "http://x"}));
  EXPECT_EQ(bad.exit, 2);
  EXPECT_THAT(bad.err, HasSubstr("SLUG"));
  EXPECT_EQ(RunCli(Cat(Server(s), {"tenants", "remove", "acme"})).exit, 0);
  EXPECT_EQ(s.Get("/v1/tenants/acme").status, 404);
}

}  // namespace
}  // namespace rollcall::it
