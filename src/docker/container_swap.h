// ContainerSwap: redeploys one tenant's container on a new image through the
// Engine API, and puts the old one back when the new one does not prove
// itself (DESIGN §5, the docker driver).
//
//   1. find the container (by name, or the one container carrying a label);
//      a container or volume in `keep` is never stopped, renamed or removed
//   2. pull the image — a failed pull changes nothing
//   3. rename the old container aside to "<name>-rollcall-previous", stop it
//   4. create the new container under the old name with the old one's
//      configuration (recreate_spec.h) and the new image; connect networks
//   5. start it, and gate: it keeps running, its HEALTHCHECK (if any) says
//      healthy and the health probe answers 2xx, before the deadline
//   6. success: remove the old container (never its volumes); the proof is
//      the engine's Config.Image of the running container, when its image id
//      is the one the image reference resolves to now
//   on a failure at 4-5, a cancel or the deadline: remove the new container,
//   start the old one and rename it back — "rolled back to <old image>".
//
// Crash safety: the aside name is the only record. Whoever finds a
// "<name>-rollcall-previous" (the next Deploy or Inspect, after a crash of
// the deployer at any step) undoes the swap the same way: the new container
// never proved itself. Each step of the undo is idempotent, so a crash
// during the undo is undone again. A completed swap leaves no aside.
//
// Thread-safety: Deploy/Inspect on one thread, one at a time; Cancel from
// any thread. Blocking; every engine call is bounded.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/driver.h"
#include "docker/engine.h"

namespace rollcall {

inline constexpr std::string_view kAsideSuffix = "-rollcall-previous";

// Substituted settings: names, not templates.
struct SwapTarget {
  std::string container;     // the name; or empty, and
  std::string select_label;  // "k=v" marking exactly one container
  std::vector<std::string> keep;
  int64_t stop_grace_s = 10;
};

struct HealthAnswer {
  bool healthy = false;
  std::string detail;  // why not, for the row's error
};
// Asks the tenant whether it serves (its /healthz); bounded by `timeout`.
using HealthProbe = std::function<HealthAnswer(Duration timeout)>;

struct SwapRequest {
  SwapTarget target;
  std::string image;          // "<repo>:<tag>"
  std::string registry_auth;  // X-Registry-Auth, "" for anonymous pulls
  // The forward path (pull .. gate) ends by then; an undo runs past it.
  std::chrono::steady_clock::time_point deadline{};
  HealthProbe health{};  // optional: besides the container's own state
  Duration health_interval = std::chrono::milliseconds(500);
  // How long the gate may take once the new container started; zero: until
  // the deadline.
  Duration health_timeout{0};
};

class ContainerSwap {
 public:
  explicit ContainerSwap(DockerEngine& engine) : engine_(engine) {}
  ContainerSwap(const ContainerSwap&) = delete;
  ContainerSwap& operator=(const ContainerSwap&) = delete;

  // exit_code 0 with the proof on success; 1 with the error (ending in
  // "rolled back to <old image>" when the old container runs again) on
  // failure; absent when the engine could not be asked at all.
  DeployOutcome Deploy(const SwapRequest& req);
  // Undoes an interrupted swap, then reads the running image.
  InspectOutcome Inspect(const SwapTarget& target);

  // The forward path stops at its next step and undoes; an undo completes.
  void Cancel();
  bool cancelled() const;

 private:
  // The container's name; NotFound when there is none, Invalid when `keep`
  // names it or the label marks several.
  Result<std::string> Locate(const SwapTarget& target);
  // Undoes a swap that left "<name>-rollcall-previous": removes `name` when
  // it is a container nobody proved (any id when `new_id` is empty),
  // starts the old one (a stop under way gets `grace_s`) and renames it back. Ok (and `restored` false) when
  // there is nothing aside.
  Status Undo(const std::string& name, const std::string& new_id, int64_t grace_s, bool& restored);
  // Starts the old container again, whatever state a killed swap left it
  // in (running, stopping, stopped).
  Status Restart(const std::string& aside, int64_t grace_s);
  // Step 5: Ok once healthy; the reason otherwise.
  Status Gate(const std::string& name, const SwapRequest& req);
  // The proof: Config.Image when the running container's image id is what
  // `image` resolves to; "" and `why` otherwise.
  std::string Proof(const std::string& name, const std::string& image, std::string& why);
  // Waits `d` or until cancelled; false when cancelled.
  bool WaitFor(Duration d);

  DockerEngine& engine_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;  // guarded by mu_
};

// The image a container was created from (Config.Image), "" when unknown.
std::string ConfiguredImage(const Json& container);

}  // namespace rollcall
