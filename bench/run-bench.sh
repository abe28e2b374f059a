#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/run-bench.sh
#
# Builds liaotian-server and lt-bench (in _build, as ./test.sh does),
# starts the server on a free loopback port with a fresh data dir and
# limits raised for a benchmark, registers the users once, and runs:
# server memory per idle connection (first, while the server's heap is
# fresh), connect time for 500 clients, room fan-out at 10, 100 and 500
# clients with 10 senders as fast as the server takes them, fan-out at
# 500 clients at 1000 messages/s, private messages between 100 pairs,
# and liaotiand's core receiving messages (lt-daemon-bench: a catch-up
# of 10000 offline messages at login, a burst of 10000, and the latency
# of 1000 one by one, each stored in its SQLite cache before it is
# signalled), and a file of 1 GiB sent through the HTTP file service
# (lt-file-bench: upload and download rates, the server's memory, and
# ping times on the chat port meanwhile).  Prints every figure and the
# machine, stops the server with SIGTERM and checks that it exits 0.
# Takes about three minutes.
#
# Environment: LT_SERVER (server binary; default _build/service/liaotian-server),
# LT_BUILDDIR (default _build), LT_BENCH_DURATION (seconds measured per
# run; default 10).
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
source build-aux/ensure-deps.sh

builddir=${LT_BUILDDIR:-_build}
server=${LT_SERVER:-$builddir/service/liaotian-server}
bench=$builddir/bench/lt-bench
duration=${LT_BENCH_DURATION:-10}

clients=500
idle_warmup=10
users=$((clients + idle_warmup))

workdir=
server_pid=
failures=0

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup ()
{
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$workdir" ]; then
    rm -rf "$workdir"
  fi
}
trap cleanup EXIT

build ()
{
  lt_ensure_packages "${LT_PACKAGES[@]}"
  lt_configure_build "$builddir"
  if ! meson configure "$builddir" | grep -Eq '^ *benchmarks +true'; then
    meson configure "$builddir" -Dbenchmarks=true
  fi
  # Only what the benchmark runs, not the test programs.  Through ninja:
  # it re-runs meson first when a meson.build changed, where `meson
  # compile TARGET` would look the target up in stale data.
  ninja -C "$builddir" service/liaotian-server bench/lt-bench bench/lt-daemon-bench \
    bench/lt-file-bench >&2
}

print_machine ()
{
  local mem_kib
  mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)

  echo "== machine"
  echo "cpus: $(nproc)"
  echo "cpu_model: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "memory: $((mem_kib / 1024)) MiB"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "glib: $(pkg-config --modversion glib-2.0)"
  echo "sqlite: $(pkg-config --modversion sqlite3)"
  echo "buildtype: $(meson configure "$builddir" | awk '$1 == "buildtype" { print $2; exit }')"
  echo "data_dir_filesystem: $(df -T "$workdir" | awk 'NR == 2 { print $2 " on " $1 }')"
  echo "note: lt-bench and the server share these CPUs"
}

start_server ()
{
  "$server" --port 0 --http-port 0 --data-dir "$workdir/data" \
    --rate-limit 1000000 --max-connections-per-address 100000 \
    --login-timeout 600 --idle-timeout 2000 --max-queue 67108864 \
    >"$workdir/server.out" 2>"$workdir/server.log" &
  server_pid=$!

  for _ in $(seq 100); do
    if grep -q '^listening on ' "$workdir/server.out"; then
      port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$workdir/server.out")
      http_port=$(sed -n 's/^http on .*:\([0-9]*\)$/\1/p' "$workdir/server.out")
      echo "== server"
      echo "server: $server (pid $server_pid, port $port, http port $http_port)"
      echo "server_options: --rate-limit 1000000 --max-connections-per-address 100000" \
        "--login-timeout 600 --idle-timeout 2000 --max-queue 67108864"
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done

  echo "run-bench: the server did not start; its log:" >&2
  cat "$workdir/server.log" >&2
  exit 1
}

# run NAME LT-BENCH-ARGUMENT...: one run, its figures under a heading.
run ()
{
  local name=$1
  shift

  echo "== $name"
  if ! "$bench" --port "$port" --server-pid "$server_pid" "$@"; then
    echo "run-bench: $name failed" >&2
    failures=$((failures + 1))
  fi
  # Let the server notice the closed connections before the next run.
  sleep 1
}

stop_server ()
{
  local status=0

  kill -TERM "$server_pid"
  wait "$server_pid" || status=$?
  server_pid=
  echo "== shutdown"
  echo "server_exit_status: $status"
  if [ "$status" -ne 0 ]; then
    echo "run-bench: the server exited with status $status; its log ends with:" >&2
    tail -n 20 "$workdir/server.log" >&2
    failures=$((failures + 1))
  fi
}

if [ -z "${LT_SERVER:-}" ] || [ ! -x "$bench" ] || [ ! -x "$builddir/bench/lt-daemon-bench" ] \
    || [ ! -x "$builddir/bench/lt-file-bench" ]; then
  build
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/lt-bench.XXXXXX")
start_server
print_machine

run "register $users users" register "$users"
run "idle: server memory for $clients logged-in idle connections" \
  --warmup-clients "$idle_warmup" idle "$clients"
run "connect: $clients clients log in" connect "$clients"
for n in 10 100 500; do
  run "fanout: $n clients in #lobby, 10 senders, as fast as accepted" \
    --duration "$duration" fanout "$n" 10
done
run "fanout: $clients clients in #lobby, 10 senders, 1000 messages/s" \
  --duration "$duration" --rate 1000 fanout "$clients" 10
run "private: 100 pairs, as fast as accepted" --duration "$duration" private 100

echo "== daemon: liaotiand's core receives 10000 messages at login, 10000 at once, 1000 one by one"
if ! XDG_DATA_HOME="$workdir/daemon" "$builddir/bench/lt-daemon-bench" "127.0.0.1:$port" 10000; then
  echo "run-bench: the daemon benchmark failed" >&2
  failures=$((failures + 1))
fi

echo "== files: 1 GiB up and down through the HTTP file service, pings on the chat port"
if ! "$builddir/bench/lt-file-bench" --port "$port" --http-port "$http_port" \
    --server-pid "$server_pid" --size-mib 1024; then
  echo "run-bench: the file benchmark failed" >&2
  failures=$((failures + 1))
fi

stop_server
exit $((failures > 0))
