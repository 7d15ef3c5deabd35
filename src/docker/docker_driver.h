// DockerDriver: the docker driver for rollcalld (DESIGN §5). Each tenant's
// `docker` settings name an Engine API it can reach (a unix socket, or
// TCP with TLS) and the container to swap; the swap is ContainerSwap, run
// on a worker thread, with the tenant's `<base_url>/healthz` as its health
// gate. Pulls carry the registry credentials the driver was given.
//
// The forward path of a swap gets the deploy's timeout less a reserve for
// the undo, so a tenant that never turns healthy is put back on its old
// image and reported "rolled back to <old image>" before the engine's own
// timer fires. Inspect undoes a swap a crash interrupted (ContainerSwap),
// except on a tenant this driver is swapping right now: that one answers
// `deploying`.
//
// Threading: as ExecDriver — `done` runs on the worker; a cancelled deploy
// still undoes its swap, and its `done` is destroyed only then (the engine
// keeps the tenant leased until that). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/driver.h"
#include "docker/container_swap.h"
#include "docker/engine.h"
#include "runtime/worker_threads.h"

namespace rollcall {

struct DockerDriverOptions {
  std::string registry_username;  // pulls are anonymous when empty
  std::string registry_password;  // never logged
  Duration call_timeout = std::chrono::seconds(30);  // every engine call but a pull
  Duration default_timeout = std::chrono::seconds(300);  // a deploy without one
  Duration health_interval = std::chrono::milliseconds(500);
  // GET <url> bounded by the timeout; 2xx is healthy (tests substitute one).
  std::function<HealthAnswer(const std::string& url, Duration timeout)> probe{};  // empty: ProbeHealthUrl
};

// Makes the engine client for a tenant's settings (tests substitute one).
using EngineFactory = std::function<std::unique_ptr<DockerEngine>(const DockerSettings&, Duration call_timeout)>;
std::unique_ptr<DockerEngine> MakeCurlEngine(const DockerSettings& settings, Duration call_timeout);

// The tenant's templates with {slug} and its vars substituted; Invalid when
// a name comes out outside Docker's grammar (a var with a space, say).
Result<SwapTarget> SwapTargetFor(const Tenant& tenant);

// How long the forward path of a swap may take within a deploy timeout: the
// rest is the undo's reserve (a fifth, between 2 s and 30 s).
Duration ForwardBudget(Duration timeout);

// GET <url> with a bounded timeout; 2xx is healthy.
HealthAnswer ProbeHealthUrl(const std::string& url, Duration timeout);

class DockerDriver : public Driver {
 public:
  explicit DockerDriver(DockerDriverOptions options, EngineFactory factory = MakeCurlEngine);

  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override;

 private:
  // Marks `slug` as being swapped; false when it already is.
  bool BeginSwap(const std::string& slug);
  void EndSwap(const std::string& slug);
  bool Swapping(const std::string& slug) const;
  // Held by whichever worker talks to the tenant's containers, so an
  // inspect's undo never runs beside a swap.
  std::shared_ptr<std::mutex> TenantLock(const std::string& slug);

  const DockerDriverOptions options_;
  const EngineFactory factory_;
  mutable std::mutex mu_;
  std::set<std::string> swapping_;  // guarded by mu_
  std::map<std::string, std::shared_ptr<std::mutex>> tenant_locks_;  // guarded by mu_
  WorkerThreads workers_{"docker driver"};  // last: joined before the rest goes
};

}  // namespace rollcall
