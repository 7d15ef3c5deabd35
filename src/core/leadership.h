// Leadership: when this control plane may act on the fleet, decided from its
// lease's acquisitions and renewals as its own monotonic clock saw them
// (DESIGN §9). Pure; the caller talks to the lease (core/leader_lease.h) and
// reports here.
//
// The database judges the lease's expiry by its clock; this process cannot
// see that clock, only when it *sent* each successful request. The
// database set the expiry after that moment, so `sent + ttl` is never
// later than the real expiry (given clocks that tick at about the same
// rate); `margin` covers the difference in rates. A leader acts only
// before `last successful send + ttl - margin`: a process paused for
// longer than that (SIGSTOP, a VM migration, a long GC) finds its right to
// act already gone when it resumes, and does nothing until a renewal
// succeeds again — before its first deploy, not after it.
//
// A failed renewal or a write refused as deposed ends leadership for good:
// only a new acquisition (a new epoch) restores it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/leader_lease.h"
#include "core/time.h"

namespace rollcall {

struct LeadershipConfig {
  Duration ttl = std::chrono::seconds(10);          // --lease-ttl
  Duration renew_every = std::chrono::seconds(2);   // --lease-renew
  Duration margin = std::chrono::seconds(2);        // acts only before sent + ttl - margin
};

class Leadership {
 public:
  explicit Leadership(LeadershipConfig config) : config_(config) {}

  // The lease was acquired with `epoch` by a request sent at `sent_at`.
  void Acquired(int64_t epoch, TimePoint sent_at);
  // An acquisition sent at `sent_at` found another holder's lease running.
  void AcquireRefused(TimePoint sent_at);
  // A renewal of the current epoch sent at `sent_at` succeeded. Ignored
  // once leadership was lost.
  void Renewed(TimePoint sent_at);
  // A renewal failed or a write was refused: standby until re-acquired.
  void Lost(std::string why);

  bool leader() const { return epoch_.has_value(); }
  // Whether the fleet may be acted on now: a leader whose right has not
  // run out by this process's clock.
  bool MayAct(TimePoint now) const;
  // Until when MayAct holds (meaningful for a leader).
  TimePoint ActUntil() const { return act_until_; }
  // When to renew (leader) or try to acquire (standby) next.
  TimePoint NextAttempt() const { return next_attempt_; }
  std::optional<int64_t> epoch() const { return epoch_; }
  const std::string& last_loss() const { return last_loss_; }

 private:
  const LeadershipConfig config_;
  std::optional<int64_t> epoch_;
  TimePoint act_until_{};
  TimePoint next_attempt_{};  // the epoch of time: at once
  std::string last_loss_;
};

// What GET /v1/leader, /healthz and /metrics say of this control plane's
// role (core/json_codec.h renders it).
struct LeaderView {
  std::string store;     // "sqlite" (always the leader) or "postgres"
  bool leader = false;   // this process holds the lease (or the SQLite file)
  bool may_act = false;  // ... and, by its own clock, the lease has not run out
  std::string self;      // this process's holder id
  std::optional<int64_t> epoch;    // this process's, while it leads
  std::optional<LeaseView> lease;  // the lease row as last seen; none when unknown
  std::string last_error;          // the lease's last failure, e.g. the store unreachable
};

}  // namespace rollcall
