// PgStore::Commit: the engine's writes of one turn in one transaction and a
// handful of statements (one round trip each), not one per write — on a
// network database the round trips are the cost. Writes are grouped by
// kind (in-flight marks, result rows with the marks they clear,
// observations, events); within a batch the engine never marks and records
// the same tenant of the same rollout, so grouping changes no outcome.
// Repeated keys keep the last write (observations merge, as applied in
// order); event ids rise in the batch's order.
//
// A commit whose answer is lost with the connection may have landed; the
// engine retries the same writes, so the marks, rows and observations are
// upserts and each event carries a commit key (written once, its id
// returned again).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "store/pg_store.h"
#include "store/pg_store_internal.h"

namespace rollcall {
namespace {

using pg::Params;
using pg::Rows;

// Rows per statement: PostgreSQL takes at most 65,535 parameters.
constexpr size_t kRowsPerStatement = 1000;

// Binds a row codec's 1-based parameters at an offset (row k of a
// multi-row VALUES list).
class OffsetParams : public rows::ParamWriter {
 public:
  OffsetParams(Params& p, int offset) : p_(p), offset_(offset) {}
  OffsetParams& BindText(int i, std::string_view text) override {
    p_.BindText(i + offset_, text);
    return *this;
  }
  OffsetParams& BindInt(int i, int64_t value) override {
    p_.BindInt(i + offset_, value);
    return *this;
  }
  OffsetParams& BindOptInt(int i, std::optional<int64_t> value) override {
    p_.BindOptInt(i + offset_, value);
    return *this;
  }
  OffsetParams& BindOptText(int i, const std::optional<std::string>& text) override {
    p_.BindOptText(i + offset_, text);
    return *this;
  }
  OffsetParams& BindBool(int i, bool value) override {
    p_.BindBool(i + offset_, value);
    return *this;
  }

 private:
  Params& p_;
  const int offset_;
};

// "($1, $2::type), ($3, $4::type)": `rows` tuples of `types` (one cast or ""
// per column; an INSERT's VALUES take their types from its columns).
std::string Tuples(size_t rows, const std::vector<const char*>& types) {
  std::string out;
  int n = 0;
  for (size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < types.size(); ++c) out += fmt::format("{}${}{}", c == 0 ? "" : ", ", ++n, types[c]);
    out += ")";
  }
  return out;
}

// Runs `write(first, count)` over [0, total) in statement-sized chunks.
template <typename Fn>
Status Chunked(size_t total, Fn write) {
  for (size_t first = 0; first < total; first += kRowsPerStatement) {
    if (Status s = write(first, std::min(kRowsPerStatement, total - first)); !s.ok()) return s;
  }
  return Status::Ok();
}

// Applied in order, `later` over `earlier`.
TenantObservation Merge(TenantObservation earlier, const TenantObservation& later) {
  if (later.running_image) earlier.running_image = later.running_image;
  if (later.running_seq) earlier.running_seq = later.running_seq;
  if (later.quarantined) {
    earlier.quarantined = later.quarantined;
    earlier.quarantine_reason = later.quarantine_reason;
  }
  return earlier;
}

}  // namespace

Status PgStore::Commit(LedgerBatch& batch) {
  using Kind = LedgerWrite::Kind;
  using Key = std::pair<std::string, std::string>;  // rollout, slug
  std::map<Key, const InFlightTenant*> marks;
  std::map<Key, const TenantResult*> results;
  std::map<std::string, TenantObservation> observed;
  std::vector<LedgerWrite*> events;
  for (LedgerWrite& w : batch.writes()) {
    switch (w.kind) {
      case Kind::kMarkStarted: marks[{w.rollout_id, w.in_flight.slug}] = &w.in_flight; break;
      case Kind::kPutResult: results[{w.rollout_id, w.row.slug}] = &w.row; break;
      case Kind::kObserveTenant: {
        auto [it, fresh] = observed.emplace(w.slug, w.observation);
        if (!fresh) it->second = Merge(it->second, w.observation);
        break;
      }
      case Kind::kAppendEvent: events.push_back(&w); break;
    }
  }
  std::vector<std::pair<Key, const InFlightTenant*>> mark_list(marks.begin(), marks.end());
  std::vector<std::pair<Key, const TenantResult*>> result_list(results.begin(), results.end());
  std::vector<std::pair<std::string, TenantObservation>> observed_list(observed.begin(), observed.end());

  std::lock_guard lock(mu_);
  for (LedgerWrite* w : events) {
    if (w->commit_key.empty()) w->commit_key = fmt::format("{}-{}", commit_key_prefix_, ++commit_keys_);
  }
  return Write("commit the engine's writes", /*atomic=*/true, [&]() -> Status {
    Status s = Chunked(mark_list.size(), [&](size_t first, size_t count) {
      Params p;
      int n = 0;
      for (size_t i = first; i < first + count; ++i) {
        const InFlightTenant& t = *mark_list[i].second;
        p.BindText(n + 1, mark_list[i].first.first).BindText(n + 2, t.slug).BindText(n + 3, t.phase);
        p.BindInt(n + 4, t.started_at_ms);
        n += 4;
      }
      const std::string sql = fmt::format(
          "INSERT INTO in_flight (rollout_id, slug, phase, started_at_ms) VALUES {} "
          "ON CONFLICT (rollout_id, slug) DO UPDATE SET phase = excluded.phase, "
          "started_at_ms = excluded.started_at_ms",
          Tuples(count, {"", "", "", ""}));
      return c_->Exec("mark started", sql.c_str(), p).status();
    });
    if (!s.ok()) return s;
    s = Chunked(result_list.size(), [&](size_t first, size_t count) {
      Params p, clear;
      int k = 0;
      for (size_t i = first; i < first + count; ++i, ++k) {
        OffsetParams at(p, 13 * k);
        rows::BindResult(at, result_list[i].first.first, *result_list[i].second);
        clear.BindText(2 * k + 1, result_list[i].first.first).BindText(2 * k + 2, result_list[i].first.second);
      }
      const std::string sql =
          fmt::format("INSERT INTO results ({}) VALUES {} {}", rows::kResultColumns,
                      Tuples(count, std::vector<const char*>(13, "")),
                      pg::kResultUpsert);
      if (Status put = c_->Exec("put results", sql.c_str(), p).status(); !put.ok()) return put;
      const std::string done =
          fmt::format("DELETE FROM in_flight WHERE (rollout_id, slug) IN ({})", Tuples(count, {"", ""}));
      return c_->Exec("put results", done.c_str(), clear).status();
    });
    if (!s.ok()) return s;
    // A tenant removed meanwhile matches no row: skipped.
    s = Chunked(observed_list.size(), [&](size_t first, size_t count) {
      Params p;
      int n = 0;
      for (size_t i = first; i < first + count; ++i) {
        const TenantObservation& obs = observed_list[i].second;
        p.BindText(n + 1, observed_list[i].first).BindOptText(n + 2, obs.running_image);
        p.BindOptInt(n + 3, obs.running_seq);
        p.BindOptText(n + 4, obs.quarantined ? std::optional<std::string>(*obs.quarantined ? "true" : "false")
                                             : std::nullopt);
        p.BindText(n + 5, obs.quarantine_reason);
        n += 5;
      }
      const std::string sql = fmt::format(
          "UPDATE tenants AS t SET running_image = coalesce(v.image, t.running_image), "
          "running_seq = coalesce(v.seq, t.running_seq), quarantined = coalesce(v.q, t.quarantined), "
          "quarantine_reason = CASE WHEN v.q IS NULL THEN t.quarantine_reason WHEN v.q THEN v.reason ELSE '' END "
          "FROM (VALUES {}) AS v(slug, image, seq, q, reason) WHERE t.slug = v.slug",
          Tuples(count, {"::text", "::text", "::bigint", "::boolean", "::text"}));
      return c_->Exec("observe tenants", sql.c_str(), p).status();
    });
    if (!s.ok()) return s;
    return Chunked(events.size(), [&](size_t first, size_t count) {
      Params p;
      int n = 0;
      for (size_t i = first; i < first + count; ++i) {
        const RolloutEvent& e = events[i]->event;
        p.BindOptText(n + 1, e.rollout_id.empty() ? std::nullopt : std::optional<std::string>(e.rollout_id));
        p.BindText(n + 2, e.type).BindText(n + 3, rows::Dump(e.data)).BindInt(n + 4, e.at_ms);
        p.BindBool(n + 5, e.final).BindText(n + 6, events[i]->commit_key);
        n += 6;
      }
      // An event already written by a commit that seemed to fail keeps its
      // row; the no-op update makes RETURNING name it.
      const std::string sql = fmt::format(
          "INSERT INTO events (rollout_id, type, data_json, at_ms, final, commit_key) VALUES {} "
          "ON CONFLICT (commit_key) DO UPDATE SET commit_key = excluded.commit_key RETURNING id, commit_key",
          Tuples(count, {"", "", "", "", "", ""}));
      Result<Rows> r = c_->Exec("append events", sql.c_str(), p);
      if (!r.ok()) return r.status();
      // RETURNING's order is not promised: the ids go back by key.
      std::map<std::string, int64_t> ids;
      for (int i = 0; i < r->size(); ++i) ids[(*r)[i].Text(1)] = (*r)[i].Int(0);
      for (size_t i = first; i < first + count; ++i) {
        auto id = ids.find(events[i]->commit_key);
        if (id == ids.end()) return Status::Internal("postgres: append events: an event's id was not returned");
        events[i]->event.id = id->second;
      }
      return Status::Ok();
    });
  });
}

}  // namespace rollcall
