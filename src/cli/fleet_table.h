// `rollcall fleet`: GET /v1/fleet as a table operators read during an
// incident — tenants left behind first (drifted, the longest first), then
// the unhealthy, unreachable and quarantined, the on-target last — with how
// long each has been so.
#pragma once

#include <cstdint>
#include <string>

#include "core/json_reader.h"

namespace rollcall {

// "45s", "3m12s", "2h05m", "3d04h": how long, at a glance.
std::string FormatAge(int64_t ms);

// The table for the /v1/fleet answer `fleet`, ages counted at `now_ms`.
std::string FleetTable(const Json& fleet, int64_t now_ms);

}  // namespace rollcall
