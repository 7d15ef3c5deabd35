// rollcall: the CLI for CI and operators (DESIGN §6). A command table; each
// command is a function returning an exit code.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/api_client.h"
#include "cli/report.h"
#include "cli/sse_parser.h"
#include "core/json_codec.h"

namespace rollcall {
namespace {

enum Exit : int { kOk = 0, kFailed = 1, kUsage = 2 };

struct Globals {
  std::string server = "http://127.0.0.1:7700";
  std::string token;
  bool json = false;
};

struct RolloutFlags {
  std::string tag, sha, reason, response_file, strategy, max_stragglers = "1";
  std::optional<int64_t> seq;
  std::vector<std::string> canary, only;
  std::optional<double> soak, per_tenant_timeout, health_timeout, health_interval;
  std::optional<int64_t> max_parallel;
  bool dry_run = false, rollback = false;
};

int Fail(int code, const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  return code;
}

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

Result<ApiClient*> Client(const Globals& g) {
  static std::unique_ptr<ApiClient> client;
  ApiClientOptions o;
  o.server = g.server;
  o.token = g.token;
  if (const char* d = std::getenv("ROLLCALL_RETRY_DELAYS")) {
    Result<std::vector<Duration>> delays = ParseRetryDelays(d);
    if (!delays.ok()) return delays.status();
    o.retry_delays = *delays;
  }
  client = std::make_unique<ApiClient>(o);
  return client.get();
}

// Prints an unexpected answer as one line naming the server's error.
int Unexpected(const ApiAnswer& a, const std::string& what) {
  std::string error = a.body.is_object() && a.body.contains("error") ? a.body["error"].dump() : "no error given";
  return Fail(a.status >= 400 && a.status < 500 && a.status != 409 ? kUsage : kFailed,
              fmt::format("{}: HTTP {}: {}", what, a.status, error));
}

int TenantsImport(const Globals& g, const std::string& file) {
  std::ifstream in(file);
  if (!in) return Fail(kUsage, "tenants import: cannot read " + file);
  std::stringstream text;
  text << in.rdbuf();
  Result<Json> body = ParseJsonObject(text.str());
  if (!body.ok()) return Fail(kUsage, fmt::format("tenants import: {}: {}", file, body.status().message()));
  auto client = Client(g);
  if (!client.ok()) return Fail(kUsage, client.status().message());
  Result<ApiAnswer> a = (*client)->Call("POST", "/v1/tenants:bulk", *body);
  if (!a.ok()) return Fail(kFailed, a.status().message());
  if (a->status != 200) return Unexpected(*a, "tenants import");
  std::printf("imported %s tenants\n", a->body["upserted"].dump().c_str());
  return kOk;
}

int GetAndPrint(const Globals& g, const std::string& path, const std::string& what) {
  auto client = Client(g);
  if (!client.ok()) return Fail(kUsage, client.status().message());
  Result<ApiAnswer> a = (*client)->Call("GET", path);
  if (!a.ok()) return Fail(kFailed, a.status().message());
  if (a->status != 200) return Unexpected(*a, what);
  std::printf("%s\n", a->body.dump(2).c_str());
  return kOk;
}

Json PolicyJson(const RolloutFlags& f) {
  Json p = Json::object();
  if (!f.canary.empty()) p["canary"] = f.canary;
  if (f.soak) p["soak_seconds"] = *f.soak;
  if (f.max_parallel) p["max_parallel"] = *f.max_parallel;
  if (!f.strategy.empty()) p["strategy"] = f.strategy;
  p["max_stragglers"] = f.max_stragglers.find('%') == std::string::npos
                            ? Json(std::stoll(f.max_stragglers)) : Json(f.max_stragglers);
  if (f.per_tenant_timeout) p["per_tenant_timeout_s"] = *f.per_tenant_timeout;
  if (f.health_timeout) p["health_timeout_s"] = *f.health_timeout;
  if (f.health_interval) p["health_interval_s"] = *f.health_interval;
  if (f.dry_run) p["dry_run"] = true;
  if (!f.only.empty()) p["only_slugs"] = f.only;
  return p;
}

// Follows the event stream until the rollout's final event, reconnecting with
// Last-Event-ID when the stream drops, so no event is lost or printed twice.
Status Follow(ApiClient& client, const std::string& id, size_t total) {
  int64_t last = 0;
  size_t finished = 0;
  bool final = false;
  for (int drops = 0; !final; ++drops) {
    if (drops > 30) return Status::Unavailable("event stream: gave up after 30 reconnects");
    SseParser parser;
    Status s = client.Stream(fmt::format("/v1/rollouts/{}/events", id), last, [&](std::string_view chunk) {
      for (const SseEvent& e : parser.Feed(chunk)) {
        last = std::max(last, e.id);
        Json data = Json::parse(e.data, nullptr, false);
        if (e.event == "tenant_finished" && data.is_object()) {
          ++finished;
          std::printf("[%zu/%zu] %-12s %-9s %6.1fs %s\n", finished, total,
                      data.value("slug", "?").c_str(), data.value("status", "?").c_str(),
                      data.value("duration_ms", 0) / 1000.0,
                      data["error"].is_string() ? data["error"].get<std::string>().c_str() : "");
          std::fflush(stdout);
        }
        if (e.event == "rollout_state" && data.is_object()) {
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
      std::this_thread::sleep_for(std::chrono::seconds(std::min(drops + 1, 5)));  // backoff
    }
  }
  return Status::Ok();
}

int RunRollout(const Globals& g, const RolloutFlags& f) {
  Result<StragglerLimit> limit = ParseStragglerLimit(f.max_stragglers);
  if (!limit.ok()) return Fail(kUsage, "--max-stragglers: " + limit.status().message());
  if (f.rollback && f.reason.empty()) return Fail(kUsage, "--reason: required with --rollback");
  Json release = {{"tag", f.tag}};
  if (!f.sha.empty()) release["git_sha"] = f.sha;
  if (f.seq) release["seq"] = *f.seq;
  Json body = {{"release", release}, {"policy", PolicyJson(f)}, {"rollback", f.rollback}};
  if (!f.reason.empty()) body["reason"] = f.reason;

  auto client = Client(g);
  if (!client.ok()) return Fail(kUsage, client.status().message());
  Result<ApiAnswer> created = (*client)->Call("POST", "/v1/rollouts", body);
  if (!created.ok()) return Fail(kFailed, created.status().message());
  if (created->status == 409 && created->body.value("error", "") == "superseded") {
    return Fail(kFailed, fmt::format("rollout: superseded by the newer release {}", created->body["newer"].dump()));
  }
  if (created->status != 202) return Unexpected(*created, "rollout");
  const std::string id = created->body["id"];
  const size_t total = created->body.value("enumerated", Json::array()).size();
  std::printf("rollout %s of %s to %zu tenants\n", id.c_str(), release.dump().c_str(), total);
  std::fflush(stdout);
  if (Status s = Follow(**client, id, total); !s.ok()) return Fail(kFailed, s.message());

  Result<ApiAnswer> final = (*client)->Call("GET", "/v1/rollouts/" + id);
  if (!final.ok()) return Fail(kFailed, final.status().message());
  if (final->status != 200) return Unexpected(*final, "rollout");
  Result<std::vector<TenantResult>> rows = RowsOf(final->body);
  if (!rows.ok()) return Fail(kFailed, rows.status().message());
  ClientGate gate = RecomputeGate(*rows, *limit);
  if (!f.response_file.empty()) {
    std::ofstream(f.response_file) << ResponseAggregate(final->body, gate).dump(2) << "\n";
  }
  if (g.json) {
    std::printf("%s\n", final->body.dump(2).c_str());
  } else {
    std::printf("\n%s", RenderTable(*rows).c_str());
    if (!gate.stragglers.empty()) {
      std::printf("\n⚠ Stragglers (quarantined): %s\n", fmt::format("{}", fmt::join(gate.stragglers, ", ")).c_str());
    }
  }
  const std::string state = final->body.value("state", "");
  const std::string error = final->body["error"].is_string() ? final->body["error"].get<std::string>() : "";
  std::printf("\nrollout %s %s%s\n", id.c_str(), state.c_str(), error.empty() ? "" : (": " + error).c_str());
  return state == "succeeded" && gate.passed ? kOk : kFailed;
}

}  // namespace
}  // namespace rollcall

int main(int argc, char** argv) {
  using namespace rollcall;
  Globals g;
  g.server = EnvOr("ROLLCALL_SERVER", g.server);
  g.token = EnvOr("ROLLCALL_TOKEN", "");
  CLI::App app{"rollcall: roll a release across the fleet and prove every tenant landed"};
  app.require_subcommand(1);
  app.add_option("--server", g.server, "control plane URL (ROLLCALL_SERVER)")->capture_default_str();
  app.add_option("--token", g.token, "bearer token (ROLLCALL_TOKEN)");
  app.add_flag("--json", g.json, "print JSON");

  int code = kOk;
  auto* tenants = app.add_subcommand("tenants", "manage the tenant registry");
  tenants->require_subcommand(1);
  std::string import_file;
  auto* import = tenants->add_subcommand("import", "upsert every tenant of FILE ({\"tenants\":[...]}), all or none");
  import->add_option("FILE", import_file)->required();
  import->callback([&] { code = TenantsImport(g, import_file); });
  tenants->add_subcommand("list", "list tenants")->callback([&] { code = GetAndPrint(g, "/v1/tenants", "tenants list"); });
  app.add_subcommand("fleet", "running image, desired release, drift and quarantine per tenant")
      ->callback([&] { code = GetAndPrint(g, "/v1/fleet", "fleet"); });
  std::string status_id;
  auto* status = app.add_subcommand("status", "show rollouts, or one with its results");
  status->add_option("ID", status_id);
  status->callback([&] { code = GetAndPrint(g, status_id.empty() ? "/v1/rollouts" : "/v1/rollouts/" + status_id, "status"); });

  RolloutFlags f;
  auto* rollout = app.add_subcommand("rollout", "start a rollout, follow it, apply the coverage gate");
  rollout->footer("Example: rollcall rollout --tag v1.4.2 --sha 3f9a1c2 --seq 1042 --canary acme --max-stragglers 1 --response out.json");
  rollout->add_option("--tag", f.tag, "image tag to roll out")->required();
  rollout->add_option("--sha", f.sha, "git sha of the release");
  rollout->add_option("--seq", f.seq, "release order key (larger = newer)");
  rollout->add_option("--canary", f.canary, "canary tenant (repeatable)");
  rollout->add_option("--soak", f.soak, "seconds to soak after the canaries");
  rollout->add_option("--max-parallel", f.max_parallel, "tenants in flight at once");
  rollout->add_option("--strategy", f.strategy, "window or batches")->check(CLI::IsMember({"window", "batches"}));
  rollout->add_option("--max-stragglers", f.max_stragglers, "N or N%")->capture_default_str();
  rollout->add_option("--per-tenant-timeout", f.per_tenant_timeout, "seconds");
  rollout->add_option("--health-timeout", f.health_timeout, "seconds");
  rollout->add_option("--health-interval", f.health_interval, "seconds");
  rollout->add_flag("--dry-run", f.dry_run, "plan only; touch nothing");
  rollout->add_option("--only", f.only, "limit to these tenants (repeatable)");
  rollout->add_flag("--rollback", f.rollback, "allow an older release (needs --reason)");
  rollout->add_option("--reason", f.reason, "why, for the ledger");
  rollout->add_option("--response", f.response_file, "write the aggregate JSON here, even on failure");
  rollout->callback([&] { code = RunRollout(g, f); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "%s\n", e.what());
    return kUsage;
  }
  return code;
}
