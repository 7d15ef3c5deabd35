// LeaderLease: who may run rollouts when several control planes share one
// database (DESIGN §9). A lease row names its holder, the URL standbys
// redirect to, an epoch and an expiry; it is acquired by compare-and-set and
// every acquisition increments the epoch. Expiry is judged by the
// database's clock, so controllers on different machines need no agreement
// on time; a holder acts only while its own monotonic clock says the lease
// it renewed has not run out (less a margin), which is the caller's rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"

namespace rollcall {

struct LeaseView {
  std::string holder;
  std::string url;  // the holder's advertised URL
  int64_t epoch = 0;
  int64_t renewed_ms_ago = 0;  // by the database's clock
  int64_t expires_in_ms = 0;   // negative once expired
};

class LeaderLease {
 public:
  virtual ~LeaderLease() = default;
  // Takes the lease when nobody holds an unexpired one: the new epoch, or
  // nullopt when another holder's lease runs.
  virtual Result<std::optional<int64_t>> TryAcquireLease(const std::string& holder, const std::string& url,
                                                          Duration ttl) = 0;
  // Extends the lease `epoch` of `holder`; Conflict ("deposed") once another
  // acquisition moved the epoch on.
  virtual Status RenewLease(const std::string& holder, int64_t epoch, Duration ttl) = 0;
  // Ends it now, so a standby takes over without waiting out the TTL.
  virtual Status ReleaseLease(const std::string& holder, int64_t epoch) = 0;
  virtual Result<std::optional<LeaseView>> CurrentLease() = 0;
  // From now on every ledger write checks, in its own transaction, that
  // `epoch` is still the lease's, and fails with Conflict ("deposed")
  // otherwise, writing nothing. 0: writes are not fenced.
  virtual void FenceWrites(int64_t epoch) = 0;
};

}  // namespace rollcall
