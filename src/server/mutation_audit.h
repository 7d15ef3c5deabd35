// The audit entry of one mutation through the API: who (the token's name,
// never the token), what (kind, route, target), why (the request's
// `reason`) and how it ended (the status; a refusal's error). Every admin
// route records one, accepted or refused: a refused fenced request is as
// much the operators' business as an accepted one. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.h"
#include "server/control_plane.h"

namespace rollcall {

struct MutationCall {
  std::string actor;
  std::string kind;   // the route's: "tenant.put", "rollout.create", "rollout.control", ...
  std::string route;  // "POST /v1/rollouts/{}/{cancel|pause|resume}"
  std::vector<std::string> args;  // the path's captured segments
  std::string_view body;          // the request's body (JSON, or empty)
};

AuditEntry AuditOf(const MutationCall& call, const ApiResponse& answer);

// The fleet event an accepted mutation's entry also puts on GET /v1/events,
// for followers (the dashboard) that redraw what changed: `fleet` when the
// registry or the freeze changed ({"change": kind, "slug"?}), `channel`
// when a channel moved ({"channel", "to", "from", "by"}). None for a
// refusal, or for what the rollout events already say.
struct FleetChange {
  const char* type = nullptr;  // kEventFleet or kEventChannel
  Json data;
};
std::optional<FleetChange> FleetChangeOf(const AuditEntry& entry);

}  // namespace rollcall
