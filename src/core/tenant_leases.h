// TenantLeases: at most one deploy per tenant at any time, across every
// rollout (and, later, recovery), enforced by the control plane whatever
// the driver (DESIGN §3.5 exclusivity).
//
// A TenantRun holds its tenant's lease from before it inspects or deploys
// until it is done with the tenant; a run that finds the lease taken waits,
// first come first served, and is told when it is its turn. The lease is
// released only when every Hold on it is gone: the run drops its own when it
// finishes, and the copy it hands to the driver (inside the deploy's
// callback) goes when the driver lets go of the callback — a timed-out or
// cancelled exec deploy keeps the tenant until its process group was reaped.
//
// Not thread-safe: lives on the clock's loop, like the engine. A Hold may be
// destroyed on any thread: its release is posted to the loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/clock.h"

namespace rollcall {

class TenantLeases : public std::enable_shared_from_this<TenantLeases> {
 public:
  // Keeps its tenant leased while any copy of the shared_ptr lives.
  class Hold {
   public:
    Hold(Clock& clock, std::weak_ptr<TenantLeases> leases, std::string slug, uint64_t ticket)
        : clock_(clock), leases_(std::move(leases)), slug_(std::move(slug)), ticket_(ticket) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold();

   private:
    Clock& clock_;
    std::weak_ptr<TenantLeases> leases_;
    std::string slug_;
    uint64_t ticket_;
  };
  using Granted = std::function<void(std::shared_ptr<Hold>)>;

  // `clock` is borrowed and outlives every Hold.
  static std::shared_ptr<TenantLeases> Create(Clock& clock);
  explicit TenantLeases(Clock& clock) : clock_(clock) {}  // use Create

  // Grants `slug`'s lease to `holder` (described for operators, e.g.
  // "rollout r7"): `granted` runs at once when the tenant is free, else on
  // the loop once every earlier holder released it. Returns a ticket for
  // Withdraw. `granted` never runs after Withdraw(ticket).
  uint64_t Acquire(const std::string& slug, std::string holder, Granted granted);
  // Gives up a request that has not been granted yet; no-op otherwise.
  void Withdraw(const std::string& slug, uint64_t ticket);

  // Who holds `slug` now ("" when free), for messages.
  std::string HolderOf(const std::string& slug) const;
  bool Busy(const std::string& slug) const { return !HolderOf(slug).empty(); }
  // Whether a holder let go of `slug` after `since`: another run may
  // have deployed it meanwhile, so look before deploying.
  bool ReleasedSince(const std::string& slug, TimePoint since) const;

 private:
  struct Waiter {
    uint64_t ticket;
    std::string holder;
    Granted granted;
  };
  struct Lease {
    uint64_t ticket = 0;  // the holder's; 0 = free
    std::string holder;
    std::deque<Waiter> waiting;
  };

  void Release(const std::string& slug, uint64_t ticket);
  void Grant(const std::string& slug, Lease& lease, Waiter waiter);

  Clock& clock_;
  uint64_t next_ticket_ = 1;
  std::map<std::string, Lease> leases_;  // tenants held or waited for
  std::map<std::string, TimePoint> released_at_;  // each tenant's last release
};

}  // namespace rollcall
