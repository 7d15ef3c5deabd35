#include "drivers/exec_driver.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <system_error>

namespace rollcall {
namespace {

ExecContext DeployContext(const DeployRequest& req) {
  PlaceholderValues builtins = DeployBuiltins(req);
  return ExecContext{WithVars(builtins, req.tenant), BuiltinEnvironment(builtins)};
}

ExecContext InspectContext(const Tenant& tenant) {
  PlaceholderValues builtins{{"slug", tenant.slug}};
  return ExecContext{WithVars(builtins, tenant), BuiltinEnvironment(builtins)};
}

}  // namespace

ExecDriver::~ExecDriver() {
  std::list<Worker> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (Worker& worker : workers) worker.job->Cancel();
  for (Worker& worker : workers) worker.thread.join();
}

CancelFn ExecDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  auto body = [req, done](ExecJob& job) {
    DeployOutcome outcome = job.Deploy(req.tenant.exec, DeployContext(req), req.timeout);
    if (!job.cancelled()) done(std::move(outcome));
  };
  auto no_thread = [&done](std::string why) {
    DeployOutcome outcome;
    outcome.error = std::move(why);
    done(std::move(outcome));
  };
  return StartWorker(std::move(body), no_thread);
}

CancelFn ExecDriver::Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) {
  auto body = [tenant, done](ExecJob& job) {
    InspectOutcome outcome = job.Inspect(tenant.exec.inspect, InspectContext(tenant));
    if (!job.cancelled()) done(std::move(outcome));
  };
  auto no_thread = [&done](std::string why) {
    InspectOutcome outcome;
    outcome.error = std::move(why);
    done(std::move(outcome));
  };
  return StartWorker(std::move(body), no_thread);
}

CancelFn ExecDriver::StartWorker(std::function<void(ExecJob&)> body,
                                 const std::function<void(std::string)>& on_no_thread) {
  auto job = std::make_shared<ExecJob>(limits_);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::string no_thread_reason;
  {
    std::lock_guard lock(mu_);
    JoinFinishedLocked();
    try {
      std::thread thread([job, finished, body = std::move(body)] {
        // `done` belongs to the caller; an exception from it must not
        // terminate the process from a thread nobody waits on.
        try {
          body(*job);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "exec driver: callback threw: %s\n", e.what());
        } catch (...) {
          std::fprintf(stderr, "exec driver: callback threw\n");
        }
        finished->store(true);
      });
      workers_.push_back(Worker{job, finished, std::move(thread)});
    } catch (const std::system_error& e) {
      no_thread_reason = fmt::format("exec driver: cannot start a worker thread: {}", e.what());
    }
  }
  if (!no_thread_reason.empty()) {  // outside the lock: `done` may call us again
    on_no_thread(std::move(no_thread_reason));
    return [] {};
  }
  return [job] { job->Cancel(); };
}

// Joining a finished worker never blocks for long: it only has to return
// from its last statement.
void ExecDriver::JoinFinishedLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->finished->load()) {
      ++it;
      continue;
    }
    it->thread.join();
    it = workers_.erase(it);
  }
}

}  // namespace rollcall
