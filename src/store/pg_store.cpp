#include "store/pg_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "store/pg_store_internal.h"

namespace rollcall {
namespace {

using pg::ColumnsSql;
using pg::kStoreName;
using pg::Params;
using pg::ReadAll;
using pg::Rows;
using rows::NotFound;

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& conninfo,
                                               const std::string& password) {
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::Open(conninfo, password);
  if (!c.ok()) return c.status();
  if (Status s = pg::Migrate(**c, PgSchemaSteps()); !s.ok()) return s;
  return std::unique_ptr<PgStore>(new PgStore(std::move(c).value()));
}

PgStore::PgStore(std::unique_ptr<pg::Connection> c)
    : c_(std::move(c)), commit_key_prefix_(fmt::format("{:016x}", std::random_device{}() * 0x100000000ull ^ std::random_device{}())) {}
PgStore::~PgStore() = default;

// ---- tenants ----

Result<std::vector<Tenant>> PgStore::ListTenants() {
  std::lock_guard lock(mu_);
  Result<Rows> found =
      c_->Exec("list tenants",
               ColumnsSql("SELECT {} FROM tenants ORDER BY slug", rows::kTenantColumns).c_str());
  if (!found.ok()) return found.status();
  return ReadAll(*found, &rows::ReadTenant);
}

Result<Tenant> PgStore::GetTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, slug);
  Result<Rows> found = c_->Exec(
      "get tenant",
      ColumnsSql("SELECT {} FROM tenants WHERE slug = $1", rows::kTenantColumns).c_str(), p);
  if (!found.ok()) return found.status();
  Result<std::vector<Tenant>> tenants = ReadAll(*found, &rows::ReadTenant);
  if (!tenants.ok()) return tenants.status();
  if (tenants->empty()) return NotFound("tenant", slug);
  return std::move(tenants->front());
}

Result<std::map<std::string, Tenant>> PgStore::GetTenants(const std::vector<std::string>& slugs) {
  std::map<std::string, Tenant> out;
  if (slugs.empty()) return out;
  // One round trip: the slugs as a text[] literal, each element quoted.
  std::string array = "{";
  for (const std::string& slug : slugs) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (char c : slug) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  std::lock_guard lock(mu_);
  Params p;
  p.BindText(1, array);
  Result<Rows> found = c_->Exec(
      "get tenants",
      ColumnsSql("SELECT {} FROM tenants WHERE slug = ANY($1::text[])", rows::kTenantColumns).c_str(), p);
  if (!found.ok()) return found.status();
  Result<std::vector<Tenant>> tenants = ReadAll(*found, &rows::ReadTenant);
  if (!tenants.ok()) return tenants.status();
  for (Tenant& t : *tenants) {
    std::string slug = t.slug;
    out.emplace(std::move(slug), std::move(t));
  }
  return out;
}

Status PgStore::PutTenants(const std::vector<Tenant>& tenants) {
  std::lock_guard lock(mu_);
  // A new tenant is stored as given; an existing one keeps what the server
  // observed (running_image, running_seq, quarantined, quarantine_reason).
  const std::string& sql = ColumnsSql(
      "INSERT INTO tenants ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14, $15, $16) "
      "ON CONFLICT (slug) DO UPDATE SET base_url = excluded.base_url, driver = excluded.driver, "
      "agent_url = excluded.agent_url, exec_json = excluded.exec_json, docker_json = "
      "excluded.docker_json, "
      "labels_json = excluded.labels_json, vars_json = excluded.vars_json, "
      "image_repo = excluded.image_repo, state = excluded.state, public_url = excluded.public_url, "
      "ssm_json = excluded.ssm_json",
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
  return Write("observe tenant", false, [&] { return ObserveRow(slug, obs); });
}

Status PgStore::ObserveRow(const std::string& slug, const TenantObservation& obs) {
  // A NULL parameter leaves its column alone; clearing the quarantine flag
  // clears the reason.
  Params p;
  p.BindText(1, slug).BindOptText(2, obs.running_image).BindOptInt(3, obs.running_seq);
  p.BindOptText(4, obs.quarantined ? std::optional<std::string>(*obs.quarantined ? "true" : "false")
                                   : std::nullopt);
  p.BindText(5, obs.quarantine_reason);
  {
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
  }
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
            ColumnsSql(
                "INSERT INTO rollouts ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                "$12, $13, "
                "$14, $15, $16, $17) ON CONFLICT (id) DO UPDATE SET release_json = "
                "excluded.release_json, "
                "policy_json = excluded.policy_json, rollback = excluded.rollback, "
                "reason = excluded.reason, state = excluded.state, "
                "enumerated_json = excluded.enumerated_json, stragglers_json = "
                "excluded.stragglers_json, "
                "error = excluded.error, warnings_json = excluded.warnings_json, "
                "superseded_by = excluded.superseded_by, created_at_ms = excluded.created_at_ms, "
                "started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms, "
                "legacy_scoped = excluded.legacy_scoped, recovery = excluded.recovery, "
                "created_by = excluded.created_by",
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
        ColumnsSql("SELECT {} FROM results WHERE rollout_id = $1", rows::kResultColumns).c_str(),
        p);
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
  Result<Rows> headers = c_->Exec(
      "get rollout",
      ColumnsSql("SELECT {} FROM rollouts WHERE id = $1", rows::kRolloutColumns).c_str(), p);
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
  Result<Rows> headers =
      c_->Exec("list rollouts",
               ColumnsSql("SELECT {} FROM rollouts WHERE $1::text IS NULL OR state = "
                          "$1::text ORDER BY created_at_ms, id",
                          rows::kRolloutColumns)
                   .c_str(),
               p);
  if (!headers.ok()) return headers.status();
  return LoadRollouts(*headers);
}

Result<std::vector<RolloutListing>> PgStore::ListRolloutPage(const RolloutPageQuery& query) {
  std::lock_guard lock(mu_);
  if (!query.before_id.empty()) {
    if (Status s = RequireRollout(query.before_id); !s.ok()) return s;
  }
  Params p;
  p.BindOptText(1, query.state ? std::optional<std::string>(std::string(ToString(*query.state))) : std::nullopt);
  p.BindOptText(2, query.before_id.empty() ? std::nullopt : std::optional<std::string>(query.before_id));
  p.BindOptInt(3, query.limit == 0 ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(query.limit)));
  Result<Rows> headers = c_->Exec(
      "list rollout page",
      ColumnsSql("SELECT {} FROM rollouts WHERE ($1::text IS NULL OR state = $1::text) AND ($2::text IS NULL OR "
                 "(created_at_ms, id) < (SELECT created_at_ms, id FROM rollouts WHERE id = $2::text)) "
                 "ORDER BY created_at_ms DESC, id DESC LIMIT $3::bigint",
                 rows::kRolloutColumns)
          .c_str(),
      p);
  if (!headers.ok()) return headers.status();
  Result<std::vector<Rollout>> found = ReadAll(*headers, &rows::ReadHeader);
  if (!found.ok()) return found.status();
  std::vector<RolloutListing> page;
  for (Rollout& r : *found) page.push_back(RolloutListing{std::move(r)});
  if (page.empty()) return page;
  Params ids;
  ids.BindText(1, rows::PageIdsJson(page));
  Result<Rows> counts = c_->Exec(
      "count result rows",
      ColumnsSql("SELECT {} FROM results WHERE rollout_id IN (SELECT json_array_elements_text($1::json)) "
                 "GROUP BY rollout_id, status",
                 rows::kRowCountColumns)
          .c_str(),
      ids);
  if (!counts.ok()) return counts.status();
  for (int i = 0; i < counts->size(); ++i) {
    if (Status s = rows::AddRowCount((*counts)[i], page); !s.ok()) return s;
  }
  return page;
}

Result<std::map<RolloutState, int64_t>> PgStore::CountRollouts() {
  std::lock_guard lock(mu_);
  Result<Rows> found = c_->Exec("count rollouts", "SELECT state, COUNT(*) FROM rollouts GROUP BY state");
  if (!found.ok()) return found.status();
  std::map<RolloutState, int64_t> counts;
  for (int i = 0; i < found->size(); ++i) {
    Result<RolloutState> state = ParseRolloutState((*found)[i].Text(0));
    if (!state.ok()) return rows::Corrupt(pg::kStoreName, "rollout state", state.status().message());
    counts[*state] = (*found)[i].Int(1);
  }
  return counts;
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
    return MarkStartedRow(rollout_id, t);
  });
}

Status PgStore::MarkStartedRow(const std::string& rollout_id, const InFlightTenant& t) {
  {
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
  }
}

Status PgStore::PutResult(const std::string& rollout_id, const TenantResult& row) {
  std::lock_guard lock(mu_);
  return Write("put result", /*atomic=*/true, [&] {
    if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
    return PutResultRows(rollout_id, row);
  });
}

Status PgStore::PutResultRows(const std::string& rollout_id, const TenantResult& row) {
  {
    Params p;
    rows::BindResult(p, rollout_id, row);
    static const std::string sql = fmt::format(
        "INSERT INTO results ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) {}",
        rows::kResultColumns, pg::kResultUpsert);
    if (Result<Rows> r = c_->Exec("put result", sql.c_str(), p); !r.ok()) return r.status();
    Params clear;
    clear.BindText(1, rollout_id).BindText(2, row.slug);
    return c_
        ->Exec("put result", "DELETE FROM in_flight WHERE rollout_id = $1 AND slug = $2", clear)
        .status();
  }
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
    return AppendEventRow(event);
  });
}

Status PgStore::AppendEventRow(RolloutEvent& event) {
  const bool fleet = event.rollout_id.empty();
  {
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
  }
}

Result<std::vector<RolloutEvent>> PgStore::EventsAfter(const std::string& rollout_id,
                                                       int64_t after_id) {
  std::lock_guard lock(mu_);
  if (Status s = RequireRollout(rollout_id); !s.ok()) return s;
  Params p;
  p.BindText(1, rollout_id).BindInt(2, after_id);
  Result<Rows> found =
      c_->Exec("list events",
               ColumnsSql("SELECT {} FROM events WHERE rollout_id = $1 AND id > $2 ORDER BY id",
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
      ColumnsSql("SELECT {} FROM events WHERE id > $1 ORDER BY id LIMIT $2", rows::kEventColumns)
          .c_str(),
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

}  // namespace rollcall
