#!/usr/bin/env bash
# Sets up this machine (idempotent), builds Rollcall and runs every test.
#   bash scripts/test.sh                      # normal build in ./build
#   BUILD_DIR=build-asan bash scripts/test.sh -DROLLCALL_SANITIZE=address,undefined
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-2}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build_dir" -j"$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j"$jobs" --timeout 900
