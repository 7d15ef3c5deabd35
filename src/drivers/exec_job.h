// ExecJob: one deploy or inspect through argv templates, run synchronously
// on the calling thread and cancellable from any other. Shared by the exec
// driver (a worker thread per job) and rollcall-agent (an HTTP handler).
//
// Deploy: substitute and run the deploy command (exit 0 = deployed). The
// proof is what core/proof_output.h reads from its stdout; without one,
// after exit 0, the inspect command's output; without either, running_image
// stays empty.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/driver.h"
#include "core/types.h"
#include "core/argv_template.h"
#include "runtime/subprocess.h"

namespace rollcall {

struct ExecLimits {
  Duration inspect_timeout = std::chrono::seconds(60);
  Duration kill_grace = std::chrono::seconds(5);  // SIGTERM -> SIGKILL
  size_t output_limit = kDefaultOutputLimit;      // bytes of output kept per command
  // Variables a command inherits besides kInheritedEnvironment (spawn.h),
  // e.g. DOCKER_HOST: the environment is clean otherwise.
  std::vector<std::string> pass_env{};
};

// What a command sees: its placeholder values and extra environment.
struct ExecContext {
  PlaceholderValues placeholders;
  std::map<std::string, std::string> env;
  // Runs once the deploy command's process exists, before it starts (see
  // SubprocessOptions::before_exec): where its process group is recorded.
  std::function<Status(pid_t)> before_deploy_exec{};
};

// Thread-safety: Deploy/Inspect on one thread (one at a time); Cancel from
// any thread, at any time. After Cancel, no new command starts and the
// running one's process group is killed.
class ExecJob {
 public:
  explicit ExecJob(ExecLimits limits = {}) : limits_(limits) {}
  ExecJob(const ExecJob&) = delete;
  ExecJob& operator=(const ExecJob&) = delete;

  // Never throws for process errors. exit_code absent and error set on a
  // template error, spawn failure, timeout, signal or cancel. A zero
  // `timeout` means no deadline.
  DeployOutcome Deploy(const ExecCommands& commands, const ExecContext& context, Duration timeout);
  // Runs the inspect template; error set when it is missing or fails.
  InspectOutcome Inspect(const std::vector<std::string>& inspect_template,
                         const ExecContext& context);

  void Cancel();
  bool cancelled() const;

 private:
  // Runs one command unless cancelled; the running one is what Cancel kills.
  SubprocessResult RunCommand(std::vector<std::string> argv, const ExecContext& context,
                              Duration timeout, std::function<Status(pid_t)> before_exec = {});
  // Inspect after a deploy that printed no marker: the proof, or "" with a
  // note appended to `outcome.output`.
  void ProveWithInspect(const ExecCommands& commands, const ExecContext& context,
                        DeployOutcome& outcome);

  const ExecLimits limits_;
  mutable std::mutex mu_;
  bool cancelled_ = false;         // guarded by mu_
  Subprocess* running_ = nullptr;  // guarded by mu_; lives on RunCommand's stack
};

}  // namespace rollcall
