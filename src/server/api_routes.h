// rollcalld's HTTP API (DESIGN §4) as a route table for the server adapter:
// paths and methods, the access each needs (decided from the headers, so a
// refused request's body is never read), where each handler runs, and the
// SSE stream. The logic itself lives in ControlPlane and Promoter.
#pragma once

#include <functional>
#include <string>

#include "core/leadership.h"
#include "httpd/http_server.h"
#include "server/auth.h"
#include "server/control_plane.h"
#include "server/event_hub.h"
#include "server/promoter.h"
#include "server/read_cache.h"

namespace rollcall {

struct ApiDeps {
  // Borrowed; they outlive the server the router is given to.
  ControlPlane& plane;
  Promoter& promoter;
  const Authorizer& auth;
  EventHub& hub;
  size_t body_limit = 1 << 20;
  // More Prometheus text for /metrics (the HTTP server's own counters).
  std::function<std::string()> more_metrics = {};
  // This controller's role (GET /v1/leader, /healthz, /metrics). A standby
  // answers every mutation with 307 to the leader's advertised URL, or 503
  // while no leader holds the lease. Empty: the only controller (SQLite).
  std::function<LeaderView()> leader = {};
  // The JSON read routes' last good answers, served (marked stale) while
  // the ledger does not answer. None: a failed read answers 503.
  ReadCache* read_cache = nullptr;
  // Writes a mutation's audit entry (ControlPlane::RecordMutation). None:
  // nothing is recorded.
  std::function<void(AuditEntry)> record_audit = {};
};

// The lease's gauges for /metrics: rollcall_leader, rollcall_leader_epoch,
// rollcall_lease_age_seconds.
std::string LeaderMetrics(const LeaderView& v);

httpd::Router MakeApiRouter(ApiDeps deps);

// One debug line per answered request: method, escaped path, status. Never
// headers (they carry tokens).
void LogRequest(const httpd::HttpRequest& request, int status);

}  // namespace rollcall
