// `rollcall audit`: GET /v1/audit as a table, newest first — when, who (the
// token's name), what, on what, how it ended, and why.
#pragma once

#include <string>

#include "core/json_reader.h"

namespace rollcall {

std::string AuditTable(const Json& answer);

}  // namespace rollcall
