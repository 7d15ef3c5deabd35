// PgStore's internals shared by its source files (pg_store.cpp: tenants,
// rollouts, events; pg_fleet.cpp: the fleet's own history and settings;
// pg_lease.cpp: the leader lease and fenced writes). Not for other users.
#pragma once

#include <fmt/format.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "store/pg_db.h"
#include "store/row_codec.h"

namespace rollcall::pg {

// Every row of `found` through `read` (rows::ReadTenant, ...).
template <typename T>
Result<std::vector<T>> ReadAll(const Rows& found, Result<T> (*read)(const rows::ColumnReader&)) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(found.size()));
  for (int i = 0; i < found.size(); ++i) {
    Result<T> value = read(found[i]);
    if (!value.ok()) return value.status();
    out.push_back(std::move(value).value());
  }
  return out;
}

// `format_text` (a literal with one "{}") with a column list, built once
// per call site, as SqliteStore's statement cache does.
inline const std::string& ColumnsSql(const char* format_text, const char* columns) {
  thread_local std::unordered_map<const char*, std::string> built;
  auto it = built.find(format_text);
  if (it == built.end())
    it = built.emplace(format_text, fmt::format(fmt::runtime(format_text), columns)).first;
  return it->second;
}

// What a result row replaces of an earlier one for the same tenant.
inline constexpr const char* kResultUpsert =
    "ON CONFLICT (rollout_id, slug) DO UPDATE SET phase = excluded.phase, status = excluded.status, "
    "exit_code = excluded.exit_code, healthz_ok = excluded.healthz_ok, "
    "verified_on_target = excluded.verified_on_target, running_image = excluded.running_image, "
    "error = excluded.error, started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms, "
    "duration_ms = excluded.duration_ms, proof_observed_at_ms = excluded.proof_observed_at_ms";

}  // namespace rollcall::pg
