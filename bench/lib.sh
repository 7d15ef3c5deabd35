# Sourced by the benchmarks after scripts/lib.sh: starts rollcall-sim and
# rollcalld (admin token "bench", ledger in $work) and imports the fleet.
#   start_bench_stack SIM_ARG... -- RCD_ARG...
# Sets sim, server, sim_pid, rc_pid, ROLLCALL_SERVER and ROLLCALL_TOKEN.
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
  "$bin/rollcalld" --listen 127.0.0.1:0 --db "$work/rc.db" --image-repo bench/app "${rcd_args[@]}" \
    >"$work/rc.out" 2>"$work/rc.err" &
  rc_pid=$!
  pids+=($rc_pid)
  server=$(wait_listening "$work/rc.out" 60)
  export ROLLCALL_SERVER="http://$server" ROLLCALL_TOKEN=bench
  "$bin/rollcall" tenants import "$work/tenants.json" >/dev/null
}
