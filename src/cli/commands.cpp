// The operator's commands: plan, assert-enabled, tenants, status, control.
#include "cli/commands.h"
#include "core/docker_settings.h"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "cli/ci_logic.h"
#include "cli/command_support.h"
#include "cli/stages.h"
#include "cli/summary.h"
#include "core/types.h"

namespace rollcall {
namespace {

// "KEY=VALUE" pairs of a repeatable flag into an object; Invalid naming it.
Result<Json> KeyValues(const std::vector<std::string>& pairs, const std::string& flag) {
  Json out = Json::object();
  for (const auto& pair : pairs) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) return Status::Invalid(flag + ": expected KEY=VALUE, got \"" + pair + "\"");
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

// One call expecting `want`, then a one-line confirmation.
int CallAndSay(const Globals& g, const std::string& method, const std::string& path, int want,
               const std::string& what, const std::string& said, const std::optional<Json>& body = std::nullopt) {
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Result<Json> answer = Expect(**client, method, path, want, what, body);
  if (!answer.ok()) return FailWith(answer.status());
  if (g.json) std::printf("%s\n", answer->dump(2).c_str());
  else std::printf("%s\n", said.c_str());
  return kExitOk;
}

}  // namespace

int Fail(int code, const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  return code;
}

int FailWith(const Status& s) {
  return Fail(s.code() == Status::Code::kInvalid ? kExitUsage : kExitFailed, s.message());
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

Result<std::unique_ptr<ApiClient>> JsonClient(const std::string& base_url, const std::string& token) {
  ApiClientOptions o;
  o.server = base_url;
  o.token = token;
  if (const char* d = std::getenv("ROLLCALL_RETRY_DELAYS")) {
    Result<std::vector<Duration>> delays = ParseRetryDelays(d);
    if (!delays.ok()) return delays.status();
    o.retry_delays = *delays;
  }
  return std::make_unique<ApiClient>(o);
}

Result<std::unique_ptr<ApiClient>> ServerClient(const Globals& g) { return JsonClient(g.server, g.token); }

Result<Json> Expect(ApiClient& client, const std::string& method, const std::string& path, int want,
                    const std::string& what, const std::optional<Json>& body) {
  Result<ApiAnswer> a = client.Call(method, path, body);
  if (!a.ok()) return a.status().Prefixed(what + ": ");
  if (a->status == want || (want == kAny2xx && a->status >= 200 && a->status < 300)) return a->body;
  const bool has_error = a->body.is_object() && a->body.contains("error");
  const std::string error = has_error ? (a->body["error"].is_string() ? a->body["error"].get<std::string>()
                                                                      : a->body["error"].dump())
                                      : "no error given";
  std::string line = fmt::format("{}: HTTP {}: {}", what, a->status, error);
  const bool caller_fault = a->status >= 400 && a->status < 500 && a->status != 409;
  return caller_fault ? Status::Invalid(line) : Status::Unavailable(line);
}

Status CheckSlug(const std::string& slug, const std::string& flag) {
  if (IsValidSlug(slug)) return Status::Ok();
  return Status::Invalid(fmt::format("{}: must match ^[a-z0-9][a-z0-9-]{{0,62}}$, got \"{}\"", flag, slug));
}

Status CheckTag(const std::string& tag, const std::string& flag) {
  if (IsValidTag(tag)) return Status::Ok();
  return Status::Invalid(fmt::format("{}: must be an OCI tag ^[A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}$, got \"{}\"", flag, tag));
}

Status CheckSha(const std::string& sha, const std::string& flag) {
  if (IsValidGitSha(sha)) return Status::Ok();
  return Status::Invalid(fmt::format("{}: must be 7-40 hex digits, got \"{}\"", flag, sha));
}

int CmdPlan(const Globals& g, const std::string& sha, const std::string& tag) {
  if (Status s = CheckSha(sha, "--sha"); !s.ok()) return FailWith(s);
  Json plan = MakePlanJson(sha, tag, EnvOr("ROLLCALL_DISABLED", ""));
  if (Status s = CheckTag(plan["tag"].get<std::string>(), "--tag"); !s.ok()) return FailWith(s);
  std::printf("%s\n", plan.dump(g.json ? -1 : 2).c_str());
  return kExitOk;
}

StageOutcome RunAssertEnabledStage(const Globals& g) {
  StageOutcome out;
  CiOutput ci(g.annotations);
  const std::string disabled = EnvOr("ROLLCALL_DISABLED", "");
  if (IsTruthy(disabled)) {
    out.detail = "ROLLCALL_DISABLED=" + disabled;
    ci.Notice("deploys are disabled: " + out.detail);
    out.exit = Fail(kExitFailed, "disabled: " + out.detail);
    return out;
  }
  // The server's fleet freeze; a gate that cannot read it stays closed.
  auto client = ServerClient(g);
  Result<Json> fleet = client.ok() ? Expect(**client, "GET", "/v1/fleet", 200, "assert-enabled: reading the fleet freeze")
                                   : Result<Json>(client.status());
  if (!fleet.ok()) {
    out.detail = fleet.status().message();
    out.exit = Fail(kExitFailed, out.detail);
    return out;
  }
  const Json freeze = fleet->value("freeze", Json());
  if (freeze.is_object()) {
    out.detail = fmt::format("fleet frozen since {}: {}", freeze.value("since", ""), freeze.value("reason", ""));
    ci.Notice("deploys are disabled: " + out.detail);
    out.exit = Fail(kExitFailed, "disabled: " + out.detail);
    return out;
  }
  std::printf("enabled\n");
  out.exit = kExitOk;
  return out;
}

int CmdAssertEnabled(const Globals& g) { return RunAssertEnabledStage(g).exit; }

int CmdFreeze(const Globals& g, const std::string& reason) {
  if (reason.empty()) return Fail(kExitUsage, "--reason: required");
  return CallAndSay(g, "POST", "/v1/fleet/freeze", 200, "freeze", "fleet frozen: " + reason, Json{{"reason", reason}});
}

int CmdUnfreeze(const Globals& g) {
  return CallAndSay(g, "POST", "/v1/fleet/unfreeze", 200, "unfreeze", "fleet unfrozen");
}

int CmdTenantsImport(const Globals& g, const std::string& file) {
  std::ifstream in(file);
  if (!in) return Fail(kExitUsage, "tenants import: cannot read " + file);
  std::stringstream text;
  text << in.rdbuf();
  Result<Json> body = ParseJsonObject(text.str());
  if (!body.ok()) return Fail(kExitUsage, fmt::format("tenants import: {}: {}", file, body.status().message()));
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Result<Json> answer = Expect(**client, "POST", "/v1/tenants:bulk", 200, "tenants import", *body);
  if (!answer.ok()) return FailWith(answer.status());
  std::printf("imported %s tenants\n", (*answer)["upserted"].dump().c_str());
  return kExitOk;
}

int CmdTenantsAdd(const Globals& g, const TenantFlags& f) {
  if (Status s = CheckSlug(f.slug, "SLUG"); !s.ok()) return FailWith(s);
  Json tenant = {{"slug", f.slug}, {"base_url", f.base_url}, {"driver", f.driver},
                 {"state", f.cordoned ? "cordoned" : "active"}};
  if (!f.agent_url.empty()) tenant["agent_url"] = f.agent_url;
  if (!f.image_repo.empty()) tenant["image_repo"] = f.image_repo;
  if (!f.deploy_argv.empty() || !f.inspect_argv.empty()) {
    tenant["exec"] = {{"deploy", f.deploy_argv}, {"inspect", f.inspect_argv}};
  }
  if (f.driver == "docker" || !f.docker_container.empty() || !f.docker_label.empty()) {
    Json docker = {{"host", f.docker_host.empty() ? std::string(kDefaultDockerHost) : f.docker_host},
                   {"keep", f.docker_keep}};
    if (!f.docker_container.empty()) docker["container"] = f.docker_container;
    if (!f.docker_label.empty()) docker["select"] = {{"label", f.docker_label}};
    if (f.docker_stop_grace_s) docker["stop_grace_s"] = *f.docker_stop_grace_s;
    tenant["docker"] = docker;  // the server validates it and names the field
  }
  if (f.driver == "ssm" || !f.ssm_instance.empty()) {
    Json ssm = {{"instance_id", f.ssm_instance}, {"region", f.ssm_region}, {"commands", f.ssm_commands},
                {"inspect", f.ssm_inspect}};
    if (!f.ssm_document.empty()) ssm["document"] = f.ssm_document;
    if (f.ssm_execution_timeout_s) ssm["execution_timeout_s"] = *f.ssm_execution_timeout_s;
    tenant["ssm"] = ssm;  // the server validates it and names the field
  }
  if (!f.public_url.empty()) tenant["public_url"] = f.public_url;
  Result<Json> labels = KeyValues(f.labels, "--label");
  if (!labels.ok()) return FailWith(labels.status());
  Result<Json> vars = KeyValues(f.vars, "--var");
  if (!vars.ok()) return FailWith(vars.status());
  tenant["labels"] = *labels;
  tenant["vars"] = *vars;
  return CallAndSay(g, "PUT", "/v1/tenants/" + f.slug, kAny2xx, "tenants add", "tenant " + f.slug + " saved", tenant);
}

int CmdTenantsRemove(const Globals& g, const std::string& slug) {
  if (Status s = CheckSlug(slug, "SLUG"); !s.ok()) return FailWith(s);
  return CallAndSay(g, "DELETE", "/v1/tenants/" + slug, 200, "tenants remove", "tenant " + slug + " removed");
}

int CmdTenantsCordon(const Globals& g, const std::string& slug, bool cordon) {
  if (Status s = CheckSlug(slug, "SLUG"); !s.ok()) return FailWith(s);
  const std::string action = cordon ? "cordon" : "uncordon";
  return CallAndSay(g, "POST", fmt::format("/v1/tenants/{}/{}", slug, action), 200, "tenants " + action,
                    fmt::format("tenant {} {}", slug, cordon ? "cordoned" : "active"));
}

int CmdControl(const Globals& g, const std::string& id, const std::string& action) {
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Result<Json> answer = Expect(**client, "POST", fmt::format("/v1/rollouts/{}/{}", id, action), 200, action);
  if (!answer.ok()) return FailWith(answer.status());
  std::string state = answer->value("state", "?");
  // A cancel abandons in-flight tenants; until they are gone it is under way.
  if (action == "cancel") {
    Result<RolloutState> parsed = ParseRolloutState(state);
    if (!parsed.ok() || !IsTerminal(*parsed)) state = "cancelling";
  }
  std::printf("rollout %s %s\n", id.c_str(), state.c_str());
  return kExitOk;
}

}  // namespace rollcall
