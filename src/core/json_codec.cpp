#include "core/json_codec.h"

#include <fmt/format.h>
#include <set>

#include "core/time.h"

namespace rollcall {
namespace {

Json OptionalString(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json Timestamp(int64_t unix_ms) {
  return unix_ms == 0 ? Json(nullptr) : Json(FormatWallMillis(unix_ms));
}

// Reads an enum field through its Parse* function, naming the field.
template <typename E>
void ReadEnum(FieldReader& r, std::string_view key, E& out, Result<E> (*parse)(std::string_view)) {
  std::string text;
  r.Read(key, text);
  if (text.empty()) return;
  Result<E> value = parse(text);
  if (!value.ok()) return r.Fail(key, value.status().message());
  out = *value;
}

void ReadStragglerLimit(FieldReader& r, StragglerLimit& out) {
  const Json* v = r.Raw("max_stragglers");
  if (!v) return;
  std::string text;
  if (v->is_number_integer()) {
    text = std::to_string(v->get<int64_t>());
  } else if (v->is_string()) {
    text = v->get<std::string>();
  } else {
    return r.Fail("max_stragglers", "must be an integer >= 0 or a string \"N%\"");
  }
  Result<StragglerLimit> limit = ParseStragglerLimit(text);
  if (!limit.ok()) return r.Fail("max_stragglers", limit.status().message());
  out = *limit;
}

}  // namespace

Result<Tenant> ParseTenant(const Json& j, const std::string& path) {
  Tenant t;
  FieldReader r(j, path);
  r.Require("slug");
  r.Read("slug", t.slug);
  r.Require("base_url");
  r.Read("base_url", t.base_url);
  r.Require("driver");
  ReadEnum(r, "driver", t.driver, &ParseDriverKind);
  r.Read("agent_url", t.agent_url);
  r.Read("labels", t.labels);
  r.Read("vars", t.vars);
  r.Read("image_repo", t.image_repo);
  std::optional<std::string> public_url;
  r.Read("public_url", public_url);  // null or absent: none
  t.public_url = public_url.value_or("");
  ReadEnum(r, "state", t.state, &ParseTenantState);
  if (const Json* exec = r.Raw("exec")) {
    FieldReader er(*exec, path + "exec.");
    er.Read("deploy", t.exec.deploy);
    er.Read("inspect", t.exec.inspect);
    if (Status s = er.Finish(); !s.ok()) return s;
  }
  if (const Json* docker = r.Raw("docker")) {
    Result<DockerSettings> d = ParseDockerSettings(*docker, path);
    if (!d.ok()) return d.status();
    t.docker = std::move(d).value();
  }
  if (const Json* ssm = r.Raw("ssm")) {
    Result<SsmSettings> s = ParseSsmSettings(*ssm, path);
    if (!s.ok()) return s.status();
    t.ssm = std::move(s).value();
  }
  // Observed by the server, shown by GET; accepted back and dropped so a
  // GET-edit-PUT round trip works.
  for (const char* key : {"running_image", "running_seq", "quarantined", "quarantine_reason"}) {
    r.Ignore(key);
  }
  if (Status s = r.Finish(); !s.ok()) return s;
  if (Status s = Validate(t, path); !s.ok()) return s;
  return t;
}

Result<std::vector<Tenant>> ParseTenantList(const Json& body) {
  FieldReader r(body, "");
  r.Require("tenants");
  const Json* list = r.Raw("tenants");
  if (list && !list->is_array()) r.Fail("tenants", "must be a list");
  if (Status s = r.Finish(); !s.ok()) return s;
  std::vector<Tenant> tenants;
  std::set<std::string> slugs;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = fmt::format("tenants[{}].", i);
    Result<Tenant> t = ParseTenant((*list)[i], path);
    if (!t.ok()) return t.status();
    if (!slugs.insert(t->slug).second) {
      return Status::Invalid(fmt::format("{}slug: \"{}\" appears twice", path, t->slug));
    }
    tenants.push_back(std::move(t).value());
  }
  return tenants;
}

Result<Release> ParseRelease(const Json& j, const std::string& path) {
  Release rel;
  FieldReader r(j, path);
  r.Require("tag");
  r.Read("tag", rel.tag);
  r.Read("git_sha", rel.git_sha);
  r.Read("seq", rel.seq);
  if (Status s = r.Finish(); !s.ok()) return s;
  if (Status s = Validate(rel, path); !s.ok()) return s;
  return rel;
}

Result<Policy> ParsePolicy(const Json& j, const Policy& defaults, const std::string& path) {
  Policy p = defaults;
  FieldReader r(j, path);
  r.Read("canary", p.canary);
  r.Read("soak_seconds", p.soak_seconds);
  r.Read("max_parallel", p.max_parallel);
  ReadEnum(r, "strategy", p.strategy, &ParseStrategy);
  ReadStragglerLimit(r, p.max_stragglers);
  r.Read("per_tenant_timeout_s", p.per_tenant_timeout_s);
  r.Read("health_timeout_s", p.health_timeout_s);
  r.Read("health_interval_s", p.health_interval_s);
  r.Read("dry_run", p.dry_run);
  r.Read("only_slugs", p.only_slugs);
  if (Status s = r.Finish(); !s.ok()) return s;
  if (Status s = Validate(p, path); !s.ok()) return s;
  return p;
}

Result<RolloutRequest> ParseRolloutRequest(const Json& body, const Policy& defaults) {
  RolloutRequest req;
  req.policy = defaults;
  FieldReader r(body, "");
  r.Require("release");
  const Json* release = r.Raw("release");
  const Json* policy = r.Raw("policy");
  r.Read("rollback", req.rollback);
  r.Read("reason", req.reason);
  if (Status s = r.Finish(); !s.ok()) return s;
  Result<Release> rel = ParseRelease(*release);
  if (!rel.ok()) return rel.status();
  req.release = std::move(rel).value();
  if (policy) {
    Result<Policy> pol = ParsePolicy(*policy, defaults);
    if (!pol.ok()) return pol.status();
    req.policy = std::move(pol).value();
  }
  return req;  // rollback without a reason is refused by DecideAdmission
}

Json ToJson(const Tenant& t) {
  Json j = {{"slug", t.slug},
            {"base_url", t.base_url},
            {"driver", ToString(t.driver)},
            {"labels", t.labels},
            {"vars", t.vars},
            {"image_repo", t.image_repo ? Json(*t.image_repo) : Json(nullptr)},
            {"state", ToString(t.state)},
            {"public_url", OptionalString(t.public_url)},
            {"running_image", OptionalString(t.running_image)},
            {"running_seq", t.running_seq ? Json(*t.running_seq) : Json(nullptr)},
            {"quarantined", t.quarantined},
            {"quarantine_reason", OptionalString(t.quarantine_reason)}};
  if (t.driver == DriverKind::kAgent) j["agent_url"] = t.agent_url;
  if (t.driver == DriverKind::kExec || !t.exec.deploy.empty()) {
    j["exec"] = {{"deploy", t.exec.deploy}, {"inspect", t.exec.inspect}};
  }
  if (t.docker.Configured()) j["docker"] = ToJson(t.docker);
  if (t.ssm.Configured()) j["ssm"] = ToJson(t.ssm);
  return j;
}

Json ToJson(const Release& r) {
  return {{"tag", r.tag},
          {"git_sha", OptionalString(r.git_sha)},
          {"seq", r.seq ? Json(*r.seq) : Json(nullptr)}};
}

Json ToJson(const LeaderView& v) {
  Json j = {{"role", v.leader ? "leader" : "standby"},
            {"store", v.store},
            {"self", v.self},
            {"epoch", v.epoch ? Json(*v.epoch) : Json(nullptr)},
            {"holder", nullptr},
            {"url", nullptr},
            {"lease_age_s", nullptr},
            {"expires_in_s", nullptr},
            {"error", OptionalString(v.last_error)}};
  if (v.lease) {
    j["holder"] = v.lease->holder;
    j["url"] = OptionalString(v.lease->url);
    j["epoch"] = v.lease->epoch;
    j["lease_age_s"] = static_cast<double>(v.lease->renewed_ms_ago) / 1000.0;
    j["expires_in_s"] = static_cast<double>(v.lease->expires_in_ms) / 1000.0;
  }
  return j;
}

Json ToJson(const Policy& p) {
  Json max_stragglers = p.max_stragglers.percent ? Json(p.max_stragglers.Describe())
                                                 : Json(p.max_stragglers.value);
  return {{"canary", p.canary},
          {"soak_seconds", p.soak_seconds},
          {"max_parallel", p.max_parallel},
          {"strategy", ToString(p.strategy)},
          {"max_stragglers", max_stragglers},
          {"per_tenant_timeout_s", p.per_tenant_timeout_s},
          {"health_timeout_s", p.health_timeout_s},
          {"health_interval_s", p.health_interval_s},
          {"dry_run", p.dry_run},
          {"only_slugs", p.only_slugs ? Json(*p.only_slugs) : Json(nullptr)}};
}

Json ToJson(const TenantResult& row, RowShape shape) {
  const bool legacy = shape == RowShape::kLegacy;
  return {{"slug", row.slug},
          {"phase", row.phase},
          {legacy ? "ssm_status" : "status", ToString(row.status)},
          {legacy ? "ssm_exit_code" : "exit_code",
           row.exit_code ? Json(*row.exit_code) : Json(nullptr)},
          {"healthz_ok", row.healthz_ok},
          {"verified_on_target", row.verified_on_target},
          {"running_image", OptionalString(row.running_image)},
          {"error", OptionalString(row.error)},
          {"started_at", Timestamp(row.started_at_ms)},
          {"finished_at", Timestamp(row.finished_at_ms)},
          {"duration_ms", row.duration_ms},
          {"proof_observed_at", Timestamp(row.proof_observed_at_ms)}};
}

Json ToJson(const Rollout& r, RowShape shape) {
  Json results = Json::array();
  for (const auto& row : r.results) results.push_back(ToJson(row, shape));
  return {{"id", r.id},
          {"release", ToJson(r.release)},
          {"policy", ToJson(r.policy)},
          {"rollback", r.rollback},
          {"reason", OptionalString(r.reason)},
          {"state", ToString(r.state)},
          {"enumerated", r.enumerated},
          {"results", std::move(results)},
          {"stragglers", r.stragglers},
          {"error", OptionalString(r.error)},
          {"warnings", r.warnings},
          {"superseded_by", OptionalString(r.superseded_by)},
          {"legacy_scoped", r.legacy_scoped},
          {"recovery", r.recovery},
          {"created_by", OptionalString(r.created_by)},
          {"created_at", Timestamp(r.created_at_ms)},
          {"started_at", Timestamp(r.started_at_ms)},
          {"finished_at", Timestamp(r.finished_at_ms)}};
}

Result<TenantResult> ParseResultRow(const Json& j) {
  TenantResult row;
  if (!j.is_object()) return Status::Invalid("result row: must be a JSON object");
  auto get = [&](const char* key) -> const Json* {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  };
  auto string_field = [&](const char* key, std::string& out) -> Status {
    if (const Json* v = get(key)) {
      if (!v->is_string()) return Status::Invalid(fmt::format("{}: must be a string", key));
      out = v->get<std::string>();
    }
    return Status::Ok();
  };
  for (auto [key, out] : {std::pair{"slug", &row.slug}, {"phase", &row.phase},
                          {"running_image", &row.running_image}, {"error", &row.error}}) {
    if (Status s = string_field(key, *out); !s.ok()) return s;
  }
  if (row.slug.empty()) return Status::Invalid("slug: required");
  std::string status;
  if (Status s = string_field(get("status") ? "status" : "ssm_status", status); !s.ok()) return s;
  Result<TenantStatus> parsed = ParseTenantStatus(status);
  if (!parsed.ok()) return parsed.status().Prefixed("status: ");
  row.status = *parsed;
  const Json* exit = get("exit_code") ? get("exit_code") : get("ssm_exit_code");
  if (exit) {
    if (!exit->is_number_integer()) return Status::Invalid("exit_code: must be an integer");
    row.exit_code = exit->get<int>();
  }
  const Json* healthz = get("healthz_ok");
  row.healthz_ok = healthz && healthz->is_boolean() && healthz->get<bool>();
  // A server that does not send verified_on_target counts as verified,
  // unless the row is a dry run or an error status.
  const Json* verified = get("verified_on_target");
  row.verified_on_target = verified ? (verified->is_boolean() && verified->get<bool>())
                                    : row.status == TenantStatus::kSuccess;
  if (const Json* d = get("duration_ms"); d && d->is_number()) row.duration_ms = d->get<int64_t>();
  for (auto [key, out] : {std::pair{"started_at", &row.started_at_ms}, {"finished_at", &row.finished_at_ms},
                          {"proof_observed_at", &row.proof_observed_at_ms}}) {
    std::string text;
    if (Status s = string_field(key, text); !s.ok()) return s;
    if (text.empty()) continue;
    std::optional<int64_t> ms = ParseWallMillis(text);
    if (!ms) return Status::Invalid(fmt::format("{}: not an RFC 3339 UTC timestamp", key));
    *out = *ms;
  }
  return row;
}

Result<Rollout> ParseRollout(const Json& j) {
  if (!j.is_object()) return Status::Invalid("rollout: must be a JSON object");
  Rollout r;
  FieldReader reader(j, "");
  std::string state, created, started, finished;
  reader.Read("id", r.id);
  reader.Read("state", state);
  reader.Read("rollback", r.rollback);
  reader.Read("reason", r.reason);
  reader.Read("enumerated", r.enumerated);
  reader.Read("stragglers", r.stragglers);
  reader.Read("error", r.error);
  reader.Read("warnings", r.warnings);
  reader.Read("superseded_by", r.superseded_by);
  reader.Read("legacy_scoped", r.legacy_scoped);
  reader.Read("recovery", r.recovery);
  reader.Read("created_by", r.created_by);
  reader.Read("created_at", created);
  reader.Read("started_at", started);
  reader.Read("finished_at", finished);
  const Json* release = reader.Raw("release");
  const Json* policy = reader.Raw("policy");
  const Json* results = reader.Raw("results");
  if (Status s = reader.FinishIgnoringUnknown(); !s.ok()) return s;
  if (release) {
    Result<Release> rel = ParseRelease(*release);
    if (!rel.ok()) return rel.status();
    r.release = *rel;
  }
  if (policy) {
    Result<Policy> pol = ParsePolicy(*policy, Policy{});
    if (!pol.ok()) return pol.status();
    r.policy = *pol;
  }
  if (!state.empty()) {
    Result<RolloutState> parsed = ParseRolloutState(state);
    if (!parsed.ok()) return parsed.status().Prefixed("state: ");
    r.state = *parsed;
  }
  if (results && !results->is_array()) return Status::Invalid("results: must be a list");
  for (size_t i = 0; results && i < results->size(); ++i) {
    Result<TenantResult> row = ParseResultRow((*results)[i]);
    if (!row.ok()) return row.status().Prefixed(fmt::format("results[{}].", i));
    r.results.push_back(std::move(row).value());
  }
  for (auto [text, out] : {std::pair{&created, &r.created_at_ms}, {&started, &r.started_at_ms},
                           {&finished, &r.finished_at_ms}}) {
    if (!text->empty()) *out = ParseWallMillis(*text).value_or(0);
  }
  return r;
}

Json LegacyAnswerJson(const std::vector<TenantResult>& rows, bool ok, const std::vector<std::string>& stragglers,
                      const std::string& error, const std::string& rollout_id) {
  Json results = Json::array();
  for (const auto& row : rows) results.push_back(ToJson(row, RowShape::kLegacy));
  Json answer = {{"ok", ok},
                 {"results", std::move(results)},
                 {"error", OptionalString(error)},
                 {"rollout_id", rollout_id}};
  if (!stragglers.empty()) answer["stragglers"] = stragglers;
  return answer;
}

Json ToJson(const FleetFreeze& f) { return {{"reason", f.reason}, {"since", Timestamp(f.since_ms)}}; }

Json ToJson(const ChannelRecord& c) {
  return {{"channel", c.channel},
          {"tag", c.tag},
          {"seq", c.seq ? Json(*c.seq) : Json(nullptr)},
          {"digest", c.digest},
          {"promoted_at", Timestamp(c.promoted_at_ms)},
          {"rollback", c.rollback},
          {"reason", c.reason.empty() ? Json(nullptr) : Json(c.reason)},
          {"created_by", c.created_by.empty() ? Json(nullptr) : Json(c.created_by)}};
}

Result<PromoteBody> ParsePromoteBody(const Json& body) {
  PromoteBody out;
  FieldReader r(body, "");
  r.Require("tag");
  r.Read("tag", out.release.tag);
  r.Read("seq", out.release.seq);
  r.Read("rollback", out.rollback);
  r.Read("reason", out.reason);
  if (Status s = r.Finish(); !s.ok()) return s;
  if (Status s = Validate(out.release, ""); !s.ok()) return s;
  return out;
}

Json ToJson(const DriftStatus& s) {
  const TenantSighting& l = s.last;
  return Json{{"state", ToString(s.state)},
              {"since", Timestamp(s.since_ms)},
              {"detail", s.detail.empty() ? Json(nullptr) : Json(s.detail)},
              {"at", Timestamp(l.at_ms)},
              {"image", l.inspected_image.empty() ? (l.buildinfo_image.empty() ? Json(nullptr) : Json(l.buildinfo_image))
                                                  : Json(l.inspected_image)},
              {"git_sha", l.buildinfo_sha.empty() ? Json(nullptr) : Json(l.buildinfo_sha)},
              {"healthy", l.health_answered ? Json(l.healthy) : Json(nullptr)}};
}

Json ToJson(const AuditEntry& e) {
  return Json{{"id", e.id},
              {"at", Timestamp(e.at_ms)},
              {"actor", e.actor},
              {"kind", e.kind},
              {"target", e.target.empty() ? Json(nullptr) : Json(e.target)},
              {"reason", e.reason.empty() ? Json(nullptr) : Json(e.reason)},
              {"data", e.data}};
}

}  // namespace rollcall
