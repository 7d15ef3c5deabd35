#include "drivers/exec_job.h"

#include <fmt/format.h>

#include "core/proof_output.h"

namespace rollcall {
namespace {

// A command's output as shown to operators, marking where it was cut.
std::string OutputTail(const SubprocessResult& result) {
  if (!result.combined_truncated) return result.combined;
  return "[... earlier output dropped]\n" + result.combined;
}

// Why a command did not complete, or "" when it exited (any code).
std::string FailureReason(std::string_view what, const SubprocessResult& result, Duration timeout) {
  if (result.exit_code) return "";
  if (!result.spawn_error.empty()) return fmt::format("{}: {}", what, result.spawn_error);
  if (result.cancelled) return fmt::format("{}: cancelled", what);
  if (result.timed_out) {
    return fmt::format("{} timed out after {}; its process group was killed", what,
                       FormatSeconds(DurationToSeconds(timeout)));
  }
  return fmt::format("{} {}", what, result.Describe(timeout));
}

}  // namespace

DeployOutcome ExecJob::Deploy(const ExecCommands& commands, const ExecContext& context,
                              Duration timeout) {
  DeployOutcome outcome;
  if (commands.deploy.empty()) {
    outcome.error = "exec.deploy: not configured";
    return outcome;
  }
  Result<std::vector<std::string>> argv = SubstituteArgv(commands.deploy, context.placeholders);
  if (!argv.ok()) {
    outcome.error = "exec.deploy: " + argv.status().message();
    return outcome;
  }
  SubprocessResult result = RunCommand(std::move(argv).value(), context, timeout, context.before_deploy_exec);
  outcome.output = OutputTail(result);
  outcome.error = FailureReason("deploy command", result, timeout);
  outcome.timed_out = result.timed_out;
  if (!result.exit_code) return outcome;
  outcome.exit_code = result.exit_code;
  outcome.running_image = RunningImageMarker(result.stdout_text);
  if (*result.exit_code == 0 && outcome.running_image.empty()) {
    ProveWithInspect(commands, context, outcome);
  }
  return outcome;
}

void ExecJob::ProveWithInspect(const ExecCommands& commands, const ExecContext& context,
                               DeployOutcome& outcome) {
  if (commands.inspect.empty()) return;  // no proof; the engine says so
  InspectOutcome inspected = Inspect(commands.inspect, context);
  outcome.running_image = inspected.running_image;
  if (!inspected.error.empty()) {
    if (!outcome.output.empty() && outcome.output.back() != '\n') outcome.output += '\n';
    outcome.output += "[rollcall] " + inspected.error + "\n";
  }
}

InspectOutcome ExecJob::Inspect(const std::vector<std::string>& inspect_template,
                                const ExecContext& context) {
  InspectOutcome outcome;
  if (inspect_template.empty()) {
    outcome.error = "exec.inspect: not configured";
    return outcome;
  }
  Result<std::vector<std::string>> argv = SubstituteArgv(inspect_template, context.placeholders);
  if (!argv.ok()) {
    outcome.error = "exec.inspect: " + argv.status().message();
    return outcome;
  }
  SubprocessResult result = RunCommand(std::move(argv).value(), context, limits_.inspect_timeout);
  outcome.error = FailureReason("inspect command", result, limits_.inspect_timeout);
  if (!outcome.error.empty()) return outcome;
  if (*result.exit_code != 0) {
    std::string detail = LastNonEmptyLine(result.stderr_text);
    outcome.error = fmt::format("inspect command exited with code {}{}{}", *result.exit_code,
                                detail.empty() ? "" : ": ", detail);
    return outcome;
  }
  outcome.running_image = InspectedImage(result.stdout_text);
  if (outcome.running_image.empty()) outcome.error = "inspect command printed no image reference";
  return outcome;
}

SubprocessResult ExecJob::RunCommand(std::vector<std::string> argv, const ExecContext& context,
                                     Duration timeout, std::function<Status(pid_t)> before_exec) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  options.extra_env = context.env;
  options.pass_env = limits_.pass_env;
  options.before_exec = std::move(before_exec);
  options.timeout = timeout;
  options.kill_grace = limits_.kill_grace;
  options.output_limit = limits_.output_limit;
  Subprocess process(std::move(options));
  {
    std::lock_guard lock(mu_);
    if (cancelled_) process.Cancel();  // Run() then returns without starting
    running_ = &process;
  }
  SubprocessResult result = process.Run();
  std::lock_guard lock(mu_);
  running_ = nullptr;
  return result;
}

void ExecJob::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  if (running_) running_->Cancel();
}

bool ExecJob::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

}  // namespace rollcall
