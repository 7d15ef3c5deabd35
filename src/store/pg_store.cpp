#include "store/pg_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/json_codec.h"
#include "store/pg_db.h"
#include "store/row_codec.h"

namespace rollcall {
namespace {

using pg::kStoreName;
using pg::Params;
using pg::Rows;
using rows::NotFound;

constexpr const char* kDesiredReleaseKey = "desired_release";
constexpr const char* kFreezeKey = "fleet_freeze";
// Advisory lock keys (the first of two ints): ours, distinct from Migrate's.
constexpr int64_t kReleaseLock = 7700002;
constexpr int64_t kChannelLock = 7700003;

template <typename T>
Result<std::vector<T>> ReadAll(const Rows& found, Result<T> (*read)(const rows::ColumnReader&)) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(found.size()));
  for (int i = 0; i < found.size(); ++i) {
    Result<T> value = read(found[i]);
    if (!value.ok()) return value.status();
    out.push_back(std::move(value).value());
  }
  return out;
}

std::vector<ChannelRecord> ReadPromotions(const Rows& found) {
  std::vector<ChannelRecord> out;
  for (int i = 0; i < found.size(); ++i) out.push_back(rows::ReadPromotion(found[i]));
  return out;
}

const std::string& Sql(const char* format_text, const char* columns) {
  // Built once per call site (each passes a literal), like SqliteStore's
  // statement cache.
  thread_local std::unordered_map<const char*, std::string> built;
  auto it = built.find(format_text);
  if (it == built.end())
    it = built.emplace(format_text, fmt::format(fmt::runtime(format_text), columns)).first;
  return it->second;
}

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& conninfo,
                                               const std::string& password) {
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::Open(conninfo, password);
  if (!c.ok()) return c.status();
  if (Status s = pg::Migrate(**c, PgSchemaSteps()); !s.ok()) return s;
  return std::unique_ptr<PgStore>(new PgStore(std::move(c).value()));
}

PgStore::PgStore(std::unique_ptr<pg::Connection> c) : c_(std::move(c)) {}
PgStore::~PgStore() = default;

Status PgStore::Write(std::string_view what, bool atomic, const std::function<Status()>& body) {
  if (!atomic && fence_epoch_ == 0) return body();
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
      return Status::Conflict(
          fmt::format("postgres: {}: deposed: the lease moved past epoch {}", what, fence_epoch_));
    }
  }
  if (Status s = body(); !s.ok()) return s;  // rolled back
  return tx.Commit();
}

// ---- tenants ----

Result<std::vector<Tenant>> PgStore::ListTenants() {
  std::lock_guard lock(mu_);
  Result<Rows> found = c_->Exec(
      "list tenants", Sql("SELECT {} FROM tenants ORDER BY slug", rows::kTenantColumns).c_str());
  if (!found.ok()) return found.status();
  return ReadAll(*found, &rows::ReadTenant);
}

Result<Tenant> PgStore::GetTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, slug);
  Result<Rows> found = c_->Exec(
      "get tenant", Sql("SELECT {} FROM tenants WHERE slug = $1", rows::kTenantColumns).c_str(), p);
  if (!found.ok()) return found.status();
  Result<std::vector<Tenant>> tenants = ReadAll(*found, &rows::ReadTenant);
  if (!tenants.ok()) return tenants.status();
  if (tenants->empty()) return NotFound("tenant", slug);
  return std::move(tenants->front());
}

Status PgStore::PutTenants(const std::vector<Tenant>& tenants) {
  std::lock_guard lock(mu_);
  // A new tenant is stored as given; an existing one keeps what the server
  // observed (running_image, running_seq, quarantined, quarantine_reason).
  const std::string& sql = Sql(
      "INSERT INTO tenants ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14) "
      "ON CONFLICT (slug) DO UPDATE SET base_url = excluded.base_url, driver = excluded.driver, "
      "agent_url = excluded.agent_url, exec_json = excluded.exec_json, docker_json = "
      "excluded.docker_json, "
      "labels_json = excluded.labels_json, vars_json = excluded.vars_json, "
      "image_repo = excluded.image_repo, state = excluded.state",
      rows::kTenantColumns);
  return Write("put tenants", /*atomic=*/true, [&] {
    for (const Tenant& t : tenants) {
      Params p;
      rows::BindTenant(p, t);
      if (Result<Rows> r = c_->Exec("put tenants", sql.c_str(), p); !r.ok())
        return r.status();  // rolled back
    }
    return Status::Ok();
  });
}

Status PgStore::DeleteTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, slug);
  return Write("delete tenant", false, [&] {
    Result<Rows> r = c_->Exec("delete tenant", "DELETE FROM tenants WHERE slug = $1", p);
    if (!r.ok()) return r.status();
    return r->affected() == 0 ? NotFound("tenant", slug) : Status::Ok();
  });
}

Status PgStore::ObserveTenant(const std::string& slug, const TenantObservation& obs) {
  std::lock_guard lock(mu_);
  // A NULL parameter leaves its column alone; clearing the quarantine flag
  // clears the reason.
  Params p;
  p.BindText(1, slug).BindOptText(2, obs.running_image).BindOptInt(3, obs.running_seq);
  p.BindOptText(4, obs.quarantined ? std::optional<std::string>(*obs.quarantined ? "true" : "false")
                                   : std::nullopt);
  p.BindText(5, obs.quarantine_reason);
  return Write("observe tenant", false, [&] {
    Result<Rows> r =
        c_->Exec("observe tenant",
                 "UPDATE tenants SET "
                 "running_image = coalesce($2::text, running_image), "
                 "running_seq = coalesce($3::bigint, running_seq), "
                 "quarantined = coalesce($4::boolean, quarantined), "
                 "quarantine_reason = CASE WHEN $4::boolean IS NULL THEN quarantine_reason "
                 "WHEN $4::boolean THEN $5::text ELSE '' END "
                 "WHERE slug = $1",
                 p);
    if (!r.ok()) return r.status();
    return r->affected() == 0 ? NotFound("tenant", slug) : Status::Ok();
  });
}

// ---- rollouts ----

Status PgStore::PutRollout(const Rollout& r) {
  std::lock_guard lock(mu_);
  Params p;
  rows::BindHeader(p, r);
  return Write("put rollout", false, [&] {
    return c_
        ->Exec(
            "put rollout",
            Sql("INSERT INTO rollouts ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                "$12, $13, "
                "$14, $15, $16) ON CONFLICT (id) DO UPDATE SET release_json = "
                "excluded.release_json, "
                "policy_json = excluded.policy_json, rollback = excluded.rollback, "
                "reason = excluded.reason, state = excluded.state, "
                "enumerated_json = excluded.enumerated_json, stragglers_json = "
                "excluded.stragglers_json, "
                "error = excluded.error, warnings_json = excluded.warnings_json, "
                "superseded_by = excluded.superseded_by, created_at_ms = excluded.created_at_ms, "
                "started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms, "
                "legacy_scoped = excluded.legacy_scoped, recovery = excluded.recovery",
                rows::kRolloutColumns)
                .c_str(),
            p)
        .status();
  });
}

Result<std::vector<Rollout>> PgStore::LoadRollouts(const Rows& headers) {
  Result<std::vector<Rollout>> out = ReadAll(headers, &rows::ReadHeader);
  if (!out.ok()) return out;
  for (Rollout& rollout : *out) {
    Params p;
    p.BindText(1, rollout.id);
    Result<Rows> found = c_->Exec(
        "get results",
        Sql("SELECT {} FROM results WHERE rollout_id = $1", rows::kResultColumns).c_str(), p);
    if (!found.ok()) return found.status();
    Result<std::vector<TenantResult>> results = ReadAll(*found, &rows::ReadResult);
    if (!results.ok()) return results.status();
    rows::PlaceResults(rollout, *results);
  }
  return out;
}

Result<Rollout> PgStore::GetRollout(const std::string& id) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, id);
  Result<Rows> headers =
      c_->Exec("get rollout",
               Sql("SELECT {} FROM rollouts WHERE id = $1", rows::kRolloutColumns).c_str(), p);
  if (!headers.ok()) return headers.status();
  Result<std::vector<Rollout>> found = LoadRollouts(*headers);
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFound("rollout", id);
  return std::move(found->front());
}

Result<std::vector<Rollout>> PgStore::ListRollouts(std::optional<RolloutState> state) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindOptText(1,
                state ? std::optional<std::string>(std::string(ToString(*state))) : std::nullopt);
  Result<Rows> headers = c_->Exec("list rollouts",
                                  Sql("SELECT {} FROM rollouts WHERE $1::text IS NULL OR state = "
                                      "$1::text ORDER BY created_at_ms, id",
                                      rows::kRolloutColumns)
                                      .c_str(),
                                  p);
  if (!headers.ok()) return headers.status();
  return LoadRollouts(*headers);
}

Status PgStore::RequireRollout(const std::string& id) {
  Params p;
  p.BindText(1, id);
  Result<Rows> found = c_->Exec("find rollout", "SELECT 1 FROM rollouts WHERE id = $1", p);
  if (!found.ok()) return found.status();
  return found->size() > 0 ? Status::Ok() : NotFound("rollout", id);
}

Status PgStore::MarkStarted(const std::string& rollout_id, const InFlightTenant& t) {
  std::lock_guard lock(mu_);
  return Write("mark started", false, [&] {
    if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
    Params p;
    p.BindText(1, rollout_id).BindText(2, t.slug).BindText(3, t.phase).BindInt(4, t.started_at_ms);
    return c_
        ->Exec("mark started",
               "INSERT INTO in_flight (rollout_id, slug, phase, started_at_ms) VALUES ($1, $2, $3, "
               "$4) "
               "ON CONFLICT (rollout_id, slug) DO UPDATE SET phase = excluded.phase, "
               "started_at_ms = excluded.started_at_ms",
               p)
        .status();
  });
}

Status PgStore::PutResult(const std::string& rollout_id, const TenantResult& row) {
  std::lock_guard lock(mu_);
  return Write("put result", /*atomic=*/true, [&] {
    if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
    Params p;
    rows::BindResult(p, rollout_id, row);
    const std::string& sql = Sql(
        "INSERT INTO results ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
        "ON CONFLICT (rollout_id, slug) DO UPDATE SET phase = excluded.phase, status = "
        "excluded.status, "
        "exit_code = excluded.exit_code, healthz_ok = excluded.healthz_ok, "
        "verified_on_target = excluded.verified_on_target, running_image = excluded.running_image, "
        "error = excluded.error, started_at_ms = excluded.started_at_ms, finished_at_ms = "
        "excluded.finished_at_ms, "
        "duration_ms = excluded.duration_ms, proof_observed_at_ms = excluded.proof_observed_at_ms",
        rows::kResultColumns);
    if (Result<Rows> r = c_->Exec("put result", sql.c_str(), p); !r.ok()) return r.status();
    Params clear;
    clear.BindText(1, rollout_id).BindText(2, row.slug);
    return c_
        ->Exec("put result", "DELETE FROM in_flight WHERE rollout_id = $1 AND slug = $2", clear)
        .status();
  });
}

Result<std::vector<InFlightTenant>> PgStore::InFlight(const std::string& rollout_id) {
  std::lock_guard lock(mu_);
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  Params p;
  p.BindText(1, rollout_id);
  Result<Rows> found = c_->Exec(
      "list in-flight",
      "SELECT slug, phase, started_at_ms FROM in_flight WHERE rollout_id = $1 ORDER BY slug", p);
  if (!found.ok()) return found.status();
  std::vector<InFlightTenant> out;
  for (int i = 0; i < found->size(); ++i) {
    const Rows::Row row = (*found)[i];
    out.push_back({row.Text(0), row.Text(1), row.Int(2)});
  }
  return out;
}

// ---- events ----

Status PgStore::AppendEvent(RolloutEvent& event) {
  std::lock_guard lock(mu_);
  return Write("append event", false, [&] {
    const bool fleet = event.rollout_id.empty();
    if (!fleet) {
      if (Status s = RequireRollout(event.rollout_id); !s.ok()) return s;
    }
    Params p;
    p.BindOptText(1, fleet ? std::nullopt : std::optional<std::string>(event.rollout_id));
    p.BindText(2, event.type)
        .BindText(3, rows::Dump(event.data))
        .BindInt(4, event.at_ms)
        .BindBool(5, event.final);
    Result<Rows> r = c_->Exec("append event",
                              "INSERT INTO events (rollout_id, type, data_json, at_ms, final) "
                              "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                              p);
    if (!r.ok()) return r.status();
    event.id = (*r)[0].Int(0);
    return Status::Ok();
  });
}

Result<std::vector<RolloutEvent>> PgStore::EventsAfter(const std::string& rollout_id,
                                                       int64_t after_id) {
  std::lock_guard lock(mu_);
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  Params p;
  p.BindText(1, rollout_id).BindInt(2, after_id);
  Result<Rows> found =
      c_->Exec("list events",
               Sql("SELECT {} FROM events WHERE rollout_id = $1 AND id > $2 ORDER BY id",
                   rows::kEventColumns)
                   .c_str(),
               p);
  if (!found.ok()) return found.status();
  return ReadAll(*found, &rows::ReadEvent);
}

Result<std::vector<RolloutEvent>> PgStore::FleetEventsAfter(int64_t after_id, size_t limit) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindInt(1, after_id).BindInt(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  Result<Rows> found = c_->Exec(
      "list fleet events",
      Sql("SELECT {} FROM events WHERE id > $1 ORDER BY id LIMIT $2", rows::kEventColumns).c_str(),
      p);
  if (!found.ok()) return found.status();
  return ReadAll(*found, &rows::ReadEvent);
}

Result<int64_t> PgStore::LastEventId() {
  std::lock_guard lock(mu_);
  Result<Rows> found = c_->Exec("last event id", "SELECT COALESCE(MAX(id), 0) FROM events");
  if (!found.ok()) return found.status();
  return (*found)[0].Int(0);
}

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
  Result<Rows> found =
      c_->Exec("list audit entries",
               Sql("SELECT {} FROM audit WHERE at_ms >= $1 AND ($2::text = '' OR actor = $2::text) "
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
        Sql("INSERT INTO drift ({}) SELECT $1::text, $2::text, $3::bigint, $4::text, $5::text "
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
  Result<Rows> found = c_->Exec(
      "list drift status", Sql("SELECT {} FROM drift ORDER BY slug", rows::kDriftColumns).c_str());
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

namespace {

constexpr const char* kPutKv =
    "INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = "
    "excluded.value";

}  // namespace

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
               "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason "
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
               "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason "
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
               "SELECT p.channel, p.tag, p.seq, p.digest, p.promoted_at_ms, p.rollback, p.reason "
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
    Result<Rows> inserted = c_->Exec(
        "record promotion",
        "INSERT INTO promotions (channel, tag, seq, digest, promoted_at_ms, rollback, reason) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
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
               Sql("INSERT INTO process_groups ({}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
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
      Sql("SELECT {} FROM process_groups WHERE slug = $1", rows::kProcessGroupColumns).c_str(), p);
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

}  // namespace rollcall
