// DriftWatch: re-observes every active tenant once per interval (DESIGN
// §10) and keeps each one's drift status (core/drift.h). Level-triggered:
// each round judges what runs now against the desired release of now.
//
// A round lists the active tenants and spreads their looks evenly over the
// interval; at most `max_in_flight` looks run at once (a late one waits for
// a free slot). A look is the driver's inspect, GET /buildinfo and GET
// /healthz, at most one of each per tenant per interval, and a look that
// has not finished within `look_timeout` counts what answered by then. A
// tenant whose lease a rollout holds is not looked at (the rollout's own
// work is not drift). The watch never deploys anything.
//
// Runs on the clock's loop; Snapshot() is thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/drift.h"
#include "core/engine_env.h"
#include "core/tenant_leases.h"

namespace rollcall {

struct DriftWatchConfig {
  Duration interval = std::chrono::seconds(60);
  int max_in_flight = 64;
  Duration look_timeout = std::chrono::seconds(10);
  // Looks that fall due within this window start together: one wake of the
  // loop (and of the HTTP client) per batch instead of per tenant, which is
  // most of a round's CPU at 10,000 tenants. Still evenly spread at any
  // interval long enough to matter.
  Duration batch_window = std::chrono::milliseconds(100);
};

class DriftWatch : public std::enable_shared_from_this<DriftWatch> {
 public:
  // Called on the loop after each look at `tenant` (as listed at the
  // round's start): its status before and after, and whether the state
  // moved (logs, the ledger, recovery).
  using OnLook = std::function<void(const Tenant& tenant, const DriftStatus& before,
                                    const DriftStatus& after, bool changed)>;
  // Called on the loop when a round has looked at every tenant it listed:
  // how many it looked at and how long the round took.
  using OnRound = std::function<void(size_t looked, Duration took)>;

  // `env` is borrowed and outlives the watch; `leases` are the rollouts'.
  static std::shared_ptr<DriftWatch> Create(EngineEnv& env, std::shared_ptr<TenantLeases> leases,
                                            DriftWatchConfig config, OnLook on_look = {},
                                            OnRound on_round = {});

  // Starts the first round after `delay` and one every interval after.
  // The statuses the ledger kept (Store::ListDriftStatus) are loaded first,
  // so "since when" survives a restart. Any thread.
  void Start(Duration delay = Duration::zero());
  // No new look starts after it. Any thread.
  void Stop();

  // Every tenant's status as of its latest look. Any thread.
  std::map<std::string, DriftStatus> Snapshot() const;
  uint64_t looks() const;  // looks finished since start

  DriftWatch(EngineEnv& env, std::shared_ptr<TenantLeases> leases, DriftWatchConfig config,
             OnLook on_look, OnRound on_round);  // use Create

 private:
  struct Look;
  void StartRound();
  void Pump();
  void Begin(const Tenant& t);
  void Finish(const std::shared_ptr<Look>& look);

  EngineEnv& env_;
  const std::shared_ptr<TenantLeases> leases_;
  const DriftWatchConfig config_;
  const OnLook on_look_;
  const OnRound on_round_;
  size_t looked_this_round_ = 0;

  // Loop only.
  bool stopped_ = false;
  TimePoint round_start_{};
  std::vector<Tenant> round_;
  size_t next_ = 0;
  int in_flight_ = 0;
  TimerId pump_timer_ = 0;
  TimerId round_timer_ = 0;
  bool round_pending_ = false;  // the next round was due before this one was through
  std::optional<Release> desired_;

  mutable std::mutex mu_;
  std::map<std::string, DriftStatus> status_;  // guarded by mu_; written on the loop
  uint64_t looks_ = 0;                         // guarded by mu_
};

}  // namespace rollcall
