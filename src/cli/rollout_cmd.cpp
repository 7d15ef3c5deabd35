// rollout and watch: start a rollout, follow its event stream, apply the
// coverage gate from the rows, report.
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "cli/command_support.h"
#include "cli/follow_view.h"
#include "cli/git.h"
#include "cli/report.h"
#include "cli/sse_parser.h"
#include "cli/stages.h"
#include "cli/summary.h"
#include "core/json_codec.h"

namespace rollcall {
namespace {

Json PolicyJson(const RolloutFlags& f, const StragglerLimit& limit) {
  Json p = Json::object();
  if (!f.canary.empty()) p["canary"] = f.canary;
  if (f.soak) p["soak_seconds"] = *f.soak;
  if (f.max_parallel) p["max_parallel"] = *f.max_parallel;
  if (!f.strategy.empty()) p["strategy"] = f.strategy;
  p["max_stragglers"] = limit.percent ? Json(limit.Describe()) : Json(limit.value);
  if (f.per_tenant_timeout) p["per_tenant_timeout_s"] = *f.per_tenant_timeout;
  if (f.health_timeout) p["health_timeout_s"] = *f.health_timeout;
  if (f.health_interval) p["health_interval_s"] = *f.health_interval;
  if (f.dry_run) p["dry_run"] = true;
  if (!f.only.empty()) p["only_slugs"] = f.only;
  return p;
}

std::string ErrorOf(const Json& j) {
  return j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
}

// Prints what a rollout does as it happens (FollowView decides what): on a
// terminal one live line, redrawn every second, with only failures and
// state changes kept above it; otherwise a plain line per finished tenant,
// inside a collapsible group in CI logs.
class Progress {
 public:
  Progress(const Json& rollout, bool ci) : view_(rollout), live_(isatty(STDOUT_FILENO) == 1), ci_(ci) {
    if (!live_ && ci_) std::printf("::group::tenants of rollout %s\n", rollout.value("id", "").c_str());
    if (live_) ticker_ = std::thread([this] { Tick(); });
  }
  ~Progress() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (ticker_.joinable()) ticker_.join();
    if (live_ && drawn_) std::printf("\n");
    if (!live_ && ci_) std::printf("::endgroup::\n");
    std::fflush(stdout);
  }

  void Event(const std::string& type, const Json& data) {
    std::lock_guard lock(mu_);
    for (const std::string& line : view_.Apply(type, data, Elapsed(), !live_)) {
      std::printf(live_ ? "\r\033[K%s\n" : "%s\n", line.c_str());
    }
    Redraw();
  }

 private:
  double Elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  static size_t Columns() {
    winsize w{};
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 ? w.ws_col : 80;
  }

  void Redraw() {  // mu_ held
    if (!live_) {
      std::fflush(stdout);
      return;
    }
    std::printf("\r\033[K%s", view_.Line(Elapsed(), Columns() - 1).c_str());
    std::fflush(stdout);
    drawn_ = true;
  }

  // The clock and the soak countdown move without events.
  void Tick() {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) Redraw();
  }

  std::mutex mu_;
  std::condition_variable wake_;
  FollowView view_;  // guarded by mu_
  const bool live_, ci_;
  bool drawn_ = false;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::thread ticker_;
};

// Follows the event stream until the rollout's final event, reconnecting with
// Last-Event-ID when it drops, so no event is lost or printed twice.
Status Follow(const Globals& g, ApiClient& client, const Json& rollout) {
  const std::string id = rollout.value("id", "");
  int64_t last = 0;
  bool final = false;
  Progress progress(rollout, CiOutput(g.annotations).enabled());
  for (int drops = 0; !final; ++drops) {
    if (drops > 30) return Status::Unavailable("event stream: gave up after 30 reconnects");
    SseParser parser;
    Status s = client.Stream(fmt::format("/v1/rollouts/{}/events", id), last, [&](std::string_view chunk) {
      for (const SseEvent& e : parser.Feed(chunk)) {
        if (e.id != 0 && e.id <= last) continue;  // already seen before a reconnect
        last = std::max(last, e.id);
        Json data = Json::parse(e.data, nullptr, false);
        if (!data.is_object()) continue;
        progress.Event(e.event, data);
        if (e.event == "rollout_state") {
          Result<RolloutState> state = ParseRolloutState(data.value("state", ""));
          final = state.ok() && IsTerminal(*state);
        }
        if (final) return false;
      }
      return true;
    });
    if (!final) {
      std::fprintf(stderr, "event stream dropped (%s); resuming after event %lld\n",
                   s.ok() ? "ended early" : s.message().c_str(), static_cast<long long>(last));
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * std::min(drops + 1, 25)));  // backoff
    }
  }
  return Status::Ok();
}

void WriteResponse(const std::string& file, const Json& aggregate) {
  if (file.empty()) return;
  std::ofstream out(file);
  out << aggregate.dump(2) << "\n";
  if (!out) std::fprintf(stderr, "--response: cannot write %s\n", file.c_str());
}

// Prints the finished rollout, writes the response file, and decides: the
// gate is core's over the rollout's own enumerated tenants and rows.
RolloutOutcome Report(const Globals& g, const Json& rollout, const std::string& response_file) {
  RolloutOutcome out;
  out.rollout_id = rollout.value("id", "");
  Result<ClientGate> gate = GateOf(rollout);
  if (!gate.ok()) {
    out.detail = gate.status().message();
    Fail(kExitFailed, out.detail);
    return out;
  }
  WriteResponse(response_file, ResponseAggregate(*gate));
  CiOutput ci(g.annotations);
  ci.Summary(RolloutMarkdown(rollout, *gate, g.dashboard_url));
  const std::string problems = ProblemsLine(*gate);
  if (g.json) {
    std::printf("%s\n", rollout.dump(2).c_str());
  } else {
    std::printf("\n%s", RenderTable(gate->rollout.results).c_str());
    if (!problems.empty()) std::printf("\n%s\n", problems.c_str());
  }
  const std::string state(ToString(gate->rollout.state));
  std::string error = gate->rollout.error;
  if (error.empty() && !gate->passed) error = gate->verdict.error;
  std::printf("\nrollout %s %s%s\n", out.rollout_id.c_str(), state.c_str(), error.empty() ? "" : (": " + error).c_str());
  const std::string recap = RecapLine(*gate);
  std::printf("%s\n", recap.c_str());
  out.detail = fmt::format("{} {}: {}{}", out.rollout_id, state, recap, error.empty() ? "" : ": " + error);
  if (gate->passed) {
    out.exit = kExitOk;
    out.stragglers = gate->verdict.stragglers;
    if (!out.stragglers.empty()) {
      ci.Warning(fmt::format("rollout {}: stragglers quarantined: {}", out.rollout_id, fmt::join(out.stragglers, ", ")));
    }
  } else {
    ci.Error(fmt::format("rollout {} {}: {}", out.rollout_id, state, error.empty() ? "coverage gate failed" : error));
  }
  return out;
}

RolloutOutcome Failed(const std::string& line, int code = kExitFailed) {
  RolloutOutcome out;
  out.exit = Fail(code, line);
  out.detail = line;
  return out;
}

}  // namespace

Result<std::optional<int64_t>> SeqFromFlags(const SeqFlags& f, const std::string& sha) {
  return ResolveSeq(SystemGit(), f.seq, f.no_seq, sha);
}

RolloutOutcome RunRolloutStage(const Globals& g, const RolloutFlags& f, std::optional<int64_t> seq) {
  Result<StragglerLimit> limit = ParseStragglerLimit(f.max_stragglers);
  if (!limit.ok()) return Failed("--max-stragglers: " + limit.status().message(), kExitUsage);
  if (f.rollback && f.reason.empty()) return Failed("--reason: required with --rollback", kExitUsage);
  if (Status s = CheckTag(f.tag, "--tag"); !s.ok()) return Failed(s.message(), kExitUsage);
  if (!f.sha.empty()) {
    if (Status s = CheckSha(f.sha, "--sha"); !s.ok()) return Failed(s.message(), kExitUsage);
  }
  Json release = {{"tag", f.tag}};
  if (!f.sha.empty()) release["git_sha"] = f.sha;
  if (seq) release["seq"] = *seq;
  Json body = {{"release", release}, {"policy", PolicyJson(f, *limit)}, {"rollback", f.rollback}};
  if (!f.reason.empty()) body["reason"] = f.reason;

  auto client = ServerClient(g);
  if (!client.ok()) return Failed(client.status().message(), kExitUsage);
  Result<ApiAnswer> created = (*client)->Call("POST", "/v1/rollouts", body);
  if (!created.ok()) return Failed("rollout: " + created.status().message());
  if (created->status == 409 && ErrorOf(created->body) == "superseded") {
    const std::string line = "rollout: superseded by the newer release " + created->body["newer"].dump();
    CiOutput(g.annotations).Error(line);
    return Failed(line);
  }
  if (created->status != 202) {
    const std::string error = ErrorOf(created->body);
    const std::string line = fmt::format("rollout: HTTP {}: {}", created->status, error.empty() ? "no error given" : error);
    return Failed(line, created->status == 400 ? kExitUsage : kExitFailed);
  }
  const std::string id = created->body.value("id", "");
  const size_t total = created->body.value("enumerated", Json::array()).size();
  std::printf("rollout %s of %s to %zu tenants\n", id.c_str(), release.dump().c_str(), total);
  std::fflush(stdout);
  Status followed = Follow(g, **client, created->body);
  if (!followed.ok()) std::fprintf(stderr, "%s\n", followed.message().c_str());
  Result<Json> final = Expect(**client, "GET", "/v1/rollouts/" + id, 200, "rollout");
  if (!final.ok()) {
    WriteResponse(f.response_file, {{"ok", false}, {"results", Json::array()}, {"rollout_id", id},
                                    {"error", final.status().message()}});
    return Failed(final.status().message());
  }
  return Report(g, *final, f.response_file);
}

int CmdRollout(const Globals& g, const RolloutFlags& f) {
  Result<std::optional<int64_t>> seq = SeqFromFlags(f.seq, f.sha);
  if (!seq.ok()) return FailWith(seq.status());
  return RunRolloutStage(g, f, *seq).exit;
}

namespace {

// Follows `rollout` (as created or read) to its end, then reports it (the
// coverage gate's exit code).
int FollowAndReport(const Globals& g, ApiClient& client, const Json& rollout, const std::string& what) {
  const std::string id = rollout.value("id", "");
  if (Status s = Follow(g, client, rollout); !s.ok()) return Fail(kExitFailed, s.message());
  Result<Json> final = Expect(client, "GET", "/v1/rollouts/" + id, 200, what);
  if (!final.ok()) return FailWith(final.status());
  return Report(g, *final, "").exit;
}

}  // namespace

int CmdWatch(const Globals& g, const std::string& id) {
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Result<Json> rollout = Expect(**client, "GET", "/v1/rollouts/" + id, 200, "watch");
  if (!rollout.ok()) return FailWith(rollout.status());
  return FollowAndReport(g, **client, *rollout, "watch");
}

int CmdRecover(const Globals& g, const std::vector<std::string>& only, const std::string& reason) {
  for (const auto& slug : only) {
    if (Status s = CheckSlug(slug, "--only"); !s.ok()) return FailWith(s);
  }
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Json body = {{"only", only}};
  if (!reason.empty()) body["reason"] = reason;
  Result<Json> answer = Expect(**client, "POST", "/v1/fleet/recover", kAny2xx, "recover", body);
  if (!answer.ok()) return FailWith(answer.status());
  for (const Json& skip : answer->value("skipped", Json::array())) {
    std::printf("skipped %s: %s\n", skip.value("slug", "?").c_str(), skip.value("why", "?").c_str());
  }
  const Json rollout = answer->value("rollout", Json());
  if (!rollout.is_object()) {
    std::printf("nothing to recover\n");
    return kExitOk;
  }
  const std::string id = rollout.value("id", "");
  const std::vector<std::string> slugs = answer->value("tenants", std::vector<std::string>{});
  std::string list;
  for (const auto& slug : slugs) list += (list.empty() ? "" : ", ") + slug;
  std::printf("recovery %s of %s to %zu tenant(s): %s\n", id.c_str(), rollout.value("release", Json()).dump().c_str(),
              slugs.size(), list.c_str());
  std::fflush(stdout);
  return FollowAndReport(g, **client, rollout, "recover");
}

}  // namespace rollcall
