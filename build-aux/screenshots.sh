#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# build-aux/screenshots.sh [OUTPUT_DIR]
#
# Makes the screenshots of the README and the metainfo, in English and
# in Chinese, into OUTPUT_DIR (default data/screenshots):
#   main-window-en.png   main-window-zh_CN.png
#   chat-window-en.png   chat-window-zh_CN.png
#
# For each language it starts, all on this machine and gone afterwards:
# an Xvfb, a liaotian-server on a free loopback port with an empty data
# folder, and for each of four people a session bus of their own with a
# liaotiand.  They register and chat through their daemons with gdbus
# (the seed below, written in that language); then the client runs as
# alice and each window is captured once it has drawn.
#
# Besides the build's packages it needs fonts (Cantarell, GNOME's UI
# font, and Noto CJK for the Chinese) and ImageMagick's import; as root
# it installs what is missing.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
source build-aux/ensure-deps.sh

lt_ensure_packages "${LT_PACKAGES[@]}" fonts-cantarell fonts-noto-cjk imagemagick
lt_configure_build _build
ninja -C _build

build=$PWD/_build
out_dir=$(readlink -f "${1:-data/screenshots}")
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/liaotian-shots.XXXXXX")
pids=()

# stop_all: stops what runs, the last started first.
stop_all ()
{
  local i

  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  pids=()
}

cleanup ()
{
  stop_all
  rm -rf "$work"
}
trap cleanup EXIT

export GSETTINGS_SCHEMA_DIR=$build/data
export LIAOTIAN_LOCALEDIR=$build/po
export GSETTINGS_BACKEND=memory
export GDK_BACKEND=x11
export GSK_RENDERER=cairo
export GTK_A11Y=none
export NO_AT_BRIDGE=1
unset WAYLAND_DISPLAY

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it
# succeeds; fails after SECONDS.
wait_for ()
{
  local tenths=$(($1 * 10)) i

  shift
  for ((i = 0; i < tenths; i++)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "screenshots.sh: timed out waiting for: $*" >&2
  return 1
}

# start_display: an Xvfb, which writes its display number once it is
# ready; GTK set to GNOME's font, as on a desktop.
start_display ()
{
  Xvfb -displayfd 5 -screen 0 1600x1000x24 -nolisten tcp 5> "$work/display" 2>/dev/null &
  pids+=("$!")
  wait_for 10 grep -q . "$work/display"
  DISPLAY=":$(cat "$work/display")"
  export DISPLAY
  mkdir -p "$work/config/gtk-4.0"
  printf '[Settings]\ngtk-font-name=Cantarell 11\n' > "$work/config/gtk-4.0/settings.ini"
  export XDG_CONFIG_HOME=$work/config
}

start_server ()
{
  "$build/service/liaotian-server" --listen 127.0.0.1 --port 0 --http-port 0 \
    --data-dir "$work/server" > "$work/server.out" 2>&1 &
  pids+=("$!")
  wait_for 10 grep -q '^listening on ' "$work/server.out"
  server=$(sed -n 's/^listening on //p' "$work/server.out" | head -n 1)
}

# start_user NAME: a bus and a liaotiand for NAME; sets bus_NAME.
start_user ()
{
  local name=$1 address

  mkdir -p "$work/$name"
  address=$(dbus-daemon --session --fork --print-address=1 --print-pid=2 \
              2> "$work/$name/bus.pid" | head -n 1)
  pids+=("$(cat "$work/$name/bus.pid")")
  printf -v "bus_$name" '%s' "$address"
  DBUS_SESSION_BUS_ADDRESS=$address XDG_DATA_HOME="$work/$name" \
    "$build/daemon/liaotiand" --server "$server" 2> "$work/$name/daemon.log" &
  pids+=("$!")
  wait_for 10 on "$name" gdbus introspect --session --dest org.liaotian.Chat1 \
    --object-path /org/liaotian/Chat1
}

# on NAME COMMAND...: runs COMMAND on NAME's bus.
on ()
{
  local var="bus_$1"

  shift
  DBUS_SESSION_BUS_ADDRESS=${!var} "$@"
}

# chat NAME METHOD ARG...: calls org.liaotian.Chat1.METHOD as NAME.
chat ()
{
  local name=$1 method=$2

  shift 2
  on "$name" gdbus call --session --dest org.liaotian.Chat1 --object-path /org/liaotian/Chat1 \
    --method "org.liaotian.Chat1.$method" -- "$@" > /dev/null
}

# say NAME TO TEXT: a message, and a pause, so that the times differ.
say ()
{
  chat "$1" SendMessage "$2" "$3"
  sleep 0.3
}

# send_file NAME TO FILE KIB: NAME sends TO a file of KIB KiB named
# FILE, and waits until it is uploaded and announced.
send_file ()
{
  local name=$1 to=$2 file=$3 kib=$4

  mkdir -p "$work/$name/outbox"
  head -c "$((kib * 1024))" /dev/urandom > "$work/$name/outbox/$file"
  chat "$name" SendFile "$to" "$work/$name/outbox/$file"
  sleep 2
}

join ()
{
  local name=$1 nickname=$2

  start_user "$name"
  chat "$name" Register "$nickname" "$name" "screenshot-$name" "$name@example.org" ""
  chat "$name" Login "$name" "screenshot-$name"
}

seed_en ()
{
  join alice "Alice Wang"
  join bob "Bob Li"
  join carol "Carol Zhang"
  join dave "Dave Chen"
  chat alice AddFriend bob
  chat alice AddFriend carol
  chat alice AddFriend dave
  chat carol CreateRoom "#release" "Getting 0.1 out of the door"
  chat alice JoinRoom "#release"
  say bob "#lobby" "Good morning, everyone!"
  say carol "#lobby" "Morning, Bob. Has anyone seen the new sidebar yet?"
  say alice "#lobby" "I have: rooms, friends and who is online, all in one place."
  say dave "#lobby" "The Chinese translation is complete now, by the way."
  say bob "#lobby" "Great work. I'll try it with LANGUAGE=zh_CN tonight."
  say bob alice "Do you have a minute for the release notes?"
  say alice bob "Sure, send them over."
  say bob alice "Here they are. The part about notifications is new."
  send_file bob alice "release-notes.pdf" 180
  chat dave Logout
}

seed_zh_CN ()
{
  join alice "王芳"
  join bob "李雷"
  join carol "韩梅梅"
  join dave "陈伟"
  chat alice AddFriend bob
  chat alice AddFriend carol
  chat alice AddFriend dave
  chat carol CreateRoom "#release" "准备发布 0.1 版"
  chat alice JoinRoom "#release"
  say bob "#lobby" "大家早上好！"
  say carol "#lobby" "早上好，李雷。有人看过新的侧边栏了吗？"
  say alice "#lobby" "我看过了：聊天室、好友和在线用户都在一个地方。"
  say dave "#lobby" "顺便说一下，中文翻译已经全部完成了。"
  say bob "#lobby" "干得好！我今晚用中文界面试试。"
  say bob alice "你有空看一下发布说明吗？"
  say alice bob "好的，发给我吧。"
  say bob alice "在这里。关于通知的部分是新的。"
  send_file bob alice "发布说明.pdf" 180
  chat dave Logout
}

# window_of PID TITLE: the X window of PID titled TITLE.
window_of ()
{
  xdotool search --onlyvisible --pid "$1" --name "^$2\$" | head -n 1 | grep .
}

# shoot PID TITLE WIDTH HEIGHT FILE: sizes the window, lets it draw,
# and captures it.
shoot ()
{
  local pid=$1 title=$2 width=$3 height=$4 file=$5 window

  wait_for 20 window_of "$pid" "$title"
  window=$(window_of "$pid" "$title")
  xdotool windowsize "$window" "$width" "$height"
  # The window's first frames, the history pages and the sidebar's lists
  # come in over a second or so; nothing tells from outside when the
  # last one has drawn.
  sleep 3
  import -window "$window" "$out_dir/$file"
  echo "screenshots.sh: wrote $out_dir/$file"
}

# run LANG MAIN_TITLE: one language's seed and screenshots.
run ()
{
  local lang=$1 main_title=$2 client

  rm -rf "${work:?}"/*
  start_display
  start_server
  "seed_$lang"
  # What bob wrote to alice is read, so her client does not pop his
  # window at start: the main window is shot alone first.
  chat alice MarkRead bob
  LANGUAGE=$lang LC_ALL=C.UTF-8 on alice "$build/gnome-client/liaotian" \
    2> "$work/client.log" &
  client=$!
  pids+=("$client")
  shoot "$client" "$main_title" 1000 660 "main-window-$lang.png"
  on alice gdbus call --session --dest org.liaotian.Liaotian --object-path /org/liaotian/Liaotian \
    --method org.gtk.Actions.Activate open-chat "[<'bob'>]" "{}" > /dev/null
  shoot "$client" bob 520 640 "chat-window-$lang.png"
  stop_all
}

run en Liaotian
run zh_CN 聊天
