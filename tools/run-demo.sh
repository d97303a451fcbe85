#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A PSK exchange on 127.0.0.1: a Responder (listen) on a free port and an
# Initiator (send) with a fresh random PSK and TGK and two crypto sessions.
# Both print the srtpdec caps they derived; they must be identical.
#
# Usage: run-demo.sh [BUILD-DIR | PATH-TO-gst-mikey-1.0]
#        (default: $GST_MIKEY, else gst-mikey-1.0 from PATH)

set -eu

tool=${1:-${GST_MIKEY:-gst-mikey-1.0}}
[ -d "$tool" ] && tool=$tool/tools/gst-mikey-1.0
dir=$(mktemp -d)
pid=
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

random_hex () {
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

psk=$(random_hex 16)

# --port 0: the system picks a free port, and listen reports it on stderr
: >"$dir/listen.err"
"$tool" listen --address 127.0.0.1 --port 0 --psk "$psk" --count 1 \
    --timeout 30 >"$dir/listen.out" 2>"$dir/listen.err" &
pid=$!

port=
tries=0
while [ -z "$port" ]; do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/listen.err")
  tries=$((tries + 1))
  if [ -z "$port" ] && { [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; }; then
    cat "$dir/listen.err" >&2
    echo "run-demo: the listener did not start" >&2
    exit 1
  fi
  [ -n "$port" ] || sleep 0.1
done

"$tool" send --to "127.0.0.1:$port" --psk "$psk" --tgk "$(random_hex 16)" \
    --ssrc 0x11223344 --ssrc 0x55667788 >"$dir/send.out"
status=0
wait "$pid" || status=$?
pid=
cat "$dir/listen.err" >&2
[ "$status" -eq 0 ] || { echo "run-demo: listen failed" >&2; exit 1; }

echo "listen:"
cat "$dir/listen.out"
echo "send:"
cat "$dir/send.out"
if [ -s "$dir/send.out" ] && cmp -s "$dir/listen.out" "$dir/send.out"; then
  echo "keys match"
else
  echo "keys differ" >&2
  exit 1
fi
