// TenantRun: one tenant's pipeline (DESIGN §3.5).
//
//   take the tenant's lease (one deploy per tenant across all rollouts)
//   deploy through the driver within per_tenant_timeout_s  -> else TimedOut
//   exit code 0                                           -> else Failed
//   poll /healthz every health_interval_s until 2xx or
//   health_timeout_s                                      -> else Unhealthy
//   read the running image fresh through the driver; it
//   equals the target                                     -> else OffTarget
//
// Only a tenant that passes all of them is verified_on_target. A run that
// had to wait for the lease, or adopts a tenant after a restart, inspects
// first: a tenant another deploy already put on the target is proven without
// a second deploy, one still deploying (an agent's `deploying`, a recorded
// exec process group) is waited out. Lives on the clock's loop; not
// thread-safe. The engine owns it through a shared_ptr so late driver
// callbacks find it gone rather than dangling.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/engine_env.h"
#include "core/tenant_leases.h"
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
  // Shared by every run of the service; required.
  std::shared_ptr<TenantLeases> leases{};
  // When its rollout began: a tenant another run let go of since then is
  // inspected before it is deployed (it may be on target already).
  TimePoint rollout_began{};
  // How long a run waits for a tenant another run holds, before it ends
  // TimedOut. Zero: deploy_timeout + health_timeout + proof_timeout and a
  // minute (what the holder may legitimately take, and its driver to let go).
  Duration lease_wait{0};
  // How long the fresh read of the running image may take after the health
  // gate; then the deploy's own answer stands (the lease guarantees nothing
  // else deployed the tenant meanwhile).
  Duration proof_timeout{std::chrono::seconds(30)};
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
  // A run still waiting for its tenant's lease has not started: it ends
  // Skipped with `why` (its rollout halted or was superseded) and true;
  // false (no-op) once it holds the tenant.
  bool SkipIfWaiting(const std::string& why);

  TenantRun(EngineEnv& env, TenantRunParams params, Tenant tenant, Done done);  // use Start

 private:
  enum class Stage { kWaitingForLease, kInspecting, kDeploying, kSettling, kProving, kDone };

  void Begin();
  void OnLeaseGranted(std::shared_ptr<TenantLeases::Hold> hold);
  void OnLeaseWaitTimeout();
  void Inspect();
  void InspectAgainSoon();
  void OnInspected(InspectOutcome outcome);
  void StartDeploy();
  void OnDeployed(DeployOutcome outcome);
  void OnDeployTimeout();
  void ReportTimeout();
  void StartSettling();
  void Probe();
  void OnProbe(uint64_t probe_id, ProbeOutcome outcome);
  void OnSettleTimeout();
  void Prove();
  void OnProof(InspectOutcome outcome);
  void CheckProof();
  void Finish(TenantStatus status, std::string error);
  void StopPendingWork();

  EngineEnv& env_;
  const TenantRunParams params_;
  const Tenant tenant_;
  const std::string target_image_;
  Done done_;

  Stage stage_ = Stage::kWaitingForLease;
  TenantResult row_;
  TimePoint started_;          // the run began (waiting for the lease included)
  TimePoint deploy_deadline_;  // inspect and deploy end by then
  TimePoint settle_deadline_;
  TimePoint probe_started_;
  TimePoint deploy_sent_;      // for RolloutMetrics
  std::optional<TimePoint> deploy_answered_;  // set once this run's deploy answered
  uint64_t probe_id_ = 0;  // ignores answers to abandoned probes
  std::string last_probe_error_;
  bool waited_ = false;    // the lease was held by another run
  std::string still_deploying_;  // what an inspect last said was still running
  std::shared_ptr<TenantLeases::Hold> hold_;
  uint64_t lease_ticket_ = 0;
  // The proof the deploy (or the adopting inspect) gave, and when.
  std::string answered_image_;
  int64_t answered_at_ms_ = 0;
  CancelFn cancel_work_;  // the inspect, deploy or probe in flight
  TimerId deadline_timer_ = 0;
  TimerId next_timer_ = 0;  // the next probe or inspect
};

}  // namespace rollcall
