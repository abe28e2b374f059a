#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-potfiles.sh SRCDIR
#
# Run by `meson test --suite po`.  Fails when
#  - a source file under common/, service/, daemon/ or gnome-client/
#    that marks a string for translation (_(), N_(), C_(), NC_(),
#    g_dngettext(), or translatable="yes" in a .ui file) is not listed
#    in po/POTFILES.in;
#  - po/POTFILES.in names a file that does not exist, or is not sorted
#    (LC_ALL=C, no duplicates);
#  - a language of po/LINGUAS has no .po file, or a .po file is not in
#    po/LINGUAS, or msgfmt --check rejects or warns about it, or its
#    header lacks Language, a UTF-8 charset or Plural-Forms;
#  - a string of a template generated now from POTFILES.in is missing,
#    untranslated or fuzzy in one of the languages that must be
#    complete (zh_CN).
# It makes its own template, so it needs no `ninja liaotian-pot` first.
# The gettext tools come from $XGETTEXT, $MSGMERGE, $MSGFMT and
# $MSGATTRIB when set (as meson sets them), else from PATH.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 SRCDIR" >&2
  exit 2
fi
cd "$1"

XGETTEXT=${XGETTEXT:-xgettext}
MSGMERGE=${MSGMERGE:-msgmerge}
MSGFMT=${MSGFMT:-msgfmt}
MSGATTRIB=${MSGATTRIB:-msgattrib}

source_dirs=(common service daemon gnome-client)
complete_languages=(zh_CN)
potfiles=po/POTFILES.in
linguas=po/LINGUAS

status=0
fail ()
{
  printf 'FAIL: %s\n' "$*" >&2
  status=1
}

tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT

# POTFILES.in, without its comments and blank lines.
mapfile -t listed < <(grep -v -e '^#' -e '^[[:space:]]*$' "$potfiles" || true)
declare -A is_listed=()
for f in "${listed[@]}"; do
  is_listed[$f]=1
  if [ ! -f "$f" ]; then
    fail "$potfiles names $f, which does not exist"
  fi
done

if ! printf '%s\n' "${listed[@]}" | LC_ALL=C sort --check=quiet --unique; then
  fail "$potfiles is not sorted (LC_ALL=C) or has a duplicate; sorted it reads:"
  printf '%s\n' "${listed[@]}" | LC_ALL=C sort --unique | sed 's/^/    /' >&2
fi

# Source files that mark strings for translation.  A keyword counts
# when it is not the tail of a longer name (G_N_ELEMENTS is not N_).
existing_dirs=()
for d in "${source_dirs[@]}"; do
  if [ -d "$d" ]; then
    existing_dirs+=("$d")
  fi
done
marked=()
if [ ${#existing_dirs[@]} -gt 0 ]; then
  mapfile -t marked < <(
    {
      grep -rlE --include='*.c' --include='*.h' \
        '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext)[[:space:]]*\(' \
        "${existing_dirs[@]}" || true
      grep -rliE --include='*.ui' 'translatable="(yes|true|1)"' \
        "${existing_dirs[@]}" || true
    } | LC_ALL=C sort --unique
  )
fi
for f in "${marked[@]}"; do
  if [ -z "${is_listed[$f]:-}" ]; then
    fail "$f has translatable strings but is not in $potfiles"
  fi
done

# The languages: each one in LINGUAS has a .po file and the other way
# round.
mapfile -t languages < <(sed -e 's/#.*//' "$linguas" | tr -s '[:space:]' '\n' | sed '/^$/d')
declare -A is_language=()
for lang in "${languages[@]}"; do
  is_language[$lang]=1
  if [ ! -f "po/$lang.po" ]; then
    fail "$linguas lists $lang but po/$lang.po does not exist"
  fi
done
for po in po/*.po; do
  [ -e "$po" ] || continue
  lang=$(basename "$po" .po)
  if [ -z "${is_language[$lang]:-}" ]; then
    fail "$po exists but $lang is not in $linguas"
  fi
done
for lang in "${complete_languages[@]}"; do
  if [ -z "${is_language[$lang]:-}" ]; then
    fail "$lang must be translated but is not in $linguas"
  fi
done

# A fresh template, with the keywords of meson's glib preset.
existing_listed=()
for f in "${listed[@]}"; do
  if [ -f "$f" ]; then
    existing_listed+=("$f")
  fi
done
if [ ${#existing_listed[@]} -eq 0 ]; then
  echo "No source file to translate; nothing to check in the .po files."
  exit "$status"
fi
printf '%s\n' "${existing_listed[@]}" > "$tmpdir/POTFILES"
pot="$tmpdir/liaotian.pot"
if ! "$XGETTEXT" --from-code=UTF-8 --add-comments --force-po \
       --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
       --keyword=g_dngettext:2,3 \
       --package-name=liaotian --files-from="$tmpdir/POTFILES" \
       --output="$pot"; then
  fail "xgettext could not make a template from $potfiles"
  exit "$status"
fi
echo "Template: $(grep -c '^msgid ' "$pot") entries (with the header)."

for lang in "${languages[@]}"; do
  po="po/$lang.po"
  [ -f "$po" ] || continue
  merged="$tmpdir/$lang.po"

  if ! "$MSGFMT" --check --output-file=/dev/null "$po"; then
    fail "msgfmt --check rejects $po"
    continue
  fi
  # msgfmt only warns about a header without a charset; insist on one.
  for field in "Language: $lang" 'Content-Type: text/plain; charset=UTF-8' 'Plural-Forms: '; do
    if ! grep -qF "\"$field" "$po"; then
      fail "the header of $po lacks \"$field\""
    fi
  done
  if ! "$MSGMERGE" --quiet --output-file="$merged" "$po" "$pot"; then
    fail "msgmerge could not merge the template into $po"
    continue
  fi
  if ! stats=$("$MSGFMT" --check --statistics --output-file=/dev/null "$merged" 2>&1); then
    printf '%s\n' "$stats" >&2
    fail "msgfmt --check rejects $po merged with the template"
    continue
  fi
  echo "$lang: $stats"
  if printf '%s\n' "$stats" | grep -q 'warning'; then
    fail "msgfmt warns about $po"
    continue
  fi

  case " ${complete_languages[*]} " in
    *" $lang "*) ;;
    *) continue ;;
  esac
  if printf '%s\n' "$stats" | grep -qE 'untranslated|fuzzy'; then
    fail "$po is not complete against the sources ($stats); these need a translation:"
    for filter in --untranslated --only-fuzzy; do
      # Without the header, which ends at the first blank line.
      "$MSGATTRIB" "$filter" --no-obsolete "$merged" | sed '1,/^$/d' |
        grep -E '^(#:|#,|msgctxt|msgid)' | sed 's/^/    /' >&2 || true
    done
  fi
done

if [ "$status" -eq 0 ]; then
  echo "POTFILES.in, LINGUAS and the translations are up to date."
fi
exit "$status"
