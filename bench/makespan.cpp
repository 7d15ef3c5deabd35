// Makespan of a 1,000-tenant rollout, lognormal deploy times (median 20 s,
// sigma 0.5), one dead tenant, max_parallel 20, per-tenant timeout 300 s:
// `window` vs `batches` vs the lower bound max(longest deploy, total work /
// max_parallel). Runs the unmodified engine on the fake clock, so the
// figures are exact and repeat for a given --seed.
#include <cstdio>
#include <random>
#include <string>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

struct Fleet {
  std::vector<double> deploy_s;  // per tenant; the dead one is the timeout
};

Fleet MakeFleet(int tenants, unsigned seed, int dead_index, double timeout_s) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(20.0), 0.5);
  Fleet f;
  for (int i = 0; i < tenants; ++i) f.deploy_s.push_back(i == dead_index ? timeout_s : dist(rng));
  return f;
}

double Run(const Fleet& fleet, Strategy strategy, int dead_index) {
  EngineHarness h;
  const int n = static_cast<int>(fleet.deploy_s.size());
  h.AddTenants(n);
  for (int i = 0; i < n; ++i) {
    h.fleet.Set(EngineHarness::Slug(i), i == dead_index ? FakeTenant::Dead()
                                                        : FakeTenant::Slow(SecondsToDuration(fleet.deploy_s[i])));
  }
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 20;
  p.strategy = strategy;
  p.max_stragglers = {1, false};
  Rollout r = h.Run(p);
  if (r.state != RolloutState::kSucceeded) std::fprintf(stderr, "unexpected: %s\n", r.error.c_str());
  return DurationToSeconds(h.clock.Elapsed());
}

}  // namespace
}  // namespace rollcall

int main(int argc, char** argv) {
  using namespace rollcall;
  const unsigned seed = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 1;
  const int tenants = 1000, dead = 500, parallel = 20;
  const double timeout = 300;
  Fleet fleet = MakeFleet(tenants, seed, dead, timeout);
  double total = 0, longest = 0;
  for (double d : fleet.deploy_s) {
    total += d;
    longest = std::max(longest, d);
  }
  const double bound = std::max(longest, total / parallel);
  const double window = Run(fleet, Strategy::kWindow, dead);
  const double batches = Run(fleet, Strategy::kBatches, dead);
  std::printf("seed %u: %d tenants, max_parallel %d, lognormal(median 20 s, sigma 0.5), tenant t%04d dead (timeout %.0f s)\n",
              seed, tenants, parallel, dead, timeout);
  std::printf("total work %.0f s, longest %.0f s, lower bound %.0f s\n", total, longest, bound);
  std::printf("window   %7.0f s  ratio %.3f\n", window, window / bound);
  std::printf("batches  %7.0f s  ratio %.3f\n", batches, batches / bound);
  return 0;
}
