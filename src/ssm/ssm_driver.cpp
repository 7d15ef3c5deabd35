#include "ssm/ssm_driver.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/argv_template.h"
#include "core/proof_output.h"
#include "core/safe_text.h"
#include "ssm/ssm_status.h"

namespace rollcall {
namespace {

constexpr size_t kOutputTail = 4096;  // of stdout and stderr, for operators

std::string Tail(std::string_view text) {
  return std::string(text.size() > kOutputTail ? text.substr(text.size() - kOutputTail) : text);
}

TimePoint Now() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

}  // namespace

struct SsmDriver::Invocation {
  std::string command_id;
  InvocationVerdict verdict;  // terminal unless `error` is set
  std::string error;          // the command never ran to an SSM status (SendCommand failed, the deadline)
  bool timed_out = false;     // the deadline came first (the command was cancelled)
};

SsmDriver::SsmDriver(SsmApi& api, SsmDriverOptions options) : api_(api), options_(options) {}

SsmDriver::Invocation SsmDriver::Run(const SsmSettings& s, const std::vector<std::string>& commands,
                                     const std::string& comment, TimePoint deadline, Cancellation& c,
                                     std::vector<std::string>& notes) {
  Invocation inv;
  auto note = [&notes](const std::string& line) {
    notes.push_back(line);
    spdlog::info("ssm: {}", EscapeText(line));
  };
  Result<std::string> id = api_.SendCommand(s, commands, comment, deadline, c, note);
  if (!id.ok()) {
    inv.error = "SendCommand: " + id.status().message();
    inv.timed_out = Now() >= deadline;
    return inv;
  }
  inv.command_id = *id;
  Duration poll = options_.first_poll;
  for (;;) {
    if (!c.WaitUntil(std::min(deadline, Now() + poll))) {
      inv.error = "cancelled";
      break;
    }
    if (Now() >= deadline) {
      inv.timed_out = true;
      inv.error = fmt::format("SSM command {} did not end within the deploy's timeout; cancelled", inv.command_id);
      break;
    }
    Result<Json> answer = api_.GetCommandInvocation(inv.command_id, s, deadline, c, note);
    if (answer.ok()) {
      inv.verdict = ReadInvocation(*answer);
      if (inv.verdict.terminal) return inv;
    } else if (answer.status().code() != Status::Code::kNotFound) {  // NotFound: not registered yet
      inv.error = "GetCommandInvocation: " + answer.status().message();
      inv.timed_out = Now() >= deadline;
      if (answer.status().code() == Status::Code::kInvalid) return inv;  // AccessDenied and such: polling will not help
      if (c.cancelled() || inv.timed_out) break;
    }
    poll = std::min(poll * 2, options_.max_poll);
  }
  // Over by the deadline or a cancel: the command must not run on unseen.
  Status cancelled = api_.CancelCommand(inv.command_id, s, Now() + std::chrono::seconds(10));
  if (!cancelled.ok()) inv.error += " (CancelCommand: " + cancelled.message() + ")";
  return inv;
}

std::string SsmDriver::InspectImage(const Tenant& tenant, TimePoint deadline, Cancellation& c, std::string& error) {
  if (tenant.ssm.inspect.empty()) {
    error = "no inspect commands";
    return "";
  }
  Result<std::vector<std::string>> commands =
      SubstituteArgv(tenant.ssm.inspect, WithVars({{"slug", tenant.slug}}, tenant));
  if (!commands.ok()) {
    error = commands.status().message();
    return "";
  }
  std::vector<std::string> notes;
  Invocation inv = Run(tenant.ssm, *commands, "rollcall inspect " + tenant.slug, deadline, c, notes);
  if (!inv.error.empty()) {
    error = "inspect: " + inv.error;
    return "";
  }
  if (inv.verdict.exit_code != 0) {
    error = "inspect: " + (inv.verdict.error.empty() ? fmt::format("exit code {}", inv.verdict.exit_code.value_or(-1))
                                                     : inv.verdict.error);
    return "";
  }
  return InspectedImage(inv.verdict.stdout_text);
}

CancelFn SsmDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  auto c = std::make_shared<Cancellation>();
  auto body = [this, req, done, c]() mutable {
    DeployOutcome out;
    if (req.may_send && !req.may_send()) {  // a worker thread may start late
      out.error = "not sent: refused just before SendCommand";
      done(std::move(out));
      return;
    }
    const TimePoint deadline = Now() + (req.timeout > Duration(0) ? req.timeout : options_.default_timeout);
    Result<std::vector<std::string>> commands =
        SubstituteArgv(req.tenant.ssm.commands, WithVars(DeployBuiltins(req), req.tenant));
    if (!commands.ok()) {
      out.error = commands.status().message();
      done(std::move(out));
      return;
    }
    std::vector<std::string> notes;
    Invocation inv = Run(req.tenant.ssm, *commands, "rollcall " + req.rollout_id + " " + req.tenant.slug, deadline,
                         *c, notes);
    if (c->cancelled()) return;  // the engine gave up on it: no answer
    const InvocationVerdict& v = inv.verdict;
    out.output = Tail(v.stdout_text + (v.stderr_text.empty() ? "" : "\n" + v.stderr_text));
    out.notes = std::move(notes);
    if (!inv.error.empty()) {
      out.error = inv.error;
      out.timed_out = inv.timed_out;
    } else {
      out.exit_code = v.exit_code;
      out.timed_out = v.timed_out;
      out.error = v.error;
      if (out.exit_code == 0) {
        out.running_image = RunningImageMarker(v.stdout_text);
        if (out.running_image.empty() && !req.tenant.ssm.inspect.empty()) {
          std::string why;
          out.running_image = InspectImage(req.tenant, deadline, *c, why);
          if (!why.empty()) out.output += "\nproof: " + why;
        }
      }
    }
    done(std::move(out));
  };
  Status started = workers_.Start(std::move(body), [c] { c->Cancel(); });
  if (!started.ok()) {
    DeployOutcome out;
    out.error = started.message();
    done(std::move(out));
    return [] {};
  }
  return [c] { c->Cancel(); };
}

CancelFn SsmDriver::Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) {
  auto c = std::make_shared<Cancellation>();
  auto body = [this, tenant, done, c] {
    InspectOutcome out;
    out.running_image = InspectImage(tenant, Now() + options_.inspect_timeout, *c, out.error);
    if (!c->cancelled()) done(std::move(out));
  };
  Status started = workers_.Start(std::move(body), [c] { c->Cancel(); });
  if (!started.ok()) {
    InspectOutcome out;
    out.error = started.message();
    done(std::move(out));
    return [] {};
  }
  return [c] { c->Cancel(); };
}

}  // namespace rollcall
