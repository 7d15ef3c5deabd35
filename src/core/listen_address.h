// "--listen HOST:PORT" as every Rollcall server takes it. Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace rollcall {

// "127.0.0.1:7700", "[::1]:0" -> (host, port); port 0 means "pick a free
// one". Invalid naming --listen otherwise.
Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text);

}  // namespace rollcall
