// How long a simulated deploy takes: a fixed time (`--deploy-ms`) or a
// log-normal draw (`--deploy-dist lognormal:MEDIAN_MS:SIGMA`).
//
// Draws are a pure function of (seed, slug, deploy number), so two runs with
// the same seed see the same durations whatever order requests arrive in.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace rollcall::sim {

struct DeployTiming {
  enum class Kind { kFixed, kLogNormal };
  Kind kind = Kind::kFixed;
  double median_ms = 200;  // the fixed time for kFixed
  double sigma = 0;        // kLogNormal: spread of ln(duration)

  static DeployTiming Fixed(double ms) { return DeployTiming{Kind::kFixed, ms, 0}; }
};

// "lognormal:MEDIAN_MS:SIGMA" with MEDIAN_MS > 0 and SIGMA >= 0; Invalid
// naming the part that is wrong.
Result<DeployTiming> ParseDeployDist(std::string_view text);

// The duration of `slug`'s deploy number `deploy_number` (1-based). Fixed
// timings ignore the key. Log-normal: exp(ln(median) + sigma * N(0,1)),
// capped at one hour so a wild draw cannot overflow a timer.
Duration DrawDeployDuration(const DeployTiming& timing, uint64_t seed, std::string_view slug,
                            uint64_t deploy_number);

// Uniform in (0, 1) from the key; exposed for tests.
double KeyedUniform(uint64_t seed, std::string_view slug, uint64_t deploy_number, uint64_t stream);

}  // namespace rollcall::sim
