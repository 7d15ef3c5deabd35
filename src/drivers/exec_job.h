// ExecJob: one deploy or inspect through argv templates, run synchronously
// on the calling thread and cancellable from any other. Shared by the exec
// driver (a worker thread per job) and rollcall-agent (an HTTP handler).
//
// Deploy: substitute and run the deploy command (exit 0 = deployed). The
// proof is the last stdout line `ROLLCALL_RUNNING_IMAGE=<image>` (or
// `REDEPLOY_RUNNING_IMAGE=<image>`); without one, after exit 0, the inspect
// command's output; without either, running_image stays empty.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/driver.h"
#include "core/types.h"
#include "drivers/argv_template.h"
#include "runtime/subprocess.h"

namespace rollcall {

struct ExecLimits {
  Duration inspect_timeout = std::chrono::seconds(60);
  Duration kill_grace = std::chrono::seconds(5);  // SIGTERM -> SIGKILL
  size_t output_limit = kDefaultOutputLimit;      // bytes of output kept per command
};

// What a command sees: its placeholder values and extra environment.
struct ExecContext {
  PlaceholderValues placeholders;
  std::map<std::string, std::string> env;
};

// The image named by the last running-image marker line; empty if none.
std::string RunningImageMarker(std::string_view stdout_text);
// The last non-empty line, trimmed of surrounding whitespace; "" if none.
std::string LastNonEmptyLine(std::string_view text);
// What an inspect command's stdout proves: a marker line if any, else the
// last non-empty line.
std::string InspectedImage(std::string_view stdout_text);

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
                              Duration timeout);
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
