// SsmDriver: deploys a tenant through AWS Systems Manager Run Command, with
// no agent on its host (DESIGN §5, issue 16).
//
//   deploy  SendCommand(document, the tenant's commands with placeholders
//           substituted), then GetCommandInvocation every poll interval
//           (growing) until a terminal status or per_tenant_timeout_s; at
//           the timeout CancelCommand, and the tenant is TimedOut.
//           The status decides the row (ssm_status.h): nothing is dropped.
//   proof   the ROLLCALL_RUNNING_IMAGE= / REDEPLOY_RUNNING_IMAGE= line of the
//           command's output (its last one: SSM keeps the first 24,000
//           characters, so a long output may have lost it), else the
//           tenant's inspect commands run as a second invocation (their
//           marker or last line), else none: OffTarget.
//   inspect the inspect commands as an invocation of their own.
//
// Each operation runs on a worker thread of its own (they block on SSM for
// minutes); a cancel ends its waits at once. Thread-safe.
#pragma once

#include <memory>

#include "core/driver.h"
#include "runtime/worker_threads.h"
#include "ssm/ssm_api.h"

namespace rollcall {

struct SsmDriverOptions {
  Duration first_poll = std::chrono::seconds(1);  // after SendCommand
  Duration max_poll = std::chrono::seconds(5);    // the interval grows to this
  Duration default_timeout = std::chrono::minutes(5);  // when a request carries none
  Duration inspect_timeout = std::chrono::seconds(60);
};

class SsmDriver : public Driver {
 public:
  // `api` outlives the driver.
  SsmDriver(SsmApi& api, SsmDriverOptions options = {});

  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override;

 private:
  struct Invocation;
  // Sends `commands` and waits for their end, until `deadline` (then
  // cancels the command). `notes` gathers what SSM made it wait for.
  Invocation Run(const SsmSettings& s, const std::vector<std::string>& commands, const std::string& comment,
                 TimePoint deadline, Cancellation& c, std::vector<std::string>& notes);
  // The inspect commands' proof, or "" with `error` set.
  std::string InspectImage(const Tenant& tenant, TimePoint deadline, Cancellation& c, std::string& error);

  SsmApi& api_;
  const SsmDriverOptions options_;
  WorkerThreads workers_{"ssm driver"};
};

}  // namespace rollcall
