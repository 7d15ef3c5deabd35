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

}  // namespace rollcall::pg
