#include "store/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "core/json_codec.h"
#include "store/sqlite_db.h"
#include "store/sqlite_rows.h"

namespace rollcall {
namespace {

using sqlite::Db;
using sqlite::Query;
using sqlite::NotFound;
using sqlite::ReadAll;
using sqlite::Transaction;

constexpr const char* kDesiredReleaseKey = "desired_release";

// journal_mode answers with the mode in force: an in-memory database stays
// "memory"; a file that cannot use WAL is refused rather than silently run
// with a rollback journal.
Status UseWal(Db& db) {
  Result<Query> q = db.Prepare("set journal_mode", "PRAGMA journal_mode=WAL");
  if (!q.ok()) return q.status();
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  const std::string got = *row ? q->Text(0) : "";
  if (got == "wal" || got == "memory") return Status::Ok();
  return Status::Internal(fmt::format("sqlite: set journal_mode: got \"{}\", want wal", got));
}

Status Configure(Db& db, const SqliteStore::Options& options) {
  sqlite3_busy_timeout(db.handle(), options.busy_timeout_ms);
  if (Status s = UseWal(db); !s.ok()) return s;
  // Outside any transaction: PRAGMA foreign_keys is a no-op inside one.
  return db.Exec("set pragmas", options.full_sync
                                    ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                    : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  return Open(path, Options{});
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const Options& options) {
  Result<std::unique_ptr<Db>> db = Db::Open(path);
  if (!db.ok()) return db.status();
  if (Status s = Configure(**db, options); !s.ok()) return s;
  if (Status s = sqlite::Migrate(**db, sqlite::SchemaSteps()); !s.ok()) return s;
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db).value()));
}

SqliteStore::SqliteStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
SqliteStore::~SqliteStore() = default;

// ---- tenants ----

Result<std::vector<Tenant>> SqliteStore::ListTenants() {
  std::lock_guard lock(mu_);
  static const std::string sql =
      fmt::format("SELECT {} FROM tenants ORDER BY slug", sqlite::kTenantColumns);
  Result<Query> q = db_->Prepare("list tenants", sql.c_str());
  if (!q.ok()) return q.status();
  return ReadAll(*q, &sqlite::ReadTenant);
}

Result<Tenant> SqliteStore::GetTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  static const std::string sql =
      fmt::format("SELECT {} FROM tenants WHERE slug = ?1", sqlite::kTenantColumns);
  Result<Query> q = db_->Prepare("get tenant", sql.c_str());
  if (!q.ok()) return q.status();
  q->BindText(1, slug);
  Result<std::vector<Tenant>> found = ReadAll(*q, &sqlite::ReadTenant);
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFound("tenant", slug);
  return std::move(found->front());
}

Status SqliteStore::UpsertTenant(const Tenant& t) {
  // A new tenant is stored as given; an existing one keeps what the server
  // observed (running_image, running_seq, quarantined, quarantine_reason are
  // not in the UPDATE).
  static const std::string sql = fmt::format(
      "INSERT INTO tenants ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
      "ON CONFLICT (slug) DO UPDATE SET base_url = excluded.base_url, driver = excluded.driver, "
      "agent_url = excluded.agent_url, exec_json = excluded.exec_json, docker_json = excluded.docker_json, "
      "labels_json = excluded.labels_json, vars_json = excluded.vars_json, "
      "image_repo = excluded.image_repo, state = excluded.state, public_url = excluded.public_url, "
      "ssm_json = excluded.ssm_json",
      sqlite::kTenantColumns);
  Result<Query> q = db_->Prepare("put tenants", sql.c_str());
  if (!q.ok()) return q.status();
  sqlite::BindTenant(*q, t);
  return q->Run();
}

Status SqliteStore::PutTenants(const std::vector<Tenant>& tenants) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  for (const Tenant& t : tenants) {
    if (Status s = UpsertTenant(t); !s.ok()) return s;  // rolled back
  }
  return tx.Commit();
}

Status SqliteStore::DeleteTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("delete tenant", "DELETE FROM tenants WHERE slug = ?1");
  if (!q.ok()) return q.status();
  if (Status s = q->BindText(1, slug).Run(); !s.ok()) return s;
  return db_->Changes() == 0 ? NotFound("tenant", slug) : Status::Ok();
}

Status SqliteStore::ObserveTenant(const std::string& slug, const TenantObservation& obs) {
  std::lock_guard lock(mu_);
  return ObserveRow(slug, obs);
}

Status SqliteStore::ObserveRow(const std::string& slug, const TenantObservation& obs) {
  // A NULL parameter leaves its column alone; clearing the quarantine flag
  // clears the reason.
  Result<Query> q = db_->Prepare("observe tenant",
                                 "UPDATE tenants SET "
                                 "running_image = coalesce(?2, running_image), "
                                 "running_seq = coalesce(?3, running_seq), "
                                 "quarantined = coalesce(?4, quarantined), "
                                 "quarantine_reason = CASE WHEN ?4 IS NULL THEN quarantine_reason "
                                 "WHEN ?4 THEN ?5 ELSE '' END "
                                 "WHERE slug = ?1");
  if (!q.ok()) return q.status();
  q->BindText(1, slug).BindOptText(2, obs.running_image).BindOptInt(3, obs.running_seq);
  q->BindOptInt(4, obs.quarantined ? std::optional<int64_t>(*obs.quarantined) : std::nullopt);
  q->BindText(5, obs.quarantine_reason);
  if (Status s = q->Run(); !s.ok()) return s;
  return db_->Changes() == 0 ? NotFound("tenant", slug) : Status::Ok();
}

// ---- rollouts ----

Status SqliteStore::PutRollout(const Rollout& r) {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format(
      "INSERT INTO rollouts ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
      "?14, ?15, ?16, ?17) ON CONFLICT (id) DO UPDATE SET release_json = excluded.release_json, "
      "policy_json = excluded.policy_json, rollback = excluded.rollback, "
      "reason = excluded.reason, state = excluded.state, "
      "enumerated_json = excluded.enumerated_json, stragglers_json = excluded.stragglers_json, "
      "error = excluded.error, warnings_json = excluded.warnings_json, "
      "superseded_by = excluded.superseded_by, created_at_ms = excluded.created_at_ms, "
      "started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms, "
      "legacy_scoped = excluded.legacy_scoped, recovery = excluded.recovery, created_by = excluded.created_by",
      sqlite::kRolloutColumns);
  Result<Query> q = db_->Prepare("put rollout", sql.c_str());
  if (!q.ok()) return q.status();
  sqlite::BindHeader(*q, r);
  return q->Run();
}

Status SqliteStore::LoadResults(Rollout& rollout) {
  static const std::string sql =
      fmt::format("SELECT {} FROM results WHERE rollout_id = ?1", sqlite::kResultColumns);
  Result<Query> q = db_->Prepare("get results", sql.c_str());
  if (!q.ok()) return q.status();
  q->BindText(1, rollout.id);
  Result<std::vector<TenantResult>> found = ReadAll(*q, &sqlite::ReadResult);
  if (!found.ok()) return found.status();
  rows::PlaceResults(rollout, *found);
  return Status::Ok();
}

Result<std::vector<Rollout>> SqliteStore::LoadRollouts(Query& headers) {
  Result<std::vector<Rollout>> out = ReadAll(headers, &sqlite::ReadHeader);
  if (!out.ok()) return out;
  for (Rollout& r : *out) {
    if (Status s = LoadResults(r); !s.ok()) return s;
  }
  return out;
}

Result<Rollout> SqliteStore::GetRollout(const std::string& id) {
  std::lock_guard lock(mu_);
  static const std::string sql =
      fmt::format("SELECT {} FROM rollouts WHERE id = ?1", sqlite::kRolloutColumns);
  Result<Query> q = db_->Prepare("get rollout", sql.c_str());
  if (!q.ok()) return q.status();
  q->BindText(1, id);
  Result<std::vector<Rollout>> found = LoadRollouts(*q);
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFound("rollout", id);
  return std::move(found->front());
}

Result<std::vector<Rollout>> SqliteStore::ListRollouts(std::optional<RolloutState> state) {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format(
      "SELECT {} FROM rollouts WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at_ms, id",
      sqlite::kRolloutColumns);
  Result<Query> q = db_->Prepare("list rollouts", sql.c_str());
  if (!q.ok()) return q.status();
  if (state) q->BindText(1, ToString(*state));
  return LoadRollouts(*q);
}

Status SqliteStore::RequireRollout(const std::string& id) {
  Result<Query> q = db_->Prepare("find rollout", "SELECT 1 FROM rollouts WHERE id = ?1");
  if (!q.ok()) return q.status();
  Result<bool> row = q->BindText(1, id).Step();
  if (!row.ok()) return row.status();
  return *row ? Status::Ok() : NotFound("rollout", id);
}

Status SqliteStore::MarkStarted(const std::string& rollout_id, const InFlightTenant& t) {
  std::lock_guard lock(mu_);
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  return MarkStartedRow(rollout_id, t);
}

Status SqliteStore::MarkStartedRow(const std::string& rollout_id, const InFlightTenant& t) {
  Result<Query> q = db_->Prepare(
      "mark started",
      "INSERT INTO in_flight (rollout_id, slug, phase, started_at_ms) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (rollout_id, slug) DO UPDATE SET phase = excluded.phase, "
      "started_at_ms = excluded.started_at_ms");
  if (!q.ok()) return q.status();
  q->BindText(1, rollout_id).BindText(2, t.slug).BindText(3, t.phase).BindInt(4, t.started_at_ms);
  return q->Run();
}

Status SqliteStore::PutResult(const std::string& rollout_id, const TenantResult& row) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  if (Status s = PutResultRows(rollout_id, row); !s.ok()) return s;
  return tx.Commit();
}

Status SqliteStore::PutResultRows(const std::string& rollout_id, const TenantResult& row) {
  static const std::string sql = fmt::format(
      "INSERT OR REPLACE INTO results ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?13)",
      sqlite::kResultColumns);
  Result<Query> put = db_->Prepare("put result", sql.c_str());
  if (!put.ok()) return put.status();
  sqlite::BindResult(*put, rollout_id, row);
  if (Status s = put->Run(); !s.ok()) return s;
  Result<Query> clear = db_->Prepare(
      "put result", "DELETE FROM in_flight WHERE rollout_id = ?1 AND slug = ?2");
  if (!clear.ok()) return clear.status();
  return clear->BindText(1, rollout_id).BindText(2, row.slug).Run();
}

Status SqliteStore::Commit(LedgerBatch& batch) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  for (LedgerWrite& w : batch.writes()) {
    Status s;
    switch (w.kind) {
      case LedgerWrite::Kind::kMarkStarted: s = MarkStartedRow(w.rollout_id, w.in_flight); break;
      case LedgerWrite::Kind::kPutResult: s = PutResultRows(w.rollout_id, w.row); break;
      case LedgerWrite::Kind::kObserveTenant:
        s = ObserveRow(w.slug, w.observation);
        if (s.code() == Status::Code::kNotFound) s = Status::Ok();  // removed meanwhile
        break;
      case LedgerWrite::Kind::kAppendEvent: s = AppendEventRow(w.event); break;
    }
    if (!s.ok()) return s;  // rolled back
  }
  return tx.Commit();
}

Result<std::vector<InFlightTenant>> SqliteStore::InFlight(const std::string& rollout_id) {
  std::lock_guard lock(mu_);
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  Result<Query> q = db_->Prepare(
      "list in-flight",
      "SELECT slug, phase, started_at_ms FROM in_flight WHERE rollout_id = ?1 ORDER BY slug");
  if (!q.ok()) return q.status();
  q->BindText(1, rollout_id);
  std::vector<InFlightTenant> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back({q->Text(0), q->Text(1), q->Int(2)});
  }
}

// ---- events ----

Status SqliteStore::AppendEvent(RolloutEvent& event) {
  std::lock_guard lock(mu_);
  const bool fleet = event.rollout_id.empty();
  if (!fleet) {
    if (Status s = RequireRollout(event.rollout_id); !s.ok()) return s;
  }
  return AppendEventRow(event);
}

Status SqliteStore::AppendEventRow(RolloutEvent& event) {
  const bool fleet = event.rollout_id.empty();
  Result<Query> q = db_->Prepare(
      "append event",
      "INSERT INTO events (rollout_id, type, data_json, at_ms, final) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!q.ok()) return q.status();
  q->BindOptText(1, fleet ? std::nullopt : std::optional<std::string>(event.rollout_id));
  q->BindText(2, event.type).BindText(3, sqlite::Dump(event.data));
  q->BindInt(4, event.at_ms).BindBool(5, event.final);
  if (Status s = q->Run(); !s.ok()) return s;
  event.id = db_->LastInsertRowid();
  return Status::Ok();
}

Result<std::vector<RolloutEvent>> SqliteStore::EventsAfter(const std::string& rollout_id,
                                                           int64_t after_id) {
  std::lock_guard lock(mu_);
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  static const std::string sql =
      fmt::format("SELECT {} FROM events WHERE rollout_id = ?1 AND id > ?2 ORDER BY id", sqlite::kEventColumns);
  Result<Query> q = db_->Prepare("list events", sql.c_str());
  if (!q.ok()) return q.status();
  q->BindText(1, rollout_id).BindInt(2, after_id);
  return ReadAll(*q, &sqlite::ReadEvent);
}

Result<std::vector<RolloutEvent>> SqliteStore::FleetEventsAfter(int64_t after_id, size_t limit) {
  std::lock_guard lock(mu_);
  static const std::string sql =
      fmt::format("SELECT {} FROM events WHERE id > ?1 ORDER BY id LIMIT ?2", sqlite::kEventColumns);
  Result<Query> q = db_->Prepare("list fleet events", sql.c_str());
  if (!q.ok()) return q.status();
  q->BindInt(1, after_id).BindInt(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  return ReadAll(*q, &sqlite::ReadEvent);
}

Result<int64_t> SqliteStore::LastEventId() {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("last event id", "SELECT COALESCE(MAX(id), 0) FROM events");
  if (!q.ok()) return q.status();
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->Int(0) : 0;
}

// ---- fencing ----

Result<std::optional<Release>> SqliteStore::DesiredRelease() {
  std::lock_guard lock(mu_);
  return LoadDesiredRelease();
}

Result<std::optional<Release>> SqliteStore::LoadDesiredRelease() {
  Result<Query> q = db_->Prepare("get desired release", "SELECT value FROM kv WHERE key = ?1");
  if (!q.ok()) return q.status();
  Result<bool> row = q->BindText(1, kDesiredReleaseKey).Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Release>();
  Result<Release> rel = rows::DecodeRelease(sqlite::kStoreName, q->Text(0), "desired release");
  if (!rel.ok()) return rel.status();
  return std::optional<Release>(std::move(rel).value());
}

Status SqliteStore::SetDesiredRelease(const Release& release) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("set desired release",
                                 "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!q.ok()) return q.status();
  return q->BindText(1, kDesiredReleaseKey).BindText(2, sqlite::Dump(ToJson(release))).Run();
}

Status SqliteStore::AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);  // BEGIN IMMEDIATE: the compare and the write are atomic across processes
  if (Status s = tx.Begin(); !s.ok()) return s;
  Result<std::optional<Release>> current = LoadDesiredRelease();
  if (!current.ok()) return current.status();
  if (*current != expected) return Status::Conflict("desired release: moved by another request; retry");
  Result<Query> q = db_->Prepare("advance desired release",
                                 "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!q.ok()) return q.status();
  if (Status s = q->BindText(1, kDesiredReleaseKey).BindText(2, sqlite::Dump(ToJson(next))).Run(); !s.ok()) {
    return s;
  }
  return tx.Commit();
}

// ---- freeze ----

Result<std::optional<FleetFreeze>> SqliteStore::GetFreeze() {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("get freeze", "SELECT value FROM kv WHERE key = 'fleet_freeze'");
  if (!q.ok()) return q.status();
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<FleetFreeze>();
  Result<FleetFreeze> f = rows::DecodeFreeze(sqlite::kStoreName, q->Text(0));
  if (!f.ok()) return f.status();
  return std::optional<FleetFreeze>(*f);
}

Status SqliteStore::SetFreeze(const std::optional<FleetFreeze>& freeze) {
  std::lock_guard lock(mu_);
  if (!freeze) {
    Result<Query> q = db_->Prepare("unfreeze", "DELETE FROM kv WHERE key = 'fleet_freeze'");
    return q.ok() ? q->Run() : q.status();
  }
  Result<Query> q = db_->Prepare("freeze",
                                 "INSERT INTO kv (key, value) VALUES ('fleet_freeze', ?1) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!q.ok()) return q.status();
  return q->BindText(1, rows::EncodeFreeze(*freeze)).Run();
}

// ---- channels ----

namespace {

// Prepare() keeps statements by their text's address: whole literals only.
constexpr const char* kCurrentChannelSql =
    "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason, p.created_by "
    "FROM channels c JOIN promotions p ON p.id = c.promotion_id WHERE c.channel = ?1";
constexpr const char* kListChannelsSql =
    "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason, p.created_by "
    "FROM channels c JOIN promotions p ON p.id = c.promotion_id ORDER BY c.channel";
constexpr const char* kChannelHistorySql =
    "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason, p.created_by "
    "FROM promotions p WHERE p.channel = ?1 ORDER BY p.id";

Result<std::vector<ChannelRecord>> ReadPromotions(Query& q) {
  std::vector<ChannelRecord> out;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(sqlite::ReadPromotion(q));
  }
}

}  // namespace

Result<std::optional<ChannelRecord>> SqliteStore::GetChannel(const std::string& channel) {
  std::lock_guard lock(mu_);
  return CurrentChannel(channel);
}

Result<std::optional<ChannelRecord>> SqliteStore::CurrentChannel(const std::string& channel) {
  Result<Query> q = db_->Prepare("get channel", kCurrentChannelSql);
  if (!q.ok()) return q.status();
  Result<std::vector<ChannelRecord>> rows = ReadPromotions(q->BindText(1, channel));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<ChannelRecord>();
  return std::optional<ChannelRecord>(rows->front());
}

Result<std::vector<ChannelRecord>> SqliteStore::ListChannels() {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("list channels", kListChannelsSql);
  if (!q.ok()) return q.status();
  return ReadPromotions(*q);
}

Result<std::vector<ChannelRecord>> SqliteStore::ChannelHistory(const std::string& channel) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("channel history", kChannelHistorySql);
  if (!q.ok()) return q.status();
  return ReadPromotions(q->BindText(1, channel));
}

Status SqliteStore::RecordPromotion(const ChannelRecord& next, const std::optional<ChannelRecord>& replaces) {
  std::lock_guard lock(mu_);
  // Begin takes the write lock (BEGIN IMMEDIATE), so the compare and the
  // write are atomic even against another process on the same file.
  Transaction tx(*db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  Result<std::optional<ChannelRecord>> current = CurrentChannel(next.channel);
  if (!current.ok()) return current.status();
  const bool matches = *current ? replaces && (*current)->SameAs(*replaces) : !replaces;
  if (!matches) return Status::Conflict("channel " + next.channel + ": moved by another promotion");
  Result<Query> insert = db_->Prepare(
      "record promotion",
      "INSERT INTO promotions (channel, tag, seq, digest, promoted_at_ms, rollback, reason, created_by) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert.ok()) return insert.status();
  Status s = insert->BindText(1, next.channel).BindText(2, next.tag).BindOptInt(3, next.seq)
                 .BindText(4, next.digest).BindInt(5, next.promoted_at_ms).BindBool(6, next.rollback)
                 .BindText(7, next.reason).BindText(8, next.created_by).Run();
  if (!s.ok()) return s;
  Result<Query> point = db_->Prepare(
      "point channel",
      "INSERT INTO channels (channel, promotion_id) VALUES (?1, last_insert_rowid()) "
      "ON CONFLICT (channel) DO UPDATE SET promotion_id = excluded.promotion_id");
  if (!point.ok()) return point.status();
  if (Status s2 = point->BindText(1, next.channel).Run(); !s2.ok()) return s2;
  return tx.Commit();
}

// ---- the legacy endpoint's canary memory ----

Status SqliteStore::RememberLegacyCanary(const LegacyCanary& c) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("remember legacy canary",
                                 "INSERT OR REPLACE INTO legacy_canaries (tag, slug, dry_run_id, at_ms) "
                                 "VALUES (?1, ?2, ?3, ?4)");
  if (!q.ok()) return q.status();
  return q->BindText(1, c.tag).BindText(2, c.slug).BindText(3, c.dry_run_id).BindInt(4, c.at_ms).Run();
}

Result<std::optional<LegacyCanary>> SqliteStore::LegacyCanaryFor(const std::string& tag) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("legacy canary",
                                 "SELECT tag, slug, dry_run_id, at_ms FROM legacy_canaries WHERE tag = ?1");
  if (!q.ok()) return q.status();
  q->BindText(1, tag);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<LegacyCanary>();
  return std::optional<LegacyCanary>(LegacyCanary{q->Text(0), q->Text(1), q->Text(2), q->Int(3)});
}

// ---- exec deploys' process groups ----

Status SqliteStore::RecordProcessGroup(const ProcessGroupRecord& r) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare(
      "record process group",
      "INSERT OR REPLACE INTO process_groups (slug, rollout_id, pgid, leader_start_ticks, boot_id, deadline_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!q.ok()) return q.status();
  sqlite::BindProcessGroup(*q, r);
  return q->Run();
}

Result<std::optional<ProcessGroupRecord>> SqliteStore::ProcessGroupOf(const std::string& slug) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare(
      "process group",
      "SELECT slug, rollout_id, pgid, leader_start_ticks, boot_id, deadline_ms FROM process_groups WHERE slug = ?1");
  if (!q.ok()) return q.status();
  q->BindText(1, slug);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ProcessGroupRecord>();
  return std::optional<ProcessGroupRecord>(sqlite::ReadProcessGroup(*q));
}

Status SqliteStore::ClearProcessGroup(const std::string& slug, int64_t pgid) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("clear process group", "DELETE FROM process_groups WHERE slug = ?1 AND pgid = ?2");
  if (!q.ok()) return q.status();
  return q->BindText(1, slug).BindInt(2, pgid).Run();
}

}  // namespace rollcall
