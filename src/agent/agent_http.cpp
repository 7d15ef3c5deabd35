#include "agent/agent_http.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "core/safe_text.h"
#include "docker/curl_engine.h"
#include "docker/docker_driver.h"

namespace rollcall {
namespace {

CurlEngineOptions EngineOptions(const AgentDockerOptions& docker) {
  CurlEngineOptions options;
  options.host = docker.host;
  return options;
}

using httpd::HttpRequest;
using httpd::HttpResponse;

HttpResponse ReplyJson(int status, const Json& body) {
  return HttpResponse::Json(status, DumpJson(body) + "\n");
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalid:
      return 400;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kConflict:
      return 409;
    case Status::Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

HttpResponse ReplyError(const Status& s) { return ReplyJson(HttpStatusOf(s), Json{{"error", s.message()}}); }

std::string DescribeRequest(const AgentDeployRequest& req) {
  std::string seq = req.release_seq ? std::to_string(*req.release_seq) : "none";
  return fmt::format("{} (seq {}, rollout {}{})", req.image, seq,
                     req.rollout_id.empty() ? "-" : req.rollout_id,
                     req.rollback ? ", rollback" : "");
}

// One line per deploy on stderr, for the host's journal; escaped, since the
// request's fields and the command's output come from outside.
void LogDeploy(const AgentDeployRequest& req, const std::string* by, const Result<DeployOutcome>& finished,
               std::chrono::steady_clock::duration took) {
  std::string what;
  if (!finished.ok()) {
    what = finished.status().message();
  } else {
    const DeployOutcome& o = *finished;
    what =
        fmt::format("{}, running {}", o.exit_code ? fmt::format("exit {}", *o.exit_code) : o.error,
                    o.running_image.empty() ? "?" : o.running_image);
  }
  double seconds = std::chrono::duration<double>(took).count();
  // The controller that asked (replicated control planes have several).
  const std::string asker = by ? " by " + *by : "";
  std::fprintf(stderr, "deploy %s%s: %s, %.1fs\n", EscapeText(DescribeRequest(req)).c_str(),
               EscapeText(asker).c_str(), EscapeText(what).c_str(), seconds);
}

httpd::Route Refuse(int status, std::string_view message) {
  httpd::Route r;
  r.reject = ReplyJson(status, Json{{"error", EscapeText(message)}});
  return r;
}

}  // namespace

AgentServer::AgentServer(AgentService& service, AgentServerOptions options)
    : service_(service),
      options_(std::move(options)),
      http_(options_.server, [this](const HttpRequest& head) { return RouteFor(head); }) {}

AgentServer::~AgentServer() { Stop(); }

httpd::Route AgentServer::RouteFor(const HttpRequest& head) {
  const bool get = head.method == "GET" || head.method == "HEAD";
  httpd::Route r;
  r.body_limit = options_.body_limit;
  if (head.path == "/healthz") {
    if (!get) return Refuse(405, "method not allowed");
    r.handler = [](const HttpRequest&, httpd::Responder out) {
      out.Send(ReplyJson(200, Json{{"status", "ok"}}));
    };
    return r;
  }
  if (head.path != "/v1/state" && head.path != "/v1/deploy") return Refuse(404, "not found");
  if (!Authorized(head)) return Refuse(401, "unauthorized");
  r.dispatch = httpd::Dispatch::kWorker;  // both run commands
  if (head.path == "/v1/state") {
    if (!get) return Refuse(405, "method not allowed");
    r.handler = [this](const HttpRequest&, httpd::Responder out) {
      out.Send(ReplyJson(200, ToJson(FreshState())));
    };
    return r;
  }
  if (head.method != "POST") return Refuse(405, "method not allowed");
  r.handler = [this](const HttpRequest& req, httpd::Responder out) { out.Send(Deploy(req)); };
  return r;
}

bool AgentServer::Authorized(const HttpRequest& head) const {
  if (options_.token.empty()) return true;  // --insecure-no-token
  return httpd::HasBearerToken(head, options_.token);
}

HttpResponse AgentServer::Deploy(const HttpRequest& req) {
  Result<AgentDeployRequest> parsed = ParseAgentDeployRequest(req.body);
  if (!parsed.ok()) return ReplyError(parsed.status());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  Result<AgentService::Slot> slot = service_.BeginDeploy(*parsed, now_ms);
  if (!slot.ok()) return ReplyError(slot.status());

  auto started = std::chrono::steady_clock::now();
  DeployOutcome outcome = RunDeploy(*parsed);
  Result<DeployOutcome> finished =
      service_.FinishDeploy(std::move(slot).value(), *parsed, std::move(outcome));
  LogDeploy(*parsed, req.Header("X-Rollcall-Controller"), finished, std::chrono::steady_clock::now() - started);
  if (!finished.ok()) return ReplyError(finished.status());
  return ReplyJson(finished->exit_code ? 200 : 500, ToJson(DeployAnswerOf(*finished)));
}

// The state with the running image read now through --inspect-cmd, when
// there is one and no deploy runs: the control plane proves a tenant after
// its health gate with this, and a recorded image may have gone stale.
AgentStateAnswer AgentServer::FreshState() {
  AgentStateAnswer state = service_.StateAnswer();
  if (state.deploying) return state;
  if (options_.docker) {
    CurlEngine engine(EngineOptions(*options_.docker));
    ContainerSwap swap(engine);
    InspectOutcome inspected = swap.Inspect(options_.docker->target);
    state.running_image = inspected.error.empty() ? inspected.running_image : "";
    return state;
  }
  if (options_.commands.inspect.empty()) return state;
  ExecJob job(options_.limits);
  InspectOutcome inspected = job.Inspect(options_.commands.inspect, ExecContext{{}, {}});
  state.running_image = inspected.error.empty() ? inspected.running_image : "";
  return state;
}

DeployOutcome AgentServer::RunDeploy(const AgentDeployRequest& req) {
  if (options_.docker) return RunSwap(req);
  auto job = std::make_shared<ExecJob>(options_.limits);
  {
    std::lock_guard lock(mu_);
    if (stopping_) job->Cancel();  // shutting down: start nothing new
    cancel_running_ = [job] { job->Cancel(); };
  }
  PlaceholderValues values = AgentPlaceholders(req);
  ExecContext context{values, BuiltinEnvironment(values)};
  DeployOutcome outcome = job->Deploy(options_.commands, context, options_.deploy_timeout);
  std::lock_guard lock(mu_);
  cancel_running_ = nullptr;
  return outcome;
}

DeployOutcome AgentServer::RunSwap(const AgentDeployRequest& req) {
  const AgentDockerOptions& docker = *options_.docker;
  CurlEngine engine(EngineOptions(docker));
  auto swap = std::make_shared<ContainerSwap>(engine);
  {
    std::lock_guard lock(mu_);
    if (stopping_) swap->Cancel();  // shutting down: the swap changes nothing
    cancel_running_ = [swap] { swap->Cancel(); };
  }
  SwapRequest swap_req;
  swap_req.target = docker.target;
  swap_req.image = req.image;
  swap_req.registry_auth =
      RegistryAuthHeader(docker.registry_username, docker.registry_password, RegistryHostOf(req.image));
  swap_req.deadline = std::chrono::steady_clock::now() + ForwardBudget(options_.deploy_timeout);
  swap_req.health_timeout = docker.health_timeout;
  if (!docker.health_url.empty()) {
    swap_req.health = [url = docker.health_url](Duration t) { return ProbeHealthUrl(url, t); };
  }
  DeployOutcome outcome = swap->Deploy(swap_req);
  // The agent's answer carries `output`, not `error`, for a deploy that
  // exited: its last line says why, as a deploy command's would.
  if (outcome.exit_code && *outcome.exit_code != 0 && !outcome.error.empty()) {
    outcome.output += (outcome.output.empty() ? "" : "\n") + outcome.error;
  }
  std::lock_guard lock(mu_);
  cancel_running_ = nullptr;
  return outcome;
}

Result<int> AgentServer::Bind() {
  if (options_.docker) {
    // A swap this agent was killed in the middle of is undone before it
    // answers anyone.
    CurlEngine engine(EngineOptions(*options_.docker));
    ContainerSwap swap(engine);
    InspectOutcome seen = swap.Inspect(options_.docker->target);
    std::fprintf(stderr, "rollcall-agent: docker mode: %s %s\n", options_.docker->target.container.c_str(),
                 EscapeText(seen.error.empty() ? "runs " + seen.running_image : seen.error).c_str());
  }
  if (Status s = http_.Bind(); !s.ok()) return s.Prefixed("--listen: ");
  return static_cast<int>(http_.port());
}

void AgentServer::Serve() {
  if (Status s = http_.Run(); !s.ok()) {
    std::fprintf(stderr, "rollcall-agent: %s\n", EscapeText(s.message()).c_str());
  }
}

void AgentServer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (cancel_running_) cancel_running_();
  }
  http_.Stop();
}

}  // namespace rollcall
