#include "server/control_plane.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <future>
#include <map>

#include "core/fleet_log.h"
#include "core/json_codec.h"
#include "core/safe_text.h"
#include "core/time.h"
#include "server/legacy.h"
#include "server/mutation_audit.h"

namespace rollcall {
namespace {

int HttpStatusFor(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return 200;
    case Status::Code::kInvalid: return 400;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kConflict: return 409;
    case Status::Code::kUnavailable: return 503;
    case Status::Code::kInternal: return 500;
  }
  return 500;
}

Json TenantsJson(const std::vector<Tenant>& tenants) {
  Json list = Json::array();
  for (const auto& t : tenants) list.push_back(ToJson(t));
  return list;
}

// A rollout as listings show it: no result rows, counts instead.
Json RolloutSummary(const RolloutListing& listing) {
  Json j = ToJson(listing.rollout);
  std::map<std::string, int64_t> counts;
  for (const auto& [status, n] : listing.rows_by_status) counts[std::string(ToString(status))] = n;
  j.erase("results");
  j.erase("enumerated");
  j["counts"] = counts;
  j["verified"] = listing.verified;
  j["tenants"] = listing.rollout.enumerated.size();
  return j;
}

// A query parameter that must be a whole number above zero.
std::optional<int64_t> PositiveNumber(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

constexpr int64_t kMaxPage = 1000;

Json FreezeJson(const std::optional<FleetFreeze>& f) { return f ? ToJson(*f) : Json(nullptr); }


}  // namespace

// Per drift state: how many tenants are in it, and the longest any has been.
static std::string DriftMetrics(const std::map<std::string, DriftStatus>& observed, int64_t now_ms) {
  std::map<std::string, std::pair<int, double>> by_state;
  for (DriftState s : {DriftState::kOnTarget, DriftState::kDrifted, DriftState::kAhead,
                       DriftState::kUnhealthy, DriftState::kUnreachable}) {
    by_state[std::string(ToString(s))] = {0, 0.0};
  }
  for (const auto& [slug, status] : observed) {
    if (status.state == DriftState::kUnobserved) continue;
    auto& [count, longest] = by_state[std::string(ToString(status.state))];
    ++count;
    longest = std::max(longest, static_cast<double>(std::max<int64_t>(now_ms - status.since_ms, 0)) / 1000.0);
  }
  std::string out =
      "# HELP rollcall_tenants_observed Tenants by the drift watch's latest verdict.\n"
      "# TYPE rollcall_tenants_observed gauge\n";
  for (const auto& [state, v] : by_state) out += fmt::format("rollcall_tenants_observed{{state=\"{}\"}} {}\n", state, v.first);
  out += "# HELP rollcall_tenant_drift_seconds Longest time a tenant has been in each drift state.\n"
         "# TYPE rollcall_tenant_drift_seconds gauge\n";
  for (const auto& [state, v] : by_state) out += fmt::format("rollcall_tenant_drift_seconds{{state=\"{}\"}} {:.3f}\n", state, v.second);
  return out;
}

ApiResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), status.message());
}

ApiResponse ErrorResponse(int http_status, const std::string& message) {
  return ApiResponse{http_status, Json{{"error", message}}};
}

ControlPlane::ControlPlane(Clock& loop, Store& store, RolloutService& service, EventHub& hub,
                           ControlPlaneConfig config)
    : loop_(loop), store_(store), service_(service), hub_(hub), config_(std::move(config)) {}

template <typename R, typename Fn>
R ControlPlane::OnLoop(Fn fn) {
  // Shared state: if the loop is late, the task still runs safely after we
  // gave up waiting.
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> answer = promise->get_future();
  loop_.Post([fn = std::move(fn), promise]() mutable { promise->set_value(fn()); });
  if (answer.wait_for(config_.loop_timeout) != std::future_status::ready) {
    return Status::Unavailable("the rollout engine is busy: try again");
  }
  return answer.get();
}

ApiResponse ControlPlane::ListTenants() {
  Result<std::vector<Tenant>> tenants = store_.ListTenants();
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  return {200, Json{{"tenants", TenantsJson(*tenants)}}};
}

ApiResponse ControlPlane::GetTenant(const std::string& slug) {
  Result<Tenant> t = store_.GetTenant(slug);
  if (!t.ok()) return ErrorResponse(t.status());
  return {200, ToJson(*t)};
}

ApiResponse ControlPlane::PutTenant(const std::string& slug, std::string_view body) {
  Result<Json> j = ParseJsonObject(body);
  if (!j.ok()) return ErrorResponse(j.status());
  if (!j->contains("slug")) (*j)["slug"] = slug;  // the path names it
  Result<Tenant> t = ParseTenant(*j);
  if (!t.ok()) return ErrorResponse(t.status());
  if (t->slug != slug) return ErrorResponse(400, "slug: does not match the path");
  const bool existed = store_.GetTenant(slug).ok();
  if (Status s = store_.PutTenants({*t}); !s.ok()) return ErrorResponse(s);
  WithdrawCordoned({*t});
  Result<Tenant> stored = store_.GetTenant(slug);
  if (!stored.ok()) return ErrorResponse(stored.status());
  return {existed ? 200 : 201, ToJson(*stored)};
}

ApiResponse ControlPlane::BulkTenants(std::string_view body) {
  Result<Json> j = ParseJsonObject(body);
  if (!j.ok()) return ErrorResponse(j.status());
  Result<std::vector<Tenant>> tenants = ParseTenantList(*j);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  if (Status s = store_.PutTenants(*tenants); !s.ok()) return ErrorResponse(s);
  WithdrawCordoned(*tenants);
  return {200, Json{{"upserted", tenants->size()}}};
}

ApiResponse ControlPlane::DeleteTenant(const std::string& slug) {
  if (Status s = store_.DeleteTenant(slug); !s.ok()) return ErrorResponse(s);
  Withdraw({slug}, "the tenant was removed during the rollout");
  return {200, Json{{"deleted", slug}}};
}

// After the store changed (so a run that finishes meanwhile sees it too),
// running rollouts drop the tenant: its deploy is abandoned, its row
// Cancelled, and everyone else goes on.
void ControlPlane::Withdraw(std::vector<std::string> slugs, const std::string& why) {
  if (slugs.empty()) return;
  // One trip to the loop for the whole batch (a bulk import may cordon many).
  OnLoop<Status>([this, slugs = std::move(slugs), why] {
    for (const auto& slug : slugs) service_.TenantWithdrawn(slug, why);
    return Status::Ok();
  }).IgnoreError();  // a late loop still runs it
}

void ControlPlane::WithdrawCordoned(const std::vector<Tenant>& tenants) {
  std::vector<std::string> cordoned;
  for (const auto& t : tenants) {
    if (t.state == TenantState::kCordoned) cordoned.push_back(t.slug);
  }
  Withdraw(std::move(cordoned), "the tenant was cordoned during the rollout");
}

ApiResponse ControlPlane::SetCordoned(const std::string& slug, bool cordoned) {
  Result<Tenant> t = store_.GetTenant(slug);
  if (!t.ok()) return ErrorResponse(t.status());
  t->state = cordoned ? TenantState::kCordoned : TenantState::kActive;
  if (Status s = store_.PutTenants({*t}); !s.ok()) return ErrorResponse(s);
  WithdrawCordoned({*t});
  return {200, ToJson(*t)};
}

ApiResponse ControlPlane::Submit(const RolloutRequest& req, bool legacy) {
  auto outcome = OnLoop<Result<SubmitOutcome>>([this, req] { return service_.Submit(req); });
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  if (outcome->kind == SubmitOutcome::Kind::kSuperseded) {
    Json newer = ToJson(outcome->newer);
    if (!outcome->newer_rollout_id.empty()) newer["rollout_id"] = outcome->newer_rollout_id;
    Json body = {{"error", "superseded"}, {"newer", newer}};
    if (legacy) {  // the legacy shape, so old scripts read ok:false
      body["ok"] = false;
      body["results"] = Json::array();
    }
    return {409, body};
  }
  return {202, ToJson(outcome->rollout)};
}

ApiResponse ControlPlane::CreateRollout(std::string_view body, const std::string& actor) {
  Result<Json> j = ParseJsonObject(body);
  if (!j.ok()) return ErrorResponse(j.status());
  Result<RolloutRequest> req = ParseRolloutRequest(*j, config_.default_policy);
  if (!req.ok()) return ErrorResponse(req.status());
  req->created_by = actor;
  return Submit(*req, false);
}

ApiResponse ControlPlane::ListRollouts(const std::optional<std::string>& state,
                                       const std::optional<std::string>& limit,
                                       const std::optional<std::string>& cursor) {
  RolloutPageQuery q;
  if (state && !state->empty()) {
    Result<RolloutState> parsed = ParseRolloutState(*state);
    if (!parsed.ok()) return ErrorResponse(parsed.status().Prefixed("state: "));
    q.state = *parsed;
  }
  if (limit) {
    std::optional<int64_t> n = PositiveNumber(*limit);
    if (!n || *n > kMaxPage) return ErrorResponse(400, "limit: must be 1 to 1000");
    q.limit = static_cast<size_t>(*n);
  }
  if (cursor) {
    // Ids are "r-20261121-093000-3f9a1c": the tag alphabet serves.
    if (!IsValidTag(*cursor)) return ErrorResponse(400, "cursor: must be a rollout id (a next_cursor)");
    q.before_id = *cursor;
  }
  Result<std::vector<RolloutListing>> page = store_.ListRolloutPage(q);
  if (!page.ok() && page.status().code() == Status::Code::kNotFound) {
    return ErrorResponse(400, "cursor: " + page.status().message());
  }
  if (!page.ok()) return ErrorResponse(page.status());
  Json list = Json::array();
  for (const RolloutListing& listing : *page) list.push_back(RolloutSummary(listing));
  // A full page may have more below it.
  Json next = q.limit != 0 && page->size() == q.limit ? Json(page->back().rollout.id) : Json(nullptr);
  return {200, Json{{"rollouts", std::move(list)}, {"next_cursor", std::move(next)}}};
}

ApiResponse ControlPlane::GetRollout(const std::string& id) {
  Result<Rollout> r = store_.GetRollout(id);
  if (!r.ok()) return ErrorResponse(r.status());
  return {200, ToJson(*r)};
}

void ControlPlane::Control(const std::string& id, RolloutControl what, Reply reply) {
  Status s = OnLoop<Status>([this, id, what] {
    switch (what) {
      case RolloutControl::kCancel: return service_.Cancel(id);
      case RolloutControl::kPause: return service_.Pause(id);
      case RolloutControl::kResume: return service_.Resume(id);
    }
    return Status::Internal("unknown control");
  });
  if (!s.ok()) return reply(ErrorResponse(s));
  if (what != RolloutControl::kCancel) return reply(GetRollout(id));
  // A cancel abandons the in-flight tenants at once: answer with the final
  // state when it comes promptly ("cancelled"), else the current one.
  hub_.WhenFinished(id, loop_.Now() + std::chrono::seconds(10),
                    [this, id, reply](bool) { reply(GetRollout(id)); });
}

void ControlPlane::SetDriftWatch(std::shared_ptr<const DriftWatch> watch) {
  std::lock_guard lock(watch_mu_);
  watch_ = std::move(watch);
}

std::map<std::string, DriftStatus> ControlPlane::Observed() {
  std::shared_ptr<const DriftWatch> watch;
  {
    std::lock_guard lock(watch_mu_);
    watch = watch_;
  }
  if (watch) return watch->Snapshot();
  // No watch here (a standby, or the watch is off): what the ledger kept.
  Result<std::map<std::string, DriftStatus>> kept = store_.ListDriftStatus();
  return kept.ok() ? *kept : std::map<std::string, DriftStatus>{};
}

ApiResponse ControlPlane::Fleet() {
  Result<std::vector<Tenant>> tenants = store_.ListTenants();
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  Result<std::optional<Release>> desired = store_.DesiredRelease();
  if (!desired.ok()) return ErrorResponse(desired.status());
  Json list = Json::array();
  int on_target = 0, drifted = 0, quarantined = 0;
  const std::map<std::string, DriftStatus> observed =
      Observed();
  std::map<std::string, int> by_state;
  for (const auto& t : *tenants) {
    Json j = {{"slug", t.slug}, {"state", ToString(t.state)},
              {"running_image", t.running_image.empty() ? Json(nullptr) : Json(t.running_image)},
              {"running_seq", t.running_seq ? Json(*t.running_seq) : Json(nullptr)},
              {"quarantined", t.quarantined},
              {"quarantine_reason", t.quarantine_reason.empty() ? Json(nullptr) : Json(t.quarantine_reason)},
              {"labels", t.labels}};
    if (*desired) {
      std::string target = TargetImage(t, **desired, config_.image_repo);
      bool drift = t.running_image != target;
      j["desired_image"] = target;
      j["drift"] = drift;
      drift ? ++drifted : ++on_target;
    } else {
      j["desired_image"] = nullptr;
      j["drift"] = false;
    }
    quarantined += t.quarantined ? 1 : 0;
    if (auto it = observed.find(t.slug); it != observed.end()) {
      j["observed"] = ToJson(it->second);
      ++by_state[std::string(ToString(it->second.state))];
    } else {
      j["observed"] = nullptr;
    }
    list.push_back(std::move(j));
  }
  Result<std::optional<FleetFreeze>> freeze = store_.GetFreeze();
  if (!freeze.ok()) return ErrorResponse(freeze.status());
  return {200, Json{{"desired_release", *desired ? ToJson(**desired) : Json(nullptr)},
                    {"freeze", FreezeJson(*freeze)},
                    {"tenants", std::move(list)},
                    {"summary", {{"total", tenants->size()}, {"on_target", on_target},
                                 {"drifted", drifted}, {"quarantined", quarantined},
                                 {"observed", by_state}}}}};
}

ApiResponse ControlPlane::Freeze(std::string_view body) {
  Result<Json> j = ParseJsonObject(body);
  if (!j.ok()) return ErrorResponse(j.status());
  FleetFreeze f;
  FieldReader r(*j, "");
  r.Require("reason");
  r.Read("reason", f.reason);
  if (Status s = r.Finish(); !s.ok()) return ErrorResponse(s);
  if (f.reason.empty()) return ErrorResponse(400, "reason: must not be empty");
  f.since_ms = loop_.WallMillis();
  if (Status s = store_.SetFreeze(f); !s.ok()) return ErrorResponse(s);
  return {200, Json{{"freeze", FreezeJson(f)}}};
}

ApiResponse ControlPlane::Unfreeze() {
  if (Status s = store_.SetFreeze(std::nullopt); !s.ok()) return ErrorResponse(s);
  return {200, Json{{"freeze", nullptr}}};
}

void ControlPlane::RecordMutation(AuditEntry entry) {
  // On the loop, like every fleet event: the stream's order is the ledger's.
  // By value: a late loop still runs the task after we stopped waiting.
  Status s = OnLoop<Status>([this, entry]() mutable {
    Status recorded = RecordAudit(store_, hub_, loop_.WallMillis(), entry);
    if (!recorded.ok()) return recorded;
    std::optional<FleetChange> change = FleetChangeOf(entry);
    return change ? RecordFleetEvent(store_, hub_, loop_.WallMillis(), change->type, std::move(change->data))
                  : Status::Ok();
  });
  if (!s.ok()) {
    spdlog::warn("audit entry {} by {} on {} not recorded: {}", EscapeText(entry.kind), EscapeText(entry.actor),
                 EscapeText(entry.target), EscapeText(s.message()));
  }
}

ApiResponse ControlPlane::Recover(std::string_view body, const std::string& actor) {
  Result<Json> j = ParseJsonObject(body.empty() ? std::string_view("{}") : body);
  if (!j.ok()) return ErrorResponse(j.status());
  RecoveryAsk ask;
  FieldReader r(*j, "");
  r.Read("only", ask.only);
  r.Read("reason", ask.reason);
  if (Status s = r.Finish(); !s.ok()) return ErrorResponse(s);
  for (size_t i = 0; i < ask.only.size(); ++i) {
    if (!IsValidSlug(ask.only[i])) return ErrorResponse(400, fmt::format("only[{}]: not a valid slug", i));
  }
  if (ask.reason.empty()) ask.reason = "recovery requested";
  ask.observed = Observed();
  ask.created_by = actor;
  auto outcome = OnLoop<Result<RecoveryOutcome>>([this, ask] { return service_.Recover(ask); });
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  Json skipped = Json::array();
  for (const RecoverySkip& s : outcome->scope.skipped) skipped.push_back({{"slug", s.slug}, {"why", s.why}});
  Json answer = {{"tenants", outcome->scope.slugs}, {"skipped", std::move(skipped)}, {"rollout", nullptr}};
  if (!outcome->submitted) return {200, std::move(answer)};
  const SubmitOutcome& sub = *outcome->submitted;
  if (sub.kind == SubmitOutcome::Kind::kSuperseded) {
    return {409, Json{{"error", "superseded"}, {"newer", ToJson(sub.newer)}}};
  }
  answer["rollout"] = ToJson(sub.rollout);
  return {sub.kind == SubmitOutcome::Kind::kStarted ? 202 : 200, std::move(answer)};
}

ApiResponse ControlPlane::Audit(const std::optional<std::string>& since, const std::optional<std::string>& actor,
                                const std::optional<std::string>& kind, const std::optional<std::string>& limit,
                                const std::optional<std::string>& cursor) {
  AuditQuery q;
  if (since) {
    std::optional<int64_t> ms = ParseWallMillis(*since);
    if (!ms) return ErrorResponse(400, "since: not an RFC 3339 UTC timestamp");
    q.since_ms = *ms;
  }
  q.actor = actor.value_or("");
  q.kind = kind.value_or("");
  if (limit) {
    std::optional<int64_t> n = PositiveNumber(*limit);
    if (!n || *n > kMaxPage) return ErrorResponse(400, "limit: must be 1 to 1000");
    q.limit = static_cast<size_t>(*n);
  }
  if (cursor) {
    std::optional<int64_t> id = PositiveNumber(*cursor);
    if (!id) return ErrorResponse(400, "cursor: must be a positive integer (a next_cursor)");
    q.before_id = *id;
  }
  Result<std::vector<AuditEntry>> entries = store_.ListAudit(q);
  if (!entries.ok()) return ErrorResponse(entries.status());
  Json list = Json::array();
  for (const AuditEntry& e : *entries) list.push_back(ToJson(e));
  // A full page may have more below it.
  Json next = entries->size() == q.limit ? Json(entries->back().id) : Json(nullptr);
  return {200, Json{{"entries", std::move(list)}, {"next_cursor", std::move(next)}}};
}

void ControlPlane::LegacyRedeployFleet(std::string_view body, Reply reply, const std::string& actor) {
  Result<Json> j = ParseJsonObject(body.empty() ? std::string_view("{}") : body);
  if (!j.ok()) return reply(ErrorResponse(j.status()));
  if (j->empty()) return reply(ErrorResponse(400, "body: empty; give target_tag and confirm"));
  Result<RolloutRequest> req = ParseLegacyRequest(*j, config_.default_policy);
  if (!req.ok()) return reply(ErrorResponse(req.status()));
  // Fail closed: a canary memory that cannot be read or written would let
  // the orchestrator's canary call run without its gate.
  Result<std::optional<LegacyCanary>> memory = store_.LegacyCanaryFor(req->release.tag);
  if (!memory.ok()) return reply(ErrorResponse(memory.status().Prefixed("canary memory: ")));
  if (*memory && IsRememberedCanaryCall(*req, **memory)) ApplyRememberedCanary(*req, **memory);
  req->created_by = actor;
  ApiResponse started = Submit(*req, true);
  if (started.status != 202) return reply(std::move(started));
  const std::string id = started.body["id"];
  if (auto taught = CanaryTaughtBy(*req, id, loop_.WallMillis())) {
    if (Status s = store_.RememberLegacyCanary(*taught); !s.ok()) {
      return reply(ErrorResponse(s.Prefixed("canary memory: ")));
    }
  }
  // Long enough for the slowest rollout this policy allows; the rollout goes
  // on regardless when the caller leaves.
  const Policy& p = req->policy;
  const size_t tenants = started.body.contains("enumerated") ? started.body["enumerated"].size() : 0;
  double worst = p.soak_seconds + (p.per_tenant_timeout_s + p.health_timeout_s) *
                                      static_cast<double>(tenants + 1);
  const TimePoint deadline = loop_.Now() + std::chrono::seconds(static_cast<int64_t>(worst) + 60);
  hub_.WhenFinished(id, deadline, [this, id, reply](bool finished) {
    if (!finished) return reply(ErrorResponse(504, "rollout " + id + " still running"));
    Result<Rollout> done = store_.GetRollout(id);
    if (!done.ok()) return reply(ErrorResponse(done.status()));
    reply({done->state == RolloutState::kSucceeded ? 200 : 500, LegacyAnswer(*done)});
  });
}

std::string ControlPlane::Metrics() {
  std::string out;
  Result<std::vector<Tenant>> tenants = store_.ListTenants();
  // Counts, never the rollouts themselves: a scrape costs the same with a
  // year of history behind it.
  Result<std::map<RolloutState, int64_t>> rollouts = store_.CountRollouts();
  if (tenants.ok()) {
    int active = 0, quarantined = 0;
    for (const auto& t : *tenants) {
      active += t.state == TenantState::kActive;
      quarantined += t.quarantined;
    }
    out += "# HELP rollcall_tenants Registered tenants by state.\n# TYPE rollcall_tenants gauge\n";
    out += fmt::format("rollcall_tenants{{state=\"active\"}} {}\n", active);
    out += fmt::format("rollcall_tenants{{state=\"cordoned\"}} {}\n", tenants->size() - active);
    out += "# HELP rollcall_tenants_quarantined Tenants quarantined as stragglers.\n";
    out += "# TYPE rollcall_tenants_quarantined gauge\n";
    out += fmt::format("rollcall_tenants_quarantined {}\n", quarantined);
  }
  if (rollouts.ok()) {
    std::map<std::string, int64_t> by_state;
    for (auto s : {RolloutState::kPending, RolloutState::kRunning, RolloutState::kPaused,
                   RolloutState::kSucceeded, RolloutState::kFailed, RolloutState::kCancelled,
                   RolloutState::kSuperseded}) {
      by_state[std::string(ToString(s))] = 0;
    }
    for (const auto& [state, n] : *rollouts) by_state[std::string(ToString(state))] = n;
    out += "# HELP rollcall_rollouts Rollouts in the ledger by state.\n# TYPE rollcall_rollouts gauge\n";
    for (const auto& [state, n] : by_state) out += fmt::format("rollcall_rollouts{{state=\"{}\"}} {}\n", state, n);
  }
  if (std::map<std::string, DriftStatus> observed = Observed(); !observed.empty()) {
    out += DriftMetrics(observed, loop_.WallMillis());
  }
  Result<std::optional<Release>> desired = store_.DesiredRelease();
  if (desired.ok() && *desired && (*desired)->seq) {
    out += "# HELP rollcall_desired_release_seq Seq of the fleet's desired release.\n";
    out += "# TYPE rollcall_desired_release_seq gauge\n";
    out += fmt::format("rollcall_desired_release_seq {}\n", *(*desired)->seq);
  }
  return out;
}

}  // namespace rollcall
