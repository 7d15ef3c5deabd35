#include "server/rollcall_metrics.h"

#include <fmt/format.h>

#include <map>

#include "core/coverage.h"

namespace rollcall {
namespace {

constexpr TenantStatus kRowStatuses[] = {TenantStatus::kSuccess, TenantStatus::kFailed,
                                         TenantStatus::kTimedOut, TenantStatus::kUnhealthy,
                                         TenantStatus::kOffTarget, TenantStatus::kSkipped,
                                         TenantStatus::kCancelled};
constexpr RolloutState kFinalStates[] = {RolloutState::kSucceeded, RolloutState::kFailed,
                                         RolloutState::kCancelled, RolloutState::kSuperseded};

std::string Str(TenantStatus s) { return std::string(ToString(s)); }

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

RollcallMetrics::RollcallMetrics(const std::string& version, const std::string& commit)
    : build_info_(fmt::format("# HELP rollcall_build_info The running build: version and commit.\n"
                              "# TYPE rollcall_build_info gauge\n"
                              "rollcall_build_info{{version=\"{}\",commit=\"{}\"}} 1\n",
                              EscapeLabelValue(version), EscapeLabelValue(commit))),
      deploys_(registry_.Counter("rollcall_tenant_deploys_total",
                                 "Tenant pipelines finished, by result status (dry runs excluded).", {"status"})),
      deploy_seconds_(registry_.Histogram("rollcall_tenant_deploy_duration_seconds",
                                          "Time from sending a deploy to the driver's answer.", {},
                                          {0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600})),
      settle_seconds_(registry_.Histogram("rollcall_tenant_health_settle_seconds",
                                          "Time from a deploy's answer to the tenant's first 2xx /healthz.", {},
                                          {0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 90, 180})),
      rollouts_(registry_.Counter("rollcall_rollouts_total", "Rollouts finished, by final state.", {"state"})),
      rollout_seconds_(registry_.Histogram("rollcall_rollout_duration_seconds",
                                           "Time from a rollout's start to its final state.", {},
                                           {1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200})),
      stragglers_(registry_.Counter("rollcall_stragglers_total",
                                    "Tenants quarantined as stragglers, by their result status.", {"status"})),
      fence_refusals_(registry_.Counter("rollcall_fence_refusals_total",
                                        "Moves the release fence refused: a rollout or promotion of an older "
                                        "release, a tenant already on a newer one.",
                                        {"kind"})),
      promotions_(registry_.Counter("rollcall_promotions_total", "Channel promotions, by outcome.", {"outcome"})),
      requests_(registry_.Counter("rollcall_http_requests_total", "HTTP requests answered, by route and status.",
                                  {"route", "code"})),
      request_seconds_(registry_.Histogram("rollcall_http_request_duration_seconds",
                                           "Time from a request's head to its answer (event streams excluded).",
                                           {"route"}, MetricsRegistry::ExponentialBuckets(0.001, 4, 8))) {
  for (TenantStatus s : kRowStatuses) {
    deploys_.Touch({Str(s)});
    if (s != TenantStatus::kSuccess && s != TenantStatus::kCancelled) stragglers_.Touch({Str(s)});
  }
  for (RolloutState s : kFinalStates) rollouts_.Touch({std::string(ToString(s))});
  for (const char* kind : {"rollout", "promotion", "tenant"}) fence_refusals_.Touch({kind});
  for (const char* outcome : {"promoted", "refused", "failed"}) promotions_.Touch({outcome});
}

void RollcallMetrics::DeployAnswered(Duration took) { deploy_seconds_.Observe({}, DurationToSeconds(took)); }

void RollcallMetrics::HealthSettled(Duration took) { settle_seconds_.Observe({}, DurationToSeconds(took)); }

void RollcallMetrics::TenantFinished(const TenantResult& row) { deploys_.Inc({Str(row.status)}); }

void RollcallMetrics::FenceRefused() { fence_refusals_.Inc({"tenant"}); }

void RollcallMetrics::RolloutFinished(const Rollout& rollout) {
  rollouts_.Inc({std::string(ToString(rollout.state))});
  if (rollout.started_at_ms > 0 && rollout.finished_at_ms >= rollout.started_at_ms) {
    rollout_seconds_.Observe({}, static_cast<double>(rollout.finished_at_ms - rollout.started_at_ms) / 1000.0);
  }
  if (!QuarantinesStragglers(rollout)) return;
  std::map<std::string, TenantStatus> status_of;
  for (const TenantResult& row : rollout.results) status_of[row.slug] = row.status;
  for (const std::string& slug : rollout.stragglers) {
    auto it = status_of.find(slug);
    stragglers_.Inc({it == status_of.end() ? "missing" : Str(it->second)});
  }
}

void RollcallMetrics::RequestAnswered(const std::string& route, int status, Duration took) {
  requests_.Inc({route, std::to_string(status)});
  if (!EndsWith(route, "/events")) request_seconds_.Observe({route}, DurationToSeconds(took));
}

void RollcallMetrics::MutationAnswered(const AuditEntry& entry) {
  const int status = entry.data.value("status", 0);
  const bool superseded = status == 409 && entry.data.value("error", nlohmann::json()) == nlohmann::json("superseded");
  if (entry.kind == "channel.promote") {
    promotions_.Inc({status < 300 ? "promoted" : status == 409 ? "refused" : "failed"});
    if (superseded) fence_refusals_.Inc({"promotion"});
  } else if (superseded) {
    fence_refusals_.Inc({"rollout"});  // rollout.create, legacy.redeploy-fleet
  }
}

std::string RollcallMetrics::Render() const { return registry_.Render() + build_info_; }

}  // namespace rollcall
