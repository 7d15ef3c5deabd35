// PgStore's share of the fleet's own history and settings: the audit trail,
// drift statuses, the desired release and the freeze, channels, the legacy
// canary memory and exec deploys' process groups.
#include <fmt/format.h>

#include <algorithm>

#include "core/json_codec.h"
#include "store/pg_store.h"
#include "store/pg_store_internal.h"

namespace rollcall {
namespace {

using pg::ColumnsSql;
using pg::kStoreName;
using pg::Params;
using pg::ReadAll;
using pg::Rows;
using rows::NotFound;

constexpr const char* kDesiredReleaseKey = "desired_release";
constexpr const char* kFreezeKey = "fleet_freeze";
// Advisory lock keys (the first of two ints): ours, distinct from Migrate's.
constexpr int64_t kReleaseLock = 7700002;
constexpr int64_t kChannelLock = 7700003;
constexpr const char* kPutKv =
    "INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = "
    "excluded.value";

std::vector<ChannelRecord> ReadPromotions(const Rows& found) {
  std::vector<ChannelRecord> out;
  for (int i = 0; i < found.size(); ++i) out.push_back(rows::ReadPromotion(found[i]));
  return out;
}

}  // namespace

// ---- audit and drift ----

Status PgStore::AppendAudit(AuditEntry& entry) {
  std::lock_guard lock(mu_);
  Params p;
  rows::BindAudit(p, entry);
  return Write("append audit entry", false, [&] {
    Result<Rows> r = c_->Exec("append audit entry",
                              "INSERT INTO audit (at_ms, actor, kind, target, reason, data_json) "
                              "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                              p);
    if (!r.ok()) return r.status();
    entry.id = (*r)[0].Int(0);
    return Status::Ok();
  });
}

Result<std::vector<AuditEntry>> PgStore::ListAudit(const AuditQuery& query) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindInt(1, query.since_ms).BindText(2, query.actor).BindText(3, query.kind);
  p.BindInt(4, query.before_id)
      .BindInt(5, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  Result<Rows> found = c_->Exec(
      "list audit entries",
      ColumnsSql("SELECT {} FROM audit WHERE at_ms >= $1 AND ($2::text = '' OR actor = $2::text) "
                 "AND ($3::text = '' OR kind = $3::text) AND ($4::bigint = 0 OR id < $4::bigint) "
                 "ORDER BY id DESC LIMIT $5",
                 rows::kAuditColumns)
          .c_str(),
      p);
  if (!found.ok()) return found.status();
  return ReadAll(*found, &rows::ReadAudit);
}

Status PgStore::PutDriftStatus(const std::string& slug, const DriftStatus& status) {
  std::lock_guard lock(mu_);
  Params p;
  rows::BindDrift(p, slug, status);
  // INSERT ... SELECT: a tenant removed meanwhile inserts nothing (NotFound)
  // instead of tripping the foreign key.
  return Write("put drift status", false, [&] {
    Result<Rows> r = c_->Exec(
        "put drift status",
        ColumnsSql(
            "INSERT INTO drift ({}) SELECT $1::text, $2::text, $3::bigint, $4::text, $5::text "
            "WHERE EXISTS (SELECT 1 FROM tenants WHERE slug = $1::text) "
            "ON CONFLICT (slug) DO UPDATE SET state = excluded.state, since_ms = "
            "excluded.since_ms, "
            "detail = excluded.detail, sighting_json = excluded.sighting_json",
            rows::kDriftColumns)
            .c_str(),
        p);
    if (!r.ok()) return r.status();
    return r->affected() == 0 ? NotFound("tenant", slug) : Status::Ok();
  });
}

Result<std::map<std::string, DriftStatus>> PgStore::ListDriftStatus() {
  std::lock_guard lock(mu_);
  Result<Rows> found =
      c_->Exec("list drift status",
               ColumnsSql("SELECT {} FROM drift ORDER BY slug", rows::kDriftColumns).c_str());
  if (!found.ok()) return found.status();
  Result<std::vector<std::pair<std::string, DriftStatus>>> statuses =
      ReadAll(*found, &rows::ReadDrift);
  if (!statuses.ok()) return statuses.status();
  std::map<std::string, DriftStatus> out;
  for (auto& [slug, status] : *statuses) out.emplace(std::move(slug), std::move(status));
  return out;
}

// ---- fencing and freeze ----

Result<std::optional<Release>> PgStore::DesiredRelease() {
  std::lock_guard lock(mu_);
  return LoadDesiredRelease();
}

Result<std::optional<Release>> PgStore::LoadDesiredRelease() {
  Params p;
  p.BindText(1, kDesiredReleaseKey);
  Result<Rows> found = c_->Exec("get desired release", "SELECT value FROM kv WHERE key = $1", p);
  if (!found.ok()) return found.status();
  if (found->size() == 0) return std::optional<Release>();
  Result<Release> rel = rows::DecodeRelease(kStoreName, (*found)[0].Text(0), "desired release");
  if (!rel.ok()) return rel.status();
  return std::optional<Release>(std::move(rel).value());
}

Status PgStore::SetDesiredRelease(const Release& release) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, kDesiredReleaseKey).BindText(2, rows::Dump(ToJson(release)));
  return Write("set desired release", false,
               [&] { return c_->Exec("set desired release", kPutKv, p).status(); });
}

Status PgStore::AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) {
  std::lock_guard lock(mu_);
  return Write("advance desired release", /*atomic=*/true, [&] {
    // The compare and the write are atomic across controllers: every advance
    // takes this lock until its transaction ends.
    Params lock_key;
    lock_key.BindInt(1, kReleaseLock);
    if (Result<Rows> r =
            c_->Exec("lock desired release", "SELECT pg_advisory_xact_lock($1::bigint)", lock_key);
        !r.ok()) {
      return r.status();
    }
    Result<std::optional<Release>> current = LoadDesiredRelease();
    if (!current.ok()) return current.status();
    if (*current != expected)
      return Status::Conflict("desired release: moved by another request; retry");
    Params p;
    p.BindText(1, kDesiredReleaseKey).BindText(2, rows::Dump(ToJson(next)));
    return c_->Exec("advance desired release", kPutKv, p).status();
  });
}

Result<std::optional<FleetFreeze>> PgStore::GetFreeze() {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, kFreezeKey);
  Result<Rows> found = c_->Exec("get freeze", "SELECT value FROM kv WHERE key = $1", p);
  if (!found.ok()) return found.status();
  if (found->size() == 0) return std::optional<FleetFreeze>();
  Result<FleetFreeze> f = rows::DecodeFreeze(kStoreName, (*found)[0].Text(0));
  if (!f.ok()) return f.status();
  return std::optional<FleetFreeze>(*f);
}

Status PgStore::SetFreeze(const std::optional<FleetFreeze>& freeze) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, kFreezeKey);
  if (!freeze) {
    return Write("unfreeze", false,
                 [&] { return c_->Exec("unfreeze", "DELETE FROM kv WHERE key = $1", p).status(); });
  }
  p.BindText(2, rows::EncodeFreeze(*freeze));
  return Write("freeze", false, [&] { return c_->Exec("freeze", kPutKv, p).status(); });
}

// ---- channels ----

Result<std::optional<ChannelRecord>> PgStore::GetChannel(const std::string& channel) {
  std::lock_guard lock(mu_);
  return CurrentChannel(channel);
}

Result<std::optional<ChannelRecord>> PgStore::CurrentChannel(const std::string& channel) {
  Params p;
  p.BindText(1, channel);
  Result<Rows> found =
      c_->Exec("get channel",
               "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason, p.created_by "
               "FROM channels c JOIN promotions p ON p.id = c.promotion_id WHERE c.channel = $1",
               p);
  if (!found.ok()) return found.status();
  if (found->size() == 0) return std::optional<ChannelRecord>();
  return std::optional<ChannelRecord>(rows::ReadPromotion((*found)[0]));
}

Result<std::vector<ChannelRecord>> PgStore::ListChannels() {
  std::lock_guard lock(mu_);
  Result<Rows> found =
      c_->Exec("list channels",
               "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason, p.created_by "
               "FROM channels c JOIN promotions p ON p.id = c.promotion_id ORDER BY c.channel");
  if (!found.ok()) return found.status();
  return ReadPromotions(*found);
}

Result<std::vector<ChannelRecord>> PgStore::ChannelHistory(const std::string& channel) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, channel);
  Result<Rows> found =
      c_->Exec("channel history",
               "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason, p.created_by "
               "FROM promotions p WHERE p.channel = $1 ORDER BY p.id",
               p);
  if (!found.ok()) return found.status();
  return ReadPromotions(*found);
}

Status PgStore::RecordPromotion(const ChannelRecord& next,
                                const std::optional<ChannelRecord>& replaces) {
  std::lock_guard lock(mu_);
  return Write("record promotion", /*atomic=*/true, [&] {
    Params lock_key;
    lock_key.BindInt(1, kChannelLock).BindText(2, next.channel);
    if (Result<Rows> r = c_->Exec(
            "lock channel", "SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))", lock_key);
        !r.ok()) {
      return r.status();
    }
    Result<std::optional<ChannelRecord>> current = CurrentChannel(next.channel);
    if (!current.ok()) return current.status();
    const bool matches = *current ? replaces && (*current)->SameAs(*replaces) : !replaces;
    if (!matches)
      return Status::Conflict("channel " + next.channel + ": moved by another promotion");
    Params p;
    p.BindText(1, next.channel)
        .BindText(2, next.tag)
        .BindOptInt(3, next.seq)
        .BindText(4, next.digest);
    p.BindInt(5, next.promoted_at_ms).BindBool(6, next.rollback).BindText(7, next.reason);
    p.BindText(8, next.created_by);
    Result<Rows> inserted = c_->Exec(
        "record promotion",
        "INSERT INTO promotions (channel, tag, seq, digest, promoted_at_ms, rollback, reason, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        p);
    if (!inserted.ok()) return inserted.status();
    Params point;
    point.BindText(1, next.channel).BindInt(2, (*inserted)[0].Int(0));
    return c_
        ->Exec("point channel",
               "INSERT INTO channels (channel, promotion_id) VALUES ($1, $2) "
               "ON CONFLICT (channel) DO UPDATE SET promotion_id = excluded.promotion_id",
               point)
        .status();
  });
}

// ---- the legacy endpoint's canary memory ----

Status PgStore::RememberLegacyCanary(const LegacyCanary& canary) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, canary.tag)
      .BindText(2, canary.slug)
      .BindText(3, canary.dry_run_id)
      .BindInt(4, canary.at_ms);
  return Write("remember legacy canary", false, [&] {
    return c_
        ->Exec("remember legacy canary",
               "INSERT INTO legacy_canaries (tag, slug, dry_run_id, at_ms) VALUES ($1, $2, $3, $4) "
               "ON CONFLICT (tag) DO UPDATE SET slug = excluded.slug, dry_run_id = "
               "excluded.dry_run_id, "
               "at_ms = excluded.at_ms",
               p)
        .status();
  });
}

Result<std::optional<LegacyCanary>> PgStore::LegacyCanaryFor(const std::string& tag) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, tag);
  Result<Rows> found =
      c_->Exec("legacy canary",
               "SELECT tag, slug, dry_run_id, at_ms FROM legacy_canaries WHERE tag = $1", p);
  if (!found.ok()) return found.status();
  if (found->size() == 0) return std::optional<LegacyCanary>();
  const Rows::Row row = (*found)[0];
  return std::optional<LegacyCanary>(
      LegacyCanary{row.Text(0), row.Text(1), row.Text(2), row.Int(3)});
}

// ---- exec deploys' process groups ----

Status PgStore::RecordProcessGroup(const ProcessGroupRecord& record) {
  std::lock_guard lock(mu_);
  Params p;
  rows::BindProcessGroup(p, record);
  return Write("record process group", false, [&] {
    return c_
        ->Exec("record process group",
               ColumnsSql(
                   "INSERT INTO process_groups ({}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
                   "(slug) DO UPDATE "
                   "SET rollout_id = excluded.rollout_id, pgid = excluded.pgid, "
                   "leader_start_ticks = excluded.leader_start_ticks, boot_id = excluded.boot_id, "
                   "deadline_ms = excluded.deadline_ms",
                   rows::kProcessGroupColumns)
                   .c_str(),
               p)
        .status();
  });
}

Result<std::optional<ProcessGroupRecord>> PgStore::ProcessGroupOf(const std::string& slug) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, slug);
  Result<Rows> found = c_->Exec(
      "process group",
      ColumnsSql("SELECT {} FROM process_groups WHERE slug = $1", rows::kProcessGroupColumns)
          .c_str(),
      p);
  if (!found.ok()) return found.status();
  if (found->size() == 0) return std::optional<ProcessGroupRecord>();
  return std::optional<ProcessGroupRecord>(rows::ReadProcessGroup((*found)[0]));
}

Status PgStore::ClearProcessGroup(const std::string& slug, int64_t pgid) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, slug).BindInt(2, pgid);
  return Write("clear process group", false, [&] {
    return c_
        ->Exec("clear process group", "DELETE FROM process_groups WHERE slug = $1 AND pgid = $2", p)
        .status();
  });
}

}  // namespace rollcall
