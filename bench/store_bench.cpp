// Ledger cost per tenant: what a rollout writes for each tenant it finishes
// (MarkStarted, PutResult, AppendEvent with the row), each its own commit —
// on a real SQLite file in WAL mode (a fresh temp dir), and on PostgreSQL
// over loopback (a fresh schema on the server ROLLCALL_TEST_PG_FILE names,
// `bash scripts/pg-test-server.sh start FILE`; skipped without one).
//
// Time per iteration = one tenant (3 commits). SQLite's arg: 0 =
// synchronous=NORMAL (the default), 1 = synchronous=FULL (an fsync per
// commit).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>

#include "core/json_codec.h"
#include "store/pg_store.h"
#include "store/pg_test_server.h"
#include "store/sqlite_store.h"

namespace rollcall {
namespace {

constexpr int kTenantsPerRollout = 1000;

TenantResult FinishedRow(const std::string& slug, int64_t now_ms) {
  TenantResult row;
  row.slug = slug;
  row.phase = "window";
  row.status = TenantStatus::kSuccess;
  row.exit_code = 0;
  row.healthz_ok = true;
  row.verified_on_target = true;
  row.running_image = "registry.test/app:v42";
  row.started_at_ms = now_ms;
  row.finished_at_ms = now_ms + 1500;
  row.duration_ms = 1500;
  return row;
}

Rollout NewRollout(int n) {
  Rollout r;
  r.id = "r" + std::to_string(n);
  r.release = {"v42", "abc1234", 42};
  r.state = RolloutState::kRunning;
  for (int i = 0; i < kTenantsPerRollout; ++i) r.enumerated.push_back("t" + std::to_string(i));
  return r;
}

// The timed loop: one tenant's writes per iteration, a new rollout (untimed)
// every kTenantsPerRollout tenants.
void WriteTenants(benchmark::State& state, Store& s) {
  int rollouts = 0;
  int tenant = kTenantsPerRollout;
  std::string rollout_id;
  for (auto _ : state) {
    if (tenant == kTenantsPerRollout) {
      state.PauseTiming();
      Rollout r = NewRollout(++rollouts);
      rollout_id = r.id;
      if (!s.PutRollout(r).ok()) state.SkipWithError("PutRollout failed");
      tenant = 0;
      state.ResumeTiming();
    }
    const std::string slug = "t" + std::to_string(tenant++);
    const int64_t now_ms = 1'700'000'000'000 + tenant;
    TenantResult row = FinishedRow(slug, now_ms);
    RolloutEvent event{0, rollout_id, kEventTenantFinished,
                       {{"slug", slug}, {"result", ToJson(row)}}, now_ms, false};
    if (!s.MarkStarted(rollout_id, {slug, "window", now_ms}).ok() ||
        !s.PutResult(rollout_id, row).ok() || !s.AppendEvent(event).ok()) {
      state.SkipWithError("write failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());  // items/s = tenants/s
}

void BM_SqlitePerTenant(benchmark::State& state) {
  std::string dir = (std::filesystem::temp_directory_path() / "rollcall-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return state.SkipWithError("mkdtemp failed");
  {
    SqliteStore::Options options;
    options.full_sync = state.range(0) == 1;
    auto store = SqliteStore::Open(dir + "/bench.db", options);
    if (!store.ok()) return state.SkipWithError(store.status().message().c_str());
    WriteTenants(state, **store);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

void BM_PgPerTenant(benchmark::State& state) {
  Result<std::string> conninfo = PgTestServer::FreshSchema();
  if (!conninfo.ok()) return state.SkipWithError(conninfo.status().message().c_str());
  auto store = PgStore::Open(*conninfo);
  if (!store.ok()) return state.SkipWithError(store.status().message().c_str());
  WriteTenants(state, **store);
}

// What a read of the rollout history costs with `range(0)` finished
// rollouts of kTenantsPerRollout rows each behind it: range(1) 0 = every
// rollout with its rows (ListRollouts: what /metrics and GET /v1/rollouts
// read before), 1 = the counts by state (CountRollouts: what /metrics reads
// now), 2 = the 20 newest without rows (ListRolloutPage: `rollcall status`).
void BM_SqliteHistoryRead(benchmark::State& state) {
  std::string dir = (std::filesystem::temp_directory_path() / "rollcall-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return state.SkipWithError("mkdtemp failed");
  {
    auto store = SqliteStore::Open(dir + "/bench.db");
    if (!store.ok()) return state.SkipWithError(store.status().message().c_str());
    Store& s = **store;
    for (int n = 1; n <= state.range(0); ++n) {
      Rollout r = NewRollout(n);
      r.state = RolloutState::kSucceeded;
      r.created_at_ms = n;
      LedgerBatch rows;
      for (const std::string& slug : r.enumerated) rows.PutResult(r.id, FinishedRow(slug, n));
      if (!s.PutRollout(r).ok() || !s.Commit(rows).ok()) return state.SkipWithError("history write failed");
    }
    for (auto _ : state) {
      bool ok = true;
      switch (state.range(1)) {
        case 0: ok = s.ListRollouts(std::nullopt).ok(); break;
        case 1: ok = s.CountRollouts().ok(); break;
        default: ok = s.ListRolloutPage({std::nullopt, 20, ""}).ok(); break;
      }
      if (!ok) state.SkipWithError("read failed");
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

BENCHMARK(BM_SqliteHistoryRead)
    ->ArgNames({"rollouts", "read"})
    ->Args({200, 0})
    ->Args({200, 1})
    ->Args({200, 2})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_SqlitePerTenant)->ArgName("full_sync")->Arg(0)->Arg(1)->UseRealTime()->Unit(
    benchmark::kMicrosecond);
BENCHMARK(BM_PgPerTenant)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rollcall

BENCHMARK_MAIN();
