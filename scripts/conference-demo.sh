#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Conference broadcast demo: SRTP keyed by MIKEY-RSA-R group mode (RFC 4738)
# between stock gst-launch-1.0 processes on 127.0.0.1.
#
# - A CA, the key server's certificate and one certificate per receiver are
#   made with openssl in a temporary directory. The identity is a
#   subjectAltName URI (sip:NAME@conference.example): the elements take a
#   certificate's first URI, else its first e-mail name, by default.
# - One sender: audio and video test sources (two SSRCs) through rtpfunnel,
#   stock srtpenc and mikeyenc mode=rsa-r-group, the group key server, which
#   admits only the identities in its allowed-identities. Media goes out to
#   a multicast group where this machine allows it (checked at start: a
#   packet sent to the group with TTL 0 comes back to a receiver on this
#   host; the packets never leave it), else by unicast fan-out
#   (multiudpsink) to every receiver's port.
# - Receivers, one gst-launch-1.0 each, started one after the other:
#   udpsrc ! mikeydec mode=rsa-r-group ! srtpdec ! fakesink. One of them
#   (mallory) has a certificate from the same CA but an identity the key
#   server does not allow: it must be refused (RESOURCE / NOT_AUTHORIZED)
#   and decrypt nothing.
# - The sender re-keys every CONF_REKEY seconds (mikeyenc rekey-interval),
#   so once in the middle of the run.
# - Receivers get SIGINT (gst-launch-1.0 -e: EOS) at the end; a summary per
#   receiver follows, from their -m -v output: join time (from its start to
#   mikeydec's mikey-joined message), packets decrypted (buffers reaching
#   fakesink after srtpdec), authentication failures (packets mikeydec passed
#   with a key, from its mikey-stats message at EOS, minus those decrypted),
#   re-keys followed (master keys in the caps mikeydec gave srtpdec after
#   the first ones), key updates (mikey-stats rekeys-followed: every change
#   of an SSRC's keys, so the overlap of old and new key counts too) and
#   packets dropped for lack of a key (mikey-stats).
#
# Exit status 0 only if every allowed receiver joined, decrypted packets and
# had no authentication failure, and the refused one was refused and
# decrypted nothing. A counter the elements of this build do not provide is
# printed as n/a, says so, and fails nothing.
#
# Usage: scripts/conference-demo.sh [BUILD-DIR]
#        (default: $MIKEY_BUILD_DIR, else build/ of this tree)
# Tunables (environment): CONF_RECEIVERS (receivers including the refused
# one, 2-9, default 5), CONF_SECONDS (run time from the sender's start,
# default 17), CONF_REKEY (re-key interval in seconds, default 10, 0: none),
# CONF_TRANSPORT (multicast, unicast, or auto: multicast if it works,
# the default), CONF_KEEP (set: keep the temporary directory, logs and
# certificates).

set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$here/scripts/lib.sh"
build=${1:-${MIKEY_BUILD_DIR:-$here/build}}
build=$(cd "$build" && pwd)
plugin_dir=$build/ext/mikey
n_receivers=${CONF_RECEIVERS:-5}
run_seconds=${CONF_SECONDS:-17}
rekey=${CONF_REKEY:-10}
domain=conference.example
allowed_names=(alice bob carol dave erin frank grace heidi)
refused_name=mallory

die () { echo "conference-demo: $*" >&2; exit 1; }

[ -f "$plugin_dir/libgstmikey.so" ] \
  || die "no plugin in $plugin_dir (build first: ninja -C $build)"
for tool in gst-launch-1.0 gst-inspect-1.0 openssl stdbuf; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
case $n_receivers in
  [2-9]) ;;
  *) die "CONF_RECEIVERS must be 2 to 9" ;;
esac
[[ $run_seconds =~ ^[0-9]+$ ]] && [ "$run_seconds" -ge 6 ] \
  || die "CONF_SECONDS must be a number of seconds, at least 6"
[[ $rekey =~ ^[0-9]+$ ]] || die "CONF_REKEY must be a number of seconds"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conference-demo.XXXXXX")
pids=()

# Every process started here, in this order: a polite SIGINT (gst-launch -e
# turns it into EOS), then TERM, then KILL; then the directory goes.
cleanup () {
  local status=$? p q alive i
  trap - EXIT INT TERM
  set +e
  alive=()
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null && alive+=("$p")
  done
  if [ ${#alive[@]} -gt 0 ]; then
    kill -INT "${alive[@]}" 2>/dev/null || true
    for i in $(seq 20); do
      p=
      for q in "${alive[@]}"; do
        kill -0 "$q" 2>/dev/null && p=$q
      done
      [ -z "$p" ] && break
      sleep 0.1
    done
    kill -TERM "${alive[@]}" 2>/dev/null || true
    sleep 0.2
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
  wait 2>/dev/null
  if [ -n "${CONF_KEEP:-}" ]; then
    echo "conference-demo: logs and certificates kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export GST_PLUGIN_PATH_1_0=$plugin_dir
export GST_REGISTRY_1_0=$tmp/registry.bin
# the element messages are matched in English
export LC_ALL=C LANGUAGE=

now () { echo "$EPOCHREALTIME"; }
# milliseconds from $1 to $2 (seconds with a fraction)
ms_between () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# --- the plugin as this build has it ---------------------------------------

t0=$(now)
enc_props=$(gst-inspect-1.0 mikeyenc 2>&1) \
  || die "the mikey plugin in $plugin_dir does not load: $enc_props"
gst-inspect-1.0 srtpenc >/dev/null 2>&1 \
  || die "stock srtpenc (gstreamer1.0-plugins-bad) is missing"
allowed_type=$(printf '%s\n' "$enc_props" \
  | sed -n '/^  allowed-identities/,/^  [a-z]/p' | grep -o 'GStrv\|GstValueArray' \
  | head -n 1 || true)
[ "$allowed_type" = GstValueArray ] \
  || die "mikeyenc's allowed-identities cannot be set on a gst-launch-1.0 line in this build (${allowed_type:-not found})"
notes=()
has_rekey=no
if printf '%s\n' "$enc_props" | grep -q '^  rekey-interval '; then
  has_rekey=yes
else
  notes+=("mikeyenc has no rekey-interval property in this build: no re-key, re-keys shown as n/a")
fi
[ "$rekey" -gt 0 ] || has_rekey=off

# --- certificates -----------------------------------------------------------

names=()
for ((i = 0; i < n_receivers - 1; i++)); do
  names+=("${allowed_names[$i]}")
done
# the refused one starts third, among the others
names=("${names[@]:0:2}" "$refused_name" "${names[@]:2}")

identity_of () { echo "sip:$1@$domain"; }

mikey_make_ca "$tmp" "Conference demo CA"
mikey_make_cert "$tmp" keys "$(identity_of keys)"
for name in "${names[@]}"; do
  mikey_make_cert "$tmp" "$name" "$(identity_of "$name")"
done

# --- free UDP ports ---------------------------------------------------------

ports=()
pick_port () {
  local p
  mikey_free_port p
  ports+=("$p")
}
pick_port
key_port=${ports[0]}
declare -A media_port
clients=()
for name in "${names[@]}"; do
  pick_port
  media_port[$name]=${ports[-1]}
  clients+=("127.0.0.1:${ports[-1]}")
done

# --- media transport --------------------------------------------------------

# multicast_works GROUP PORT: a packet to GROUP:PORT with TTL 0 (looped
# back, never leaving this host) reaches a receiver that joined the group
multicast_works () {
  timeout 4 gst-launch-1.0 -q udpsrc address="$1" port="$2" \
    auto-multicast=true num-buffers=1 ! fakesink >/dev/null 2>&1 &
  local rx=$!
  sleep 0.5
  timeout 3 gst-launch-1.0 -q audiotestsrc is-live=true num-buffers=150 \
    ! udpsink host="$1" port="$2" auto-multicast=true loop=true ttl-mc=0 \
    >/dev/null 2>&1 || true
  wait "$rx"
}

transport=${CONF_TRANSPORT:-auto}
case "$transport" in
  auto|multicast|unicast) ;;
  *) die "CONF_TRANSPORT is multicast, unicast or auto, not $transport" ;;
esac
if [ "$transport" != unicast ]; then
  pick_port
  group_port=${ports[-1]}
  group=239.255.$((RANDOM % 256)).$((1 + RANDOM % 254))
  if multicast_works "$group" "$group_port"; then
    transport=multicast
  elif [ "$transport" = multicast ]; then
    die "multicast to $group:$group_port does not come back on this host"
  else
    transport=unicast
  fi
fi
if [ "$transport" = multicast ]; then
  media_sink=(udpsink host="$group" port="$group_port" auto-multicast=true
    loop=true ttl-mc=0)
  media_text="multicast $group:$group_port (TTL 0: on this host only)"
else
  media_sink=(multiudpsink clients="$(IFS=,; echo "${clients[*]}")")
  media_text="unicast fan-out to each receiver's port"
  if [ "${CONF_TRANSPORT:-auto}" = auto ]; then
    media_text+=" (multicast does not come back on this host)"
  fi
fi

# --- processes --------------------------------------------------------------

# Lines of a process's output with the time they came (seconds); the
# packet lines are left out there (they are counted in the full log).
stamp () {
  local line
  while IFS= read -r line; do
    printf '%s %s\n' "$EPOCHREALTIME" "$line"
  done
  echo "#eof"
}

# launch NAME ARGS...: gst-launch-1.0 -m -e ARGS in the background; its
# whole output in $tmp/NAME.log, the lines other than per-packet ones with
# their time in $tmp/NAME.events, its exit status as "#exit N" at the end;
# its pid in pid_of[NAME].
declare -A pid_of start_of
launch () {
  local name=$1; shift
  start_of[$name]=$(now)
  {
    stdbuf -oL gst-launch-1.0 -m -e "$@" 2>&1 &
    echo $! >"$tmp/$name.pid"
    rc=0
    wait $! || rc=$?
    echo "#exit $rc"
  } | tee "$tmp/$name.log" | grep --line-buffered -v 'last-message' \
    | stamp >"$tmp/$name.events" &
  pids+=($!)
  local i
  for i in $(seq 50); do
    [ -s "$tmp/$name.pid" ] && break
    sleep 0.02
  done
  pid_of[$name]=$(cat "$tmp/$name.pid")
  pids+=("${pid_of[$name]}")
}

# wait_gone NAME SECONDS: until its output is complete (bounded)
wait_gone () {
  local name=$1 i
  for i in $(seq $(($2 * 10))); do
    grep -q '^#eof' "$tmp/$name.events" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

allowed_list=""
for name in "${names[@]}"; do
  [ "$name" = "$refused_name" ] && continue
  allowed_list+="${allowed_list:+, }\"$(identity_of "$name")\""
done
rekey_args=()
[ "$has_rekey" = yes ] && rekey_args=("rekey-interval=$rekey")

echo "conference demo: key server sip:keys@$domain on 127.0.0.1:$key_port," \
  "${#names[@]} receivers ($(IFS=' '; echo "${names[*]}")), $refused_name not allowed"
echo "conference demo: media by $media_text"
launch sender \
  audiotestsrc is-live=true samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 \
    ! alawenc ! rtppcmapay ! rf.sink_0 \
  videotestsrc is-live=true pattern=ball \
    ! video/x-raw,format=I420,width=160,height=120,framerate=15/1 \
    ! jpegenc ! rtpjpegpay ! rf.sink_1 \
  rtpfunnel name=rf ! srtpenc \
    ! mikeyenc name=keyserver mode=rsa-r-group address=127.0.0.1 port="$key_port" \
      certificate="$tmp/keys.pem" private-key="$tmp/keys.key" ca-file="$tmp/ca.pem" \
      "allowed-identities=<$allowed_list>" "${rekey_args[@]}" \
    ! "${media_sink[@]}"
sender_start=${start_of[sender]}

# the key server listens from READY: wait until the sender plays
for i in $(seq 100); do
  grep -q 'Setting pipeline to PLAYING' "$tmp/sender.events" 2>/dev/null && break
  grep -q '^#eof' "$tmp/sender.events" 2>/dev/null && break
  sleep 0.05
done
if grep -q '^#eof' "$tmp/sender.events"; then
  cat "$tmp/sender.log" >&2
  die "the sender stopped at once"
fi
# No wait for the streams: a member that joins before the key server has
# seen both SSRCs re-joins when the other one comes (see mikeydec).

# receivers one after the other, over the first third of the run
step_ms=$((run_seconds * 1000 / 3 / ${#names[@]}))
for name in "${names[@]}"; do
  if [ "$transport" = multicast ]; then
    media_src=(udpsrc address="$group" port="$group_port" auto-multicast=true)
  else
    media_src=(udpsrc address=127.0.0.1 port="${media_port[$name]}")
  fi
  launch "$name" \
    "${media_src[@]}" caps=application/x-srtp \
    ! mikeydec name=md mode=rsa-r-group server="127.0.0.1:$key_port" max-pending=50 \
      certificate="$tmp/$name.pem" private-key="$tmp/$name.key" ca-file="$tmp/ca.pem" \
    ! srtpdec name=dec ! fakesink name=out silent=false -v
  sleep "$(awk -v m="$step_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
done

# run until run_seconds after the sender's start
left=$(awk -v a="$sender_start" -v b="$(now)" -v r="$run_seconds" \
  'BEGIN { l = r - (b - a); printf "%.3f", (l > 0 ? l : 0) }')
case $has_rekey in
  yes) rekey_text="a re-key every $rekey s" ;;
  off) rekey_text="no re-key" ;;
  *) rekey_text="re-key n/a" ;;
esac
echo "conference demo: running for $run_seconds s from the sender's start ($rekey_text)"
# in the background, so that a signal to the script is handled at once
sleep "$left" &
pids+=($!)
wait $!

# EOS to the receivers, then to the sender
for name in "${names[@]}"; do
  kill -INT "${pid_of[$name]}" 2>/dev/null || true
done
for name in "${names[@]}"; do
  wait_gone "$name" 10 || kill -TERM "${pid_of[$name]}" 2>/dev/null || true
done
kill -INT "${pid_of[sender]}" 2>/dev/null || true
wait_gone sender 10 || kill -TERM "${pid_of[sender]}" 2>/dev/null || true
for name in sender "${names[@]}"; do
  wait_gone "$name" 2 || true
done

# --- summary ----------------------------------------------------------------

# top-level field of the last mikey-stats message (nested stream structures
# are escaped, so " name=(" matches only the top level)
mstat () {
  grep -F 'mikey-stats,' "$tmp/$1.log" | tail -n 1 \
    | grep -o " $2=([a-z0-9]*)[0-9]*" | sed 's/.*)//' || true
}

# the master keys in caps lines on standard input
keys_in () { grep -o 'srtp-key[0-9]*=(buffer)[0-9a-f]*' | sed 's/.*)//' | sort -u; }

failures=()
report=()
printf '\n%-8s %-30s %-8s %7s %5s %9s %9s %7s %7s %6s\n' receiver identity result \
  join-ms ssrcs decrypted auth-fail re-keys updates no-key
for name in "${names[@]}"; do
  log=$tmp/$name.log
  events=$tmp/$name.events
  identity=$(identity_of "$name")
  joined_at=$(grep -F 'mikey-joined,' "$events" | head -n 1 | cut -d' ' -f1 || true)
  join_ms=-
  [ -n "$joined_at" ] && join_ms=$(ms_between "${start_of[$name]}" "$joined_at")
  decrypted=$(grep -c '^/GstPipeline:.*GstFakeSink:out: last-message = chain' "$log" || true)
  # the caps mikeydec gave srtpdec (-v prints them): SSRCs and master keys
  grep '^/GstPipeline:.*GstMikeyDec:md\.GstPad:rtp_src: caps = ' "$log" \
    >"$tmp/$name.caps" || true
  ssrcs=$(grep -o 'ssrc=(uint)[0-9]*' "$tmp/$name.caps" | sort -u | wc -l || true)
  # re-keys followed: master keys received after the first ones
  new_keys=$(comm -13 <(head -n 1 "$tmp/$name.caps" | keys_in) \
    <(keys_in <"$tmp/$name.caps") | grep -c . || true)
  keyed=$(mstat "$name" packets-keyed)
  updates=$(mstat "$name" rekeys-followed)
  nokey=$(mstat "$name" packets-dropped)
  auth=n/a
  [ -n "$keyed" ] && auth=$((keyed - decrypted))
  [ -n "$updates" ] || updates=n/a
  rekeys=$new_keys
  [ -n "$joined_at" ] || rekeys=-
  [ -n "$nokey" ] || nokey=n/a
  [ "$has_rekey" != no ] || { rekeys=n/a; updates=n/a; }
  error=$(grep '^ERROR: from element' "$log" | head -n 1 | sed 's/^ERROR: from element [^ ]*: //' || true)
  detail=$(awk '/^ERROR: from element/ { e = 1 }
    e && /^Additional debug info:/ { getline; getline; print; exit }' "$log")
  code=
  case $error in
    *"refused to admit"*) code=NOT_AUTHORIZED ;;
    *"did not answer"*|*"no answer"*) code=OPEN_READ ;;
  esac
  exit_status=$(sed -n 's/^[0-9.]* #exit //p' "$events")
  if [ "$name" = "$refused_name" ]; then
    result=REFUSED
    [ "$code" = NOT_AUTHORIZED ] || { result=ADMITTED; failures+=("$name was not refused with NOT_AUTHORIZED"); }
    [ "$decrypted" -eq 0 ] || failures+=("$name decrypted $decrypted packets")
    [ -z "$joined_at" ] || failures+=("$name joined")
    report+=("$name: ${code:-no error}: ${error:-none}${detail:+ ($detail)}")
  else
    result=joined
    [ -n "$joined_at" ] || { result=FAILED; failures+=("$name did not join${error:+: $error}"); }
    [ "$decrypted" -gt 0 ] || failures+=("$name decrypted nothing")
    [ "$auth" = n/a ] || [ "$auth" -eq 0 ] || failures+=("$name had $auth authentication failures")
    [ -z "$error" ] || report+=("$name: ${code:-error}: $error${detail:+ ($detail)}")
    [ "$exit_status" = 0 ] || failures+=("$name's gst-launch-1.0 ended with ${exit_status:-no status}")
  fi
  printf '%-8s %-30s %-8s %7s %5s %9s %9s %7s %7s %6s\n' "$name" "$identity" \
    "$result" "$join_ms" "$ssrcs" "$decrypted" "$auth" "$rekeys" "$updates" "$nokey"
done
for line in "${report[@]}"; do
  echo "  $line"
done
cat <<'LEGEND'
(join-ms: from the receiver's start to its mikey-joined message; decrypted:
packets out of srtpdec; auth-fail: packets mikeydec passed with a key minus
those decrypted; re-keys: master keys received after the first ones;
updates: key changes per SSRC, mikeydec's rekeys-followed; no-key: packets
dropped for lack of a key)
LEGEND

# identities in the key server's mikey-member-joined/-refused messages
ids_in () {
  grep -F "mikey-member-$1," "$tmp/sender.events" \
    | grep -o 'identity=(string)"[^"]*"' | sed 's/.*"\(.*\)"/\1/; s/\\//g' \
    | sort -u || true
}
admitted=$(ids_in joined | grep -c . || true)
refused_ids=$(ids_in refused | paste -sd, - | sed 's/,/, /g')
refused_n=$(ids_in refused | grep -c . || true)
echo "key server: $admitted members admitted," \
  "$refused_n refused${refused_ids:+ ($refused_ids)}"
# the key server's re-keys: mikey-rekey messages (phase distributed: the
# next key goes out with the current one; switched: srtpenc uses it;
# retired: the old key is no longer announced)
rekey_lines=$(grep -F 'mikey-rekey,' "$tmp/sender.events" || true)
if [ -n "$rekey_lines" ]; then
  printf '%s\n' "$rekey_lines" | while read -r at rest; do
    phase=$(printf '%s\n' "$rest" | grep -o 'phase=(string)[a-z-]*' | sed 's/.*)//')
    echo "key server: re-key ${phase:-?} at +$(ms_between "$sender_start" "$at") ms"
  done
elif [ "$has_rekey" = yes ]; then
  echo "key server: no re-key reported (no mikey-rekey message)"
fi
if grep -q '^ERROR:' "$tmp/sender.log"; then
  failures+=("the sender failed: $(grep -m1 '^ERROR:' "$tmp/sender.log")")
elif ! grep -q '^[0-9.]* #exit 0$' "$tmp/sender.events"; then
  failures+=("the sender's gst-launch-1.0 did not end with 0")
fi
[ -n "$(mstat "${names[0]}" packets-keyed)" ] \
  || notes+=("mikeydec posts no mikey-stats message at EOS in this build: auth-fail, updates and no-key shown as n/a")
for note in "${notes[@]}"; do
  echo "note: $note"
done
echo "elapsed: $(ms_between "$t0" "$(now)") ms"
if [ ${#failures[@]} -eq 0 ]; then
  echo "result: PASS"
  exit 0
fi
for f in "${failures[@]}"; do
  echo "result: FAIL: $f"
done
exit 1
