// RollcallMetrics: rollcalld's counters and histograms (Prometheus
// conventions): what the engine reports (RolloutMetrics), what each HTTP
// request cost, promotions and fence refusals from the audited mutations,
// and the build. Counting costs a lock and an increment; rendering reads no
// store. Thread-safe.
#pragma once

#include <string>

#include "core/rollout_metrics.h"
#include "core/store.h"
#include "server/prometheus.h"

namespace rollcall {

class RollcallMetrics : public RolloutMetrics {
 public:
  RollcallMetrics(const std::string& version, const std::string& commit);

  // RolloutMetrics (the engine's loop).
  void DeployAnswered(Duration took) override;
  void HealthSettled(Duration took) override;
  void TenantFinished(const TenantResult& row) override;
  void FenceRefused() override;
  void RolloutFinished(const Rollout& rollout) override;

  // One answered request: `route` is its pattern ("GET /v1/rollouts/{id}",
  // "unmatched"), never the raw path. Event streams count, but their
  // duration (the stream's life) is left out of the latency histogram.
  void RequestAnswered(const std::string& route, int status, Duration took);
  // One audited mutation's answer: promotions by outcome, and releases the
  // fence refused (409 "superseded").
  void MutationAnswered(const AuditEntry& entry);

  // The counters, histograms and rollcall_build_info.
  std::string Render() const;

 private:
  MetricsRegistry registry_;
  const std::string build_info_;
  CounterFamily& deploys_;
  HistogramFamily& deploy_seconds_;
  HistogramFamily& settle_seconds_;
  CounterFamily& rollouts_;
  HistogramFamily& rollout_seconds_;
  CounterFamily& stragglers_;
  CounterFamily& fence_refusals_;
  CounterFamily& promotions_;
  CounterFamily& requests_;
  HistogramFamily& request_seconds_;
};

}  // namespace rollcall
