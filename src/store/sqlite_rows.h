// SqliteStore's schema, and the shared row codec (store/row_codec.h) under
// the names SqliteStore uses.
#pragma once

#include <span>
#include <vector>

#include "store/row_codec.h"
#include "store/sqlite_db.h"

namespace rollcall::sqlite {

using rows::BindAudit;
using rows::BindDrift;
using rows::BindHeader;
using rows::BindProcessGroup;
using rows::BindResult;
using rows::BindTenant;
using rows::Dump;
using rows::NotFound;
using rows::ReadAudit;
using rows::ReadDrift;
using rows::ReadEvent;
using rows::ReadHeader;
using rows::ReadProcessGroup;
using rows::ReadPromotion;
using rows::ReadResult;
using rows::ReadTenant;
using rows::kAuditColumns;
using rows::kDriftColumns;
using rows::kEventColumns;
using rows::kProcessGroupColumns;
using rows::kPromotionColumns;
using rows::kResultColumns;
using rows::kRolloutColumns;
using rows::kTenantColumns;

inline constexpr std::string_view kStoreName = "sqlite";

// Reads every row of `q` through `read` (ReadTenant, ReadHeader, ...).
template <typename T>
Result<std::vector<T>> ReadAll(Query& q, Result<T> (*read)(const rows::ColumnReader&)) {
  std::vector<T> out;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    Result<T> value = read(q);
    if (!value.ok()) return value.status();
    out.push_back(std::move(value).value());
  }
}

// The migration steps, oldest first (see Migrate).
std::span<const char* const> SchemaSteps();

}  // namespace rollcall::sqlite
