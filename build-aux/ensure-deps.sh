# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# Sourced by run.sh and test.sh (not run on its own): the Debian 12
# packages Liaotian needs, a function that installs the missing ones,
# and one that configures the _build directory.  Keep both scripts'
# set-up here so they cannot drift apart.

# Build and run time: the compiler and meson, the libraries meson's
# dependency() looks for, glib-networking for TLS at run time, openssl
# to make certificates (the TLS test makes a throwaway one), valgrind
# for `meson test --setup valgrind`, python3 (Debian's, run as
# /usr/bin/python3) for the checks of data/ and the D-Bus docs,
# libnotify for the daemon's desktop notifications, dbus-daemon and
# python3-dbusmock for the daemon tests' private buses and their mock
# notification service, dbus-daemon's dbus-run-session and
# libglib2.0-bin's gdbus for run.sh (a bus for the daemon where the
# user has none, and the wait for its name), and gettext (xgettext,
# msgmerge, msgfmt) for the translations in po/ and their check.
# The GNOME client: GTK 4 and libadwaita; desktop-file-utils
# (desktop-file-validate, update-desktop-database), appstream
# (appstreamcli, and the ITS rules with which msgfmt merges the
# metainfo's translations) and gtk-update-icon-cache for its files in
# data/, their checks and their install; xvfb, xauth (for xvfb-run) and
# xdotool for its tests, which run real windows under Xvfb, and
# at-spi2-core (the accessibility bus's config and registry) and
# python3-pyatspi with which they read what a window shows.
# shellcheck disable=SC2034 # used by the scripts that source this file
LT_PACKAGES=(
  meson
  ninja-build
  pkg-config
  gcc
  libc6-dev
  libglib2.0-dev
  libglib2.0-bin
  libjson-glib-dev
  libsqlite3-dev
  libsodium-dev
  libsoup-3.0-dev
  libnotify-dev
  glib-networking
  openssl
  valgrind
  python3
  dbus-daemon
  python3-dbusmock
  gettext
  libgtk-4-dev
  libadwaita-1-dev
  desktop-file-utils
  appstream
  gtk-update-icon-cache
  xvfb
  xauth
  xdotool
  at-spi2-core
  python3-pyatspi
)

# lt_ensure_packages PKG...
#
# Installs the packages that are not installed yet.  As root it runs
# apt-get; otherwise it prints the one command to run and returns 1.
lt_ensure_packages ()
{
  local pkg status
  local -a missing=()

  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
      *" ok installed") ;;
      *) missing+=("$pkg") ;;
    esac
  done

  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi

  if [ "$(id -u)" -ne 0 ]; then
    echo "Liaotian needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    return 1
  fi

  echo "Installing missing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update || return 1
  apt-get install -y --no-install-recommends "${missing[@]}" || return 1
}

# lt_configure_build BUILDDIR
#
# Runs `meson setup` once; afterwards ninja re-runs meson by itself
# whenever a meson.build changes.
lt_configure_build ()
{
  local builddir=$1

  if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir"
  fi
}
