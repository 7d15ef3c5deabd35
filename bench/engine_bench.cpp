// Engine overhead per tenant: a whole rollout on the fake clock and fleet,
// so the figure is the engine's own CPU (planning, scheduling, pipeline
// state machines, in-memory ledger writes, events), not I/O.
#include <benchmark/benchmark.h>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

void BM_RolloutPerTenant(benchmark::State& state, Strategy strategy) {
  const int tenants = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto h = std::make_unique<EngineHarness>();
    h->AddTenants(tenants);
    Policy p = EngineHarness::TestPolicy();
    p.max_parallel = 20;
    p.strategy = strategy;
    p.canary = {"t0000"};
    state.ResumeTiming();
    Rollout r = h->Run(p);
    benchmark::DoNotOptimize(r);
    state.PauseTiming();
    if (r.state != RolloutState::kSucceeded) state.SkipWithError("rollout did not succeed");
    h.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * tenants);  // items/s = tenants/s
}

BENCHMARK_CAPTURE(BM_RolloutPerTenant, window, Strategy::kWindow)
    ->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RolloutPerTenant, batches, Strategy::kBatches)
    ->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rollcall

BENCHMARK_MAIN();
