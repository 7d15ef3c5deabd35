// RolloutMetrics: what the engine tells a metrics backend as it happens —
// the tenant pipeline's timings and outcomes, and each rollout's end. The
// server implements it with Prometheus counters and histograms
// (server/rollcall_metrics.h); the engine never waits for it. Every call
// comes from the engine's loop.
#pragma once

#include "core/time.h"
#include "core/types.h"

namespace rollcall {

class RolloutMetrics {
 public:
  RolloutMetrics() = default;
  RolloutMetrics(const RolloutMetrics&) = delete;
  RolloutMetrics& operator=(const RolloutMetrics&) = delete;
  virtual ~RolloutMetrics() = default;

  // The driver answered a deploy `took` after it was sent (any exit code).
  virtual void DeployAnswered(Duration took) = 0;
  // A deployed tenant's /healthz answered 2xx `took` after the deploy did.
  virtual void HealthSettled(Duration took) = 0;
  // A tenant's final row in a rollout that is not a dry run.
  virtual void TenantFinished(const TenantResult& row) = 0;
  // A tenant was not deployed because it runs a newer release (fencing).
  virtual void FenceRefused() = 0;
  // A rollout's final state was persisted; `rollout` carries its rows.
  virtual void RolloutFinished(const Rollout& rollout) = 0;
};

}  // namespace rollcall
