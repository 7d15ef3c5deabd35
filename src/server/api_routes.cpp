#include "server/api_routes.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <vector>

#include "core/json_codec.h"
#include "core/safe_text.h"
#include "httpd/path_pattern.h"
#include "server/mutation_audit.h"
#include "server/web_ui.h"

namespace rollcall {
namespace {

using httpd::Dispatch;
using httpd::HttpRequest;
using httpd::HttpResponse;
using httpd::Responder;
using Args = std::vector<std::string>;  // the path's captured segments

// What a handler knows of its request beyond the request itself.
struct Call {
  Args args;
  std::string actor;  // the token's name (never the token); "" on an open route
  Access access = Access::kNone;  // what the token may do
  const std::string& operator[](size_t i) const { return args[i]; }
};
using Run = std::function<void(const Call&, const HttpRequest&, Responder)>;

struct Endpoint {
  std::string method;
  httpd::PathPattern path;
  std::string label;  // "GET /v1/tenants/{slug}"
  Access needs;
  Dispatch dispatch;
  Run run;
};

// "GET /v1/tenants/{slug}" for GET "/v1/tenants/{}": each capture named by
// the collection before it, as the docs name them.
std::string RouteLabel(const std::string& method, std::string_view pattern) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"tenants", "{slug}"}, {"rollouts", "{id}"}, {"channels", "{channel}"}};
  std::string out = method + " ";
  std::string_view previous;
  size_t at = 0;
  while (at < pattern.size()) {
    const size_t slash = pattern.find('/', at + 1);
    const std::string_view segment = pattern.substr(at, slash == std::string_view::npos ? slash : slash - at);
    if (segment == "/{}") {
      auto it = kNames.find(previous.substr(1));
      out += "/" + std::string(it == kNames.end() ? "{param}" : it->second);
    } else {
      out += segment;
    }
    previous = segment;
    at = slash == std::string_view::npos ? pattern.size() : slash;
  }
  return out;
}

HttpResponse ToHttp(const ApiResponse& api) {
  return HttpResponse::Json(api.status, DumpJson(api.body));
}

int64_t LastEventId(const HttpRequest& req) {
  const std::string* text = req.Header("Last-Event-ID");
  int64_t id = 0;
  if (text != nullptr) std::from_chars(text->data(), text->data() + text->size(), id);
  return std::max<int64_t>(id, 0);
}

RolloutControl ControlOf(const std::string& what) {
  return what == "cancel" ? RolloutControl::kCancel
         : what == "pause" ? RolloutControl::kPause
                           : RolloutControl::kResume;
}

// A handler answering at once with what `fn` returns.
template <typename Fn>
Run Now(Fn fn) {
  return [fn](const Call& call, const HttpRequest& req, Responder out) {
    out.Send(ToHttp(fn(call, req)));
  };
}

void RecordMutation(const ApiDeps& d, MutationCall call, const ApiResponse& answer) {
  if (d.record_audit) d.record_audit(AuditOf(call, answer));
}

// A mutation answering at once: its audit entry (accepted or refused) is
// written before the answer goes out.
template <typename Fn>
Run Mutation(const ApiDeps& d, const char* kind, const char* route, Fn fn) {
  return [&d, kind, route, fn](const Call& call, const HttpRequest& req, Responder out) {
    ApiResponse api = fn(call, req);
    RecordMutation(d, MutationCall{call.actor, kind, route, call.args, req.body}, api);
    out.Send(ToHttp(api));
  };
}

// A mutation whose answer comes later (`fn` calls the Reply once).
template <typename Fn>
Run LaterMutation(const ApiDeps& d, const char* kind, const char* route, Fn fn) {
  return [&d, kind, route, fn](const Call& call, const HttpRequest& req, Responder out) {
    fn(call, req, [&d, kind, route, call, body = req.body, out](ApiResponse api) {
      RecordMutation(d, MutationCall{call.actor, kind, route, call.args, body}, api);
      out.Send(ToHttp(api));
    });
  };
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A JSON read route: its good answers are remembered; when it fails 503
// (the ledger does not answer) the last good one answers instead, with its
// Age and a Warning that it is stale (why is in the log).
template <typename Fn>
Run Read(const ApiDeps& d, Fn fn) {
  return [cache = d.read_cache, fn](const Call& call, const HttpRequest& req, Responder out) {
    ApiResponse api = fn(call, req);
    HttpResponse r = ToHttp(api);
    if (cache != nullptr && api.status == 200) {
      cache->Remember(req.target, r.body, WallMillis());
    } else if (cache != nullptr && api.status == 503) {
      if (std::optional<ReadCache::Answer> kept = cache->Recall(req.target)) {
        r = HttpResponse::Json(200, std::move(kept->body));
        r.headers.emplace_back("Age", std::to_string(std::max<int64_t>(0, (WallMillis() - kept->at_ms) / 1000)));
        r.headers.emplace_back("Warning", "110 rollcalld \"stale: the ledger does not answer\"");
      }
    }
    out.Send(std::move(r));
  };
}

void StreamHead(Responder& out, Result<std::shared_ptr<httpd::StreamSource>> source) {
  if (!source.ok()) {
    out.Send(ToHttp(ErrorResponse(source.status())));
    return;
  }
  HttpResponse head;
  head.content_type = "text/event-stream";
  head.headers.emplace_back("Cache-Control", "no-cache");
  out.Stream(std::move(head), *source);
}

void StreamEvents(ApiDeps& d, const std::string& id, const HttpRequest& req, Responder out) {
  if (!d.hub.Followed(id)) {
    if (Result<Rollout> r = d.plane.store().GetRollout(id); !r.ok()) {
      out.Send(ToHttp(ErrorResponse(r.status())));
      return;
    }
  }
  StreamHead(out, d.hub.Follow(id, LastEventId(req)));
}

// GET /v1/events: from the Last-Event-ID (0 replays the whole ledger, in
// reconnects of at most FleetStream::kMaxReplay events), else from now.
void StreamFleet(ApiDeps& d, const HttpRequest& req, Responder out) {
  std::optional<int64_t> after;
  if (req.Header("Last-Event-ID") != nullptr) after = LastEventId(req);
  StreamHead(out, d.hub.fleet().Follow(after));
}

LeaderView ViewOf(const ApiDeps& d) {
  if (d.leader) return d.leader();
  LeaderView only;
  only.leader = true;
  only.may_act = true;
  return only;
}

// What a standby answers a mutation with: 307 to the leader while its lease
// runs (the client repeats the request there, body and all), else 503 until
// a standby takes over.
httpd::Route NotTheLeader(const LeaderView& v, const HttpRequest& head) {
  httpd::Route r;
  if (v.lease && !v.lease->url.empty() && v.lease->expires_in_ms > 0) {
    const std::string location = v.lease->url + head.target;
    r.reject = HttpResponse::Json(
        307, DumpJson(Json{{"error", "this controller is a standby: the leader is " + v.lease->url},
                           {"leader", v.lease->url}}));
    r.reject->headers.emplace_back("Location", location);
    return r;
  }
  const std::string why = !v.last_error.empty() ? v.last_error
                                                : "the lease is vacant or expired; a standby takes it over "
                                                  "within one renew interval";
  r.reject = ToHttp(ErrorResponse(503, "no leader: " + why));
  r.reject->headers.emplace_back("Retry-After", "2");
  return r;
}

std::vector<Endpoint> Table(ApiDeps& d) {
  ControlPlane& p = d.plane;
  Promoter& promoter = d.promoter;
  const Access read = Access::kRead, admin = Access::kAdmin;
  const Dispatch worker = Dispatch::kWorker;
  auto e = [](std::string method, const char* path, Access needs, Dispatch where, Run run) {
    std::string label = RouteLabel(method, path);
    return Endpoint{std::move(method), httpd::PathPattern(path), std::move(label), needs, where, std::move(run)};
  };
  return {
      e("GET", "/healthz", Access::kNone, Dispatch::kInline,
        Now([&d](const Call&, const HttpRequest&) {
          return ApiResponse{200, Json{{"ok", true}, {"role", ViewOf(d).leader ? "leader" : "standby"}}};
        })),
      // The dashboard: its files need no token (they hold no data).
      e("GET", "/", Access::kNone, Dispatch::kInline,
        [](const Call&, const HttpRequest& r, Responder out) { out.Send(DashboardIndex(r.Header("If-None-Match"))); }),
      e("GET", "/ui/", Access::kNone, Dispatch::kInline,
        [](const Call&, const HttpRequest& r, Responder out) { out.Send(DashboardIndex(r.Header("If-None-Match"))); }),
      e("GET", "/ui/{}/{}", Access::kNone, Dispatch::kInline,
        [](const Call& a, const HttpRequest& r, Responder out) {
          out.Send(DashboardAsset(a[0], a[1], r.Header("If-None-Match")));
        }),
      e("GET", "/v1/whoami", read, Dispatch::kInline,
        Now([](const Call& a, const HttpRequest&) {
          return ApiResponse{200, Json{{"name", a.actor}, {"role", a.access == Access::kAdmin ? "admin" : "read"}}};
        })),
      e("GET", "/v1/leader", read, Dispatch::kInline,
        Now([&d](const Call&, const HttpRequest&) { return ApiResponse{200, ToJson(ViewOf(d))}; })),
      e("GET", "/metrics", read, worker,
        [&d](const Call&, const HttpRequest&, Responder out) {
          std::string text = d.plane.Metrics();
          text += LeaderMetrics(ViewOf(d));
          if (d.more_metrics) text += d.more_metrics();
          HttpResponse r = HttpResponse::Text(200, std::move(text));
          r.content_type = "text/plain; version=0.0.4";
          out.Send(std::move(r));
        }),
      e("GET", "/v1/tenants", read, worker, Read(d, [&p](const Call&, const HttpRequest&) { return p.ListTenants(); })),
      e("POST", "/v1/tenants:bulk", admin, worker,
        Mutation(d, "tenants.import", "POST /v1/tenants:bulk",
                 [&p](const Call&, const HttpRequest& r) { return p.BulkTenants(r.body); })),
      e("GET", "/v1/tenants/{}", read, worker,
        Read(d, [&p](const Call& a, const HttpRequest&) { return p.GetTenant(a[0]); })),
      e("PUT", "/v1/tenants/{}", admin, worker,
        Mutation(d, "tenant.put", "PUT /v1/tenants/{slug}",
                 [&p](const Call& a, const HttpRequest& r) { return p.PutTenant(a[0], r.body); })),
      e("DELETE", "/v1/tenants/{}", admin, worker,
        Mutation(d, "tenant.delete", "DELETE /v1/tenants/{slug}",
                 [&p](const Call& a, const HttpRequest&) { return p.DeleteTenant(a[0]); })),
      e("POST", "/v1/tenants/{}/{cordon|uncordon}", admin, worker,
        Mutation(d, "tenant.state", "POST /v1/tenants/{slug}/{cordon|uncordon}",
                 [&p](const Call& a, const HttpRequest&) { return p.SetCordoned(a[0], a[1] == "cordon"); })),
      e("POST", "/v1/rollouts", admin, worker,
        Mutation(d, "rollout.create", "POST /v1/rollouts",
                 [&p](const Call& a, const HttpRequest& r) { return p.CreateRollout(r.body, a.actor); })),
      e("GET", "/v1/rollouts", read, worker,
        Read(d, [&p](const Call&, const HttpRequest& r) {
          return p.ListRollouts(r.Query("state"), r.Query("limit"), r.Query("cursor"));
        })),
      e("GET", "/v1/rollouts/{}", read, worker,
        Read(d, [&p](const Call& a, const HttpRequest&) { return p.GetRollout(a[0]); })),
      e("POST", "/v1/rollouts/{}/{cancel|pause|resume}", admin, worker,
        LaterMutation(d, "rollout.control", "POST /v1/rollouts/{id}/{cancel|pause|resume}",
                      [&p](const Call& a, const HttpRequest&, Reply reply) {
                        p.Control(a[0], ControlOf(a[1]), std::move(reply));
                      })),
      e("GET", "/v1/rollouts/{}/events", read, worker,
        [&d](const Call& a, const HttpRequest& r, Responder out) { StreamEvents(d, a[0], r, out); }),
      e("GET", "/v1/events", read, worker,
        [&d](const Call&, const HttpRequest& r, Responder out) { StreamFleet(d, r, out); }),
      e("GET", "/v1/fleet", read, worker, Read(d, [&p](const Call&, const HttpRequest&) { return p.Fleet(); })),
      e("POST", "/v1/fleet/freeze", admin, worker,
        Mutation(d, "fleet.freeze", "POST /v1/fleet/freeze",
                 [&p](const Call&, const HttpRequest& r) { return p.Freeze(r.body); })),
      e("POST", "/v1/fleet/unfreeze", admin, worker,
        Mutation(d, "fleet.unfreeze", "POST /v1/fleet/unfreeze",
                 [&p](const Call&, const HttpRequest&) { return p.Unfreeze(); })),
      e("POST", "/v1/fleet/recover", admin, worker,
        Mutation(d, "fleet.recover", "POST /v1/fleet/recover",
                 [&p](const Call& a, const HttpRequest& r) { return p.Recover(r.body, a.actor); })),
      e("GET", "/v1/audit", read, worker,
        Read(d, [&p](const Call&, const HttpRequest& r) {
          return p.Audit(r.Query("since"), r.Query("actor"), r.Query("kind"), r.Query("limit"), r.Query("cursor"));
        })),
      e("GET", "/v1/channels", read, worker,
        Read(d, [&promoter](const Call&, const HttpRequest&) { return promoter.List(); })),
      e("GET", "/v1/channels/{}", read, worker,
        Read(d, [&promoter](const Call& a, const HttpRequest&) { return promoter.Get(a[0]); })),
      e("POST", "/v1/channels/{}/promote", admin, worker,
        Mutation(d, "channel.promote", "POST /v1/channels/{channel}/promote",
                 [&promoter](const Call& a, const HttpRequest& r) {
                   return promoter.Promote(a[0], r.body, a.actor);
                 })),
      e("POST", "/cp/admin/tenants/redeploy-fleet", admin, worker,
        LaterMutation(d, "legacy.redeploy-fleet", "POST /cp/admin/tenants/redeploy-fleet",
                      [&p](const Call& a, const HttpRequest& r, Reply reply) {
                        p.LegacyRedeployFleet(r.body, std::move(reply), a.actor);
                      })),
  };
}

httpd::Route Refused(int status, const std::string& message) {
  httpd::Route r;
  r.reject = ToHttp(ErrorResponse(status, message));
  if (status == 401) r.reject->headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// The route for a request endpoint `e` matched: refused (no or a weak
// token, not the leader) or its handler.
httpd::Route RouteTo(ApiDeps& d, const Endpoint& e, const HttpRequest& head, Args captured) {
  Caller who;
  if (e.needs != Access::kNone) {
    const std::string* authorization = head.Header("Authorization");
    who = d.auth.Identify(authorization ? *authorization : "");
    if (who.access == Access::kNone) return Refused(401, "unauthorized: missing or wrong bearer token");
    if (e.needs == Access::kAdmin && who.access != Access::kAdmin) {
      return Refused(403, "forbidden: this token may only read");
    }
  }
  // Every admin route is a mutation: only the leader runs it.
  if (e.needs == Access::kAdmin) {
    if (LeaderView v = ViewOf(d); !v.leader) {
      return NotTheLeader(v, head);
    } else if (!v.may_act) {
      // Paused past its lease, say: it acts again only after a renewal.
      httpd::Route r = Refused(503, "the leader is renewing its lease: try again");
      r.reject->headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  httpd::Route route;
  route.body_limit = d.body_limit;
  route.dispatch = e.dispatch;
  route.handler = [run = e.run, call = Call{std::move(captured), std::move(who.name), who.access}](
                       const HttpRequest& r, Responder out) {
    run(call, r, std::move(out));
  };
  return route;
}

}  // namespace

httpd::Router MakeApiRouter(ApiDeps deps) {
  auto shared = std::make_shared<ApiDeps>(std::move(deps));
  auto table = std::make_shared<const std::vector<Endpoint>>(Table(*shared));
  return [shared, table](const HttpRequest& head) -> httpd::Route {
    bool path_known = false;
    for (const Endpoint& e : *table) {
      std::optional<Args> captured = e.path.Match(head.path);
      if (!captured) continue;
      path_known = true;
      if (e.method != head.method && !(e.method == "GET" && head.method == "HEAD")) continue;
      httpd::Route route = RouteTo(*shared, e, head, std::move(*captured));
      route.label = e.label;
      return route;
    }
    httpd::Route unmatched = path_known ? Refused(405, head.method + " " + head.path + ": method not allowed")
                                        : Refused(404, head.path + ": not found");
    unmatched.label = "unmatched";
    return unmatched;
  };
}

std::string LeaderMetrics(const LeaderView& v) {
  std::string out = fmt::format(
      "# HELP rollcall_leader 1 while this controller leads (holds the lease), 0 on a standby.\n"
      "# TYPE rollcall_leader gauge\nrollcall_leader {}\n",
      v.leader ? 1 : 0);
  if (v.lease) {
    out += fmt::format(
        "# HELP rollcall_leader_epoch The lease's epoch: it moves on at each takeover.\n"
        "# TYPE rollcall_leader_epoch gauge\nrollcall_leader_epoch {}\n"
        "# HELP rollcall_lease_age_seconds Time since the leader last renewed the lease.\n"
        "# TYPE rollcall_lease_age_seconds gauge\nrollcall_lease_age_seconds {:.3f}\n",
        v.lease->epoch, static_cast<double>(v.lease->renewed_ms_ago) / 1000.0);
  }
  return out;
}

void LogRequest(const HttpRequest& request, int status) {
  spdlog::debug("http {} {} -> {}", EscapeText(request.method), EscapeText(request.path), status);
}

}  // namespace rollcall
