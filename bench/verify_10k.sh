#!/usr/bin/env bash
# `rollcall verify` over 10,000 simulated tenants that all already run the
# target build, against the sequential curl loop a shell verify step in CI
# does (per tenant: curl /buildinfo, curl /healthz, compare git_sha).
# Reports wall time, verify rounds and the CLI's peak RSS.
#   bash bench/verify_10k.sh
# Environment: BUILD_DIR (default build), TENANTS (default 10000),
# SEQ_SAMPLE (tenants the sequential loop covers, default 2000; its wall
# time is extrapolated linearly to TENANTS; set it to TENANTS for a full run).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD_DIR:-build}
tenants=${TENANTS:-10000}
sample=${SEQ_SAMPLE:-2000}
[ "$sample" -gt "$tenants" ] && sample=$tenants
sha=abc1234def
for tool in /usr/bin/time jq curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install time jq curl)" >&2; exit 2; }
done

source scripts/lib.sh
scratch_dir rollcall-verify-bench

ulimit -n "$(ulimit -Hn)"

"$bin/rollcall-sim" --tenants "$tenants" --listen 127.0.0.1:0 --initial-sha "$sha" \
  --initial-image repo:v1 --tenants-out "$work/tenants.json" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
sim=$(wait_listening "$work/sim.out" 60)

export ROLLCALL_ADMIN_TOKEN="bench-$RANDOM$RANDOM"
# The 10,000-tenant bulk import body is ~1.6 MiB, above the default limit.
"$bin/rollcalld" --listen 127.0.0.1:0 --db "$work/r.db" --log-level warn --body-limit 16777216 \
  >"$work/rc.out" 2>"$work/rc.err" &
pids+=($!)
server=$(wait_listening "$work/rc.out" 60)
export ROLLCALL_SERVER="http://$server" ROLLCALL_TOKEN="$ROLLCALL_ADMIN_TOKEN"
"$bin/rollcall" tenants import "$work/tenants.json" >/dev/null

# 1. rollcall verify: reads the active tenants from rollcalld, polls all of
# them concurrently (libcurl multi) every --interval until all are on target.
rc=0
/usr/bin/time -v -o "$work/time.txt" "$bin/rollcall" verify --sha "$sha" --budget 60 --interval 1 \
  >"$work/verify.out" 2>"$work/verify.err" || rc=$?
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
  n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time.txt")
cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$work/time.txt")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
rounds=$(grep -c ' on target$' "$work/verify.err" || true)
tally=$(grep "^verify $sha: " "$work/verify.out" || echo "no tally line")
not_ok=$({ grep -v "^verify $sha: " "$work/verify.out" || true; } | awk '$2 != "OK"' | wc -l)
if [ "$rc" -ne 0 ] || [ "$not_ok" -ne 0 ]; then
  echo "verify exit $rc, $not_ok tenants not OK:" >&2
  { grep -v "^verify $sha: " "$work/verify.out" || true; } | awk '$2 != "OK"' | head -20 >&2
  tail -5 "$work/verify.err" >&2
fi

# 2. The sequential shell loop over the first $sample tenants: two curl
# processes per tenant, the sha checked with a bash string match (no jq per
# tenant, so this is a lower bound for a loop that pipes into jq).
mapfile -t urls < <(jq -r '.tenants[].base_url' "$work/tenants.json" | head -n "$sample")
seq_ok=0
seq_bad=0
t0=$(date +%s.%N)
for u in "${urls[@]}"; do
  body=$(curl -fsS "$u/buildinfo" 2>/dev/null) || body=
  healthy=1
  curl -fsS "$u/healthz" >/dev/null 2>&1 || healthy=0
  if [ "$healthy" = 1 ] && [[ $body == *"\"git_sha\":\"$sha\""* ]]; then
    seq_ok=$((seq_ok + 1))
  else
    seq_bad=$((seq_bad + 1))
  fi
done
t1=$(date +%s.%N)

echo "rollcall-sim $sim, rollcalld $server, $tenants tenants on $sha; $(date -u +%FT%TZ)"
echo "rollcall verify: exit $rc, $rounds round(s), '$tally'"
echo "sequential loop: $seq_ok/${#urls[@]} OK, $seq_bad failed"
awk -v w="$wall" -v cpu="$cpu" -v rss="$rss_kb" -v n="$tenants" -v s="$t0" -v e="$t1" -v m="${#urls[@]}" 'BEGIN {
  seq = e - s; per = seq / m; full = per * n;
  printf "| %-32s | %9s | %11s | %9s | %9s |\n", "method", "tenants", "wall", "per tenant", "peak RSS";
  printf "|%s|%s|%s|%s|%s|\n", "----------------------------------", "-----------", "-------------", "------------", "-----------";
  printf "| %-32s | %9d | %9.2f s | %7.3f ms | %5.0f MiB |\n", "rollcall verify (concurrent)", n, w, w * 1000 / n, rss / 1024;
  printf "| %-32s | %9d | %9.1f s | %7.2f ms | %9s |\n", "sequential curl loop (measured)", m, seq, per * 1000, "-";
  if (m < n) printf "| %-32s | %9d | %9.1f s | %7.2f ms | %9s |\n", "sequential (extrapolated)", n, full, per * 1000, "-";
  printf "rollcall verify CPU (user+sys) %.2f s; sequential / concurrent = %.0fx\n", cpu, full / w }'
exit "$rc"
