#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs every gst-launch-1.0 line of the documentation against the mikey
# plugin of a build tree, and fails if one does not succeed.
#
# Where the lines come from:
# - README.md and every docs/**/*.md: lines starting with gst-launch-1.0 in
#   fenced code blocks (``` or ~~~) and in indented code blocks (4 spaces or
#   a tab, after a blank line). A line ending with a backslash goes on on
#   the next line. Inline code in prose (`gst-launch-1.0 -m`) is no line.
# - ext/mikey/*.c: the |[ ... ]| example blocks of the gtk-doc comments.
#
# Markdown conventions (see docs/elements/*.md):
# - Ports: 5004 and 5005 (media), 2269 and 2270 (MIKEY) are placeholders.
#   Each `port=N` and `HOST:N` with one of them is replaced by a free UDP
#   port at run time, the same one for both lines of a pair.
# - Certificates: $CERTS (the line is run by bash, so it expands) is a
#   directory this script fills with openssl (as scripts/conference-demo.sh
#   does): ca.pem (the CA) and NAME.pem / NAME.key, each with the
#   subjectAltName URI given here: server (sip:keys@example.com), alice
#   (sip:alice@example.org), member (sip:member@example.com), sender
#   (sip:sender@example.com) and receiver (sip:receiver@example.com). Lines
#   run with $CERTS as the working directory, so bare names
#   (certificate=server.pem) find them too.
# - Addresses: the multicast group 239.1.2.3, the documentation addresses
#   192.0.2.N and the host keys.example.com become 127.0.0.1 (multicast
#   routes are not everywhere this runs).
# - Pairs: a line that needs a peer is marked, before its code block (only
#   blank lines between; the block's one gst-launch-1.0 line), with
#       <!-- launch-pair: NAME receiver -->   or
#       <!-- launch-pair: NAME sender -->
#   The two lines of a pair may be on different pages. The receiver starts
#   first; once it is PLAYING the sender starts; when the sender has ended,
#   the receiver is sent SIGINT. Other lines run alone.
# - Termination: a line with num-buffers= must end by itself (within
#   $LINE_TIMEOUT s, exit 0, "Got EOS"). Any other line must have -e: it
#   gets SIGINT (when its sender ended, or alone after $ALONE_SECONDS s) and
#   must then end with exit 0 after an EOS.
# - Receivers must show that they decrypted something: if fakesink prints
#   buffers (silent=false -v), at least one, and as many as mikeydec's
#   mikey-stats at EOS says it passed with a key (packets-keyed); else (-m)
#   packets-keyed > 0. An rsa-r-group or rsa-r receiver must post
#   mikey-joined, a dh or dhhmac receiver mikey-exchange-done.
#
# Known exceptions (reported, not fixed here: ext/ is not this test's):
# - The ext/mikey/*.c example lines are for live streams: none has
#   num-buffers= or -e. They are run with the options -e -m added before
#   the pipeline (the pipelines themselves as written) and stopped with
#   SIGINT. The n-th example of gstmikeyenc.c is the sender and the n-th of
#   gstmikeydec.c the receiver of pair ext-N (psk-udp, psk-in-band,
#   rsa-r-group, pk, dhhmac); an example without a counterpart (none at
#   present) runs alone.
# - gstmikeyenc.c's rsa-r-group example has no port= and gstmikeydec.c's
#   names keys.example.com without a port: both use the default port 2269,
#   which must be free for that pair. (The dhhmac pair's peer=HOST:2269 and
#   port=2269 are placeholders as usual.)
#
# Exit 77 (skipped) when gst-launch-1.0, openssl or a stock element the
# lines use is missing.
#
# Usage: check-launch-lines.sh SOURCE-DIR BUILD-DIR
#   LAUNCH_LINES_LIST=1: only list the lines found, run nothing.
#   LAUNCH_LINES_KEEP=1: keep the temporary directory (logs, certificates).

set -uo pipefail

src=$(cd "${1:?usage: $0 SOURCE-DIR BUILD-DIR}" && pwd)
build=$(cd "${2:?usage: $0 SOURCE-DIR BUILD-DIR}" && pwd)
plugin_dir=$build/ext/mikey
LINE_TIMEOUT=${LINE_TIMEOUT:-30}
ALONE_SECONDS=${ALONE_SECONDS:-3}
EXT_SENDER_SECONDS=${EXT_SENDER_SECONDS:-3}

fail_count=0
run_count=0
failures=()

note () { printf '%s\n' "$*"; }
die () { echo "check-launch-lines: $*" >&2; exit 1; }
skip () { echo "SKIP: $*"; exit 77; }
# shellcheck source=../../scripts/lib.sh
source "$src/scripts/lib.sh"

# --- extraction -------------------------------------------------------------

# One record per line: SOURCE:LINENO <TAB> PAIR <TAB> ROLE <TAB> COMMAND
# (PAIR and ROLE "-" when alone).
extract_markdown () {
  awk -v file="$1" '
    function emit(cmd) {
      pair = "-"; role = "-"
      if (marker != "") {
        n = split(marker, m, " ")
        pair = m[1]; role = m[2]
        marker = ""
      }
      printf "%s:%d\t%s\t%s\t%s\n", file, start, pair, role, cmd
    }
    BEGIN { fence = 0; prev_blank = 1; in_indent = 0; cont = 0; marker = "" }
    {
      line = $0
      sub(/\r$/, "", line)
      if (cont) {
        l = line
        sub(/^[ \t]+/, "", l)
        if (l ~ /\\$/) { sub(/\\$/, "", l); cmd = cmd " " l; next }
        cmd = cmd " " l; cont = 0; emit(cmd); next
      }
      if (line ~ /^[ \t]*(```|~~~)/) {
        if (fence && marker != "") {
          printf "%s:%d\tERROR\tmarker %s: no gst-launch-1.0 line in the block after it\t-\n", file, NR, marker
          marker = ""
        }
        fence = !fence; prev_blank = 0; in_indent = 0; next
      }
      if (!fence && line ~ /<!-- *launch-pair:/) {
        if (marker != "")
          printf "%s:%d\tERROR\tmarker %s: no code block after it\t-\n", file, NR, marker
        marker = line
        sub(/.*<!-- *launch-pair: */, "", marker)
        sub(/ *-->.*/, "", marker)
        gsub(/  +/, " ", marker)
        if (split(marker, m, " ") != 2 || (m[2] != "receiver" && m[2] != "sender")) {
          printf "%s:%d\tERROR\tbad marker \"%s\" (NAME receiver|sender)\t-\n", file, NR, marker
          marker = ""
        }
        prev_blank = 0; next
      }
      code = 0
      if (fence) code = 1
      else if (line ~ /^(    |\t)/ && (prev_blank || in_indent)) { code = 1; in_indent = 1 }
      else if (line !~ /^[ \t]*$/) in_indent = 0
      prev_blank = (line ~ /^[ \t]*$/)
      if (!code && !prev_blank && marker != "") {
        printf "%s:%d\tERROR\tmarker %s: text before its code block\t-\n", file, NR, marker
        marker = ""
      }
      if (!code) next
      l = line
      sub(/^[ \t]+/, "", l)
      sub(/^\$ /, "", l)
      if (l !~ /^gst-launch-1\.0([ \t]|$)/) next
      start = NR
      if (l ~ /\\$/) { sub(/\\$/, "", l); cmd = l; cont = 1; next }
      emit(l)
    }
    END {
      if (marker != "")
        printf "%s:%d\tERROR\tmarker %s: no code block after it\t-\n", file, NR, marker
    }
  ' "$src/$1"
}

# |[ ... ]| blocks of gtk-doc comments; the n-th line of gstmikeyenc.c is
# the sender of ext-n, of gstmikeydec.c the receiver
extract_c () {
  local role=-
  case $1 in
    */gstmikeyenc.c) role=sender ;;
    */gstmikeydec.c) role=receiver ;;
  esac
  awk -v file="$1" -v role="$role" '
    BEGIN { inb = 0; n = 0; cont = 0 }
    /^ \* \|\[/ { inb = 1; next }
    /^ \* \]\|/ { inb = 0; next }
    inb {
      l = $0
      sub(/^ \* ?/, "", l)
      sub(/^[ \t]+/, "", l)
      if (cont) {
        if (l ~ /\\$/) { sub(/\\$/, "", l); cmd = cmd " " l; next }
        cmd = cmd " " l; cont = 0
      } else {
        if (l !~ /^gst-launch-1\.0([ \t]|$)/) next
        start = NR
        if (l ~ /\\$/) { sub(/\\$/, "", l); cmd = l; cont = 1; next }
        cmd = l
      }
      n++
      printf "%s:%d\t%s\t%s\t%s\n", file, start, (role == "-" ? "-" : "ext-" n), role, cmd
    }
  ' "$src/$1"
}

records=$(
  cd "$src" || exit 1
  for f in README.md $(find docs -name '*.md' 2>/dev/null | LC_ALL=C sort); do
    [ -f "$f" ] && extract_markdown "$f"
  done
  for f in $(ls ext/mikey/*.c 2>/dev/null | LC_ALL=C sort); do
    extract_c "$f"
  done
)

if grep -q $'\tERROR\t' <<<"$records"; then
  grep $'\tERROR\t' <<<"$records" | while IFS=$'\t' read -r where _ msg _; do
    echo "FAIL: $where: $msg"
  done
  exit 1
fi
[ -n "$records" ] || die "no gst-launch-1.0 line found"
grep -q '^docs/elements/' <<<"$records" \
  || die "no gst-launch-1.0 line found in docs/elements/"

if [ -n "${LAUNCH_LINES_LIST:-}" ]; then
  printf '%s\n' "$records"
  exit 0
fi

# --- environment --------------------------------------------------------------

for tool in gst-launch-1.0 gst-inspect-1.0 openssl; do
  command -v "$tool" >/dev/null || skip "$tool missing"
done
[ -f "$plugin_dir/libgstmikey.so" ] || die "no plugin in $plugin_dir"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-launch-lines.XXXXXX")
pids=()
cleanup () {
  local p
  for p in "${pids[@]}"; do
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  if [ -n "${LAUNCH_LINES_KEEP:-}" ]; then
    echo "logs and certificates kept in $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export GST_PLUGIN_PATH_1_0=$plugin_dir
export GST_REGISTRY_1_0=$tmp/registry.bin
# messages are matched in English
export LC_ALL=C LANGUAGE=
export CERTS=$tmp/certs
mkdir -p "$CERTS"

gst-inspect-1.0 mikeyenc >/dev/null 2>&1 \
  || die "the mikey plugin in $plugin_dir does not load"
# every element factory the lines name (the first after the options, each after a !)
for e in $(cut -f4 <<<"$records" | grep -oE '![ ]*[a-z][a-z0-9]*( |$)' \
    | tr -d '! ' | sort -u); do
  gst-inspect-1.0 "$e" >/dev/null 2>&1 || skip "element $e missing"
done
for e in $(cut -f4 <<<"$records" | grep -o 'gst-launch-1.0\( -[a-z]\)* [a-z][a-z0-9]*' \
    | awk '{ print $NF }' | sort -u); do
  gst-inspect-1.0 "$e" >/dev/null 2>&1 || skip "element $e missing"
done

# --- certificates -------------------------------------------------------------

if grep -q 'certificate=' <<<"$records"; then
  mikey_make_ca "$CERTS" "Launch line test CA"
  mikey_make_cert "$CERTS" server sip:keys@example.com
  mikey_make_cert "$CERTS" alice sip:alice@example.org
  mikey_make_cert "$CERTS" member sip:member@example.com
  mikey_make_cert "$CERTS" sender sip:sender@example.com
  mikey_make_cert "$CERTS" receiver sip:receiver@example.com
fi

# --- ports --------------------------------------------------------------------

# substitute COMMAND PORTMAP... (PORTMAP: placeholder=port)
substitute () {
  local cmd=$1 m from to
  shift
  for m in "$@"; do
    from=${m%%=*}
    to=${m#*=}
    cmd=$(sed -E "s/(port=|:)$from([^0-9]|\$)/\\1$to\\2/g" <<<"$cmd")
  done
  cmd=${cmd//239.1.2.3/127.0.0.1}
  cmd=$(sed -E 's/192\.0\.2\.[0-9]+/127.0.0.1/g' <<<"$cmd")
  cmd=${cmd//keys.example.com/127.0.0.1}
  printf '%s' "$cmd"
}

# ext/ lines: -e -m added (see the header)
ext_options () {
  local cmd=$1
  case $cmd in
    "gst-launch-1.0 "*) printf '%s' "gst-launch-1.0 -e -m ${cmd#gst-launch-1.0 }" ;;
    *) printf '%s' "$cmd" ;;
  esac
}

# --- running ------------------------------------------------------------------

# start NAME COMMAND: in the background, in $CERTS, output in $tmp/NAME.log;
# sets started_pid (the gst-launch-1.0 process itself)
start () {
  local name=$1 cmd=$2
  printf '%s\n' "$cmd" >"$tmp/$name.cmd"
  (cd "$CERTS" && exec bash -c "exec $cmd") >"$tmp/$name.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}

# wait_exit PID SECONDS: its exit status, or 255 if it still runs then
wait_exit () {
  local pid=$1 i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    return 255
  fi
  wait "$pid"
}

# wait_playing NAME PID: until it says it plays (or ended), at most 10 s
wait_playing () {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q 'Setting pipeline to PLAYING' "$tmp/$1.log" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

record_failure () {
  fail_count=$((fail_count + 1))
  failures+=("$1")
  echo "FAIL: $1"
}

show_log () {
  echo "---- $1: $(cat "$tmp/$1.cmd")"
  grep -v 'last-message\|property-notify\|state-changed\|stream-status' \
    "$tmp/$1.log" | tail -n 25
  echo "----"
}

# failed NAME MESSAGE: a failure, with the end of NAME's output; returns 1
failed () {
  record_failure "$2"
  show_log "$1"
  return 1
}

# stop WHERE NAME PID: SIGINT, then a clean end after EOS; 0 if so
stop () {
  local where=$1 name=$2 pid=$3 rc
  kill -INT "$pid" 2>/dev/null
  wait_exit "$pid" 10
  rc=$?
  if [ "$rc" = 255 ]; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    failed "$name" "$where: did not end within 10 s of SIGINT"; return
  fi
  if [ "$rc" != 0 ]; then
    failed "$name" "$where: exit status $rc after SIGINT"; return
  fi
  if ! grep -q 'Got EOS from element' "$tmp/$name.log"; then
    failed "$name" "$where: no EOS after SIGINT (is -e there?)"; return
  fi
  return 0
}

# finish WHERE NAME PID: a line that ends by itself (num-buffers=)
finish () {
  local where=$1 name=$2 pid=$3 rc
  wait_exit "$pid" "$LINE_TIMEOUT"
  rc=$?
  if [ "$rc" = 255 ]; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    failed "$name" "$where: did not end within $LINE_TIMEOUT s"; return
  fi
  if [ "$rc" != 0 ] || ! grep -q 'Got EOS from element' "$tmp/$name.log"; then
    failed "$name" "$where: exit status $rc$(grep -q 'Got EOS' "$tmp/$name.log" || echo ', no EOS')"; return
  fi
  return 0
}

ends_by_itself () { [[ $1 == *num-buffers=* ]]; }
has_eos_option () { [[ $1 =~ ^gst-launch-1\.0(\ +-[a-zA-Z-]+)*\ +(-e|--eos-on-shutdown)( |$) ]]; }

# run_line WHERE NAME COMMAND SECONDS: a line alone, or a sender whose
# receiver runs; SIGINT after SECONDS unless it ends by itself
run_line () {
  local where=$1 name=$2 cmd=$3 secs=$4 pid
  start "$name" "$cmd"
  pid=$started_pid
  if ends_by_itself "$cmd"; then
    finish "$where" "$name" "$pid"
    return
  fi
  if ! has_eos_option "$cmd"; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    record_failure "$where: neither num-buffers= nor -e: the line does not end by itself"
    return 1
  fi
  wait_exit "$pid" "$secs"
  if [ $? != 255 ]; then
    failed "$name" "$where: ended before SIGINT"; return
  fi
  stop "$where" "$name" "$pid"
}

# check_receiver WHERE NAME COMMAND: it decrypted something
check_receiver () {
  local where=$1 name=$2 cmd=$3 log=$tmp/$2.log keyed chains
  keyed=$(grep -o 'mikey-stats, .*packets-keyed=(guint64)[0-9]*' "$log" \
    | tail -n 1 | grep -o '[0-9]*$')
  chains=$(grep -c 'last-message = chain' "$log")
  if [[ $cmd == *silent=false* && $cmd =~ \ -v(\ |$) ]]; then
    if [ "$chains" -eq 0 ]; then
      failed "$name" "$where: fakesink got no buffer"; return
    fi
    if [ -n "$keyed" ] && [ "$keyed" != "$chains" ]; then
      failed "$name" "$where: mikeydec passed $keyed packets with a key, $chains decrypted and decoded"; return
    fi
  elif [ -z "$keyed" ]; then
    failed "$name" "$where: no mikey-stats message (needs -m) and no fakesink output: nothing shows decryption"; return
  elif [ "$keyed" -eq 0 ]; then
    failed "$name" "$where: mikey-stats packets-keyed=0"; return
  fi
  if [[ $cmd =~ mode=rsa-r(-group)?( |$) ]] && ! grep -q 'mikey-joined' "$log"; then
    failed "$name" "$where: no mikey-joined message"; return
  fi
  if [[ $cmd =~ mode=dh(hmac)?( |$) ]] && ! grep -q 'mikey-exchange-done' "$log"; then
    failed "$name" "$where: no mikey-exchange-done message"; return
  fi
  note "     decrypted: ${keyed:-?} packets keyed, $chains buffers at fakesink"
}

placeholders=(5004 5005 2269 2270)
portmap () {
  local p port out=()
  for p in "${placeholders[@]}"; do
    mikey_free_port port
    out+=("$p=$port")
  done
  printf '%s\n' "${out[@]}"
}

prepare () { # WHERE COMMAND PORTMAP...: the command to run
  local where=$1 cmd=$2
  shift 2
  case $where in
    ext/*) cmd=$(ext_options "$cmd") ;;
  esac
  substitute "$cmd" "$@"
}

# an ext-N with one side only runs alone
for pair in $(cut -f2 <<<"$records" | grep '^ext-' | sort | uniq -u); do
  records=$(awk -F'\t' -v OFS='\t' -v p="$pair" '$2 == p { $2 = "-"; $3 = "-" } 1' <<<"$records")
done

n=0
# lines alone
while IFS=$'\t' read -r where pair role cmd; do
  [ "$pair" = - ] || continue
  n=$((n + 1))
  mapfile -t pm < <(portmap)
  run_cmd=$(prepare "$where" "$cmd" "${pm[@]}")
  note "RUN  $where (alone)"
  run_count=$((run_count + 1))
  run_line "$where" "alone$n" "$run_cmd" "$ALONE_SECONDS" || continue
  # a mikeydec in it (-m): it must have decrypted something too
  if grep -q 'mikey-stats' "$tmp/alone$n.log"; then
    check_receiver "$where" "alone$n" "$run_cmd" || continue
  fi
  note "ok   $where"
done <<<"$records"

# pairs
for pair in $(cut -f2 <<<"$records" | grep -v '^-$' | sort -u); do
  recv=$(awk -F'\t' -v p="$pair" '$2 == p && $3 == "receiver"' <<<"$records")
  send=$(awk -F'\t' -v p="$pair" '$2 == p && $3 == "sender"' <<<"$records")
  if [ "$(grep -c . <<<"$recv")" != 1 ] || [ "$(grep -c . <<<"$send")" != 1 ]; then
    record_failure "pair $pair: needs exactly one receiver and one sender line"
    continue
  fi
  IFS=$'\t' read -r rwhere _ _ rcmd <<<"$recv"
  IFS=$'\t' read -r swhere _ _ scmd <<<"$send"
  mapfile -t pm < <(portmap)
  if [[ $rwhere == ext/* ]] && [[ "$scmd $rcmd" == *mode=rsa-r-group* ]] \
      && mikey_port_in_use 2269; then
    record_failure "pair $pair: UDP port 2269 (the default key server port its lines use) is in use"
    continue
  fi
  rrun=$(prepare "$rwhere" "$rcmd" "${pm[@]}")
  srun=$(prepare "$swhere" "$scmd" "${pm[@]}")
  note "RUN  pair $pair: receiver $rwhere, sender $swhere"
  run_count=$((run_count + 2))
  if ! ends_by_itself "$rrun" && ! has_eos_option "$rrun"; then
    record_failure "$rwhere: neither num-buffers= nor -e: the line does not end by itself"
    continue
  fi
  start "$pair-receiver" "$rrun"
  rpid=$started_pid
  if ! wait_playing "$pair-receiver" "$rpid"; then
    kill -KILL "$rpid" 2>/dev/null
    wait "$rpid" 2>/dev/null
    failed "$pair-receiver" "$rwhere: the receiver did not start"
    continue
  fi
  sok=0
  run_line "$swhere" "$pair-sender" "$srun" "$EXT_SENDER_SECONDS" || sok=1
  # what is still on its way
  sleep 1
  if ends_by_itself "$rrun"; then
    finish "$rwhere" "$pair-receiver" "$rpid" || continue
  else
    if ! kill -0 "$rpid" 2>/dev/null; then
      wait "$rpid" 2>/dev/null
      failed "$pair-receiver" "$rwhere: the receiver ended before its sender was done"
      continue
    fi
    stop "$rwhere" "$pair-receiver" "$rpid" || continue
  fi
  check_receiver "$rwhere" "$pair-receiver" "$rrun" || continue
  [ "$sok" = 0 ] && note "ok   pair $pair"
done

echo
if [ "$fail_count" -gt 0 ]; then
  echo "$fail_count of $run_count lines failed:"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
echo "all $run_count gst-launch-1.0 lines succeeded"
