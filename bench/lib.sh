# Sourced by the benchmarks after scripts/lib.sh: starts rollcall-sim and
# rollcalld (admin token "bench", ledger in $work) and imports the fleet.
#   start_bench_stack SIM_ARG... -- RCD_ARG...
# Sets sim, server, sim_pid, rc_pid, ROLLCALL_SERVER and ROLLCALL_TOKEN.
# BENCH_STORE=postgres puts the ledger in a throwaway PostgreSQL (started
# here with scripts/pg-test-server.sh, stopped on exit) instead of SQLite.
# Stops the processes first, then the database they use, then cleans up.
bench_pg_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/pg-test-server.sh stop "$work/pg.state" >/dev/null 2>&1 || true
  scratch_cleanup
}

start_bench_stack() {
  local sim_args=() rcd_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do sim_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  rcd_args=("$@")
  ulimit -n "$(ulimit -Hn)"
  "$bin/rollcall-sim" --listen 127.0.0.1:0 --tenants-out "$work/tenants.json" "${sim_args[@]}" \
    >"$work/sim.out" 2>"$work/sim.err" &
  sim_pid=$!
  pids+=($sim_pid)
  sim=$(wait_listening "$work/sim.out" 60)
  export ROLLCALL_ADMIN_TOKEN=bench
  local db="$work/rc.db"
  if [ "${BENCH_STORE:-sqlite}" = postgres ]; then
    bash scripts/pg-test-server.sh start "$work/pg.state" >/dev/null
    trap bench_pg_cleanup EXIT
    db=$(head -1 "$work/pg.state")
  fi
  "$bin/rollcalld" --listen 127.0.0.1:0 --db "$db" --image-repo bench/app "${rcd_args[@]}" \
    >"$work/rc.out" 2>"$work/rc.err" &
  rc_pid=$!
  pids+=($rc_pid)
  server=$(wait_listening "$work/rc.out" 60)
  export ROLLCALL_SERVER="http://$server" ROLLCALL_TOKEN=bench
  "$bin/rollcall" tenants import "$work/tenants.json" >/dev/null
}
