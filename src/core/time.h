// Time types shared by the engine and its environment.
//
// TimePoint is monotonic and comes only from a Clock (see clock.h); wall
// time, used for timestamps shown to people, is Unix epoch milliseconds.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rollcall {

using Duration = std::chrono::microseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

// Policy durations are JSON numbers of seconds; fractions are allowed.
inline Duration SecondsToDuration(double seconds) {
  return Duration(static_cast<int64_t>(std::llround(seconds * 1e6)));
}

inline double DurationToSeconds(Duration d) { return static_cast<double>(d.count()) / 1e6; }

inline int64_t DurationToMillis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// RFC 3339 UTC with milliseconds, e.g. "2026-11-21T09:30:00.250Z".
std::string FormatWallMillis(int64_t unix_ms);

// The inverse of FormatWallMillis; nullopt unless `text` has exactly that
// shape ("YYYY-MM-DDTHH:MM:SS.mmmZ").
std::optional<int64_t> ParseWallMillis(std::string_view text);

// A duration as operators write it: bare seconds ("90", "2.5") or numbers
// with units, largest first ("90s", "5m", "1h30m", "250ms"). nullopt for
// anything else, negative values included.
std::optional<Duration> ParseDurationText(std::string_view text);

// "1.5s", "250ms", "300s": a duration as people read it in error messages.
std::string FormatSeconds(double seconds);

}  // namespace rollcall
