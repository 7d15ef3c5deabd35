// PgStore's schema steps. Never edit a released step: append a new one.
// The tables are SqliteStore's (store/row_codec.h maps both), in
// PostgreSQL's types: BIGINT, BOOLEAN, BIGSERIAL ids.
#include <vector>

#include "store/pg_store.h"

namespace rollcall {
namespace {

// Version 1: everything SQLite's versions 1-5 hold.
constexpr const char* kPgSchemaV1 = R"sql(
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
  running_seq BIGINT,
  quarantined BOOLEAN NOT NULL,
  quarantine_reason TEXT NOT NULL,
  docker_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS rollouts (
  id TEXT PRIMARY KEY,
  release_json TEXT NOT NULL,
  policy_json TEXT NOT NULL,
  rollback BOOLEAN NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  enumerated_json TEXT NOT NULL,
  stragglers_json TEXT NOT NULL,
  error TEXT NOT NULL,
  warnings_json TEXT NOT NULL,
  superseded_by TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT NOT NULL,
  legacy_scoped BOOLEAN NOT NULL DEFAULT false,
  recovery BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS rollouts_by_created ON rollouts (created_at_ms, id);
CREATE INDEX IF NOT EXISTS rollouts_by_state ON rollouts (state, created_at_ms, id);
CREATE TABLE IF NOT EXISTS results (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  phase TEXT NOT NULL,
  status TEXT NOT NULL,
  exit_code BIGINT,
  healthz_ok BOOLEAN NOT NULL,
  verified_on_target BOOLEAN NOT NULL,
  running_image TEXT NOT NULL,
  error TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  proof_observed_at_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (rollout_id, slug)
);
CREATE TABLE IF NOT EXISTS in_flight (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  phase TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  PRIMARY KEY (rollout_id, slug)
);
CREATE TABLE IF NOT EXISTS events (
  id BIGSERIAL PRIMARY KEY,
  rollout_id TEXT REFERENCES rollouts (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  data_json TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  final BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_rollout ON events (rollout_id, id);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS promotions (
  id BIGSERIAL PRIMARY KEY,
  channel TEXT NOT NULL,
  tag TEXT NOT NULL,
  seq BIGINT,
  digest TEXT NOT NULL,
  promoted_at_ms BIGINT NOT NULL,
  rollback BOOLEAN NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS promotions_by_channel ON promotions (channel, id);
CREATE TABLE IF NOT EXISTS channels (
  channel TEXT PRIMARY KEY,
  promotion_id BIGINT NOT NULL REFERENCES promotions (id)
);
CREATE TABLE IF NOT EXISTS legacy_canaries (
  tag TEXT PRIMARY KEY,
  slug TEXT NOT NULL,
  dry_run_id TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS process_groups (
  slug TEXT PRIMARY KEY,
  rollout_id TEXT NOT NULL,
  pgid BIGINT NOT NULL,
  leader_start_ticks BIGINT NOT NULL,
  boot_id TEXT NOT NULL,
  deadline_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
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
  since_ms BIGINT NOT NULL,
  detail TEXT NOT NULL,
  sighting_json TEXT NOT NULL
);
)sql";

// Version 2: the leader lease (core/leader_lease.h), one row.
constexpr const char* kPgSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS leader_lease (
  id INT PRIMARY KEY CHECK (id = 1),
  holder TEXT NOT NULL,
  url TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL,
  renewed_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
)sql";

// Version 3: an event's commit key (LedgerWrite::commit_key), so a batch
// retried after a commit whose outcome was lost with the connection writes
// its events once.
constexpr const char* kPgSchemaV3 = R"sql(
ALTER TABLE events ADD COLUMN IF NOT EXISTS commit_key TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS events_by_commit_key ON events (commit_key);
)sql";

// Version 4: who started each rollout and made each promotion.
constexpr const char* kPgSchemaV4 = R"sql(
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE promotions ADD COLUMN IF NOT EXISTS created_by TEXT NOT NULL DEFAULT '';
)sql";

// Version 5: where users reach each tenant (verify checks it), and
// rollout listings newest first without a sort of the whole table.
constexpr const char* kPgSchemaV5 = R"sql(
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS public_url TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS rollouts_by_created ON rollouts (created_at_ms, id);
)sql";

// Version 6: the ssm driver's settings ("{}" for other drivers).
constexpr const char* kPgSchemaV6 = R"sql(
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS ssm_json TEXT NOT NULL DEFAULT '{}';
)sql";

}  // namespace

const std::vector<const char*>& PgSchemaSteps() {
  static const std::vector<const char*> steps = {kPgSchemaV1, kPgSchemaV2, kPgSchemaV3, kPgSchemaV4,
                                                 kPgSchemaV5, kPgSchemaV6};
  return steps;
}

}  // namespace rollcall
