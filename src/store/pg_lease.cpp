// PgStore's leader lease (core/leader_lease.h) and the fence every ledger
// write passes.
#include <fmt/format.h>

#include "store/pg_store.h"
#include "store/pg_store_internal.h"

namespace rollcall {
namespace {

using pg::Params;
using pg::Rows;

}  // namespace

Status PgStore::Write(std::string_view what, bool atomic, const std::function<Status()>& body) {
  if (!atomic && fence_epoch_ == 0) return body();
  if (fence_epoch_ != 0 && may_act_ && !may_act_()) {
    Status late = Status::Unavailable(fmt::format(
        "postgres: {}: refused: the lease of epoch {} has run out by this controller's clock", what, fence_epoch_));
    if (on_term_end_) on_term_end_(late);
    return late;
  }
  pg::Transaction tx(*c_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  if (fence_epoch_ != 0) {
    Params p;
    p.BindInt(1, fence_epoch_);
    // FOR SHARE: an acquisition (an UPDATE of the row) waits for this write.
    Result<Rows> held = c_->Exec(
        "check the lease", "SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = $1 FOR SHARE", p);
    if (!held.ok()) return held.status();
    if (held->size() == 0) {
      Status deposed = Status::Conflict(
          fmt::format("postgres: {}: deposed: the lease moved past epoch {}", what, fence_epoch_));
      if (on_term_end_) on_term_end_(deposed);
      return deposed;
    }
  }
  if (Status s = body(); !s.ok()) return s;  // rolled back
  return tx.Commit();
}

// ---- the leader lease ----

Result<std::optional<int64_t>> PgStore::TryAcquireLease(const std::string& holder,
                                                        const std::string& url, Duration ttl) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, holder).BindText(2, url).BindInt(3, DurationToMillis(ttl));
  // Compare-and-set on the row: taken only when absent or expired by the
  // database's clock; each acquisition moves the epoch on.
  Result<Rows> r = c_->Exec(
      "acquire the lease",
      "INSERT INTO leader_lease (id, holder, url, epoch, acquired_at, renewed_at, expires_at) "
      "VALUES (1, $1, $2, 1, clock_timestamp(), clock_timestamp(), clock_timestamp() + $3::bigint "
      "* interval '1 ms') "
      "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, url = excluded.url, epoch = "
      "leader_lease.epoch + 1, "
      "acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = "
      "excluded.expires_at "
      "WHERE leader_lease.expires_at < clock_timestamp() RETURNING epoch",
      p);
  if (!r.ok()) return r.status();
  if (r->size() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>((*r)[0].Int(0));
}

Status PgStore::RenewLease(const std::string& holder, int64_t epoch, Duration ttl) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, holder).BindInt(2, epoch).BindInt(3, DurationToMillis(ttl));
  Result<Rows> r = c_->Exec("renew the lease",
                            "UPDATE leader_lease SET renewed_at = clock_timestamp(), "
                            "expires_at = clock_timestamp() + $3::bigint * interval '1 ms' "
                            "WHERE id = 1 AND holder = $1 AND epoch = $2",
                            p);
  if (!r.ok()) return r.status();
  if (r->affected() == 0) {
    return Status::Conflict(
        fmt::format("postgres: renew the lease: deposed: the lease moved past epoch {}", epoch));
  }
  return Status::Ok();
}

Status PgStore::ReleaseLease(const std::string& holder, int64_t epoch) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, holder).BindInt(2, epoch);
  return c_
      ->Exec("release the lease",
             "UPDATE leader_lease SET expires_at = clock_timestamp() - interval '1 ms' "
             "WHERE id = 1 AND holder = $1 AND epoch = $2",
             p)
      .status();
}

Result<std::optional<LeaseView>> PgStore::CurrentLease() {
  std::lock_guard lock(mu_);
  Result<Rows> r =
      c_->Exec("read the lease",
               "SELECT holder, url, epoch, "
               "(EXTRACT(EPOCH FROM (clock_timestamp() - renewed_at)) * 1000)::bigint, "
               "(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000)::bigint FROM "
               "leader_lease WHERE id = 1");
  if (!r.ok()) return r.status();
  if (r->size() == 0) return std::optional<LeaseView>();
  const Rows::Row row = (*r)[0];
  return std::optional<LeaseView>(
      LeaseView{row.Text(0), row.Text(1), row.Int(2), row.Int(3), row.Int(4)});
}

void PgStore::FenceWrites(int64_t epoch) {
  std::lock_guard lock(mu_);
  fence_epoch_ = epoch;
}

Status PgStore::LimitSession(Duration idle_in_transaction, Duration lock_wait) {
  std::lock_guard lock(mu_);
  return c_->SetSessionSql(fmt::format("SET idle_in_transaction_session_timeout = {}; SET lock_timeout = {}",
                                       std::max<int64_t>(1, DurationToMillis(idle_in_transaction)),
                                       std::max<int64_t>(1, DurationToMillis(lock_wait))));
}

void PgStore::GateWrites(std::function<bool()> may_act) {
  std::lock_guard lock(mu_);
  may_act_ = std::move(may_act);
}

void PgStore::OnTermEnd(std::function<void(const Status&)> fn) {
  std::lock_guard lock(mu_);
  on_term_end_ = std::move(fn);
}

void PgStore::OnReachability(std::function<void(bool reachable, const std::string& why)> fn) {
  std::lock_guard lock(mu_);
  c_->SetOnReachability(std::move(fn));
}

}  // namespace rollcall
