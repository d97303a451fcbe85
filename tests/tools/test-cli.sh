#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gst-mikey-1.0 end to end (TAP): decode in every input form, JSON, the PRF
# against an independent Python implementation (mikey-prf.py), create ->
# decode/caps round trips, refusals of bad input, and the UDP demo.
#
# Usage: test-cli.sh PATH-TO-gst-mikey-1.0 PATH-TO-run-demo.sh

set -u

tool=$1
demo=$2
prf="python3 $(dirname "$0")/mikey-prf.py"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  [ -s "$dir/err" ] && sed 's/^/# /' "$dir/err"
  return 0
}

# check NAME COMMAND...: the command succeeds
check () {
  name=$1
  shift
  if "$@" 2>"$dir/err"; then ok "$name"; else not_ok "$name"; fi
}

# refuses NAME ARGS...: the tool fails, saying why on stderr
refuses () {
  name=$1
  shift
  if "$tool" "$@" >"$dir/out" 2>"$dir/err"; then
    not_ok "$name (exit status 0)"
  elif [ ! -s "$dir/err" ]; then
    not_ok "$name (nothing on stderr)"
  else
    ok "$name: $(tail -n 1 "$dir/err")"
  fi
}

# same NAME FILE ARGS...: the tool's output equals FILE
same () {
  name=$1
  expected=$2
  shift 2
  if "$tool" "$@" >"$dir/out" 2>"$dir/err" && cmp -s "$expected" "$dir/out"
  then
    ok "$name"
  else
    diff "$expected" "$dir/out" >>"$dir/err"
    not_ok "$name"
  fi
}

# json_field FILE EXPR: a value of the JSON in FILE (d is the document)
json_field () {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# srtp_key: the srtp-key of the first caps line on stdin
srtp_key () {
  sed -n '1s/.*srtp-key=(buffer)\([0-9a-f]*\).*/\1/p'
}

# RFC 4567 §5.1: Alice's PSK I_MESSAGE and Bob's verification message
b64="AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGEEoo2pee4hp2UaDX8ZE22YwKAAAPZG9uYWxkQGR1Y2suY29tAQAAAAAAAQAk0JKpgaVkDaawi9whVBtBt0KZ14ymNuu62+Nv3ozPLygwK/GbAV9iemnGUIZ19fWQUOSrzKTAv9zV"
resp_b64="AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc="

# ---- decode, every input form ----

"$tool" decode "$b64" >"$dir/expected" 2>"$dir/err"
if grep -qx '  CSB ID: 0xcd177e50' "$dir/expected" \
    && grep -qx '  ID data: 646f6e616c64406475636b2e636f6d "donald@duck.com"' "$dir/expected" \
    && grep -qx '  Encr data: <hidden, 36 bytes>' "$dir/expected"; then
  ok "decode base64"
else
  not_ok "decode base64"
fi

printf '%s' "$b64" | base64 -d >"$dir/msg.bin"
hex=$(od -An -tx1 -v "$dir/msg.bin" | tr -d ' \n')
same "decode hex" "$dir/expected" decode "$hex"
same "decode 0x-prefixed hex" "$dir/expected" decode "0x$hex"
same "decode binary file" "$dir/expected" decode "$dir/msg.bin"
printf '%s\n' "$b64" | fold -w 64 >"$dir/msg.b64"
same "decode wrapped base64 file" "$dir/expected" decode "$dir/msg.b64"
same "decode stdin" "$dir/expected" decode - <"$dir/msg.bin"

printf 'v=0\r\no=alice 2891092738 2891092738 IN IP4 w-land.example.com\r\ns=Cool stuff\r\nt=0 0\r\nc=IN IP4 w-land.example.com\r\nm=audio 49000 RTP/SAVP 98\r\na=rtpmap:98 AMR/8000\r\na=key-mgmt:mikey %s\r\n' \
    "$b64" >"$dir/media.sdp"
same "decode SDP file, media level" "$dir/expected" decode "$dir/media.sdp"
printf 'v=0\ns=-\nt=0 0\na=key-mgmt:mikey %s\n' "$b64" >"$dir/session.sdp"
same "decode SDP, session level" "$dir/expected" decode "$(cat "$dir/session.sdp")"
same "decode SDP on stdin" "$dir/expected" decode - <"$dir/media.sdp"
# the second media overrides the session level; the first falls back to it
printf 'v=0\na=key-mgmt:mikey %s\nm=audio 1 RTP/SAVP 0\nm=video 2 RTP/SAVP 96\na=key-mgmt:mikey %s\n' \
    "$resp_b64" "$b64" >"$dir/two.sdp"
same "decode SDP --media 1" "$dir/expected" decode --media 1 "$dir/two.sdp"
if "$tool" decode "$dir/two.sdp" 2>"$dir/err" | grep -qx '  data type: 1 (PSK ver msg)'; then
  ok "decode SDP, first media falls back to the session level"
else
  not_ok "decode SDP, first media falls back to the session level"
fi
same "decode a key-mgmt attribute" "$dir/expected" decode "a=key-mgmt:mikey $b64"
same "decode KeyMgmt header" "$dir/expected" \
    decode "KeyMgmt: prot=mikey; uri=\"rtsp://example.com/s\"; data=\"$b64\""
printf 'RTSP/1.0 200 OK\r\nCSeq: 3\r\nkeymgmt: prot=mikey; data="%s"\r\n\r\n' "$b64" \
    >"$dir/response.rtsp"
same "decode RTSP response file" "$dir/expected" decode "$dir/response.rtsp"

# ---- JSON ----

if "$tool" decode --json "$b64" >"$dir/json" 2>"$dir/err" \
    && [ "$(json_field "$dir/json" 'd["message"]["hdr"]["fields"]["CSB ID"]')" = 0xcd177e50 ] \
    && [ "$(json_field "$dir/json" 'd["message"]["payloads"][2]["fields"]["ID data"]["text"]')" = donald@duck.com ] \
    && [ "$(json_field "$dir/json" 'd["message"]["payloads"][-1]["fields"]["Encr data"]')" = "{'len': 36, 'hidden': True}" ] \
    && [ "$(json_field "$dir/json" 'd["KEMAC plaintext"]')" = None ]; then
  ok "decode --json parses"
else
  not_ok "decode --json parses"
fi

# ---- derive: against mikey-prf.py ----

inkey=$(python3 -c 'print(bytes(range(1, 41)).hex())')   # two 256-bit pieces
for alg in mikey-1 hmac-sha-256; do
  for bits in 8 160 344; do
    expected=$($prf $alg raw "$inkey" 2ad01c6401cd177e50 $bits)
    got=$("$tool" derive --prf $alg --inkey "$inkey" --label 2ad01c6401cd177e50 --bits $bits 2>"$dir/err")
    if [ -n "$got" ] && [ "$got" = "$expected" ]; then
      ok "derive raw $alg $bits bits"
    else
      not_ok "derive raw $alg $bits bits: $got != $expected"
    fi
  done
  rand=4a28da979ee21a7651a0d7f19136d98c
  $prf $alg tgk 000102030405060708090a0b0c0d0e0f 2 cd177e50 $rand 32 12 >"$dir/tek"
  same "derive --tgk $alg" "$dir/tek" derive --prf $alg --tgk 000102030405060708090a0b0c0d0e0f \
      --cs-id 2 --csb-id cd177e50 --rand $rand --key-len 32 --salt-len 12
done

# ---- create -> decode / caps ----

psk=00112233445566778899aabbccddeeff
tgk=0f0e0d0c0b0a09080706050403020100
if msg=$("$tool" create --psk $psk --tgk $tgk --ssrc 7 2>"$dir/err"); then
  ok "create"
else
  not_ok "create"
fi
if "$tool" decode --psk $psk "$msg" >"$dir/out" 2>"$dir/err" \
    && grep -qx 'KEMAC plaintext:' "$dir/out" \
    && grep -qx "  Key data: $tgk" "$dir/out"; then
  ok "create -> decode --psk shows the TGK"
else
  not_ok "create -> decode --psk shows the TGK"
fi

# the srtpdec key of crypto session 1 is the TEK and salt RFC 3830 §4.1.3
# gives, computed apart from the library
"$tool" decode --json "$msg" >"$dir/json"
csb_id=$(json_field "$dir/json" 'd["message"]["hdr"]["fields"]["CSB ID"][2:]')
rand=$(json_field "$dir/json" '[p for p in d["message"]["payloads"] if p["type"] == "RAND"][0]["fields"]["RAND"]["hex"]')
expected=$($prf mikey-1 tgk $tgk 1 "$csb_id" "$rand" 16 14 | sed 's/^[a-z]*: //' | tr -d '\n')
got=$("$tool" caps --psk $psk "$msg" 2>"$dir/err" | srtp_key)
if [ -n "$got" ] && [ "$got" = "$expected" ]; then
  ok "caps key = TEK || salt from the TGK"
else
  not_ok "caps key $got != $expected"
fi

tek=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
if msg=$("$tool" create --null --gstreamer --tek $tek 2>"$dir/err") \
    && "$tool" decode "$msg" >"$dir/out" 2>"$dir/err" \
    && grep -qx '  Type: 2 (TEK)' "$dir/out" \
    && grep -qx "  Key data: $tek" "$dir/out" \
    && [ "$("$tool" caps "$msg" 2>"$dir/err" | srtp_key)" = $tek ]; then
  ok "create --null --gstreamer -> decode, caps without a PSK"
else
  not_ok "create --null --gstreamer -> decode, caps without a PSK"
fi

# AES-KW wraps whole 64-bit blocks: a 20-byte TGK makes 24 bytes of Key data
for opts in "--encr aes-kw-128 --mac hmac-sha-256 --prf hmac-sha-256 --tgk ${tgk}00010203" \
    "--encr aes-cm-256 --cipher aes-256-gcm --auth null --tek $tgk$tgk --salt 000102030405060708090a0b" \
    "--cipher aes-128-icm --auth hmac-sha1-32 --mki 01 --roc 3 --ssrc 1 --ssrc 2 --id-i sip:a@b --id-r sip:b@a --verify"; do
  # shellcheck disable=SC2086
  if msg=$("$tool" create --psk $psk $opts 2>"$dir/err") \
      && "$tool" caps --psk $psk "$msg" >"$dir/out" 2>"$dir/err"; then
    ok "create $opts -> caps"
  else
    not_ok "create $opts -> caps"
  fi
done

# ---- refusals ----

refuses "bad base64" decode "AQAF!!!!"
refuses "bad base64 padding" decode "AQAFgM1="
refuses "truncated message" decode "$(printf '%s' "$hex" | cut -c 1-200)"
refuses "trailing data" decode "${hex}00"
refuses "no such file or message" decode "$dir/nothing-here"
refuses "wrong PSK (decode)" decode --psk ff$psk "$msg"
refuses "wrong PSK (caps)" caps --psk ff$psk "$msg"
refuses "PSK for an RFC 4567 message of unknown PSK" decode --psk $psk "$b64"
refuses "bad hex option" create --psk 0g
refuses "no PSK" create --tgk $tgk
refuses "TGK and TEK" create --psk $psk --tgk $tgk --tek $tek
refuses "TEK of the wrong size" create --psk $psk --tek 0102
refuses "AES-KW of a chain not in 64-bit blocks" create --psk $psk --encr aes-kw-128
refuses "unknown cipher" create --psk $psk --cipher aes-f8
refuses "derive without inputs" derive
refuses "derive bits not bytes" derive --inkey 01 --label 02 --bits 9
refuses "unknown command" frobnicate
refuses "listen timeout" listen --port 0 --psk $psk --timeout 1
refuses "send without answer" send --to 127.0.0.1:9 --psk $psk --retries 1 --timeout-ms 50

# ---- the UDP demo ----

if sh "$demo" "$tool" >"$dir/out" 2>"$dir/err" && tail -n 1 "$dir/out" | grep -qx 'keys match'; then
  ok "run-demo.sh: keys match"
else
  cat "$dir/out" >>"$dir/err"
  not_ok "run-demo.sh"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
