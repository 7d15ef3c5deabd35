// JSON mapping of the domain types, with the exact field names of DESIGN
// §2-4. Parsing is strict: wrong types, unknown fields and invalid values
// are Invalid with a message naming the field.
#pragma once

#include "core/drift.h"
#include "core/json_reader.h"
#include "core/leadership.h"
#include "core/store.h"
#include "core/types.h"

namespace rollcall {

// Which names a result row carries: v1 (`status`, `exit_code`) or the
// legacy endpoint's (`ssm_status`, `ssm_exit_code`).
enum class RowShape { kV1, kLegacy };

Result<Tenant> ParseTenant(const Json& j, const std::string& path = "");
// {"tenants":[...]}: every tenant valid and slugs unique, or an error.
Result<std::vector<Tenant>> ParseTenantList(const Json& body);
Result<Release> ParseRelease(const Json& j, const std::string& path = "release.");
// Fields absent from `j` keep the value they have in `defaults`.
Result<Policy> ParsePolicy(const Json& j, const Policy& defaults,
                           const std::string& path = "policy.");
Result<RolloutRequest> ParseRolloutRequest(const Json& body, const Policy& defaults);

Json ToJson(const Tenant& t);
// /v1/fleet's "observed": {"state","since","detail","at","image","git_sha","healthy"}.
Json ToJson(const DriftStatus& s);
Json ToJson(const Release& r);
// GET /v1/leader: {"role":"leader"|"standby","store","self","holder","url",
// "epoch","lease_age_s","expires_in_s","error"}.
Json ToJson(const LeaderView& v);
Json ToJson(const Policy& p);
Json ToJson(const TenantResult& row, RowShape shape = RowShape::kV1);
Json ToJson(const Rollout& r, RowShape shape = RowShape::kV1);
// {"reason","since"}
Json ToJson(const FleetFreeze& f);
// {"channel","tag","seq","digest","promoted_at","rollback","reason"}
Json ToJson(const ChannelRecord& c);
// {"id","at","actor","kind","target","reason","data"}
Json ToJson(const AuditEntry& e);

// The body of POST /v1/channels/{channel}/promote: {"tag","seq","rollback",
// "reason"}; `tag` required, unknown fields refused.
struct PromoteBody {
  Release release;
  bool rollback = false;
  std::string reason;
};
Result<PromoteBody> ParsePromoteBody(const Json& body);

// Reads a result row as servers send it, v1 or legacy names; lenient about
// absent fields (older servers) but strict about types. ToJson of the row
// gives the same fields back.
Result<TenantResult> ParseResultRow(const Json& j);

// A rollout as the server sends it (ToJson's shape), for clients: strict
// about types, lenient about fields a newer server added. Invalid naming the
// field. Timestamps and rows round-trip.
Result<Rollout> ParseRollout(const Json& j);

// The legacy endpoint's answer (DESIGN §4), which `rollcall rollout
// --response` writes too: {"ok", "results" (legacy rows), "error",
// "rollout_id"} and "stragglers" only when non-empty.
Json LegacyAnswerJson(const std::vector<TenantResult>& rows, bool ok, const std::vector<std::string>& stragglers,
                      const std::string& error, const std::string& rollout_id);

}  // namespace rollcall
