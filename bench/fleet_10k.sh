#!/usr/bin/env bash
# 10,000 simulated tenants, 5 ms deploys, max_parallel 200, through the real
# binaries: rollcall-sim, rollcalld on SQLite, the rollcall CLI. Reports the
# rollout's wall time and rollcalld's peak RSS and CPU per tenant.
#   bash bench/fleet_10k.sh [TENANTS] [MAX_PARALLEL]
set -euo pipefail
cd "$(dirname "$0")/.."
tenants=${1:-10000}
parallel=${2:-200}
bin=${BUILD_DIR:-build}
source scripts/lib.sh
source bench/lib.sh
scratch_dir rollcall-bench
start_bench_stack --tenants "$tenants" --deploy-ms 5 --seed 1 -- --log-level warn --body-limit 16777216
cpu_ticks() { awk '{print $14 + $15}' "/proc/$rc_pid/stat"; }
# PostgreSQL: its committed transactions during the rollout (every client's).
pg_commits() {
  [ "${BENCH_STORE:-sqlite}" = postgres ] || { echo 0; return; }
  "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql" -XAtq "$(head -1 "$work/pg.state")" \
    -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
}
commits0=$(pg_commits)
ticks0=$(cpu_ticks)
start=$(date +%s.%N)
"$bin/rollcall" rollout --tag v2 --seq 2 --max-parallel "$parallel" --max-stragglers 0 \
  --per-tenant-timeout 60 --health-timeout 30 --health-interval 0.05 --soak 0 >"$work/rollout.out"
end=$(date +%s.%N)
ticks1=$(cpu_ticks)
commits1=$(pg_commits)
hz=$(getconf CLK_TCK)
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$rc_pid/status")
tail -1 "$work/rollout.out"
awk -v s="$start" -v e="$end" -v t0="$ticks0" -v t1="$ticks1" -v hz="$hz" -v n="$tenants" -v rss="$rss_kb" -v p="$parallel" 'BEGIN {
  wall = e - s; cpu = (t1 - t0) / hz;
  printf "tenants %d, max_parallel %d: wall %.1f s, %.0f tenants/s; rollcalld CPU %.1f s = %.0f us/tenant; peak RSS %.0f MiB\n",
         n, p, wall, n / wall, cpu, cpu * 1e6 / n, rss / 1024 }'
if [ "${BENCH_STORE:-sqlite}" = postgres ]; then
  # pg_stat_database lags its backends by up to a second.
  sleep 1
  commits1=$(pg_commits)
  awk -v c="$((commits1 - commits0))" -v n="$tenants" 'BEGIN { printf "postgres: %d transactions committed, %.2f per tenant\n", c, c / n }'
fi
