// LeaseKeeper: the thread that holds this control plane's leader lease
// (DESIGN §9). As a standby it tries to acquire the lease every renew
// interval and remembers who holds it (for 307 redirects and /v1/leader);
// as the leader it renews it every renew interval. The decisions are the
// pure Leadership's (core/leadership.h), timed by the monotonic clock.
//
// A renewal refused as deposed, or a lease that could not be renewed before
// it ran out by this process's clock, ends the term: `on_lost` runs once
// (rollcalld exits there, so nothing of the term acts again). The lease
// talks to the database over its own connection, so renewals never queue
// behind the engine's writes.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/leader_lease.h"
#include "core/leadership.h"

namespace rollcall {

struct LeaseKeeperConfig {
  std::string holder;  // this process's id in the lease row
  std::string url;     // --advertise-url: where standbys redirect mutations
  LeadershipConfig lease;
};

class LeaseKeeper {
 public:
  using OnAcquired = std::function<void(int64_t epoch)>;
  using OnLost = std::function<void(const std::string& why)>;

  // `lease` is borrowed and outlives the keeper. The callbacks run on the
  // keeper's thread.
  LeaseKeeper(LeaderLease& lease, LeaseKeeperConfig config, OnAcquired on_acquired, OnLost on_lost);
  ~LeaseKeeper();  // Stop(false)
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Makes the first attempt (its callback included) before it returns.
  void Start();
  // Ends the thread; with `release`, a leader gives the lease up so a
  // standby takes over without waiting out the TTL.
  void Stop(bool release);

  // Whether this process may act on the fleet now (a leader inside its
  // lease by its own clock). Any thread.
  bool MayAct() const;
  // Any thread.
  LeaderView View() const;

 private:
  void Run();
  void Attempt(std::unique_lock<std::mutex>& lock);

  LeaderLease& lease_;
  const LeaseKeeperConfig config_;
  const OnAcquired on_acquired_;
  const OnLost on_lost_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;                // guarded by mu_
  Leadership leadership_;            // guarded by mu_
  std::optional<LeaseView> seen_;    // guarded by mu_: the lease row as last read
  TimePoint last_renewed_{};         // guarded by mu_: when the last renewal was sent
  std::string last_error_;           // guarded by mu_
  TimePoint retry_at_{};             // guarded by mu_: after a failed call, sooner than NextAttempt
  std::thread thread_;
};

// "<host>:<pid>:<random>", unique per process.
std::string MakeHolderId();

}  // namespace rollcall
