#include "core/time.h"

#include <ctime>
#include <fmt/format.h>

namespace rollcall {

std::string FormatWallMillis(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  int millis = static_cast<int>(unix_ms % 1000);
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string FormatSeconds(double seconds) {
  if (seconds < 1.0 && seconds > 0.0) return fmt::format("{:g}ms", seconds * 1000.0);
  return fmt::format("{:g}s", seconds);
}

}  // namespace rollcall
