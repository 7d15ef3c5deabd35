// The flags every Rollcall server shares (rollcalld, rollcall-agent,
// rollcall-sim), in one place so they read the same everywhere. Header-only
// and for mains: it pulls in CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>

#include "core/time.h"
#include "httpd/http_server.h"

namespace rollcall::httpd {

struct ServerFlags {
  double header_timeout_s = 10;
  double idle_timeout_s = 5;
  size_t max_connections = 10000;
  size_t max_connections_per_peer = 0;  // 0: half of max_connections
};

inline void AddServerFlags(CLI::App& app, ServerFlags& f) {
  app.add_option("--header-timeout", f.header_timeout_s,
                 "seconds a request head may take from its first byte (then the connection closes)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--idle-timeout", f.idle_timeout_s,
                 "seconds an idle keep-alive connection stays open")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections", f.max_connections,
                 "connections served at once; more get 503 (capped by the open-file limit)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections-per-peer", f.max_connections_per_peer,
                 "connections one client address may hold (default: half of --max-connections)")
      ->check(CLI::PositiveNumber);
}

// `f` applied to `options`, with the connection cap lowered to what
// `open_file_limit` descriptors allow (a few are kept for the process).
inline void ApplyServerFlags(const ServerFlags& f, size_t open_file_limit, ServerOptions& options) {
  constexpr size_t kReserved = 64;  // logs, the ledger, pipes of commands
  options.header_timeout = SecondsToDuration(f.header_timeout_s);
  options.idle_timeout = SecondsToDuration(f.idle_timeout_s);
  const size_t usable = open_file_limit > 2 * kReserved ? open_file_limit - kReserved : kReserved;
  options.max_connections = std::min(f.max_connections, usable);
  options.max_connections_per_peer = f.max_connections_per_peer > 0
                                         ? std::min(f.max_connections_per_peer, options.max_connections)
                                         : std::max<size_t>(options.max_connections / 2, 1);
}

}  // namespace rollcall::httpd
