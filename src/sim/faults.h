// Faults a simulated tenant can be given with `--fault SLUG=KIND[:ARG]`
// (DESIGN §7). A tenant may carry several; they merge into TenantFaults.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace rollcall::sim {

struct Fault {
  enum class Kind {
    kDead,       // accepts connections and requests, never answers any route
    kStuck,      // deploy reports success, the old image keeps running
    kUnhealthy,  // /healthz is never 2xx
    kSlow,       // deploy takes `arg` seconds
    kFlaky,      // the first `arg` agent calls answer 502
    kLag,        // /healthz and /buildinfo show the old build `arg` seconds after a deploy
    kCrash,      // agent calls close the connection without an answer
    kRevert,     // `arg` seconds after its first successful deploy, falls back to the build before
  };
  Kind kind = Kind::kDead;
  double arg = 0;  // seconds (slow, lag, revert) or a call count (flaky); 0 for the others
};

struct FaultSpec {
  std::string slug;
  Fault fault;
};

// Parses "SLUG=KIND[:ARG]", e.g. "t0003=slow:2.5". Invalid, naming what is
// wrong, for a missing '=', an unknown kind, a missing or extra argument, a
// negative number, or a non-integer flaky count. The slug is not checked
// against the fleet here.
Result<FaultSpec> ParseFaultSpec(std::string_view text);

// "dead", "slow:2.5", "flaky:3": the spec form of one fault.
std::string FaultToString(const Fault& fault);

// All faults of one tenant, merged.
struct TenantFaults {
  bool dead = false;
  bool stuck = false;
  bool unhealthy = false;
  bool crash = false;
  std::optional<Duration> slow;  // the deploy time, replacing the drawn one
  int flaky_calls = 0;           // agent calls still to answer 502
  Duration lag{0};
  std::optional<Duration> revert;  // after the first successful deploy
  std::vector<std::string> names;  // as given, for reports

  void Add(const Fault& fault);
};

}  // namespace rollcall::sim
