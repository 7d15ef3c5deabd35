// Driver: how a tenant is redeployed and how its running image is read.
//
// Implementations (agent over HTTP, exec of argv templates, the fakes in
// src/testing) start work and report its outcome through a callback, which
// may run on any thread; the engine re-posts it onto its loop. Cancelling
// abandons the work (an exec driver kills the process group); after a
// cancel the callback may still run and is ignored. A driver destroys a
// deploy's callback only once it no longer acts on the tenant (an exec
// driver: once the process group was reaped): the engine keeps the tenant
// leased until then.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/time.h"
#include "core/types.h"

namespace rollcall {

// Abandons an operation in flight. Idempotent; may be empty.
using CancelFn = std::function<void()>;

struct DeployRequest {
  std::string rollout_id;
  Tenant tenant;
  Release release;
  std::string image;  // the target image, "<repo>:<tag>"
  bool rollback = false;
  Duration timeout{0};  // the engine also enforces it; drivers use it to bound I/O
  // Asked by the driver at the last moment before the deploy leaves this
  // process (an HTTP request connected and about to be written, a command
  // about to be spawned), on whatever thread does that; false: nothing is
  // sent. A paused leader's deploy is refused here when it resumes, not
  // delivered after another controller took over. Empty: always send.
  std::function<bool()> may_send{};
};

struct DeployOutcome {
  // The deploy's exit code; absent when it never completed (transport error,
  // killed, refused).
  std::optional<int> exit_code;
  // The image the tenant reports running after the deploy: the proof. Empty
  // when the driver got none.
  std::string running_image;
  std::string output;  // bounded tail of the deploy's output, for operators
  std::string error;   // why the deploy did not complete; empty otherwise
  // The tenant refused because it is busy with another deploy (an agent's
  // 409). After a control-plane restart the engine then waits for that
  // deploy to end instead of failing the tenant.
  bool busy = false;
  // The driver's own deadline (req.timeout) expired, or the remote end timed
  // the deploy out: the engine reports TimedOut whichever timer fired
  // first, with `error` when the driver says more than the deadline.
  bool timed_out = false;
  // What the driver had to wait out on the way (throttling retries), for the
  // tenant's events.
  std::vector<std::string> notes{};
};

struct InspectOutcome {
  std::string running_image;  // empty when unknown
  std::optional<int64_t> release_seq;
  std::string error;
  // A deploy is still running on the tenant (an agent's `deploying`, an exec
  // process group recorded before a restart): what it is, for messages. The
  // engine waits for it to end before it deploys or proves anything.
  bool deploying = false;
  std::string deploying_detail{};
};

class Driver {
 public:
  Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  virtual ~Driver() = default;

  // Starts redeploying req.tenant to req.image. `done` runs exactly once
  // unless the returned CancelFn is called first.
  virtual CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) = 0;

  // Reads what the tenant runs now, without changing it.
  virtual CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) = 0;
};

}  // namespace rollcall
