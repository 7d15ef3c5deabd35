// The simulator's configuration as flags give it (DESIGN §7), and its
// validation into a ready Fleet. Kept apart from main.cpp so the rules are
// unit-tested without CLI11; every error message starts with the flag at
// fault, e.g. "--fault: 't9=dead': no such tenant".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sim/fleet.h"

namespace rollcall::sim {

struct SimConfig {
  std::optional<int64_t> tenants;    // --tenants N: slugs t0000, t0001, ...
  std::optional<std::string> names;  // --names a,b,c: explicit slugs instead
  std::string listen = "127.0.0.1:0";
  std::string agent_token;  // empty: agent routes need no token
  std::string initial_image = "registry.test/app:initial";
  std::string initial_sha = "0000000";
  std::optional<double> deploy_ms;  // default 200 when neither timing flag is given
  std::optional<std::string> deploy_dist;
  uint64_t seed = 0;
  std::vector<std::string> faults;  // SLUG=KIND[:ARG], repeatable
  std::string tenants_out;          // empty: no file
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT" or "[V6]:PORT". Invalid naming --listen otherwise.
Result<ListenAddress> ParseListenAddress(std::string_view text);

// t0000 ... t<n-1> (four digits at least, more beyond 9999).
std::vector<std::string> GeneratedSlugs(int64_t count);

// A comma-separated list of unique, valid slugs (^[a-z0-9][a-z0-9-]{0,62}$).
Result<std::vector<std::string>> ParseNames(std::string_view csv);

// Checks every flag and builds the fleet with its faults. Invalid naming the
// first flag at fault.
Result<std::unique_ptr<Fleet>> MakeFleet(const SimConfig& config);

}  // namespace rollcall::sim
