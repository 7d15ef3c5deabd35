// What one GetCommandInvocation answer means for a tenant (DESIGN §5, issue
// 16). SSM's own verdict drops a command it could not deliver: an
// `Undeliverable` invocation counts neither as success nor as error there.
// Here every terminal status is an outcome, and anything unknown is a
// failure, never a skip. Pure.
//
//   Success                                   -> exit code 0 (its ResponseCode)
//   Failed                                    -> its ResponseCode
//   TimedOut, DeliveryTimedOut, ExecutionTimedOut -> TimedOut
//   Undeliverable, Terminated, Cancelled, InvalidPlatform, AccessDenied,
//   anything else, no status at all           -> Failed, status and details in the error
//   Pending, InProgress, Delayed, Cancelling  -> not over yet
#pragma once

#include <optional>
#include <string>

#include "core/json_reader.h"

namespace rollcall {

struct InvocationVerdict {
  bool terminal = false;
  std::string status;             // what decided it: StatusDetails when specific, else Status
  std::optional<int> exit_code;   // Success and Failed: SSM's ResponseCode
  bool timed_out = false;
  std::string error;              // "" for Success; else says the status and its details
  std::string stdout_text;        // StandardOutputContent (SSM keeps the first 24,000 characters)
  std::string stderr_text;        // StandardErrorContent
};

// `answer`: GetCommandInvocation's JSON (Status, StatusDetails,
// ResponseCode, StandardOutputContent, StandardErrorContent).
InvocationVerdict ReadInvocation(const Json& answer);

// SSM's statuses without spaces ("Delivery Timed Out" -> "DeliveryTimedOut").
std::string NormalizeSsmStatus(std::string status);

}  // namespace rollcall
