// ExecDriver: redeploys a tenant by running its argv templates (DESIGN §5).
//
// The tenant's `exec.deploy` and `exec.inspect` are substituted per argument
// (see argv_template.h; the deploy gets {image} {tag} {git_sha} {slug}
// {release_seq} {rollout_id} and every tenant var, a standalone inspect
// gets {slug} and the vars) and run without a shell, each command in its own
// process group. What counts as proof is described in exec_job.h.
//
// Threading: every Deploy/Inspect runs on its own worker thread and calls
// `done` from it. The returned CancelFn kills the command's process group;
// `done` is then normally not called (it may still run if it was already
// on its way). The destructor cancels everything still running and joins
// every worker; it must not run on a worker (i.e. inside `done`). Deploy and
// Inspect are thread-safe.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "core/driver.h"
#include "drivers/exec_job.h"

namespace rollcall {

class ExecDriver : public Driver {
 public:
  explicit ExecDriver(ExecLimits limits = {}) : limits_(limits) {}
  ~ExecDriver() override;

  // req.timeout bounds the deploy command (0 = unbounded); the inspect that
  // may follow is bounded by limits.inspect_timeout.
  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override;

 private:
  struct Worker {
    std::shared_ptr<ExecJob> job;
    std::shared_ptr<std::atomic<bool>> finished;
    std::thread thread;
  };

  // Runs `body` on a new worker thread; returns the job's CancelFn. When no
  // thread can be started, runs `on_no_thread` on the caller instead.
  CancelFn StartWorker(std::function<void(ExecJob&)> body,
                       const std::function<void(std::string)>& on_no_thread);
  void JoinFinishedLocked();

  const ExecLimits limits_;
  mutable std::mutex mu_;
  std::list<Worker> workers_;  // guarded by mu_
};

}  // namespace rollcall
