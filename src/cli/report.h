// What the CLI prints and writes: the per-tenant table, the client-side
// coverage gate, and the aggregate written to --response. Pure.
#pragma once

#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/types.h"

namespace rollcall {

// The gate recomputed from the rows the server sent: stragglers are rows not
// verified on target (a row without verified_on_target counts as verified
// when its status is Success; DryRun rows never verify). The tolerance is
// over the non-canary rows.
struct ClientGate {
  std::vector<std::string> stragglers;  // sorted
  int64_t tolerance = 0;
  bool dry_run = false;
  bool passed = false;
};
ClientGate RecomputeGate(const std::vector<TenantResult>& rows, const StragglerLimit& limit);

// Plain-text table: Tenant, Phase, Status, Exit, Healthz, On target,
// Running image, Duration, Error.
std::string RenderTable(const std::vector<TenantResult>& rows);

// The --response aggregate: the legacy shape plus rollout_id.
Json ResponseAggregate(const Json& rollout, const ClientGate& gate);

// Rows of a rollout JSON (v1 or legacy names); Invalid naming the row.
Result<std::vector<TenantResult>> RowsOf(const Json& rollout);

}  // namespace rollcall
