#include "sim/sim_service.h"

#include <fmt/format.h>

#include <optional>

#include "httpd/path_pattern.h"
#include "sim/agent_api.h"

namespace rollcall::sim {
namespace {

using httpd::HttpRequest;
using httpd::HttpResponse;

TimePoint Now() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

struct TenantRoute {
  std::string_view slug;
  std::optional<Route> route;  // nullopt: an unknown path under the tenant
};

// "/t/<slug>/<rest>" -> slug and route; nullopt when the path is not a
// tenant path at all.
std::optional<TenantRoute> SplitTenantPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/t/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  TenantRoute out{.slug = path.substr(0, slash), .route = std::nullopt};
  std::string_view rest = path.substr(slash + 1);
  if (rest == "healthz") out.route = Route::kHealthz;
  if (rest == "buildinfo") out.route = Route::kBuildInfo;
  if (rest == "agent/v1/deploy") out.route = Route::kAgentDeploy;
  if (rest == "agent/v1/state") out.route = Route::kAgentState;
  return out;
}

bool MethodAllowed(Route route, std::string_view method) {
  if (route == Route::kAgentDeploy) return method == "POST";
  return method == "GET" || method == "HEAD";
}

HttpResponse MethodNotAllowed(Route route) {
  HttpResponse r = HttpResponse::JsonError(405, "method not allowed");
  r.headers.emplace_back("Allow", route == Route::kAgentDeploy ? "POST" : "GET, HEAD");
  return r;
}

HttpResponse Unauthorized() {
  HttpResponse r =
      HttpResponse::JsonError(401, "authorization: missing or wrong agent bearer token");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace

SimServer::SimServer(Fleet& fleet, httpd::ServerOptions options, std::string agent_token)
    : fleet_(fleet),
      agent_token_(std::move(agent_token)),
      server_(std::move(options), [this](const HttpRequest& head) { return RouteFor(head); }) {}

httpd::Route SimServer::RouteFor(const HttpRequest&) {
  httpd::Route route;
  route.body_limit = 64 * 1024;  // a deploy order is a few hundred bytes
  route.handler = [this](const HttpRequest& request, httpd::Responder responder) {
    Handle(request, responder);
  };
  return route;
}

void SimServer::Handle(const HttpRequest& request, httpd::Responder responder) {
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/healthz" && is_get) {
    responder.Send(
        HttpResponse::Json(200, fmt::format(R"({{"status":"ok","tenants":{}}})", fleet_.size())));
    return;
  }
  if (request.path == "/sim/v1/state" && is_get) {
    fleet_.SettleAll(Now());
    responder.Send(HttpResponse::Json(200, FleetStateJson(fleet_.SnapshotAll())));
    return;
  }
  // DELETE /sim/v1/tenants/{slug}/faults: tests clear a fault mid-run (an
  // operator fixed the host) to see the tenant recover.
  static const httpd::PathPattern kFaults("/sim/v1/tenants/{}/faults");
  if (std::optional<std::vector<std::string>> slug = kFaults.Match(request.path)) {
    SimTenant* t = fleet_.Find((*slug)[0]);
    if (t == nullptr) {
      responder.Send(HttpResponse::JsonError(404, fmt::format("{}: no such tenant", (*slug)[0])));
    } else if (request.method != "DELETE") {
      HttpResponse r = HttpResponse::JsonError(405, request.method + ": method not allowed");
      r.headers.emplace_back("Allow", "DELETE");
      responder.Send(std::move(r));
    } else {
      t->ClearFaults();
      responder.Send(HttpResponse::Json(200, R"({"faults":[]})"));
    }
    return;
  }
  std::optional<TenantRoute> target = SplitTenantPath(request.path);
  SimTenant* tenant = target ? fleet_.Find(target->slug) : nullptr;
  if (target && tenant == nullptr) {
    responder.Send(HttpResponse::JsonError(404, fmt::format("{}: no such tenant", target->slug)));
    return;
  }
  if (tenant == nullptr || !target->route) {
    responder.Send(HttpResponse::JsonError(404, fmt::format("{}: not found", request.path)));
    return;
  }
  HandleTenant(*tenant, *target->route, request, responder);
}

void SimServer::HandleTenant(SimTenant& tenant, Route route, const HttpRequest& request,
                             httpd::Responder responder) {
  tenant.Settle(Now());
  const bool authorized = agent_token_.empty() || httpd::HasBearerToken(request, agent_token_);
  switch (tenant.Admit(route, authorized)) {
    case Fate::kNeverAnswer:
      return;  // dropping the responder leaves the request hanging
    case Fate::kUnauthorized:
      responder.Send(Unauthorized());
      return;
    case Fate::kDropConnection:
      responder.Abort();
      return;
    case Fate::kBadGateway:
      responder.Send(HttpResponse::JsonError(502, "bad gateway (simulated flaky tenant)"));
      return;
    case Fate::kServe:
      break;
  }
  if (!MethodAllowed(route, request.method)) {
    responder.Send(MethodNotAllowed(route));
    return;
  }
  const TimePoint now = Now();
  switch (route) {
    case Route::kHealthz:
      responder.Send(HttpResponse::Json(tenant.Healthy() ? 200 : 503,
                                        HealthJson(tenant.Healthy(), tenant.VisibleBuild(now))));
      return;
    case Route::kBuildInfo:
      responder.Send(HttpResponse::Json(200, BuildInfoJson(tenant.VisibleBuild(now))));
      return;
    case Route::kAgentState:
      responder.Send(HttpResponse::Json(200, AgentStateJson(tenant)));
      return;
    case Route::kAgentDeploy:
      HandleDeploy(tenant, request, responder);
      return;
  }
}

void SimServer::HandleDeploy(SimTenant& tenant, const HttpRequest& request,
                             httpd::Responder responder) {
  Result<DeployOrder> order = ParseDeployOrder(request.body);
  if (!order.ok()) {
    responder.Send(HttpResponse::JsonError(400, order.status().message()));
    return;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string* by = request.Header("X-Rollcall-Controller");
  Result<DeployTicket> ticket =
      fleet_.StartDeploy(tenant, *order, now_ms, by ? by->substr(0, 128) : std::string());
  if (!ticket.ok()) {
    responder.Send(HttpResponse::JsonError(409, ticket.status().message()));
    return;
  }
  // `tenant` lives as long as the fleet, which outlives the server's timers.
  server_.RunAfter(ticket->duration, [&tenant, responder] {
    DeployAnswer answer = tenant.FinishDeploy(Now());
    responder.Send(HttpResponse::Json(200, DeployAnswerJson(answer)));
  });
}

}  // namespace rollcall::sim
