# Sourced by the quick start and the benchmarks: a scratch directory whose
# background processes are killed (and the directory removed) on exit, and
# readiness on the "listening on HOST:PORT" line every Rollcall server prints.
#   source scripts/lib.sh
#   scratch_dir rollcall-demo      # sets $work and $pids, installs the trap
#   ./build/rollcall-sim ... >"$work/sim.out" & pids+=($!)
#   sim=$(wait_listening "$work/sim.out")

scratch_dir() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap scratch_cleanup EXIT
}

scratch_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# Waits at most ${2:-20} seconds for "listening on HOST:PORT" in $1 and
# prints HOST:PORT; on timeout prints the file (and its .err twin) and fails.
wait_listening() {
  local tries=$(( ${2:-20} * 10 )) addr
  for _ in $(seq "$tries"); do
    addr=$(sed -n 's/^listening on //p' "$1" | head -1)
    if [ -n "$addr" ]; then echo "$addr"; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  cat "$1" "${1%.out}.err" >&2 2>/dev/null || true
  return 1
}
