// The environment a rollout runs in: everything outside the pure core
// reaches it through these borrowed interfaces, which outlive the engine.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/driver.h"
#include "core/events.h"
#include "core/prober.h"
#include "core/rollout_metrics.h"
#include "core/store.h"
#include "core/time.h"

namespace rollcall {

struct EngineEnv {
  Clock& clock;
  Driver& driver;
  Prober& prober;
  Store& store;
  EventSink& sink;
  std::string image_repo;  // the server's; a tenant's image_repo overrides it
  // How long a turn's ledger writes wait for those of the turns after it
  // before they commit together (0: at the end of the turn). On a networked
  // store a few milliseconds turn many small commits into few; each deploy
  // still starts only after its in-flight mark is committed.
  Duration commit_linger{};
  // Told of deploy timings and outcomes (Prometheus); nullptr: nobody.
  RolloutMetrics* metrics = nullptr;
};

// Wraps a member-function callback so that it runs on the clock's loop and
// only while `owner` is alive: the shape every driver and probe completion
// takes inside the engine.
template <typename Owner, typename Arg, typename Method>
std::function<void(Arg)> OnLoop(Clock& clock, const std::shared_ptr<Owner>& owner, Method method) {
  return [&clock, weak = std::weak_ptr<Owner>(owner), method](Arg arg) {
    clock.Post([weak, method, arg = std::move(arg)]() mutable {
      if (auto self = weak.lock()) std::invoke(method, *self, std::move(arg));
    });
  };
}

}  // namespace rollcall
