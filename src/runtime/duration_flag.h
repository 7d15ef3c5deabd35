// A CLI11 transform for every duration flag of the binaries: bare seconds
// ("90", "2.5") or units ("90s", "5m", "1h30m", "250ms"), handed on to the
// option as seconds. Header-only: each binary links CLI11 itself.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <optional>
#include <string>

#include "core/time.h"

namespace rollcall {

inline CLI::Validator DurationSeconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::optional<Duration> d = ParseDurationText(text);
        if (!d) return "not a duration: give seconds (90, 2.5) or units (90s, 5m, 1h30m, 250ms)";
        text = fmt::format("{}", DurationToSeconds(*d));
        return "";
      },
      "DURATION");
}

}  // namespace rollcall
