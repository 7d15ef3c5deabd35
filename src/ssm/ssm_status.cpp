#include "ssm/ssm_status.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/safe_text.h"

namespace rollcall {
namespace {

std::string Text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string NormalizeSsmStatus(std::string status) {
  std::erase(status, ' ');
  if (status == "Canceled") status = "Cancelled";
  return status;
}

InvocationVerdict ReadInvocation(const Json& answer) {
  static const std::set<std::string> kRunning = {"Pending", "InProgress", "Delayed", "Cancelling"};
  static const std::set<std::string> kTimedOut = {"TimedOut", "DeliveryTimedOut", "ExecutionTimedOut"};
  // StatusDetails that say more than Status does ("Failed" / "Undeliverable").
  static const std::set<std::string> kSpecific = {"DeliveryTimedOut", "ExecutionTimedOut", "Undeliverable",
                                                  "Terminated", "InvalidPlatform", "AccessDenied"};
  InvocationVerdict v;
  if (!answer.is_object()) {
    v.terminal = true;
    v.error = "SSM answered something that is not an invocation";
    return v;
  }
  const std::string status = NormalizeSsmStatus(Text(answer, "Status"));
  const std::string details = NormalizeSsmStatus(Text(answer, "StatusDetails"));
  v.status = kSpecific.count(details) ? details : status;
  v.stdout_text = Text(answer, "StandardOutputContent");
  v.stderr_text = Text(answer, "StandardErrorContent");
  if (kRunning.count(v.status) && !kSpecific.count(details)) return v;  // not over yet
  v.terminal = true;
  std::optional<int> code;
  auto rc = answer.find("ResponseCode");
  if (rc != answer.end() && rc->is_number_integer() && rc->get<int64_t>() >= 0) code = rc->get<int>();
  const std::string said = EscapeText(Text(answer, "StatusDetails"));
  if (v.status == "Success") {
    v.exit_code = code.value_or(0);
  } else if (v.status == "Failed" && code) {
    v.exit_code = code;
  } else if (kTimedOut.count(v.status)) {
    v.timed_out = true;
    v.error = fmt::format("SSM {}: the command did not finish{}", v.status, said.empty() ? "" : " (" + said + ")");
  } else if (v.status.empty()) {
    v.error = "SSM gave the invocation no status";
  } else {
    v.error = fmt::format("SSM {}{}", EscapeText(v.status), said.empty() || said == v.status ? "" : ": " + said);
  }
  return v;
}

}  // namespace rollcall
