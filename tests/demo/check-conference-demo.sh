#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the conference demo and checks that it exits with 0 and that its
# summary has the promised form: the media transport (multicast or
# unicast fan-out), a header, one row per receiver (four
# joined with both SSRCs, packets decrypted and no authentication failure,
# each following the re-key when the key server switched keys; mallory
# REFUSED with nothing decrypted), mallory's NOT_AUTHORIZED error, the key
# server's view and "result: PASS". Exit 77 (skipped) when a tool
# or stock element the demo needs is missing.
#
# Usage: check-conference-demo.sh DEMO-SCRIPT BUILD-DIR
set -euo pipefail

demo=$1
build=$2
for tool in gst-launch-1.0 gst-inspect-1.0 openssl stdbuf; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
done
for e in srtpenc srtpdec rtpfunnel jpegenc rtpjpegpay alawenc rtppcmapay \
    multiudpsink udpsink; do
  GST_REGISTRY_1_0=${TMPDIR:-/tmp}/check-conference-demo.$$.registry \
    gst-inspect-1.0 "$e" >/dev/null 2>&1 \
    || { rm -f "${TMPDIR:-/tmp}/check-conference-demo.$$.registry"
         echo "SKIP: stock element $e missing"; exit 77; }
done
rm -f "${TMPDIR:-/tmp}/check-conference-demo.$$.registry"

out=$(mktemp)
trap 'rm -f "$out"' EXIT

status=0
bash "$demo" "$build" >"$out" 2>&1 || status=$?
cat "$out"
fail () { echo "FAIL: $*"; exit 1; }

[ "$status" -eq 0 ] || fail "the demo exited with $status"

grep -Eq '^conference demo: media by (multicast [0-9.]+:[0-9]+|unicast fan-out)' \
  "$out" || fail "no media transport line"
header='^receiver +identity +result +join-ms +ssrcs +decrypted +auth-fail +re-keys +updates +no-key$'
grep -Eq "$header" "$out" || fail "no summary header"

# the key server switched to a new key while every receiver was there
# (they all start in the first third of the run): each must have followed
switched=no
grep -Eq '^key server: re-key switched at \+[0-9]+ ms$' "$out" && switched=yes

num='([0-9]+|n/a)'
joined=0
for name in alice bob carol dave; do
  row=$(grep -E "^$name " "$out") || fail "no row for $name"
  # join-ms ssrcs decrypted auth-fail re-keys updates no-key
  [[ $row =~ ^$name\ +sip:$name@conference\.example\ +joined\ +([0-9]+)\ +2\ +([0-9]+)\ +(0|n/a)\ +$num\ +$num\ +$num$ ]] \
    || fail "row of $name: $row"
  [ "${BASH_REMATCH[2]}" -gt 0 ] || fail "$name decrypted nothing"
  if [ "$switched" = yes ]; then
    [[ ${BASH_REMATCH[4]} =~ ^[1-9] ]] || fail "$name did not follow the re-key"
  fi
  joined=$((joined + 1))
done
row=$(grep -E '^mallory ' "$out") || fail "no row for mallory"
[[ $row =~ ^mallory\ +sip:mallory@conference\.example\ +REFUSED\ +-\ +0\ +0\ +(0|n/a)\ +-\ + ]] \
  || fail "row of mallory: $row"
grep -Eq '^  mallory: NOT_AUTHORIZED: .*refused to admit this receiver' "$out" \
  || fail "mallory's NOT_AUTHORIZED error is not shown"
grep -Eq "^key server: $joined members admitted, 1 refused \\(sip:mallory@conference\\.example\\)$" "$out" \
  || fail "the key server's count"
grep -Eq '^elapsed: [0-9]+ ms$' "$out" || fail "no elapsed time"
grep -qx 'result: PASS' "$out" || fail "no result: PASS"
echo "PASS: exit 0, summary as described"
