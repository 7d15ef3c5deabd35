#include "core/time.h"

#include <cctype>
#include <cstdlib>
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

std::optional<int64_t> ParseWallMillis(std::string_view text) {
  // 2026-11-21T09:30:00.250Z
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  auto number = [&](size_t at, size_t len) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2), hour = number(11, 2),
       minute = number(14, 2), second = number(17, 2), millis = number(20, 3);
  if (!year || !month || !day || !hour || !minute || !second || !millis) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + *millis;
}

std::string FormatSeconds(double seconds) {
  if (seconds < 1.0 && seconds > 0.0) return fmt::format("{:g}ms", seconds * 1000.0);
  return fmt::format("{:g}s", seconds);
}

}  // namespace rollcall

namespace rollcall {

std::optional<Duration> ParseDurationText(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // A number with a fraction: [0-9]+(.[0-9]+)?
  auto number = [](std::string_view& in) -> std::optional<double> {
    size_t n = 0, dots = 0;
    while (n < in.size() && (std::isdigit(static_cast<unsigned char>(in[n])) || in[n] == '.')) {
      dots += in[n] == '.' ? 1 : 0;
      ++n;
    }
    if (n == 0 || dots > 1 || in[0] == '.' || in[n - 1] == '.') return std::nullopt;
    double v = std::strtod(std::string(in.substr(0, n)).c_str(), nullptr);
    in.remove_prefix(n);
    return v;
  };
  std::string_view rest = text;
  std::optional<double> first = number(rest);
  if (!first) return std::nullopt;
  if (rest.empty()) return SecondsToDuration(*first);  // bare seconds
  struct Unit {
    std::string_view name;
    double seconds;
  };
  constexpr Unit kUnits[] = {{"h", 3600}, {"ms", 0.001}, {"m", 60}, {"s", 1}};
  double total = 0;
  int last_rank = -1;  // units must come largest first, each once
  std::optional<double> value = first;
  for (;;) {
    int rank = -1;
    for (int i = 0; i < 4; ++i) {
      if (rest.substr(0, kUnits[i].name.size()) == kUnits[i].name) {
        rank = i;
        break;
      }
    }
    if (rank < 0) return std::nullopt;
    // h < m < s < ms in order of appearance.
    const int order = rank == 0 ? 0 : rank == 2 ? 1 : rank == 3 ? 2 : 3;
    if (order <= last_rank) return std::nullopt;
    last_rank = order;
    total += *value * kUnits[rank].seconds;
    rest.remove_prefix(kUnits[rank].name.size());
    if (rest.empty()) break;
    value = number(rest);
    if (!value || rest.empty()) return std::nullopt;  // a number needs its unit
  }
  return SecondsToDuration(total);
}

}  // namespace rollcall
