// The CI pipeline's commands: wait-ci, check-superseded, verify, promote,
// and deploy, which chains them.
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <thread>

#include "cli/command_support.h"
#include "cli/git.h"
#include "cli/scm.h"
#include "cli/stages.h"
#include "cli/summary.h"
#include "cli/verify.h"

namespace rollcall {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct ScmTarget {
  ScmKind kind = ScmKind::kGithub;
  std::string repo;
  std::unique_ptr<ApiClient> client;
  JsonGetter get;
};

// Resolves the SCM flags against the CI environment (GITEA_ACTIONS,
// GITHUB_SERVER_URL, GITHUB_API_URL, GITHUB_REPOSITORY, GITEA_TOKEN,
// GITHUB_TOKEN) into a client.
Result<ScmTarget> OpenScm(const ScmFlags& f) {
  ScmTarget t;
  const std::string kind = f.scm.empty() ? (EnvOr("GITEA_ACTIONS", "") == "true" ? "gitea" : "github") : f.scm;
  Result<ScmKind> parsed = ParseScmKind(kind);
  if (!parsed.ok()) return parsed.status();
  t.kind = *parsed;
  t.repo = f.repo.empty() ? EnvOr("GITHUB_REPOSITORY", "") : f.repo;
  if (Status s = ValidateRepo(t.repo); !s.ok()) return s;
  std::string url = f.scm_url;
  if (url.empty()) {
    url = t.kind == ScmKind::kGitea ? EnvOr("GITHUB_SERVER_URL", "") : EnvOr("GITHUB_API_URL", "https://api.github.com");
  }
  if (url.empty()) return Status::Invalid("--scm-url: required for gitea (or set GITHUB_SERVER_URL)");
  const std::string token = t.kind == ScmKind::kGitea ? EnvOr("GITEA_TOKEN", EnvOr("GITHUB_TOKEN", ""))
                                                      : EnvOr("GITHUB_TOKEN", "");
  auto client = JsonClient(ScmApiBase(t.kind, url), token);
  if (!client.ok()) return client.status();
  t.client = std::move(client).value();
  ApiClient* c = t.client.get();
  t.get = [c](const std::string& path) { return Expect(*c, "GET", path, 200, "scm"); };
  return t;
}

void SleepUntilNextPoll(SteadyClock::time_point next) {
  std::this_thread::sleep_until(next);  // the poll interval, bounded by the caller's deadline
}

StageOutcome Outcome(int exit, std::string detail) {
  StageOutcome o;
  o.exit = exit;
  o.detail = std::move(detail);
  return o;
}

}  // namespace

int CmdWaitCi(const Globals& g, const WaitCiFlags& f) {
  if (Status s = CheckSha(f.sha, "--sha"); !s.ok()) return FailWith(s);
  if (f.contexts.empty()) return Fail(kExitUsage, "--context: at least one required context");
  if (f.timeout_s < 0) return Fail(kExitUsage, "--timeout: must be >= 0");
  if (f.interval_s <= 0) return Fail(kExitUsage, "--interval: must be > 0");
  Result<ScmTarget> scm = OpenScm(f.scm);
  if (!scm.ok()) return FailWith(scm.status());
  CiOutput ci(g.annotations);
  const auto deadline = SteadyClock::now() + SecondsToDuration(f.timeout_s);
  std::string last_state = "no answer yet", last_error;
  for (;;) {
    const auto next = SteadyClock::now() + SecondsToDuration(f.interval_s);
    Result<std::vector<CommitStatus>> rows = FetchCommitStatuses(scm->get, scm->kind, scm->repo, f.sha);
    if (rows.ok()) {
      const auto newest = NewestByContext(*rows);
      const CiVerdict verdict = EvaluateCi(f.contexts, newest);
      last_state = DescribeContexts(f.contexts, newest);
      last_error.clear();
      if (verdict.kind == CiVerdict::Kind::kSuccess) {
        std::printf("wait-ci %s: green: %s\n", f.sha.c_str(), last_state.c_str());
        return kExitOk;
      }
      if (verdict.kind == CiVerdict::Kind::kFailed) {
        const std::string line = fmt::format("wait-ci {}: {} is {}: {}", f.sha, verdict.failed_context,
                                             verdict.failed_state, last_state);
        ci.Error(line);
        return Fail(kExitFailed, line);
      }
      std::printf("wait-ci %s: waiting for %s (%s)\n", f.sha.c_str(), fmt::format("{}", fmt::join(verdict.waiting, ", ")).c_str(),
                  last_state.c_str());
    } else {
      last_error = rows.status().message();
      std::fprintf(stderr, "wait-ci %s: %s; will retry\n", f.sha.c_str(), last_error.c_str());
    }
    std::fflush(stdout);
    if (next > deadline) break;
    SleepUntilNextPoll(next);
  }
  const std::string line = fmt::format("wait-ci {}: timed out after {}: {}{}", f.sha, FormatSeconds(f.timeout_s),
                                       last_state, last_error.empty() ? "" : "; last error: " + last_error);
  ci.Error(line);
  return Fail(kExitFailed, line);
}

SupersededOutcome RunSupersededStage(const Globals& g, const SupersededFlags& f) {
  SupersededOutcome out;
  out.exit = kExitNotSuperseded;
  Result<std::string> head = Status::Invalid("--head-from: expected git or scm, got \"" + f.head_from + "\"");
  if (f.head_from == "git") {
    head = RemoteBranchHead(SystemGit(), f.remote.empty() ? "origin" : f.remote, f.branch);
  } else if (f.head_from == "scm") {
    Result<ScmTarget> scm = OpenScm(f.scm);
    head = scm.ok() ? FetchBranchHead(scm->get, scm->kind, scm->repo, f.branch) : Result<std::string>(scm.status());
  }
  CiOutput ci(g.annotations);
  if (!head.ok()) {
    // Fail-safe: an unreadable head never skips a deploy.
    out.detail = fmt::format("cannot read the head of {} ({}); deploying {} as current", f.branch,
                             head.status().message(), f.sha);
    ci.Warning("check-superseded: " + out.detail);
    std::fprintf(stderr, "warning: check-superseded: %s\n", out.detail.c_str());
    return out;
  }
  out.head = *head;
  if (ShaMatches(*head, f.sha)) {
    out.detail = fmt::format("{} is still the head of {}", f.sha, f.branch);
    std::fprintf(stderr, "%s\n", out.detail.c_str());
    return out;
  }
  out.superseded = true;
  out.exit = kExitOk;
  out.detail = fmt::format("{} moved past {} to {}", f.branch, f.sha, *head);
  ci.Notice("check-superseded: " + out.detail);
  std::printf("%s\n", head->c_str());
  return out;
}

int CmdCheckSuperseded(const Globals& g, const SupersededFlags& f) {
  if (Status s = CheckSha(f.sha, "--sha"); !s.ok()) return FailWith(s);
  if (f.head_from != "git" && f.head_from != "scm") {
    return Fail(kExitUsage, "--head-from: expected git or scm, got \"" + f.head_from + "\"");
  }
  return RunSupersededStage(g, f).exit;
}

StageOutcome RunVerifyStage(const Globals& g, const VerifyFlags& f, const std::vector<std::string>& quarantined) {
  if (Status s = CheckSha(f.sha, "--sha"); !s.ok()) return Outcome(FailWith(s), s.message());
  if (f.budget_s < 0) return Outcome(Fail(kExitUsage, "--budget: must be >= 0"), "bad --budget");
  if (f.interval_s <= 0) return Outcome(Fail(kExitUsage, "--interval: must be > 0"), "bad --interval");
  std::set<std::string> excluded(f.exclude.begin(), f.exclude.end());
  size_t skipped = 0;
  for (const auto& slug : quarantined) skipped += excluded.insert(slug).second;
  auto client = ServerClient(g);
  if (!client.ok()) return Outcome(FailWith(client.status()), client.status().message());
  Result<Json> tenants = Expect(**client, "GET", "/v1/tenants", 200, "verify");
  if (!tenants.ok()) return Outcome(FailWith(tenants.status()), tenants.status().message());
  std::vector<VerifyTarget> targets;
  for (const auto& t : tenants->value("tenants", Json::array())) {
    if (t.value("state", "") != "active" || excluded.count(t.value("slug", ""))) continue;
    const Json public_url = t.value("public_url", Json());
    Result<std::string> url = VerifyUrlOf(t.value("slug", ""), t.value("base_url", ""),
                                          public_url.is_string() ? public_url.get<std::string>() : "", f.url_template);
    if (!url.ok()) return Outcome(FailWith(url.status()), url.status().message());
    targets.push_back({t.value("slug", ""), *url});
  }
  HttpClient http(HttpClientOptions{64, 64 << 10});  // bounded connections per host
  VerifyOptions options{f.sha, SecondsToDuration(f.budget_s), SecondsToDuration(f.interval_s)};
  std::vector<VerifyRow> rows = RunVerify(RealVerifyEnv(http), targets, options, [](size_t ok, size_t total) {
    std::fprintf(stderr, "verify: %zu/%zu on target\n", ok, total);
  });
  std::vector<std::string> failing;
  for (const auto& r : rows) {
    std::printf("%-12s %-11s %s %s\n", r.slug.c_str(), std::string(ToString(r.state)).c_str(),
                r.running_sha.empty() ? "-" : r.running_sha.c_str(), r.detail.c_str());
    if (r.state != VerifyState::kOk) failing.push_back(fmt::format("{} ({})", r.slug, ToString(r.state)));
  }
  const std::string tally = fmt::format("{}/{} OK, {} quarantined skipped", rows.size() - failing.size(), rows.size(), skipped);
  std::printf("verify %s: %s\n", f.sha.c_str(), tally.c_str());
  CiOutput ci(g.annotations);
  ci.Summary(VerifyMarkdown(f.sha, rows, skipped));
  if (failing.empty()) return Outcome(kExitOk, tally);
  const std::string line = fmt::format("verify {}: not on target after {}: {}", f.sha, FormatSeconds(f.budget_s),
                                       fmt::join(failing, ", "));
  ci.Error(line);
  std::fprintf(stderr, "%s\n", line.c_str());
  return Outcome(kExitFailed, tally + "; failing: " + fmt::format("{}", fmt::join(failing, ", ")));
}

int CmdVerify(const Globals& g, const VerifyFlags& f) {
  std::vector<std::string> quarantined;
  if (!f.from_response.empty()) {
    std::ifstream in(f.from_response);
    Json response = Json::parse(in, nullptr, false);
    if (!in || !response.is_object()) return Fail(kExitUsage, "--from-response: cannot read " + f.from_response);
    for (const auto& slug : response.value("stragglers", Json::array())) {
      if (slug.is_string()) quarantined.push_back(slug);
    }
  }
  return RunVerifyStage(g, f, quarantined).exit;
}

StageOutcome RunPromoteStage(const Globals& g, const PromoteFlags& f, std::optional<int64_t> seq) {
  if (Status s = CheckTag(f.tag, "--tag"); !s.ok()) return Outcome(FailWith(s), s.message());
  if (Status s = CheckTag(f.channel, "--channel"); !s.ok()) return Outcome(FailWith(s), s.message());
  if (f.rollback && f.reason.empty()) return Outcome(Fail(kExitUsage, "--reason: required with --rollback"), "no --reason");
  Json body = {{"tag", f.tag}};
  if (seq) body["seq"] = *seq;
  if (f.rollback) body["rollback"] = true;
  if (!f.reason.empty()) body["reason"] = f.reason;
  auto client = ServerClient(g);
  if (!client.ok()) return Outcome(FailWith(client.status()), client.status().message());
  Result<Json> answer = Expect(**client, "POST", fmt::format("/v1/channels/{}/promote", f.channel), 200, "promote", body);
  CiOutput ci(g.annotations);
  if (!answer.ok()) {
    ci.Error(answer.status().message());
    return Outcome(FailWith(answer.status()), answer.status().message());
  }
  const std::string line = fmt::format("promoted {} -> {} (seq {}, digest {})", f.channel, f.tag,
                                       answer->value("seq", Json()).dump(), answer->value("digest", "?"));
  std::printf("%s\n", line.c_str());
  return Outcome(kExitOk, line);
}

int CmdPromote(const Globals& g, const PromoteFlags& f) {
  Result<std::optional<int64_t>> seq = SeqFromFlags(f.seq, f.sha);
  if (!seq.ok()) return FailWith(seq.status());
  return RunPromoteStage(g, f, *seq).exit;
}

int CmdDeploy(const Globals& g, const DeployFlags& f) {
  const std::string& sha = f.rollout.sha;
  if (Status s = CheckSha(sha, "--sha"); !s.ok()) return FailWith(s);
  RolloutFlags rollout = f.rollout;
  if (rollout.tag.empty()) rollout.tag = "staging-" + sha.substr(0, 7);
  CiOutput ci(g.annotations);
  std::vector<DeployStage> stages;
  auto finish = [&](int code) {
    ci.Summary(DeployMarkdown(sha, rollout.tag, stages));
    return code;
  };
  auto record = [&](const std::string& name, const StageOutcome& o, const std::string& outcome) {
    stages.push_back({name, outcome, o.detail});
    std::fprintf(stderr, "== deploy: %s: %s%s\n", name.c_str(), outcome.c_str(), o.detail.empty() ? "" : (" — " + o.detail).c_str());
  };

  StageOutcome enabled = RunAssertEnabledStage(g);
  record("assert-enabled", enabled, enabled.exit == kExitOk ? "enabled" : "disabled");
  if (enabled.exit != kExitOk) return finish(enabled.exit);

  SupersededFlags check = f.superseded;
  check.sha = sha;
  SupersededOutcome before = RunSupersededStage(g, check);
  record("check-superseded", before, before.superseded ? "superseded: skipped the deploy" : "current");
  if (before.superseded) {
    ci.Notice(fmt::format("deploy {}: superseded by {}; nothing deployed", sha, before.head));
    return finish(kExitOk);
  }

  Result<std::optional<int64_t>> seq = SeqFromFlags(rollout.seq, sha);
  if (!seq.ok()) {
    record("rollout", Outcome(kExitUsage, seq.status().message()), "refused");
    return finish(FailWith(seq.status()));
  }
  RolloutOutcome rolled = RunRolloutStage(g, rollout, *seq);
  record("rollout", rolled, rolled.exit == kExitOk ? "succeeded" : "failed");
  if (rolled.exit != kExitOk) return finish(rolled.exit);
  if (rollout.dry_run) return finish(kExitOk);

  VerifyFlags verify = f.verify;
  verify.sha = sha;
  StageOutcome verified = RunVerifyStage(g, verify, rolled.stragglers);
  record("verify", verified, verified.exit == kExitOk ? "on target" : "failed");
  if (verified.exit != kExitOk) return finish(verified.exit);

  SupersededOutcome after = RunSupersededStage(g, check);
  record("check-superseded (again)", after, after.superseded ? "superseded: promotion skipped" : "current");
  if (after.superseded) {
    ci.Notice(fmt::format("deploy {}: superseded by {} during the rollout; {} left to the newer deploy", sha,
                          after.head, f.channel));
    return finish(kExitOk);
  }
  if (f.no_promote) {
    record("promote", Outcome(kExitOk, ""), "skipped (--no-promote)");
    return finish(kExitOk);
  }
  PromoteFlags promote{rollout.tag, sha, f.channel, rollout.reason, rollout.seq, rollout.rollback};
  StageOutcome promoted = RunPromoteStage(g, promote, *seq);
  record("promote", promoted, promoted.exit == kExitOk ? "promoted" : "failed");
  return finish(promoted.exit);
}

}  // namespace rollcall
