#include "store/row_codec.h"

#include <fmt/format.h>

#include <unordered_map>

#include "core/json_codec.h"

namespace rollcall::rows {
namespace {

// Decodes a JSON list or map column through FieldReader's type checks.
template <typename T>
Status DecodeInto(std::string_view store, const std::string& text, std::string_view what, T& out) {
  Result<Json> j = ParseStored(store, text, what);
  if (!j.ok()) return j.status();
  Json wrapper = Json::object();
  wrapper["value"] = std::move(j).value();
  FieldReader r(wrapper, "");
  r.Read("value", out);
  Status s = r.Finish();
  return s.ok() ? s : Corrupt(store, what, s.message());
}

Result<Policy> DecodePolicy(std::string_view store, const std::string& text,
                            std::string_view what) {
  Result<Json> j = ParseStored(store, text, what);
  if (!j.ok()) return j.status();
  Result<Policy> p = ParsePolicy(*j, Policy{}, "policy.");
  if (!p.ok()) return Corrupt(store, what, p.status().message());
  return p;
}

Status DecodeExec(std::string_view store, const std::string& text, std::string_view what,
                  ExecCommands& out) {
  Result<Json> j = ParseStored(store, text, what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(store, what, "exec: not an object");
  FieldReader r(*j, "exec.");
  r.Read("deploy", out.deploy);
  r.Read("inspect", out.inspect);
  Status s = r.Finish();
  return s.ok() ? s : Corrupt(store, what, s.message());
}

// A driver's settings column: "{}" for a tenant of another driver.
template <typename Settings>
Status DecodeSettings(std::string_view store, const std::string& text, std::string_view what, const char* name,
                      Result<Settings> (*parse)(const Json&, const std::string&), Settings& out) {
  Result<Json> j = ParseStored(store, text, what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(store, what, fmt::format("{}: not an object", name));
  if (j->empty()) return Status::Ok();
  Result<Settings> d = parse(*j, "");
  if (!d.ok()) return Corrupt(store, what, d.status().message());
  out = std::move(d).value();
  return Status::Ok();
}

Status DecodeDocker(std::string_view store, const std::string& text, std::string_view what, DockerSettings& out) {
  return DecodeSettings(store, text, what, "docker", &ParseDockerSettings, out);
}

Status DecodeSsm(std::string_view store, const std::string& text, std::string_view what, SsmSettings& out) {
  return DecodeSettings(store, text, what, "ssm", &ParseSsmSettings, out);
}

// Parses an enum column through its Parse* function.
template <typename E>
Status DecodeEnum(std::string_view store, const std::string& text, std::string_view what, E& out,
                  Result<E> (*parse)(std::string_view)) {
  Result<E> value = parse(text);
  if (!value.ok()) return Corrupt(store, what, value.status().message());
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

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<Json> ParseStored(std::string_view store, const std::string& text, std::string_view what) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Corrupt(store, what, "not JSON");
  return j;
}

Result<Release> DecodeRelease(std::string_view store, const std::string& text,
                              std::string_view what) {
  Result<Json> j = ParseStored(store, text, what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(store, what, "release: not an object");
  Release rel;
  FieldReader r(*j, "release.");
  r.Read("tag", rel.tag);
  r.Read("git_sha", rel.git_sha);
  r.Read("seq", rel.seq);
  if (Status s = r.Finish(); !s.ok()) return Corrupt(store, what, s.message());
  return rel;
}

void BindTenant(ParamWriter& q, const Tenant& t) {
  const Json exec = {{"deploy", t.exec.deploy}, {"inspect", t.exec.inspect}};
  q.BindText(1, t.slug).BindText(2, t.base_url).BindText(3, ToString(t.driver));
  q.BindText(4, t.agent_url).BindText(5, Dump(exec));
  q.BindText(6, Dump(Json(t.labels))).BindText(7, Dump(Json(t.vars)));
  q.BindOptText(8, t.image_repo).BindText(9, ToString(t.state));
  q.BindText(10, t.running_image).BindOptInt(11, t.running_seq);
  q.BindBool(12, t.quarantined).BindText(13, t.quarantine_reason);
  q.BindText(14, t.docker.Configured() ? Dump(ToJson(t.docker)) : "{}");
  q.BindText(15, t.public_url);
  q.BindText(16, t.ssm.Configured() ? Dump(ToJson(t.ssm)) : "{}");
}

Result<Tenant> ReadTenant(const ColumnReader& q) {
  const std::string_view store = q.StoreName();
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
  t.public_url = q.Text(14);
  Status s = FirstError({DecodeEnum(store, q.Text(2), what, t.driver, &ParseDriverKind),
                         DecodeExec(store, q.Text(4), what, t.exec),
                         DecodeDocker(store, q.Text(13), what, t.docker),
                         DecodeSsm(store, q.Text(15), what, t.ssm),
                         DecodeInto(store, q.Text(5), what + " labels", t.labels),
                         DecodeInto(store, q.Text(6), what + " vars", t.vars),
                         DecodeEnum(store, q.Text(8), what, t.state, &ParseTenantState)});
  if (!s.ok()) return s;
  return t;
}

void BindHeader(ParamWriter& q, const Rollout& r) {
  q.BindText(1, r.id).BindText(2, Dump(ToJson(r.release))).BindText(3, Dump(ToJson(r.policy)));
  q.BindBool(4, r.rollback).BindText(5, r.reason).BindText(6, ToString(r.state));
  q.BindText(7, Dump(Json(r.enumerated))).BindText(8, Dump(Json(r.stragglers)));
  q.BindText(9, r.error).BindText(10, Dump(Json(r.warnings))).BindText(11, r.superseded_by);
  q.BindInt(12, r.created_at_ms).BindInt(13, r.started_at_ms).BindInt(14, r.finished_at_ms);
  q.BindBool(15, r.legacy_scoped).BindBool(16, r.recovery).BindText(17, r.created_by);
}

Result<Rollout> ReadHeader(const ColumnReader& q) {
  const std::string_view store = q.StoreName();
  Rollout r;
  r.id = q.Text(0);
  const std::string what = "rollout " + r.id;
  Result<Release> release = DecodeRelease(store, q.Text(1), what);
  if (!release.ok()) return release.status();
  r.release = std::move(release).value();
  Result<Policy> policy = DecodePolicy(store, q.Text(2), what);
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
  r.created_by = q.Text(16);
  Status s = FirstError({DecodeEnum(store, q.Text(5), what, r.state, &ParseRolloutState),
                         DecodeInto(store, q.Text(6), what + " enumerated", r.enumerated),
                         DecodeInto(store, q.Text(7), what + " stragglers", r.stragglers),
                         DecodeInto(store, q.Text(9), what + " warnings", r.warnings)});
  if (!s.ok()) return s;
  return r;
}

void BindResult(ParamWriter& q, const std::string& rollout_id, const TenantResult& row) {
  q.BindText(1, rollout_id).BindText(2, row.slug).BindText(3, row.phase);
  q.BindText(4, ToString(row.status)).BindOptInt(5, row.exit_code);
  q.BindBool(6, row.healthz_ok).BindBool(7, row.verified_on_target);
  q.BindText(8, row.running_image).BindText(9, row.error);
  q.BindInt(10, row.started_at_ms).BindInt(11, row.finished_at_ms).BindInt(12, row.duration_ms);
  q.BindInt(13, row.proof_observed_at_ms);
}

Result<TenantResult> ReadResult(const ColumnReader& q) {
  const std::string_view store = q.StoreName();
  TenantResult row;
  const std::string rollout_id = q.Text(0);
  row.slug = q.Text(1);
  row.phase = q.Text(2);
  const std::string what = fmt::format("rollout {} result {}", rollout_id, row.slug);
  if (Status s = DecodeEnum(store, q.Text(3), what, row.status, &ParseTenantStatus); !s.ok())
    return s;
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

Result<RolloutEvent> ReadEvent(const ColumnReader& q) {
  const std::string_view store = q.StoreName();
  Result<Json> data = ParseStored(store, q.Text(3), fmt::format("event {}", q.Int(0)));
  if (!data.ok()) return data.status();
  return RolloutEvent{
      q.Int(0), q.OptText(1).value_or(""), q.Text(2), std::move(data).value(), q.Int(4), q.Bool(5)};
}

void BindDrift(ParamWriter& q, const std::string& slug, const DriftStatus& d) {
  const TenantSighting& l = d.last;
  const Json sighting = {
      {"at_ms", l.at_ms},
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

Result<std::pair<std::string, DriftStatus>> ReadDrift(const ColumnReader& q) {
  const std::string_view store = q.StoreName();
  std::pair<std::string, DriftStatus> out;
  out.first = q.Text(0);
  const std::string what = "drift of " + out.first;
  DriftStatus& d = out.second;
  if (Status s = DecodeEnum(store, q.Text(1), what, d.state, &ParseDriftState); !s.ok()) return s;
  d.since_ms = q.Int(2);
  d.detail = q.Text(3);
  Result<Json> j = ParseStored(store, q.Text(4), what);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Corrupt(store, what, "sighting: not an object");
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
  if (Status s = r.Finish(); !s.ok()) return Corrupt(store, what, s.message());
  return out;
}

void BindAudit(ParamWriter& q, const AuditEntry& e) {
  q.BindInt(1, e.at_ms).BindText(2, e.actor).BindText(3, e.kind).BindText(4, e.target);
  q.BindText(5, e.reason).BindText(6, Dump(e.data));
}

Result<AuditEntry> ReadAudit(const ColumnReader& q) {
  const std::string_view store = q.StoreName();
  AuditEntry e;
  e.id = q.Int(0);
  e.at_ms = q.Int(1);
  e.actor = q.Text(2);
  e.kind = q.Text(3);
  e.target = q.Text(4);
  e.reason = q.Text(5);
  Result<Json> data = ParseStored(store, q.Text(6), fmt::format("audit entry {}", e.id));
  if (!data.ok()) return data.status();
  e.data = std::move(data).value();
  return e;
}

Status NotFound(std::string_view kind, const std::string& key) {
  return Status::NotFound(fmt::format("{} {} not found", kind, key));
}

Status Corrupt(std::string_view store, std::string_view what, std::string_view why) {
  return Status::Internal(
      fmt::format("{}: {}: stored value does not decode: {}", store, what, why));
}

std::string EncodeFreeze(const FleetFreeze& f) {
  return Dump(Json{{"reason", f.reason}, {"since_ms", f.since_ms}});
}

Result<FleetFreeze> DecodeFreeze(std::string_view store, const std::string& text) {
  Result<Json> j = ParseStored(store, text, "fleet freeze");
  if (!j.ok()) return j.status();
  FleetFreeze f;
  FieldReader r(*j, "fleet_freeze.");
  r.Read("reason", f.reason);
  r.Read("since_ms", f.since_ms);
  if (Status s = r.Finish(); !s.ok()) return Corrupt(store, "fleet freeze", s.message());
  return f;
}

void PlaceResults(Rollout& rollout, const std::vector<TenantResult>& rows) {
  std::unordered_map<std::string_view, const TenantResult*> by_slug;
  for (const TenantResult& row : rows) by_slug[row.slug] = &row;
  rollout.results.clear();
  for (const std::string& slug : rollout.enumerated) {
    if (auto it = by_slug.find(slug); it != by_slug.end()) rollout.results.push_back(*it->second);
  }
}

Status AddRowCount(const ColumnReader& q, std::vector<RolloutListing>& page) {
  const std::string id = q.Text(0);
  TenantStatus status = TenantStatus::kFailed;
  if (Status s = DecodeEnum(q.StoreName(), q.Text(1), "rollout " + id + " results", status, &ParseTenantStatus);
      !s.ok()) {
    return s;
  }
  for (RolloutListing& listing : page) {
    if (listing.rollout.id != id) continue;
    listing.rows_by_status[status] += q.Int(2);
    listing.verified += q.Int(3);
  }
  return Status::Ok();
}

std::string PageIdsJson(const std::vector<RolloutListing>& page) {
  Json ids = Json::array();
  for (const RolloutListing& listing : page) ids.push_back(listing.rollout.id);
  return Dump(ids);
}

ChannelRecord ReadPromotion(const ColumnReader& q) {
  return {q.Text(0), q.Text(1), q.OptInt(2), q.Text(3), q.Int(4), q.Bool(5), q.Text(6), q.Text(7)};
}

void BindProcessGroup(ParamWriter& q, const ProcessGroupRecord& r) {
  q.BindText(1, r.slug)
      .BindText(2, r.rollout_id)
      .BindInt(3, r.pgid)
      .BindInt(4, r.leader_start_ticks);
  q.BindText(5, r.boot_id).BindInt(6, r.deadline_ms);
}

ProcessGroupRecord ReadProcessGroup(const ColumnReader& q) {
  return ProcessGroupRecord{q.Text(0), q.Text(1), q.Int(2), q.Int(3), q.Text(4), q.Int(5)};
}

}  // namespace rollcall::rows
