// LeaderGatedDriver: the last check before a control plane acts on a tenant
// (DESIGN §9). Every deploy first asks whether this process may still act
// (core/leadership.h: a leader whose lease has not run out by its own
// clock); when it may not, the deploy is never sent and `on_refused` ends
// the leader's term (rollcalld exits, so nothing of that term acts again).
// Inspects change nothing and pass through.
#pragma once

#include <atomic>

#include <functional>
#include <memory>
#include <string>

#include "core/driver.h"

namespace rollcall {

class LeaderGatedDriver : public Driver {
 public:
  // `inner` is borrowed and outlives the gate. `may_act` and `on_refused`
  // are called on the thread that deploys (the engine's loop), and again on
  // whatever thread finally sends (DeployRequest::may_send), which may run
  // after the gate is gone: that call holds copies of them.
  LeaderGatedDriver(Driver& inner, std::function<bool()> may_act,
                    std::function<void(const std::string& why)> on_refused)
      : inner_(inner), may_act_(std::move(may_act)), on_refused_(std::move(on_refused)) {}

  // A refused deploy's `done` never runs: the term it belonged to is over,
  // and the engine with it.
  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override {
    return inner_.Inspect(tenant, std::move(done));
  }

  int refused() const { return refused_->load(); }

 private:
  Driver& inner_;
  const std::function<bool()> may_act_;
  const std::function<void(const std::string&)> on_refused_;
  // Shared with the may_send calls: the loop, and drivers' threads.
  const std::shared_ptr<std::atomic<int>> refused_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace rollcall
