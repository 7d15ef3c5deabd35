#!/usr/bin/env bash
# The HTTP servers under load, through the real binaries: requests/s of
# rollcalld's GET /healthz and of a read route (GET /v1/tenants/t0000, which
# reads the store), and of the simulator's tenant /healthz, each at
# CONNECTIONS keep-alive connections; the simulator's CPU per request; and
# with FOLLOWERS=N, rollcalld's peak RSS while N event streams follow a
# running rollout to its end.
#   BUILD_DIR=build bash bench/http_servers.sh [CONNECTIONS] [ROUNDS]
# BUILD_DIR picks the binaries measured (an older build for "before");
# BENCH_TOOL the load generator (build/http_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-50}
rounds=${2:-2000}
bin=${BUILD_DIR:-build}
tool=${BENCH_TOOL:-build/http_bench}
source scripts/lib.sh
source bench/lib.sh
scratch_dir rollcall-http-bench
start_bench_stack --tenants 100 --deploy-ms 200 -- --log-level warn

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
"$tool" rps "$server" /healthz "$conns" "$rounds"
"$tool" rps "$server" /v1/tenants/t0000 "$conns" "$rounds" bench
t0=$(ticks $sim_pid)
"$tool" rps "$sim" /t/t0000/healthz "$conns" "$rounds"
t1=$(ticks $sim_pid)
awk -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" -v n=$((conns * rounds)) \
  'BEGIN { printf "rollcall-sim CPU: %.2f s for %d requests = %.1f us/request\n", (t1 - t0) / hz, n, (t1 - t0) / hz * 1e6 / n }'

if [ -n "${FOLLOWERS:-}" ]; then
  id=$(curl -sS -X POST -H "Authorization: Bearer bench" -H 'Content-Type: application/json' \
    -d '{"release":{"tag":"v2","seq":2},"policy":{"max_parallel":4,"soak_seconds":0,"max_stragglers":"0","health_interval_s":0.05}}' \
    "http://$server/v1/rollouts" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  rss0=$(awk '/VmRSS/ {print $2}' "/proc/$rc_pid/status")
  "$tool" follow "$server" "/v1/rollouts/$id/events" "$FOLLOWERS" 120 bench
  awk -v a="$rss0" -v b="$(awk '/VmHWM/ {print $2}' "/proc/$rc_pid/status")" -v n="$FOLLOWERS" \
    'BEGIN { printf "rollcalld with %d followers: RSS %.1f MiB before, peak %.1f MiB\n", n, a / 1024, b / 1024 }'
fi
