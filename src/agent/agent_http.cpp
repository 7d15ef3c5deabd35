#include "agent/agent_http.h"

#include "core/secure_compare.h"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cstdio>

namespace rollcall {
namespace {

void ReplyJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
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

void ReplyError(httplib::Response& res, const Status& s) {
  ReplyJson(res, HttpStatusOf(s), Json{{"error", s.message()}});
}

// Fills in a JSON body for errors httplib produces itself (404, 413, ...).
void DescribeDefaultError(httplib::Response& res, size_t body_limit) {
  if (!res.body.empty()) return;  // ours, already JSON
  std::string what = res.status == 413   ? fmt::format("body: larger than {} bytes", body_limit)
                     : res.status == 404 ? std::string("not found")
                     : res.status == 400 ? std::string("bad request")
                                         : fmt::format("HTTP {}", res.status);
  res.set_content(Json{{"error", what}}.dump() + "\n", "application/json");
}

std::string DescribeRequest(const AgentDeployRequest& req) {
  std::string seq = req.release_seq ? std::to_string(*req.release_seq) : "none";
  return fmt::format("{} (seq {}, rollout {}{})", req.image, seq,
                     req.rollout_id.empty() ? "-" : req.rollout_id,
                     req.rollback ? ", rollback" : "");
}

// One line per deploy on stderr, for the host's journal.
void LogDeploy(const AgentDeployRequest& req, const Result<DeployOutcome>& finished,
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
  std::fprintf(stderr, "deploy %s: %s, %.1fs\n", DescribeRequest(req).c_str(), what.c_str(),
               seconds);
}

}  // namespace

AgentServer::AgentServer(AgentService& service, AgentServerOptions options)
    : service_(service), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  http_->set_tcp_nodelay(true);
  http_->set_payload_max_length(options_.body_limit);
  Route();
}

AgentServer::~AgentServer() { Stop(); }

void AgentServer::Route() {
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/healthz" || Authorized(req)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    ReplyJson(res, 401, Json{{"error", "unauthorized"}});
    return httplib::Server::HandlerResponse::Handled;
  });
  http_->set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    DescribeDefaultError(res, options_.body_limit);
  });
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        ReplyJson(res, 500, Json{{"error", "internal error"}});
      });
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, Json{{"status", "ok"}});
  });
  http_->Get("/v1/state", [this](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, ToJson(FreshState()));
  });
  http_->Post("/v1/deploy", [this](const httplib::Request& req, httplib::Response& res) {
    HandleDeploy(req, res);
  });
}

bool AgentServer::Authorized(const httplib::Request& req) const {
  if (options_.token.empty()) return true;  // --insecure-no-token
  return ConstantTimeEquals(req.get_header_value("Authorization"), "Bearer " + options_.token);
}

void AgentServer::HandleDeploy(const httplib::Request& req, httplib::Response& res) {
  Result<AgentDeployRequest> parsed = ParseAgentDeployRequest(req.body);
  if (!parsed.ok()) return ReplyError(res, parsed.status());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  Result<AgentService::Slot> slot = service_.BeginDeploy(*parsed, now_ms);
  if (!slot.ok()) return ReplyError(res, slot.status());

  auto started = std::chrono::steady_clock::now();
  DeployOutcome outcome = RunDeploy(*parsed);
  Result<DeployOutcome> finished =
      service_.FinishDeploy(std::move(slot).value(), *parsed, std::move(outcome));
  LogDeploy(*parsed, finished, std::chrono::steady_clock::now() - started);
  if (!finished.ok()) return ReplyError(res, finished.status());
  ReplyJson(res, finished->exit_code ? 200 : 500, ToJson(DeployAnswerOf(*finished)));
}

// The state with the running image read now through --inspect-cmd, when
// there is one and no deploy runs: the control plane proves a tenant after
// its health gate with this, and a recorded image may have gone stale.
AgentStateAnswer AgentServer::FreshState() {
  AgentStateAnswer state = service_.StateAnswer();
  if (options_.commands.inspect.empty() || state.deploying) return state;
  ExecJob job(options_.limits);
  InspectOutcome inspected = job.Inspect(options_.commands.inspect, ExecContext{{}, {}});
  state.running_image = inspected.error.empty() ? inspected.running_image : "";
  return state;
}

DeployOutcome AgentServer::RunDeploy(const AgentDeployRequest& req) {
  auto job = std::make_shared<ExecJob>(options_.limits);
  {
    std::lock_guard lock(mu_);
    if (stopping_) job->Cancel();  // shutting down: start nothing new
    running_ = job;
  }
  PlaceholderValues values = AgentPlaceholders(req);
  ExecContext context{values, BuiltinEnvironment(values)};
  DeployOutcome outcome = job->Deploy(options_.commands, context, options_.deploy_timeout);
  std::lock_guard lock(mu_);
  running_.reset();
  return outcome;
}

Result<int> AgentServer::Bind() {
  int port = options_.port == 0
                 ? http_->bind_to_any_port(options_.host)
                 : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    return Status::Unavailable(
        fmt::format("--listen: cannot listen on {}:{}", options_.host, options_.port));
  }
  return port;
}

void AgentServer::Serve() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    serving_ = true;
  }
  http_->listen_after_bind();
  std::lock_guard lock(mu_);
  serving_ = false;
  serve_ended_.notify_all();
}

void AgentServer::Stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  if (running_) running_->Cancel();
  // httplib ignores stop() until its accept loop has started, so a Stop()
  // racing a starting Serve() repeats it until Serve() has returned.
  while (serving_) {
    http_->stop();
    serve_ended_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

}  // namespace rollcall
