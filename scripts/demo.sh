#!/usr/bin/env bash
# Sets up this machine (idempotent), builds Rollcall and runs a rollout over
# a simulated fleet of 50 tenants, one stuck on its old image and one dead,
# canary first, printing the per-tenant table and the quarantined stragglers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${JOBS:-2}" --target rollcall-demo
exec ./build/rollcall-demo --tenants 50 --canary t0000 --stuck t0007 --dead t0031 --max-stragglers 2 "$@"
