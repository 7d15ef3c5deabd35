// SqliteStore's rollout listings: the history a page or a scrape reads —
// headers newest first with their rows counted by status, and the count of
// rollouts per state — without reading a result row.
#include <fmt/format.h>

#include "store/sqlite_db.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace rollcall {

using sqlite::Query;
using sqlite::ReadAll;

Result<std::vector<RolloutListing>> SqliteStore::ListRolloutPage(const RolloutPageQuery& query) {
  std::lock_guard lock(mu_);
  if (!query.before_id.empty()) {
    if (Status s = RequireRollout(query.before_id); !s.ok()) return s;
  }
  static const std::string sql = fmt::format(
      "SELECT {} FROM rollouts WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR (created_at_ms, id) < "
      "(SELECT created_at_ms, id FROM rollouts WHERE id = ?2)) ORDER BY created_at_ms DESC, id DESC LIMIT ?3",
      sqlite::kRolloutColumns);
  Result<Query> q = db_->Prepare("list rollout page", sql.c_str());
  if (!q.ok()) return q.status();
  if (query.state) q->BindText(1, ToString(*query.state));
  if (!query.before_id.empty()) q->BindText(2, query.before_id);
  q->BindInt(3, query.limit == 0 ? -1 : static_cast<int64_t>(query.limit));
  Result<std::vector<Rollout>> headers = ReadAll(*q, &sqlite::ReadHeader);
  if (!headers.ok()) return headers.status();
  std::vector<RolloutListing> page;
  for (Rollout& r : *headers) page.push_back(RolloutListing{std::move(r)});
  if (page.empty()) return page;
  static const std::string counts_sql = fmt::format(
      "SELECT {} FROM results WHERE rollout_id IN (SELECT value FROM json_each(?1)) GROUP BY rollout_id, status",
      rows::kRowCountColumns);
  Result<Query> counts = db_->Prepare("count result rows", counts_sql.c_str());
  if (!counts.ok()) return counts.status();
  counts->BindText(1, rows::PageIdsJson(page));
  for (;;) {
    Result<bool> row = counts->Step();
    if (!row.ok()) return row.status();
    if (!*row) return page;
    if (Status s = rows::AddRowCount(*counts, page); !s.ok()) return s;
  }
}

Result<std::map<RolloutState, int64_t>> SqliteStore::CountRollouts() {
  std::lock_guard lock(mu_);
  Result<Query> q = db_->Prepare("count rollouts", "SELECT state, COUNT(*) FROM rollouts GROUP BY state");
  if (!q.ok()) return q.status();
  std::map<RolloutState, int64_t> counts;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return counts;
    Result<RolloutState> state = ParseRolloutState(q->Text(0));
    if (!state.ok()) return rows::Corrupt(sqlite::kStoreName, "rollout state", state.status().message());
    counts[*state] = q->Int(1);
  }
}

}  // namespace rollcall
