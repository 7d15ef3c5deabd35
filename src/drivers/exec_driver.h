// ExecDriver: redeploys a tenant by running its argv templates (DESIGN §5).
//
// The tenant's `exec.deploy` and `exec.inspect` are substituted per argument
// (see argv_template.h; the deploy gets {image} {tag} {git_sha} {slug}
// {release_seq} {rollout_id} and every tenant var, a standalone inspect
// gets {slug} and the vars) and run without a shell, each command in its own
// process group. What counts as proof is described in exec_job.h.
//
// Crash safety: with a ProcessGroupLedger, each deploy's process group is
// recorded before the command starts and cleared once it was reaped. Inspect
// of a tenant whose recorded group still runs (a deploy of a control plane
// that was killed) answers `deploying` instead of running anything, and
// kills the group at the deadline recorded with it (SIGTERM, then SIGKILL
// after the grace), so the engine waits it out and never deploys beside it.
//
// Threading: every Deploy/Inspect runs on its own worker thread and calls
// `done` from it. The returned CancelFn kills the command's process group;
// `done` is then normally not called (it may still run if it was already
// on its way). The destructor cancels everything still running and joins
// every worker; it must not run on a worker (i.e. inside `done`). Deploy and
// Inspect are thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "core/driver.h"
#include "core/process_groups.h"
#include "drivers/exec_job.h"
#include "runtime/worker_threads.h"

namespace rollcall {

class ExecDriver : public Driver {
 public:
  // `ledger` (may be null: nothing recorded) is borrowed and outlives the
  // driver.
  explicit ExecDriver(ExecLimits limits = {}, ProcessGroupLedger* ledger = nullptr)
      : limits_(std::move(limits)), ledger_(ledger) {}

  // req.timeout bounds the deploy command (0 = unbounded); the inspect that
  // may follow is bounded by limits.inspect_timeout.
  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override;

 private:
  // Runs `body` on a new worker thread; returns the job's CancelFn. When no
  // thread can be started, runs `on_no_thread` on the caller instead.
  CancelFn StartWorker(std::function<void(ExecJob&)> body,
                       const std::function<void(std::string)>& on_no_thread);
  // Records `pid`'s group for `req` before the deploy command starts.
  Status RecordGroup(const DeployRequest& req, pid_t pid);
  // A deploy recorded for `slug` that still runs (killing it when its
  // deadline passed), or nullopt when there is none.
  std::optional<std::string> RecordedDeployStillRunning(const std::string& slug);

  const ExecLimits limits_;
  ProcessGroupLedger* const ledger_;
  WorkerThreads workers_{"exec driver"};  // last: joined before the rest goes
};

}  // namespace rollcall
