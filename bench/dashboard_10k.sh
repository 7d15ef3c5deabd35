#!/usr/bin/env bash
# The dashboard over 10,000 tenants in headless Chromium: time to the first
# render of the fleet map, following a rollout of every tenant to its end,
# and the page's JS heap after it (BENCHMARKS.md).
#   bash bench/dashboard_10k.sh [TENANTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
tenants=${1:-10000}
runs=${2:-3}
for i in $(seq "$runs"); do
  /usr/bin/python3 tests/browser/dashboard_test.py --bin-dir build --out-dir build/dashboard-load --load "$tenants"
done
