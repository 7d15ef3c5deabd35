// AgentServer: rollcall-agent's HTTP API (DESIGN §5) on cpp-httplib.
//
//   GET  /healthz    -> 200 {"status":"ok"}, no auth
//   GET  /v1/state   -> {"running_image","release_seq","deploying"}, the
//                       image read fresh through the inspect command if any
//   POST /v1/deploy  {"image","tag","git_sha","release_seq","rollout_id","rollback"}
//                    -> 200 {"exit_code","running_image","output"} once the
//                       command exited (any code); 500 with "error" added
//                       when it could not run or complete (exit_code null)
//
// Everything but /healthz needs `Authorization: Bearer <token>` (compared in
// constant time, never logged) unless the token is empty. Errors are
// {"error":"..."}: 400 bad body, 401, 404, 409 (busy, superseded), 413
// (body over the limit), 500. Thin glue: decisions live in AgentService,
// commands run through ExecJob on the handler thread.
#pragma once

#include "core/listen_address.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "agent/agent_service.h"
#include "core/types.h"
#include "drivers/exec_job.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rollcall {

struct AgentServerOptions {
  std::string host = "127.0.0.1";
  int port = 7701;        // 0 picks a free port
  std::string token;      // empty: no auth (only with --insecure-no-token)
  ExecCommands commands;  // deploy required, inspect optional
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

  // Binds and listens; returns the port (the chosen one for port 0).
  Result<int> Bind();
  // Serves until Stop(); call after Bind(), on its own thread.
  void Serve();
  // Cancels a running deploy (its process group is killed) and makes
  // Serve() return. Thread-safe; idempotent.
  void Stop();

 private:
  void Route();
  bool Authorized(const httplib::Request& req) const;
  void HandleDeploy(const httplib::Request& req, httplib::Response& res);
  DeployOutcome RunDeploy(const AgentDeployRequest& req);
  AgentStateAnswer FreshState();

  AgentService& service_;
  const AgentServerOptions options_;
  std::unique_ptr<httplib::Server> http_;

  std::mutex mu_;
  std::condition_variable serve_ended_;
  bool stopping_ = false;             // guarded by mu_
  bool serving_ = false;              // guarded by mu_
  std::shared_ptr<ExecJob> running_;  // guarded by mu_; the deploy in progress
};

}  // namespace rollcall
