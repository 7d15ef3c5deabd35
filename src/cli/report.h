// What the CLI prints and writes about a finished rollout: the per-tenant
// table, the gate, the problem list under a heading that says what
// happened, the one-line recap, and the aggregate written to --response.
// The gate is core's (coverage.h) over the rollout's own enumerated tenants
// and rows; nothing here re-derives a rule. Pure.
#pragma once

#include <string>
#include <vector>

#include "core/coverage.h"
#include "core/json_reader.h"
#include "core/types.h"

namespace rollcall {

struct ClientGate {
  Rollout rollout;  // as the server sent it
  CoverageRules rules;
  CoverageVerdict verdict;
  bool succeeded = false;  // the server's state
  bool passed = false;     // succeeded, and the verdict agrees
};
// Invalid naming the field when the server's answer does not parse.
Result<ClientGate> GateOf(const Json& rollout);

// Plain-text table: Tenant, Phase, Status, Exit, Healthz, On target,
// Running image, Duration, Error.
std::string RenderTable(const std::vector<TenantResult>& rows);

// The tenants to look at, under a heading true to the outcome:
// "⚠ Stragglers (quarantined): a, b" when the rollout succeeded, else
// "✗ Not landed: a, b" (every enumerated tenant not verified). "" when none.
std::string ProblemsLine(const ClientGate& gate);
// "N verified, Q quarantined, F failed, S skipped, C cancelled in 5.1 s".
std::string RecapLine(const ClientGate& gate);

// The --response aggregate: the legacy endpoint's shape (same codec) plus
// rollout_id.
Json ResponseAggregate(const ClientGate& gate);

}  // namespace rollcall
