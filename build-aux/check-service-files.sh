#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-service-files.sh DBUS_SERVICE_FILE SYSTEMD_UNIT
#
# Checks the configured D-Bus activation file and systemd --user unit of
# liaotiand against each other: same bus name and program, the unit
# named by SystemdService= is this one, absolute paths, no @variable@
# left unconfigured.  Then, where systemd-analyze is installed, has
# systemd verify the unit and fails on any complaint about it.
set -eu

service=$1
unit=$2
status=0

fail ()
{
  echo "$*" >&2
  status=1
}

# key FILE KEY: the value of the first KEY= line.
key ()
{
  sed -n "s/^$2=//p" "$1" | head -n 1
}

for file in "$service" "$unit"; do
  if grep -n '@[A-Za-z_]*@' "$file" >&2; then
    fail "$file: a variable was not configured"
  fi
done

name=$(key "$service" Name)
exec_line=$(key "$service" Exec)
systemd_service=$(key "$service" SystemdService)
bus_name=$(key "$unit" BusName)
exec_start=$(key "$unit" ExecStart)

[ "$(sed -n 1,/^\\[/p "$service" | tail -n 1)" = "[D-BUS Service]" ] ||
  fail "$service: the first group is not [D-BUS Service]"
[ -n "$name" ] || fail "$service: no Name="
[ "$name" = "$bus_name" ] ||
  fail "$service: Name=$name but $unit has BusName=$bus_name"
[ "$(key "$unit" Type)" = dbus ] || fail "$unit: not Type=dbus"
[ "$systemd_service" = "$(basename "$unit")" ] ||
  fail "$service: SystemdService=$systemd_service is not $(basename "$unit")"
[ "$exec_line" = "$exec_start" ] ||
  fail "$service: Exec=$exec_line but $unit has ExecStart=$exec_start"
case $exec_line in
  /*) ;;
  *) fail "$service: Exec= is not an absolute path: $exec_line" ;;
esac

if command -v systemd-analyze >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # systemd-analyze needs a runtime folder, and checks that the
  # programs exist: liaotiand is not installed yet, so point the copy at
  # a stand-in.
  mkdir -m 0700 "$tmp/run" "$tmp/bin"
  printf '#!/bin/sh\n' >"$tmp/bin/liaotiand"
  chmod +x "$tmp/bin/liaotiand"
  copy="$tmp/$(basename "$unit")"
  sed "s|^ExecStart=.*/|ExecStart=$tmp/bin/|" "$unit" >"$copy"
  if ! output=$(XDG_RUNTIME_DIR="$tmp/run" systemd-analyze verify --user --man=no "$copy" 2>&1); then
    fail "$unit: systemd-analyze verify failed: $output"
  elif printf '%s\n' "$output" | grep -F "$(basename "$unit")" >&2; then
    fail "$unit: systemd-analyze verify complained (above)"
  fi
fi

exit $status
