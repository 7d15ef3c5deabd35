// SimServer: the simulated fleet served over HTTP (DESIGN §7).
//
//   GET  /healthz                          the simulator itself
//   GET  /sim/v1/state                     every tenant's state, for tests
//   GET  /t/<slug>/healthz                 200 unless the tenant is unhealthy
//   GET  /t/<slug>/buildinfo               {"git_sha","image"}
//   POST /t/<slug>/agent/v1/deploy         DESIGN §5 agent deploy
//   GET  /t/<slug>/agent/v1/state          {"running_image","release_seq"}
//
// Faults are applied before a tenant route is served (see SimTenant::Admit).
// Deploys finish on a timer; the answer is dropped if the client went away,
// but the deploy still lands, as a real agent's would. Every handler runs on
// the server's one I/O thread (they are quick and never block), so the
// fleet has one owner. Bind() and Run() from one thread, Stop() from any.
#pragma once

#include <string>

#include "httpd/http_server.h"
#include "sim/fleet.h"

namespace rollcall::sim {

class SimServer {
 public:
  // `fleet` is borrowed and outlives the server. An empty `agent_token`
  // leaves the agent routes open.
  SimServer(Fleet& fleet, httpd::ServerOptions options, std::string agent_token);

  Status Bind() { return server_.Bind(); }
  uint16_t port() const { return server_.port(); }
  Status Run() { return server_.Run(); }
  void Stop() { server_.Stop(); }

 private:
  httpd::Route RouteFor(const httpd::HttpRequest& head);
  void Handle(const httpd::HttpRequest& request, httpd::Responder responder);
  void HandleTenant(SimTenant& tenant, Route route, const httpd::HttpRequest& request,
                    httpd::Responder responder);
  void HandleDeploy(SimTenant& tenant, const httpd::HttpRequest& request, httpd::Responder responder);

  Fleet& fleet_;
  const std::string agent_token_;  // never logged
  httpd::HttpServer server_;  // last: stopped first
};

}  // namespace rollcall::sim
