// The mapping between domain types and table rows, shared by every SQL
// store (SQLite, PostgreSQL): one wire format for the ledger, whichever
// database holds it.
//
// Enums are stored as their JSON names, lists and maps as JSON text, release
// and policy as their API JSON (json_codec), timestamps as Unix milliseconds
// (0 = never). Each k*Columns list fixes the column order that the matching
// Bind*/Read* functions use; statements select or insert exactly that list.
// A stored value that no longer decodes is Internal("<store>: <what>: stored
// value does not decode: <why>"), never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/json_reader.h"
#include "core/store.h"
#include "core/types.h"

namespace rollcall::rows {

// One result row, columns 0-based. A database's row type implements it.
class ColumnReader {
 public:
  virtual ~ColumnReader() = default;
  virtual std::string Text(int col) const = 0;  // "" for NULL
  virtual std::optional<std::string> OptText(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual std::optional<int64_t> OptInt(int col) const = 0;
  virtual bool Bool(int col) const = 0;
  // "sqlite", "postgres": how messages name the store.
  virtual std::string_view StoreName() const = 0;
};

// A statement's parameters, 1-based.
class ParamWriter {
 public:
  virtual ~ParamWriter() = default;
  virtual ParamWriter& BindText(int index, std::string_view text) = 0;
  virtual ParamWriter& BindInt(int index, int64_t value) = 0;
  virtual ParamWriter& BindOptInt(int index, std::optional<int64_t> value) = 0;  // NULL when absent
  virtual ParamWriter& BindOptText(int index, const std::optional<std::string>& text) = 0;
  virtual ParamWriter& BindBool(int index, bool value) = 0;
};

// NotFound("tenant acme not found") for kind "tenant", key "acme".
Status NotFound(std::string_view kind, const std::string& key);
// Internal("<store>: <what>: stored value does not decode: <why>").
Status Corrupt(std::string_view store, std::string_view what, std::string_view why);

// JSON text of `j`; never throws (invalid UTF-8 becomes U+FFFD).
std::string Dump(const Json& j);
// Parses a stored JSON column; `what` names the row in the error.
Result<Json> ParseStored(std::string_view store, const std::string& text, std::string_view what);
// Unlike ParseRelease, does not validate: the store returns what it was given.
Result<Release> DecodeRelease(std::string_view store, const std::string& text,
                              std::string_view what);
// The fleet freeze as stored: {"reason","since_ms"}.
std::string EncodeFreeze(const FleetFreeze& f);
Result<FleetFreeze> DecodeFreeze(std::string_view store, const std::string& text);

inline constexpr const char* kTenantColumns =
    "slug, base_url, driver, agent_url, exec_json, labels_json, vars_json, image_repo, state, "
    "running_image, running_seq, quarantined, quarantine_reason, docker_json, public_url, ssm_json";
void BindTenant(ParamWriter& q, const Tenant& t);  // parameters 1-16
Result<Tenant> ReadTenant(const ColumnReader& q);

// The rollout header: everything but the results.
inline constexpr const char* kRolloutColumns =
    "id, release_json, policy_json, rollback, reason, state, enumerated_json, stragglers_json, "
    "error, warnings_json, superseded_by, created_at_ms, started_at_ms, finished_at_ms, "
    "legacy_scoped, "
    "recovery, created_by";
void BindHeader(ParamWriter& q, const Rollout& r);  // parameters 1-17
Result<Rollout> ReadHeader(const ColumnReader& q);

inline constexpr const char* kResultColumns =
    "rollout_id, slug, phase, status, exit_code, healthz_ok, verified_on_target, running_image, "
    "error, started_at_ms, finished_at_ms, duration_ms, proof_observed_at_ms";
void BindResult(ParamWriter& q, const std::string& rollout_id, const TenantResult& row);  // 1-13
Result<TenantResult> ReadResult(const ColumnReader& q);
// Sets rollout.results to `rows` in plan (`enumerated`) order; a row for a
// slug outside the plan is not shown.
void PlaceResults(Rollout& rollout, const std::vector<TenantResult>& rows);

// A listing's row counts: one line per rollout and status of
// "SELECT {kRowCountColumns} FROM results WHERE ... GROUP BY rollout_id, status".
inline constexpr const char* kRowCountColumns =
    "rollout_id, status, COUNT(*), SUM(CASE WHEN verified_on_target THEN 1 ELSE 0 END)";
// Adds one such line to its listing in `page` (a rollout not on the page is
// ignored); Internal when the status does not decode.
Status AddRowCount(const ColumnReader& q, std::vector<RolloutListing>& page);
// The page's rollout ids as a JSON array, for "rollout_id IN (<its elements>)".
std::string PageIdsJson(const std::vector<RolloutListing>& page);

// A NULL rollout_id is a fleet event ("" in RolloutEvent).
inline constexpr const char* kEventColumns = "id, rollout_id, type, data_json, at_ms, final";
Result<RolloutEvent> ReadEvent(const ColumnReader& q);

inline constexpr const char* kDriftColumns = "slug, state, since_ms, detail, sighting_json";
void BindDrift(ParamWriter& q, const std::string& slug, const DriftStatus& d);  // 1-5
Result<std::pair<std::string, DriftStatus>> ReadDrift(const ColumnReader& q);

// id is assigned by the database: it is selected, never bound.
inline constexpr const char* kAuditColumns = "id, at_ms, actor, kind, target, reason, data_json";
void BindAudit(ParamWriter& q, const AuditEntry& e);  // 1-6: every column but id
Result<AuditEntry> ReadAudit(const ColumnReader& q);

inline constexpr const char* kPromotionColumns =
    "channel, tag, seq, digest, promoted_at_ms, rollback, reason, created_by";
ChannelRecord ReadPromotion(const ColumnReader& q);

inline constexpr const char* kProcessGroupColumns =
    "slug, rollout_id, pgid, leader_start_ticks, boot_id, deadline_ms";
void BindProcessGroup(ParamWriter& q, const ProcessGroupRecord& r);  // 1-6
ProcessGroupRecord ReadProcessGroup(const ColumnReader& q);

}  // namespace rollcall::rows
