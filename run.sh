#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ./run.sh [SERVER OPTION...]
#
# Installs what is missing, builds, and starts liaotian-server on
# 127.0.0.1:4567 with its data under $XDG_DATA_HOME/liaotian/server.
# Options given here are passed on and win over these defaults, e.g.
#   ./run.sh --listen 0.0.0.0 --tls-cert cert.pem --tls-key key.pem
# Ctrl-C stops the server cleanly.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
source build-aux/ensure-deps.sh

lt_ensure_packages "${LT_PACKAGES[@]}"
lt_configure_build _build
ninja -C _build

data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/liaotian/server"
(umask 077 && mkdir -p "$data_dir")

# exec: the server becomes this process, so Ctrl-C reaches it directly.
exec _build/service/liaotian-server --listen 127.0.0.1 --port 4567 \
  --data-dir "$data_dir" "$@"
