#include "drivers/exec_driver.h"

#include "runtime/process_info.h"

#include <fmt/format.h>
#include <signal.h>

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

CancelFn ExecDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  auto body = [this, req, done](ExecJob& job) mutable {
    if (req.may_send && !req.may_send()) {  // a worker thread may start late
      DeployOutcome refused;
      refused.error = "not started: refused just before spawning the deploy command";
      done(std::move(refused));
      return;
    }
    ExecContext context = DeployContext(req);
    pid_t recorded = 0;
    if (ledger_) {
      context.before_deploy_exec = [this, &req, &recorded](pid_t pid) {
        Status s = RecordGroup(req, pid);
        if (s.ok()) recorded = pid;
        return s;
      };
    }
    DeployOutcome outcome = job.Deploy(req.tenant.exec, context, req.timeout);
    // Run() returned: the group was killed and the program reaped.
    if (recorded != 0) ledger_->ClearProcessGroup(req.tenant.slug, recorded).IgnoreError();
    if (!job.cancelled()) done(std::move(outcome));
    done = nullptr;  // the engine's lease on the tenant goes with it, only now
  };
  auto no_thread = [&done](std::string why) {
    DeployOutcome outcome;
    outcome.error = std::move(why);
    done(std::move(outcome));
  };
  return StartWorker(std::move(body), no_thread);
}

CancelFn ExecDriver::Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) {
  auto body = [this, tenant, done](ExecJob& job) {
    InspectOutcome outcome;
    if (std::optional<std::string> running = RecordedDeployStillRunning(tenant.slug)) {
      outcome.deploying = true;
      outcome.deploying_detail = *running;
    } else {
      outcome = job.Inspect(tenant.exec.inspect, InspectContext(tenant));
    }
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
  Status started = workers_.Start([job, body = std::move(body)] { body(*job); }, [job] { job->Cancel(); });
  if (!started.ok()) {
    on_no_thread(started.message());
    return [] {};
  }
  return [job] { job->Cancel(); };
}

Status ExecDriver::RecordGroup(const DeployRequest& req, pid_t pid) {
  std::optional<ProcStat> stat = ReadProcStat(pid);
  const auto now = std::chrono::system_clock::now();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  ProcessGroupRecord record{req.tenant.slug,
                            req.rollout_id,
                            pid,
                            stat ? stat->start_ticks : 0,
                            BootId(),
                            now_ms + DurationToMillis(req.timeout)};
  Status s = ledger_->RecordProcessGroup(record);
  if (!s.ok()) return s.Prefixed("exec driver: cannot record the deploy's process group: ");
  return s;
}

std::optional<std::string> ExecDriver::RecordedDeployStillRunning(const std::string& slug) {
  if (!ledger_) return std::nullopt;
  Result<std::optional<ProcessGroupRecord>> found = ledger_->ProcessGroupOf(slug);
  if (!found.ok() || !*found) return std::nullopt;
  const ProcessGroupRecord& r = **found;
  const pid_t pgid = static_cast<pid_t>(r.pgid);
  // Ours only in the same boot, while the leader (if alive) is the process
  // we started; a group id is never reused while any member lives.
  std::optional<ProcStat> leader = ReadProcStat(pgid);
  const bool same_leader = !leader || leader->pgrp != pgid || leader->start_ticks == r.leader_start_ticks;
  if (r.boot_id != BootId() || !same_leader || LiveProcessesInGroup(pgid).empty()) {
    ledger_->ClearProcessGroup(slug, r.pgid).IgnoreError();
    return std::nullopt;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  if (now_ms >= r.deadline_ms) {
    ::kill(-pgid, now_ms >= r.deadline_ms + DurationToMillis(limits_.kill_grace) ? SIGKILL : SIGTERM);
  }
  return fmt::format("the exec deploy of rollout {} (process group {}, from before a restart)", r.rollout_id,
                     r.pgid);
}

}  // namespace rollcall
