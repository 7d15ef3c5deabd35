#!/usr/bin/env bash
# The quick start: sets up this machine (idempotent), builds Rollcall, then
# runs a real rollout over a simulated fleet and cleans up:
#   rollcall-sim   50 tenants on one loopback port; t0007 stuck on its old
#                  image, t0031 dead (accepts, never answers)
#   rollcalld      the control plane, on a fresh SQLite ledger
#   rollcall       registers the tenants, rolls release v2 canary-first,
#                  follows the event stream, prints the per-tenant table
#                  and the quarantined stragglers
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${JOBS:-2}" --target rollcall-sim rollcalld rollcall

source scripts/lib.sh
scratch_dir rollcall-demo

./build/rollcall-sim --tenants 50 --listen 127.0.0.1:0 --seed 7 \
  --deploy-dist lognormal:400:0.5 --initial-image registry.demo/app:v1 \
  --fault t0007=stuck --fault t0031=dead \
  --tenants-out "$work/tenants.json" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
sim=$(wait_listening "$work/sim.out")

export ROLLCALL_ADMIN_TOKEN="demo-$RANDOM$RANDOM"
./build/rollcalld --listen 127.0.0.1:0 --db "$work/rollcall.db" --image-repo registry.demo/app \
  >"$work/rollcalld.out" 2>"$work/rollcalld.log" &
pids+=($!)
server=$(wait_listening "$work/rollcalld.out")
echo "rollcall-sim on $sim, rollcalld on $server (ledger $work/rollcall.db)"

export ROLLCALL_SERVER="http://$server" ROLLCALL_TOKEN="$ROLLCALL_ADMIN_TOKEN"
./build/rollcall tenants import "$work/tenants.json"
# Short timeouts so the dead tenant costs seconds, not the 5-minute default.
set +e
./build/rollcall rollout --tag v2 --sha 2222222 --seq 2 --canary t0000 --soak 2 \
  --max-parallel 8 --max-stragglers 2 --per-tenant-timeout 5 --health-timeout 5 \
  --health-interval 0.5 "$@"
status=$?
set -e
echo
echo "rollout exit code: $status (0 = succeeded with the stragglers quarantined)"
exit $status
