#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, on a free loopback port in a temp dir
# (the recipe in ../shared/STACK.md; initdb refuses root, hence runuser).
#   bash scripts/pg-test-server.sh start STATE   # writes the libpq conninfo to STATE
#   bash scripts/pg-test-server.sh stop STATE    # stops it and removes its files
#   bash scripts/pg-test-server.sh restart STATE # pg_ctl restart -m fast
#   bash scripts/pg-test-server.sh down STATE    # pg_ctl stop -m fast, files kept
#   bash scripts/pg-test-server.sh up STATE      # starts it again after down
# STATE's first line is the conninfo, its second the server's directory.
set -euo pipefail
cmd=${1:?start or stop}
state=${2:?state file}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  if [ -z "$pgbin" ]; then echo "pg-test-server: PostgreSQL is not installed" >&2; exit 1; fi
  dir=$(mktemp -d /tmp/rollcall-pg-XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  as_owner "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync --no-instructions \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start \
         >/dev/null 2>&1; then
      printf 'host=127.0.0.1 port=%s user=postgres dbname=postgres\n%s\n' "$port" "$dir" >"$state"
      echo "pg-test-server: PostgreSQL on 127.0.0.1:$port ($dir)"
      exit 0
    fi
  done
  echo "pg-test-server: PostgreSQL would not start:" >&2
  tail -20 "$dir/log" >&2 || true
  exit 1
  ;;
stop)
  [ -f "$state" ] || exit 0
  dir=$(sed -n 2p "$state")
  if [ -n "$dir" ] && [ -d "$dir/data" ]; then
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
  rm -f "$state"
  ;;
restart|up)
  # restart: what an operator's `pg_ctl restart -m fast` does (every
  # session ends); up: the server comes back after `down`.
  dir=$(sed -n 2p "$state")
  port=$(sed -n 1p "$state" | sed 's/.*port=\([0-9]*\).*/\1/')
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -m fast -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    "$([ "$cmd" = up ] && echo start || echo restart)" >/dev/null 2>&1 || { tail -20 "$dir/log" >&2; exit 1; }
  ;;
down)
  # An outage: the server stops (sessions end, connections are refused).
  dir=$(sed -n 2p "$state")
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || { tail -20 "$dir/log" >&2; exit 1; }
  ;;
*)
  echo "usage: pg-test-server.sh start|stop|restart|down|up STATE" >&2
  exit 2
  ;;
esac
