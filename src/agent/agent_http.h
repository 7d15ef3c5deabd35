// AgentServer: rollcall-agent's HTTP API (DESIGN §5) on the server adapter.
//
//   GET  /healthz    -> 200 {"status":"ok"}, no auth
//   GET  /v1/state   -> {"running_image","release_seq","deploying"}, the
//                       image read fresh through the inspect command if any
//                       (docker mode: from the engine, after undoing a swap
//                       a crash of the agent interrupted)
//   POST /v1/deploy  {"image","tag","git_sha","release_seq","rollout_id","rollback"}
//                    -> 200 {"exit_code","running_image","output"} once the
//                       command exited (any code); 500 with "error" added
//                       when it could not run or complete (exit_code null)
//
// Everything but /healthz needs `Authorization: Bearer <token>` (compared in
// constant time, never logged) unless the token is empty; the token is
// checked from the headers, before a body is read. Errors are
// {"error":"..."}: 400 bad body, 401, 404, 405, 409 (busy, superseded), 413
// (body over the limit), 500. Thin glue: decisions live in AgentService;
// commands run through ExecJob on the server's worker threads, so slow or
// idle connections never hold one.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "agent/agent_service.h"
#include "core/types.h"
#include "docker/container_swap.h"
#include "drivers/exec_job.h"
#include "httpd/http_server.h"

namespace rollcall {

// Docker mode (--docker-container): a deploy swaps the tenant's container
// through the Engine API (docker/container_swap.h) instead of running a
// command; the state's running image is the engine's, read fresh.
struct AgentDockerOptions {
  std::string host;  // unix:///var/run/docker.sock
  SwapTarget target;
  std::string health_url;  // the gate besides the container's own state; may be empty
  Duration health_timeout = std::chrono::seconds(60);  // then the swap is undone
  std::string registry_username;
  std::string registry_password;  // never logged
};

struct AgentServerOptions {
  httpd::ServerOptions server;  // host, port (0 picks a free one), deadlines, caps
  std::string token;            // empty: no auth (only with --insecure-no-token)
  ExecCommands commands;        // deploy required, inspect optional (exec mode)
  std::optional<AgentDockerOptions> docker;  // docker mode instead of commands
  Duration deploy_timeout = std::chrono::seconds(300);
  ExecLimits limits;
  size_t body_limit = 1 << 20;
};

class AgentServer {
 public:
  // `service` is borrowed and outlives the server.
  AgentServer(AgentService& service, AgentServerOptions options);
  ~AgentServer();
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  // Binds and listens; returns the port (the chosen one for port 0). A port
  // another process holds is an error naming it.
  Result<int> Bind();
  // Serves until Stop(); call after Bind(), on its own thread.
  void Serve();
  // Cancels a running deploy (its process group is killed) and makes
  // Serve() return. Thread-safe; idempotent.
  void Stop();

 private:
  httpd::Route RouteFor(const httpd::HttpRequest& head);
  bool Authorized(const httpd::HttpRequest& head) const;
  httpd::HttpResponse Deploy(const httpd::HttpRequest& req);
  DeployOutcome RunDeploy(const AgentDeployRequest& req);
  DeployOutcome RunSwap(const AgentDeployRequest& req);
  AgentStateAnswer FreshState();

  AgentService& service_;
  const AgentServerOptions options_;

  std::mutex mu_;
  bool stopping_ = false;             // guarded by mu_
  std::function<void()> cancel_running_;  // guarded by mu_; cancels the deploy in progress
  httpd::HttpServer http_;            // last: stopped and destroyed first
};

}  // namespace rollcall
