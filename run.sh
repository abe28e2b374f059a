#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ./run.sh [SERVER OPTION...]
#
# Installs what is missing, builds, and starts on this machine:
#  1. liaotian-server on 127.0.0.1:4567 with its data under
#     $XDG_DATA_HOME/liaotian/server.  Options given here are passed on
#     to it and win over these defaults, e.g.
#       ./run.sh --listen 0.0.0.0 --tls-cert cert.pem --tls-key key.pem
#  2. liaotiand, the session daemon, connected to that server and owning
#     org.liaotian.Chat1 on the user's session bus, or, where there is
#     none, on a bus of its own under dbus-run-session, whose address it
#     prints for `export DBUS_SESSION_BUS_ADDRESS=...` in another
#     terminal.
#  3. liaotian, the GNOME client, when there is a display; quitting it
#     stops the others and exits 0.
# Ctrl-C (or SIGTERM) stops them in the reverse order, the daemon
# first, and exits 0.  If one of them exits by itself, the others are
# stopped and the status is 1.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
source build-aux/ensure-deps.sh

lt_ensure_packages "${LT_PACKAGES[@]}"
lt_configure_build _build
ninja -C _build

build=$PWD/_build
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/liaotian/server"
(umask 077 && mkdir -p "$data_dir")

# The processes started so far, in order: a name, the PID to wait for,
# and what to send SIGTERM to (its process group, or one process in it).
# They are stopped in the reverse order.
names=()
pids=()
targets=()
last=-1
tmp_dir=

# start NAME COMMAND...
#
# Runs COMMAND in the background, in a session and process group of its
# own: Ctrl-C in the terminal then reaches only this script, which stops
# everything in order.  (A background child of a script is never a
# process group leader, so setsid does not fork: $! is COMMAND's PID.)
# Sets $last to its index in the arrays.
start ()
{
  local name=$1
  shift

  setsid "$@" &
  names+=("$name")
  pids+=("$!")
  targets+=("-$!")
  last=$((${#pids[@]} - 1))
}

# running PID: whether the child PID has not exited yet.
running ()
{
  kill -0 "$1" 2>/dev/null
}

# stop NAME PID TARGET
#
# SIGTERM to TARGET, then waits for PID; after 10 s, SIGKILL to PID's
# whole process group.
stop ()
{
  local name=$1 pid=$2 target=$3 tenths=0

  kill -TERM -- "$target" 2>/dev/null || true
  while running "$pid"; do
    if [ $tenths -eq 100 ]; then
      echo "run.sh: $name did not stop within 10 s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    sleep 0.1
    tenths=$((tenths + 1))
  done
  wait "$pid" 2>/dev/null || true
}

stop_all ()
{
  local i

  for ((i = ${#names[@]} - 1; i >= 0; i--)); do
    stop "${names[i]}" "${pids[i]}" "${targets[i]}"
  done
  names=()
  pids=()
  targets=()
  if [ -n "$tmp_dir" ]; then
    rm -rf "$tmp_dir"
  fi
}

# fail MESSAGE: stops what runs and exits 1.
fail ()
{
  trap '' INT TERM HUP
  echo "run.sh: $*" >&2
  stop_all
  exit 1
}

# A second Ctrl-C while stopping must not cut the stopping short.
# shellcheck disable=SC2317 # called by the trap
on_signal ()
{
  trap '' INT TERM HUP
  stop_all
  exit 0
}

trap on_signal INT TERM HUP
trap stop_all EXIT
tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/liaotian-run.XXXXXX")

# 1. The server.  It prints one line, "listening on ADDR:PORT", with the
# real address and port, whatever the options and a --config file say.
start liaotian-server "$build/service/liaotian-server" --listen 127.0.0.1 --port 4567 \
  --data-dir "$data_dir" "$@" > "$tmp_dir/server.out"
listening=
for ((i = 0; i < 300; i++)); do
  listening=$(grep -m 1 '^listening on ' "$tmp_dir/server.out" || true)
  if [ -n "$listening" ] || ! running "${pids[last]}"; then
    break
  fi
  sleep 0.1
done
if [ -z "$listening" ]; then
  fail "liaotian-server did not start"
fi
address=${listening#listening on }
case $address in
  0.0.0.0:*) server=127.0.0.1:${address##*:} ;;
  "[::]":*) server="[::1]:${address##*:}" ;;
  *) server=$address ;;
esac

# The daemon and the client run from the build tree: their settings
# schemas are in _build/data, their translations in _build/po.
export GSETTINGS_SCHEMA_DIR=$build/data
export LIAOTIAN_LOCALEDIR=$build/po

# 2. The daemon.  It gets the server's address only,
# not TLS (its use-tls and tls-ca-file settings): its calls fail with
# Offline against a server started with --tls-cert.
#
# On the user's own session bus, --replace takes the name over from a
# liaotiand that already owns it, such as an installed one started by
# D-Bus activation; that one exits, and the next call after this script
# stops activates it again.
tell_address=false
daemon=("$build/daemon/liaotiand" --replace --server "$server")
runtime_dir=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  bus="your session bus"
  start liaotiand "${daemon[@]}"
elif [ -S "$runtime_dir/bus" ]; then
  bus="your session bus"
  tell_address=true
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$runtime_dir/bus"
  start liaotiand "${daemon[@]}"
else
  # No session bus: dbus-run-session starts one for the daemon and stops
  # it when the daemon exits.  The shell in between writes its PID,
  # which exec hands on to the daemon, and the bus address.  The daemon,
  # not dbus-run-session, gets the SIGTERM: dbus-run-session would die of
  # it and leave the bus and the daemon behind.
  bus="a session bus of its own"
  tell_address=true
  # shellcheck disable=SC2016 # expanded by that shell
  start liaotiand dbus-run-session -- sh -c \
    'echo "$$ $DBUS_SESSION_BUS_ADDRESS" > "$0.new" && mv "$0.new" "$0" && exec "$@"' \
    "$tmp_dir/bus" "${daemon[@]}"
  for ((i = 0; i < 100; i++)); do
    if [ -s "$tmp_dir/bus" ] || ! running "${pids[last]}"; then
      break
    fi
    sleep 0.1
  done
  if [ ! -s "$tmp_dir/bus" ]; then
    fail "dbus-run-session did not start liaotiand"
  fi
  read -r daemon_pid address < "$tmp_dir/bus"
  targets[last]=$daemon_pid
  export DBUS_SESSION_BUS_ADDRESS=$address
fi

ready=false
for ((i = 0; i < 10; i++)); do
  if ! running "${pids[last]}"; then
    break
  fi
  if gdbus wait --session --timeout 1 org.liaotian.Chat1 2>/dev/null; then
    ready=true
    break
  fi
done
if ! $ready; then
  fail "liaotiand did not take the name org.liaotian.Chat1"
fi

echo
echo "liaotian-server is $listening, with its data in $data_dir."
echo "liaotiand, set to that server, is org.liaotian.Chat1 on $bus."
if $tell_address; then
  echo "To reach it from another terminal, first run:"
  echo "  export DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS'"
fi
echo "README.md has gdbus calls to try (\"Chatting from the shell\")."

# 3. The GNOME client, where there is a display to show it on.  It
# talks to the daemon on the same bus.  Quitting it ends this script.
client=
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  start liaotian "$build/gnome-client/liaotian"
  client=${pids[last]}
  echo "The GNOME client, liaotian, is starting; quitting it stops everything."
else
  echo "No display, so no GNOME client: use gdbus, or run ./run.sh on a desktop."
fi
echo "Ctrl-C stops them."
echo

# Until a signal (the trap exits 0) or until one of them exits.
set +e
wait -n -p exited "${pids[@]}"
status=$?
set -e
if [ -n "$client" ] && [ "${exited:-}" = "$client" ] && [ "$status" -eq 0 ]; then
  trap '' INT TERM HUP
  stop_all
  exit 0
fi
for ((i = 0; i < ${#pids[@]}; i++)); do
  if [ "${pids[i]}" = "${exited:-}" ]; then
    fail "${names[i]} exited with status $status; stopping the rest"
  fi
done
fail "wait failed with status $status"
