// Prometheus text for the server's counters, outside the Beast translation
// unit.
#include <fmt/format.h>

#include <utility>

#include "httpd/http_server.h"

namespace rollcall::httpd {

std::string MetricsText(const ServerStats& s, std::string_view prefix) {
  std::string out;
  auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    out += fmt::format("# HELP {0}_{1} {2}\n# TYPE {0}_{1} counter\n{0}_{1} {3}\n", prefix, name,
                       help, value);
  };
  auto gauge = [&](std::string_view name, std::string_view help, uint64_t value) {
    out += fmt::format("# HELP {0}_{1} {2}\n# TYPE {0}_{1} gauge\n{0}_{1} {3}\n", prefix, name,
                       help, value);
  };
  counter("connections_accepted_total", "Connections accepted.", s.accepted);
  gauge("connections_open", "Connections open now.", s.open);
  gauge("streams_open", "Event streams open now.", s.streams);
  // Requests by route and status are the application's to count (rollcalld:
  // rollcall_http_requests_total{route,code}).
  counter("connections_refused_total", "Connections refused at the connection cap.",
          s.refused_at_cap);
  counter("bad_requests_total", "Requests refused for framing, head size or target.",
          s.bad_requests);
  out += fmt::format(
      "# HELP {0}_deadline_closes_total Connections closed for missing a deadline.\n"
      "# TYPE {0}_deadline_closes_total counter\n",
      prefix);
  for (auto [kind, n] : {std::pair{"header", s.header_timeouts}, std::pair{"idle", s.idle_timeouts},
                         std::pair{"body", s.body_timeouts}, std::pair{"write", s.write_timeouts}}) {
    out += fmt::format("{}_deadline_closes_total{{deadline=\"{}\"}} {}\n", prefix, kind, n);
  }
  return out;
}

}  // namespace rollcall::httpd
