// FleetKeeper: what the control plane does with the drift watch's looks
// (DESIGN §10), on the engine loop.
//
//   - Every transition is recorded: the tenant's status in the ledger (so
//     "since when" survives a restart), a `drift` event on the fleet's
//     stream and an audit entry. A first look that finds a tenant on target
//     is the normal case and is not recorded.
//   - A quarantined tenant observed on target and healthy leaves quarantine,
//     with a `quarantine` event and an audit entry.
//   - With automatic recovery on: each tenant a recovery may touch gets an
//     attempt as soon as it is seen, then after a per-tenant backoff (base
//     doubling to a cap) each time an attempt leaves it behind; at most
//     `parallel` tenants recover at once; nothing starts while the fleet is
//     frozen or a rollout runs (its tenants are not drift yet); a cordoned,
//     ahead or fenced tenant is never touched (core/recovery.h). Each
//     attempt is an audited recovery rollout under the same coverage proof.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/drift.h"
#include "core/engine_env.h"
#include "core/fleet_log.h"
#include "core/rollout_service.h"

namespace rollcall {

struct AutoRecoveryConfig {
  bool enabled = false;
  Duration backoff = std::chrono::minutes(1);  // after the first failed attempt; doubles
  Duration max_backoff = std::chrono::hours(1);
  int parallel = 4;  // tenants recovering at once
};

class FleetKeeper : public std::enable_shared_from_this<FleetKeeper> {
 public:
  using Observed = std::function<std::map<std::string, DriftStatus>()>;  // the watch's snapshot

  // `env` and `service` are borrowed and outlive the keeper.
  static std::shared_ptr<FleetKeeper> Create(EngineEnv& env, RolloutService& service,
                                             AutoRecoveryConfig config, Observed observed);

  // The drift watch's OnLook. Loop.
  void OnLook(const Tenant& t, const DriftStatus& before, const DriftStatus& after, bool changed);
  // After every rollout ends. Loop.
  void OnRolloutFinished(const Rollout& r);

  FleetKeeper(EngineEnv& env, RolloutService& service, AutoRecoveryConfig config,
              Observed observed);  // use Create

 private:
  struct Candidate {
    int failed = 0;            // attempts that left it behind
    TimePoint next_at{};       // not before
    std::string rollout_id;    // the attempt running now ("" = none)
  };

  size_t recovering() const;  // tenants an automatic recovery runs for now
  void RecordTransition(const Tenant& t, const DriftStatus& before, const DriftStatus& after);
  void LeaveQuarantine(const std::string& slug);
  void Pump();
  void WakeAt(TimePoint when);

  EngineEnv& env_;
  RolloutService& service_;
  const AutoRecoveryConfig config_;
  const Observed observed_;
  std::map<std::string, Candidate> candidates_;  // tenants left behind
  std::map<std::string, std::set<std::string>> running_;  // recovery rollout id -> its tenants
  TimerId wake_timer_ = 0;
  TimePoint wake_at_{};
};

}  // namespace rollcall
