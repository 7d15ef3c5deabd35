#!/usr/bin/env bash
# What one round of the drift watch costs rollcalld: 10,000 simulated
# tenants (agent driver: GET /v1/state, /buildinfo, /healthz each), a
# desired release set by a rollout, then one full watch round. Reports the
# round's wall time and rollcalld's CPU for it.
#   bash bench/drift_watch_10k.sh [TENANTS] [INTERVAL_S]
set -euo pipefail
cd "$(dirname "$0")/.."
tenants=${1:-10000}
interval=${2:-20}
bin=${BUILD_DIR:-build}
source scripts/lib.sh
source bench/lib.sh
scratch_dir rollcall-drift-bench
start_bench_stack --tenants "$tenants" --deploy-ms 5 --seed 1 -- --log-level info --body-limit 16777216 \
  --watch-interval "$interval"
"$bin/rollcall" rollout --tag v2 --seq 2 --max-parallel 200 --max-stragglers 0 \
  --per-tenant-timeout 60 --health-timeout 30 --health-interval 0.05 --soak 0 >/dev/null
cpu_ticks() { awk '{print $14 + $15}' "/proc/$rc_pid/stat"; }
rounds() { grep -c 'drift watch: looked at' "$work/rc.err" || true; }
# The first round starts one interval after rollcalld did: measure the
# second, a whole one.
until [ "$(rounds)" -ge 1 ]; do sleep 0.05; done
ticks0=$(cpu_ticks)
start=$(date +%s.%N)
until [ "$(rounds)" -ge 2 ]; do sleep 0.05; done
end=$(date +%s.%N)
ticks1=$(cpu_ticks)
awk -v s="$start" -v e="$end" -v t0="$ticks0" -v t1="$ticks1" -v hz="$(getconf CLK_TCK)" -v n="$tenants" -v i="$interval" 'BEGIN {
  cpu = (t1 - t0) / hz;
  printf "drift watch, %d tenants, interval %d s: one round in %.1f s; rollcalld CPU %.2f s = %.0f us/tenant\n",
         n, i, e - s, cpu, cpu * 1e6 / n }'
grep 'drift watch: looked at' "$work/rc.err" | tail -1
