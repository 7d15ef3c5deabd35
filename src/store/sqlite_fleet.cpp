// SqliteStore's share of the fleet's own history: the audit trail and the
// drift watch's statuses (fleet events live with the rollouts' events in
// sqlite_store.cpp: one table, one id sequence).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "store/sqlite_db.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace rollcall {

using sqlite::NotFound;
using sqlite::Query;
using sqlite::ReadAll;

// ---- audit ----

Status SqliteStore::AppendAudit(AuditEntry& entry) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare(
      "append audit entry",
      "INSERT INTO audit (at_ms, actor, kind, target, reason, data_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!q.ok()) return q.status();
  sqlite::BindAudit(*q, entry);
  if (Status s = q->Run(); !s.ok()) return s;
  entry.id = db_->LastInsertRowid();
  return Status::Ok();
}

Result<std::vector<AuditEntry>> SqliteStore::ListAudit(const AuditQuery& query) {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format(
      "SELECT {} FROM audit WHERE at_ms >= ?1 AND (?2 = '' OR actor = ?2) AND (?3 = '' OR kind = ?3) "
      "AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5",
      sqlite::kAuditColumns);
  Result<Query> q = db_->Prepare("list audit entries", sql.c_str());
  if (!q.ok()) return q.status();
  q->BindInt(1, query.since_ms).BindText(2, query.actor).BindText(3, query.kind);
  q->BindInt(4, query.before_id).BindInt(5, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  return ReadAll(*q, &sqlite::ReadAudit);
}

// ---- drift ----

Status SqliteStore::PutDriftStatus(const std::string& slug, const DriftStatus& status) {
  std::lock_guard lock(mu_);
  // INSERT ... SELECT: a tenant removed meanwhile inserts nothing (NotFound)
  // instead of tripping the foreign key.
  static const std::string sql = fmt::format(
      "INSERT INTO drift ({}) SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM tenants WHERE slug = ?1) "
      "ON CONFLICT (slug) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms, "
      "detail = excluded.detail, sighting_json = excluded.sighting_json",
      sqlite::kDriftColumns);
  Result<Query> q = db_->Prepare("put drift status", sql.c_str());
  if (!q.ok()) return q.status();
  sqlite::BindDrift(*q, slug, status);
  if (Status s = q->Run(); !s.ok()) return s;
  return db_->Changes() == 0 ? NotFound("tenant", slug) : Status::Ok();
}

Result<std::map<std::string, DriftStatus>> SqliteStore::ListDriftStatus() {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format("SELECT {} FROM drift ORDER BY slug", sqlite::kDriftColumns);
  Result<Query> q = db_->Prepare("list drift status", sql.c_str());
  if (!q.ok()) return q.status();
  Result<std::vector<std::pair<std::string, DriftStatus>>> rows = ReadAll(*q, &sqlite::ReadDrift);
  if (!rows.ok()) return rows.status();
  std::map<std::string, DriftStatus> out;
  for (auto& [slug, status] : *rows) out.emplace(std::move(slug), std::move(status));
  return out;
}

}  // namespace rollcall
