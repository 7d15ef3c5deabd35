// `rollcall fleet`: GET /v1/fleet as a table operators read during an
// incident — tenants left behind first (drifted, the longest first), then
// the unhealthy, unreachable and quarantined, the on-target last — with how
// long each has been so.
#pragma once

#include <cstdint>
#include <string>

#include "cli/table.h"  // FormatAge
#include "core/json_reader.h"

namespace rollcall {

// The table for the /v1/fleet answer `fleet`, ages counted at `now_ms`;
// `wide` adds each tenant's recorded release seq.
std::string FleetTable(const Json& fleet, int64_t now_ms, bool wide = false);

}  // namespace rollcall
