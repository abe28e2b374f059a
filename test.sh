#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ./test.sh [MESON TEST OPTION...]
#
# Installs what is missing, builds, and runs every test suite with
# `meson test`; the exit status is meson's.  Extra arguments go to
# meson test, e.g. ./test.sh --suite unit, ./test.sh --setup valgrind.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
source build-aux/ensure-deps.sh

lt_ensure_packages "${LT_PACKAGES[@]}"
lt_configure_build _build
meson compile -C _build

exec meson test -C _build --print-errorlogs --num-processes 2 "$@"
