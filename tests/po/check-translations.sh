#!/bin/sh
# Fails when the translations in po/ fall behind the sources:
#  - every file under ext/ with translatable strings is listed in
#    po/POTFILES (kept sorted), and every listed file exists;
#  - po/LINGUAS names at least one language;
#  - for each language, every msgid xgettext finds in the POTFILES sources
#    (the keywords of meson's i18n 'glib' preset) is translated in
#    po/<lang>.po, and merging the .po with those sources (msgmerge) leaves
#    no untranslated and no fuzzy message;
#  - po/<lang>.po itself has no untranslated or fuzzy message and compiles
#    (msgfmt --check);
#  - installed as <dir>/<lang>/LC_MESSAGES/<domain>.mo, the catalog answers
#    gettext lookups of every msgid under LANGUAGE=<lang> (skipped when the
#    C.UTF-8 locale is missing). This checks the catalog, not the plugin: the
#    plugin binds its domain to the compiled-in LOCALEDIR and has no
#    environment override, so a plugin-level check needs an install.
# Exit 77 (skip) when a gettext tool (xgettext, msgmerge, msgfmt, msgcmp,
# msgexec, msgattrib) is missing.
#
# usage: check-translations.sh SOURCE_ROOT [DOMAIN]
set -u

srcroot=${1:?usage: check-translations.sh SOURCE_ROOT [DOMAIN]}
domain=${2:-gst-plugins-mikey}
podir=$srcroot/po

for tool in xgettext msgmerge msgfmt msgcmp msgexec msgattrib; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (install gettext)"
    exit 77
  fi
done

# English diagnostics, parsed below
LC_ALL=C
export LC_ALL
unset LANGUAGE

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mikey-po.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

failed=0
fail () {
  echo "FAIL: $*"
  failed=1
}

# meson's i18n 'glib' preset, keywords and format flags
xgettext_args='--from-code=UTF-8 --add-comments --language=C
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3
  --keyword=g_dpgettext2:2c,3
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format
  --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format'

# POTFILES: comments and blank lines ignored, as meson does
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$podir/POTFILES" \
  >"$tmp/potfiles" || exit 1
if ! sort -c "$tmp/potfiles" 2>/dev/null; then
  fail "po/POTFILES is not sorted"
fi
while IFS= read -r f; do
  [ -f "$srcroot/$f" ] || fail "po/POTFILES lists $f, which does not exist"
done <"$tmp/potfiles"

# every source under ext/ with a translatable string is listed
find "$srcroot/ext" -type f \( -name '*.c' -o -name '*.h' \) | sort \
  >"$tmp/sources"
while IFS= read -r path; do
  f=${path#"$srcroot"/}
  # shellcheck disable=SC2086
  n=$(cd "$srcroot" && xgettext $xgettext_args -o - "$f" 2>/dev/null \
    | grep -c '^msgid ')
  if [ "$n" -gt 0 ] && ! grep -qxF "$f" "$tmp/potfiles"; then
    fail "$f has translatable strings but is not in po/POTFILES"
  fi
done <"$tmp/sources"

# the template as the sources stand now
# shellcheck disable=SC2086
if ! (cd "$srcroot" && xgettext $xgettext_args --force-po \
    --package-name="$domain" -f "$tmp/potfiles" -o "$tmp/src.pot"); then
  echo "FAIL: xgettext could not read the sources"
  exit 1
fi
nsrc=$(msgfmt --statistics -o /dev/null "$tmp/src.pot" 2>&1 \
  | sed -n 's/.*[^0-9]\([0-9][0-9]*\) untranslated message.*/\1/p')
echo "sources: ${nsrc:-0} translatable messages in $(wc -l <"$tmp/potfiles") files"

langs=$(sed -e 's/#.*//' "$podir/LINGUAS" | tr -s ' \t' '\n' | sed '/^$/d')
[ -n "$langs" ] || fail "po/LINGUAS names no language"

# stats PO MO: compiles PO into MO; fails unless msgfmt --check passes and
# reports no untranslated and no fuzzy message
stats () {
  out=$(msgfmt --check --statistics -o "$2" "$1" 2>&1)
  rc=$?
  echo "  $(basename "$1"): $(echo "$out" | tail -n 1)"
  if [ $rc -ne 0 ]; then
    echo "$out"
    return 1
  fi
  case $out in
    *untranslated*|*fuzzy*) return 1 ;;
  esac
  return 0
}

have_utf8_locale=no
if command -v gettext >/dev/null 2>&1 \
    && [ "$(LC_ALL=C.UTF-8 locale charmap 2>/dev/null)" = UTF-8 ]; then
  have_utf8_locale=yes
fi

for lang in $langs; do
  po=$podir/$lang.po
  echo "$lang:"
  if [ ! -f "$po" ]; then
    fail "po/LINGUAS names $lang but po/$lang.po is missing"
    continue
  fi

  # every msgid of the sources translated (not fuzzy) in the .po
  if ! msgcmp "$po" "$tmp/src.pot" >"$tmp/cmp.$lang" 2>&1; then
    grep -v 'warning: this message is not used' "$tmp/cmp.$lang"
    fail "po/$lang.po misses translations of strings in the sources"
  fi
  nstale=$(grep -c 'warning: this message is not used' "$tmp/cmp.$lang")
  [ "$nstale" -eq 0 ] ||
    echo "  note: $nstale messages of po/$lang.po are no longer in the sources"

  # the .po merged with the sources: nothing untranslated or fuzzy
  if ! msgmerge --quiet --previous -o "$tmp/$lang.merged.po" "$po" \
      "$tmp/src.pot"; then
    fail "msgmerge po/$lang.po failed"
    continue
  fi
  if ! stats "$tmp/$lang.merged.po" /dev/null; then
    # the offending entries, without the header entries
    { msgattrib --only-fuzzy "$tmp/$lang.merged.po"
      msgattrib --untranslated --no-obsolete "$tmp/$lang.merged.po"
    } 2>/dev/null | awk 'BEGIN { RS = ""; ORS = "\n\n" }
      !/(^|\n)msgid ""\nmsgstr/'
    fail "po/$lang.po merged with the sources has untranslated or fuzzy messages"
  fi

  # the committed .po complete on its own, and it compiles
  mkdir -p "$tmp/locale/$lang/LC_MESSAGES"
  mo=$tmp/locale/$lang/LC_MESSAGES/$domain.mo
  if ! stats "$po" "$mo"; then
    fail "po/$lang.po has untranslated or fuzzy messages or does not compile"
    continue
  fi

  # the compiled catalog answers every lookup
  if [ $have_utf8_locale = no ]; then
    echo "  lookup check skipped: no gettext program or no C.UTF-8 locale"
    continue
  fi
  : >"$tmp/lookup.$lang"
  # shellcheck disable=SC2016 # expanded by the inner sh
  TEXTDOMAINDIR=$tmp/locale LANGUAGE=$lang LC_ALL=C.UTF-8 \
    LOOKUP_DOMAIN=$domain LOOKUP_OUT=$tmp/lookup.$lang \
    msgexec -i "$tmp/$lang.merged.po" sh -c '
      [ -n "$MSGEXEC_MSGID" ] || exit 0          # header
      [ -z "${MSGEXEC_MSGID_PLURAL:-}" ] || exit 0  # gettext(1) has no plural
      want=$(cat; echo x); want=${want%x}
      if [ -n "${MSGEXEC_MSGCTXT+set}" ]; then
        got=$(gettext -d "$LOOKUP_DOMAIN" -c "$MSGEXEC_MSGCTXT" -- "$MSGEXEC_MSGID"; echo x)
      else
        got=$(gettext -d "$LOOKUP_DOMAIN" -- "$MSGEXEC_MSGID"; echo x)
      fi
      got=${got%x}
      [ "$got" = "$want" ] || printf "%s\n" "$MSGEXEC_MSGID" >>"$LOOKUP_OUT"
      exit 0'
  if [ -s "$tmp/lookup.$lang" ]; then
    sed 's/^/  not translated by the .mo: /' "$tmp/lookup.$lang"
    fail "the compiled $lang catalog does not translate every message"
  else
    echo "  lookups: every message translated under LANGUAGE=$lang"
  fi
done

if [ $failed -ne 0 ]; then
  echo "To refresh: meson compile -C <builddir> $domain-pot &&"
  echo "  msgmerge --update --backup=none --previous po/<lang>.po po/$domain.pot,"
  echo "  then translate the new (and fuzzy) messages of po/<lang>.po."
  exit 1
fi
echo "OK"
exit 0
