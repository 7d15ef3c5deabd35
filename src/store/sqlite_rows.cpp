#include "store/sqlite_rows.h"

#include <fmt/format.h>

#include <array>

#include "core/json_codec.h"

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

constexpr std::array<const char*, 5> kSchemaSteps = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                                     kSchemaV5};

Status Corrupt(std::string_view what, std::string_view why) {
  return Status::Internal(fmt::format("sqlite: {}: stored value does not decode: {}", what, why));
}

// Decodes a JSON list or map column through FieldReader's type checks.
template <typename T>
Status DecodeInto(const std::string& text, std::string_view what, T& out) {
  Result<Json> j = ParseStored(text, what);
  if (!j.ok()) return j.status();
  Json wrapper = Json::object();
  wrapper["value"] = std::move(j).value();
  FieldReader r(wrapper, "");
  r.Read("value", out);
  Status s = r.Finish();
  return s.ok() ? s : Corrupt(what, s.message());
}

Result<Policy> DecodePolicy(const std::string& text, std::string_view what) {
  Result<Json> j = ParseStored(text, what);
  if (!j.ok()) return j.status();
  Result<Policy> p = ParsePolicy(*j, Policy{}, "policy.");
  if (!p.ok()) return Corrupt(what, p.status().message());
  return p;
}

Status DecodeExec(const std::string& text, std::string_view what, ExecCommands& out) {
  Result<Json> j = ParseStored(text, what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(what, "exec: not an object");
  FieldReader r(*j, "exec.");
  r.Read("deploy", out.deploy);
  r.Read("inspect", out.inspect);
  Status s = r.Finish();
  return s.ok() ? s : Corrupt(what, s.message());
}

Status DecodeDocker(const std::string& text, std::string_view what, DockerSettings& out) {
  Result<Json> j = ParseStored(text, what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(what, "docker: not an object");
  if (j->empty()) return Status::Ok();  // not a docker tenant
  Result<DockerSettings> d = ParseDockerSettings(*j, "");
  if (!d.ok()) return Corrupt(what, d.status().message());
  out = std::move(d).value();
  return Status::Ok();
}

// Parses an enum column through its Parse* function.
template <typename E>
Status DecodeEnum(const std::string& text, std::string_view what, E& out,
                  Result<E> (*parse)(std::string_view)) {
  Result<E> value = parse(text);
  if (!value.ok()) return Corrupt(what, value.status().message());
  out = *value;
  return Status::Ok();
}

// The first failure among column decodes, or OK.
Status FirstError(std::initializer_list<Status> statuses) {
  for (const Status& s : statuses) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status NotFound(std::string_view kind, const std::string& key) {
  return Status::NotFound(fmt::format("{} {} not found", kind, key));
}

std::span<const char* const> SchemaSteps() { return kSchemaSteps; }

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<Json> ParseStored(const std::string& text, std::string_view what) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Corrupt(what, "not JSON");
  return j;
}

Result<Release> DecodeRelease(const std::string& text, std::string_view what) {
  Result<Json> j = ParseStored(text, what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(what, "release: not an object");
  Release rel;
  FieldReader r(*j, "release.");
  r.Read("tag", rel.tag);
  r.Read("git_sha", rel.git_sha);
  r.Read("seq", rel.seq);
  if (Status s = r.Finish(); !s.ok()) return Corrupt(what, s.message());
  return rel;
}

void BindTenant(Query& q, const Tenant& t) {
  const Json exec = {{"deploy", t.exec.deploy}, {"inspect", t.exec.inspect}};
  q.BindText(1, t.slug).BindText(2, t.base_url).BindText(3, ToString(t.driver));
  q.BindText(4, t.agent_url).BindText(5, Dump(exec));
  q.BindText(6, Dump(Json(t.labels))).BindText(7, Dump(Json(t.vars)));
  q.BindOptText(8, t.image_repo).BindText(9, ToString(t.state));
  q.BindText(10, t.running_image).BindOptInt(11, t.running_seq);
  q.BindBool(12, t.quarantined).BindText(13, t.quarantine_reason);
  q.BindText(14, t.docker.Configured() ? Dump(ToJson(t.docker)) : "{}");
}

Result<Tenant> ReadTenant(const Query& q) {
  Tenant t;
  t.slug = q.Text(0);
  const std::string what = "tenant " + t.slug;
  t.base_url = q.Text(1);
  t.agent_url = q.Text(3);
  t.image_repo = q.OptText(7);
  t.running_image = q.Text(9);
  t.running_seq = q.OptInt(10);
  t.quarantined = q.Bool(11);
  t.quarantine_reason = q.Text(12);
  Status s = FirstError({DecodeEnum(q.Text(2), what, t.driver, &ParseDriverKind),
                         DecodeExec(q.Text(4), what, t.exec),
                         DecodeDocker(q.Text(13), what, t.docker),
                         DecodeInto(q.Text(5), what + " labels", t.labels),
                         DecodeInto(q.Text(6), what + " vars", t.vars),
                         DecodeEnum(q.Text(8), what, t.state, &ParseTenantState)});
  if (!s.ok()) return s;
  return t;
}

void BindHeader(Query& q, const Rollout& r) {
  q.BindText(1, r.id).BindText(2, Dump(ToJson(r.release))).BindText(3, Dump(ToJson(r.policy)));
  q.BindBool(4, r.rollback).BindText(5, r.reason).BindText(6, ToString(r.state));
  q.BindText(7, Dump(Json(r.enumerated))).BindText(8, Dump(Json(r.stragglers)));
  q.BindText(9, r.error).BindText(10, Dump(Json(r.warnings))).BindText(11, r.superseded_by);
  q.BindInt(12, r.created_at_ms).BindInt(13, r.started_at_ms).BindInt(14, r.finished_at_ms);
  q.BindBool(15, r.legacy_scoped).BindBool(16, r.recovery);
}

Result<Rollout> ReadHeader(const Query& q) {
  Rollout r;
  r.id = q.Text(0);
  const std::string what = "rollout " + r.id;
  Result<Release> release = DecodeRelease(q.Text(1), what);
  if (!release.ok()) return release.status();
  r.release = std::move(release).value();
  Result<Policy> policy = DecodePolicy(q.Text(2), what);
  if (!policy.ok()) return policy.status();
  r.policy = std::move(policy).value();
  r.rollback = q.Bool(3);
  r.reason = q.Text(4);
  r.error = q.Text(8);
  r.superseded_by = q.Text(10);
  r.created_at_ms = q.Int(11);
  r.started_at_ms = q.Int(12);
  r.finished_at_ms = q.Int(13);
  r.legacy_scoped = q.Bool(14);
  r.recovery = q.Bool(15);
  Status s = FirstError({DecodeEnum(q.Text(5), what, r.state, &ParseRolloutState),
                         DecodeInto(q.Text(6), what + " enumerated", r.enumerated),
                         DecodeInto(q.Text(7), what + " stragglers", r.stragglers),
                         DecodeInto(q.Text(9), what + " warnings", r.warnings)});
  if (!s.ok()) return s;
  return r;
}

void BindResult(Query& q, const std::string& rollout_id, const TenantResult& row) {
  q.BindText(1, rollout_id).BindText(2, row.slug).BindText(3, row.phase);
  q.BindText(4, ToString(row.status)).BindOptInt(5, row.exit_code);
  q.BindBool(6, row.healthz_ok).BindBool(7, row.verified_on_target);
  q.BindText(8, row.running_image).BindText(9, row.error);
  q.BindInt(10, row.started_at_ms).BindInt(11, row.finished_at_ms).BindInt(12, row.duration_ms);
  q.BindInt(13, row.proof_observed_at_ms);
}

Result<TenantResult> ReadResult(const Query& q) {
  TenantResult row;
  const std::string rollout_id = q.Text(0);
  row.slug = q.Text(1);
  row.phase = q.Text(2);
  const std::string what = fmt::format("rollout {} result {}", rollout_id, row.slug);
  if (Status s = DecodeEnum(q.Text(3), what, row.status, &ParseTenantStatus); !s.ok()) return s;
  if (std::optional<int64_t> code = q.OptInt(4)) row.exit_code = static_cast<int>(*code);
  row.healthz_ok = q.Bool(5);
  row.verified_on_target = q.Bool(6);
  row.running_image = q.Text(7);
  row.error = q.Text(8);
  row.started_at_ms = q.Int(9);
  row.finished_at_ms = q.Int(10);
  row.duration_ms = q.Int(11);
  row.proof_observed_at_ms = q.Int(12);
  return row;
}

Result<RolloutEvent> ReadEvent(const Query& q) {
  Result<Json> data = ParseStored(q.Text(3), fmt::format("event {}", q.Int(0)));
  if (!data.ok()) return data.status();
  return RolloutEvent{q.Int(0), q.OptText(1).value_or(""), q.Text(2), std::move(data).value(), q.Int(4), q.Bool(5)};
}

void BindDrift(Query& q, const std::string& slug, const DriftStatus& d) {
  const TenantSighting& l = d.last;
  const Json sighting = {{"at_ms", l.at_ms},
                         {"inspected", l.inspected},
                         {"inspected_image", l.inspected_image},
                         {"inspected_seq", l.inspected_seq ? Json(*l.inspected_seq) : Json(nullptr)},
                         {"deploying", l.deploying},
                         {"buildinfo_answered", l.buildinfo_answered},
                         {"buildinfo_sha", l.buildinfo_sha},
                         {"buildinfo_image", l.buildinfo_image},
                         {"health_answered", l.health_answered},
                         {"healthy", l.healthy}};
  q.BindText(1, slug).BindText(2, ToString(d.state)).BindInt(3, d.since_ms);
  q.BindText(4, d.detail).BindText(5, Dump(sighting));
}

Result<std::pair<std::string, DriftStatus>> ReadDrift(const Query& q) {
  std::pair<std::string, DriftStatus> out;
  out.first = q.Text(0);
  const std::string what = "drift of " + out.first;
  DriftStatus& d = out.second;
  if (Status s = DecodeEnum(q.Text(1), what, d.state, &ParseDriftState); !s.ok()) return s;
  d.since_ms = q.Int(2);
  d.detail = q.Text(3);
  Result<Json> j = ParseStored(q.Text(4), what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(what, "sighting: not an object");
  TenantSighting& l = d.last;
  FieldReader r(*j, "sighting.");
  r.Read("at_ms", l.at_ms);
  r.Read("inspected", l.inspected);
  r.Read("inspected_image", l.inspected_image);
  r.Read("inspected_seq", l.inspected_seq);
  r.Read("deploying", l.deploying);
  r.Read("buildinfo_answered", l.buildinfo_answered);
  r.Read("buildinfo_sha", l.buildinfo_sha);
  r.Read("buildinfo_image", l.buildinfo_image);
  r.Read("health_answered", l.health_answered);
  r.Read("healthy", l.healthy);
  if (Status s = r.Finish(); !s.ok()) return Corrupt(what, s.message());
  return out;
}

void BindAudit(Query& q, const AuditEntry& e) {
  q.BindInt(1, e.at_ms).BindText(2, e.actor).BindText(3, e.kind).BindText(4, e.target);
  q.BindText(5, e.reason).BindText(6, Dump(e.data));
}

Result<AuditEntry> ReadAudit(const Query& q) {
  AuditEntry e;
  e.id = q.Int(0);
  e.at_ms = q.Int(1);
  e.actor = q.Text(2);
  e.kind = q.Text(3);
  e.target = q.Text(4);
  e.reason = q.Text(5);
  Result<Json> data = ParseStored(q.Text(6), fmt::format("audit entry {}", e.id));
  if (!data.ok()) return data.status();
  e.data = std::move(data).value();
  return e;
}

}  // namespace rollcall::sqlite
