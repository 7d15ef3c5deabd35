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
scratch_dir rollcall-bench
ulimit -n "$(ulimit -Hn)"
"$bin/rollcall-sim" --tenants "$tenants" --listen 127.0.0.1:0 --deploy-ms 5 --seed 1 \
  --tenants-out "$work/tenants.json" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
sim=$(wait_listening "$work/sim.out" 60)
export ROLLCALL_ADMIN_TOKEN=bench
"$bin/rollcalld" --listen 127.0.0.1:0 --db "$work/rc.db" --image-repo bench/app --log-level warn \
  --body-limit 16777216 \
  >"$work/rc.out" 2>"$work/rc.err" &
rc_pid=$!
pids+=($rc_pid)
server=$(wait_listening "$work/rc.out" 60)
export ROLLCALL_SERVER="http://$server" ROLLCALL_TOKEN=bench
"$bin/rollcall" tenants import "$work/tenants.json" >/dev/null
cpu_ticks() { awk '{print $14 + $15}' "/proc/$rc_pid/stat"; }
ticks0=$(cpu_ticks)
start=$(date +%s.%N)
"$bin/rollcall" rollout --tag v2 --seq 2 --max-parallel "$parallel" --max-stragglers 0 \
  --per-tenant-timeout 60 --health-timeout 30 --health-interval 0.05 --soak 0 >"$work/rollout.out"
end=$(date +%s.%N)
ticks1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$rc_pid/status")
tail -1 "$work/rollout.out"
awk -v s="$start" -v e="$end" -v t0="$ticks0" -v t1="$ticks1" -v hz="$hz" -v n="$tenants" -v rss="$rss_kb" -v p="$parallel" 'BEGIN {
  wall = e - s; cpu = (t1 - t0) / hz;
  printf "tenants %d, max_parallel %d: wall %.1f s, %.0f tenants/s; rollcalld CPU %.1f s = %.0f us/tenant; peak RSS %.0f MiB\n",
         n, p, wall, n / wall, cpu, cpu * 1e6 / n, rss / 1024 }'
