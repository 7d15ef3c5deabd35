#include "store/sqlite_rows.h"

#include <array>

namespace rollcall::sqlite {
namespace {

// Schema steps, applied in order by sqlite::Migrate; `PRAGMA user_version`
// records how many ran. Never edit a released step: append a new one.
// Enums are stored as their JSON names, lists and maps as JSON text,
// timestamps as Unix milliseconds (0 = never).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS tenants (
  slug TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  driver TEXT NOT NULL,
  agent_url TEXT NOT NULL,
  exec_json TEXT NOT NULL,
  labels_json TEXT NOT NULL,
  vars_json TEXT NOT NULL,
  image_repo TEXT,
  state TEXT NOT NULL,
  running_image TEXT NOT NULL,
  running_seq INTEGER,
  quarantined INTEGER NOT NULL,
  quarantine_reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rollouts (
  id TEXT PRIMARY KEY,
  release_json TEXT NOT NULL,
  policy_json TEXT NOT NULL,
  rollback INTEGER NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  enumerated_json TEXT NOT NULL,
  stragglers_json TEXT NOT NULL,
  error TEXT NOT NULL,
  warnings_json TEXT NOT NULL,
  superseded_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rollouts_by_created ON rollouts (created_at_ms, id);
CREATE INDEX IF NOT EXISTS rollouts_by_state ON rollouts (state, created_at_ms, id);
CREATE TABLE IF NOT EXISTS results (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  phase TEXT NOT NULL,
  status TEXT NOT NULL,
  exit_code INTEGER,
  healthz_ok INTEGER NOT NULL,
  verified_on_target INTEGER NOT NULL,
  running_image TEXT NOT NULL,
  error TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, slug)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS in_flight (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  phase TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, slug)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  data_json TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  final INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_rollout ON events (rollout_id, id);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Fenced promotion: where each channel points, and every promotion.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS promotions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  tag TEXT NOT NULL,
  seq INTEGER,
  digest TEXT NOT NULL,
  promoted_at_ms INTEGER NOT NULL,
  rollback INTEGER NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS promotions_by_channel ON promotions (channel, id);
CREATE TABLE IF NOT EXISTS channels (
  channel TEXT PRIMARY KEY,
  promotion_id INTEGER NOT NULL REFERENCES promotions (id)
);
)sql";

// Issue 9: proof timestamps, the legacy scoped-call flag, the legacy
// endpoint's canary memory, and exec deploys' process groups.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE results ADD COLUMN proof_observed_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollouts ADD COLUMN legacy_scoped INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS legacy_canaries (
  tag TEXT PRIMARY KEY,
  slug TEXT NOT NULL,
  dry_run_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS process_groups (
  slug TEXT PRIMARY KEY,
  rollout_id TEXT NOT NULL,
  pgid INTEGER NOT NULL,
  leader_start_ticks INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  deadline_ms INTEGER NOT NULL
);
)sql";

// Issue 11: fleet events share the events table (and its id sequence) with
// rollout events, so rollout_id becomes nullable (SQLite rebuilds the table
// for that); the audit trail; the drift watch's conclusions; recoveries.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE events_v4 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rollout_id TEXT REFERENCES rollouts (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  data_json TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  final INTEGER NOT NULL
);
INSERT INTO events_v4 (id, rollout_id, type, data_json, at_ms, final)
  SELECT id, rollout_id, type, data_json, at_ms, final FROM events;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE INDEX IF NOT EXISTS events_by_rollout ON events (rollout_id, id);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT NOT NULL,
  data_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_at ON audit (at_ms, id);
CREATE TABLE IF NOT EXISTS drift (
  slug TEXT PRIMARY KEY REFERENCES tenants (slug) ON DELETE CASCADE,
  state TEXT NOT NULL,
  since_ms INTEGER NOT NULL,
  detail TEXT NOT NULL,
  sighting_json TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE rollouts ADD COLUMN recovery INTEGER NOT NULL DEFAULT 0;
)sql";

// Issue 12: the docker driver's settings ("{}" for other drivers).
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE tenants ADD COLUMN docker_json TEXT NOT NULL DEFAULT '{}';
)sql";

// Issue 14: who started each rollout and made each promotion.
constexpr const char* kSchemaV6 = R"sql(
ALTER TABLE rollouts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE promotions ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
)sql";

// Issue 14: where users reach each tenant (verify checks it), and rollout
// listings newest first without a sort of the whole table.
constexpr const char* kSchemaV7 = R"sql(
ALTER TABLE tenants ADD COLUMN public_url TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS rollouts_by_created ON rollouts (created_at_ms, id);
)sql";

// Issue 16: the ssm driver's settings ("{}" for other drivers).
constexpr const char* kSchemaV8 = R"sql(
ALTER TABLE tenants ADD COLUMN ssm_json TEXT NOT NULL DEFAULT '{}';
)sql";

constexpr std::array<const char*, 8> kSchemaSteps = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                                     kSchemaV5, kSchemaV6, kSchemaV7, kSchemaV8};

}  // namespace

std::span<const char* const> SchemaSteps() { return kSchemaSteps; }

}  // namespace rollcall::sqlite
