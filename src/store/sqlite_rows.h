// SqliteStore's schema and the mapping between domain types and table rows.
//
// Enums are stored as their JSON names, lists and maps as JSON text, release
// and policy as their API JSON (json_codec), timestamps as Unix milliseconds
// (0 = never). Each k*Columns list fixes the column order that the matching
// Bind*/Read* functions use; statements select or insert exactly that list.
// A stored value that no longer decodes is Internal("sqlite: <what>: stored
// value does not decode: <why>"), never an exception.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <utility>
#include <vector>

#include "core/json_reader.h"
#include "core/store.h"
#include "core/types.h"
#include "store/sqlite_db.h"

namespace rollcall::sqlite {

// NotFound("tenant acme not found") for kind "tenant", key "acme".
Status NotFound(std::string_view kind, const std::string& key);

// Reads every row of `q` through `read` (ReadTenant, ReadHeader, ...).
template <typename T>
Result<std::vector<T>> ReadAll(Query& q, Result<T> (*read)(const Query&)) {
  std::vector<T> out;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    Result<T> value = read(q);
    if (!value.ok()) return value.status();
    out.push_back(std::move(value).value());
  }
}

// The migration steps, oldest first (see Migrate).
std::span<const char* const> SchemaSteps();

// JSON text of `j`; never throws (invalid UTF-8 becomes U+FFFD).
std::string Dump(const Json& j);
// Parses a stored JSON column; `what` names the row in the error.
Result<Json> ParseStored(const std::string& text, std::string_view what);
// Unlike ParseRelease, does not validate: the store returns what it was given.
Result<Release> DecodeRelease(const std::string& text, std::string_view what);

inline constexpr const char* kTenantColumns =
    "slug, base_url, driver, agent_url, exec_json, labels_json, vars_json, image_repo, state, "
    "running_image, running_seq, quarantined, quarantine_reason, docker_json";
void BindTenant(Query& q, const Tenant& t);  // parameters ?1-?14
Result<Tenant> ReadTenant(const Query& q);

// The rollout header: everything but the results.
inline constexpr const char* kRolloutColumns =
    "id, release_json, policy_json, rollback, reason, state, enumerated_json, stragglers_json, "
    "error, warnings_json, superseded_by, created_at_ms, started_at_ms, finished_at_ms, legacy_scoped, "
    "recovery";
void BindHeader(Query& q, const Rollout& r);  // parameters ?1-?16
Result<Rollout> ReadHeader(const Query& q);

inline constexpr const char* kResultColumns =
    "rollout_id, slug, phase, status, exit_code, healthz_ok, verified_on_target, running_image, "
    "error, started_at_ms, finished_at_ms, duration_ms, proof_observed_at_ms";
void BindResult(Query& q, const std::string& rollout_id, const TenantResult& row);  // ?1-?13
Result<TenantResult> ReadResult(const Query& q);

// A NULL rollout_id is a fleet event ("" in RolloutEvent).
inline constexpr const char* kEventColumns = "id, rollout_id, type, data_json, at_ms, final";
Result<RolloutEvent> ReadEvent(const Query& q);

inline constexpr const char* kDriftColumns = "slug, state, since_ms, detail, sighting_json";
void BindDrift(Query& q, const std::string& slug, const DriftStatus& d);  // ?1-?5
Result<std::pair<std::string, DriftStatus>> ReadDrift(const Query& q);

// id is assigned by SQLite: it is selected, never bound.
inline constexpr const char* kAuditColumns = "id, at_ms, actor, kind, target, reason, data_json";
void BindAudit(Query& q, const AuditEntry& e);  // ?1-?6: every column but id
Result<AuditEntry> ReadAudit(const Query& q);

}  // namespace rollcall::sqlite
