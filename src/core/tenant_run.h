// TenantRun: one tenant's pipeline (DESIGN §3.5).
//
//   deploy through the driver within per_tenant_timeout_s  -> else TimedOut
//   exit code 0                                           -> else Failed
//   poll /healthz every health_interval_s until 2xx or
//   health_timeout_s                                      -> else Unhealthy
//   the reported running image equals the target          -> else OffTarget
//
// Only a tenant that passes all of them is verified_on_target. Lives on the
// clock's loop; not thread-safe. The engine owns it through a shared_ptr so
// late driver callbacks find it gone rather than dangling.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/engine_env.h"
#include "core/types.h"

namespace rollcall {

struct TenantRunParams {
  std::string rollout_id;
  Release release;
  bool rollback = false;
  std::string phase;
  Duration deploy_timeout{0};
  Duration health_timeout{0};
  Duration health_interval{0};
  // The tenant was in flight when the control plane stopped: inspect it
  // first, and when it already runs the target, settle and prove it without
  // deploying again; otherwise deploy.
  bool adopt = false;
};

class TenantRun : public std::enable_shared_from_this<TenantRun> {
 public:
  using Done = std::function<void(TenantResult)>;

  // Starts the pipeline at once. `done` is posted to the loop exactly once
  // with the tenant's final row.
  static std::shared_ptr<TenantRun> Start(EngineEnv& env, TenantRunParams params, Tenant tenant,
                                          Done done);

  // Abandons the pipeline: the driver's work is cancelled and the row is
  // Cancelled with `why`. No-op once finished.
  void Cancel(const std::string& why);

  TenantRun(EngineEnv& env, TenantRunParams params, Tenant tenant, Done done);  // use Start

 private:
  enum class Stage { kInspecting, kDeploying, kSettling, kDone };

  void Begin();
  void OnInspected(InspectOutcome outcome);
  void Inspect();
  void StartDeploy();
  void StartSettling();
  void OnDeployed(DeployOutcome outcome);
  void OnDeployTimeout();
  void ReportTimeout();
  void Probe();
  void OnProbe(uint64_t probe_id, ProbeOutcome outcome);
  void OnSettleTimeout();
  void CheckProof();
  void Finish(TenantStatus status, std::string error);
  void StopPendingWork();

  EngineEnv& env_;
  const TenantRunParams params_;
  const Tenant tenant_;
  const std::string target_image_;
  Done done_;

  Stage stage_ = Stage::kDeploying;
  TenantResult row_;
  TimePoint started_;
  TimePoint settle_deadline_;
  TimePoint probe_started_;
  uint64_t probe_id_ = 0;  // ignores answers to abandoned probes
  std::string last_probe_error_;
  CancelFn cancel_work_;  // the inspect, deploy or probe in flight
  TimerId deadline_timer_ = 0;
  TimerId next_probe_timer_ = 0;
};

}  // namespace rollcall
