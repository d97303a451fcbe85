#!/bin/sh
# tshark's MIKEY dissector (packet-mikey.c) on every kind of message the
# library produces (see gen-messages.c): PSK and MIKEY-NULL I_MESSAGEs,
# verification and Error messages; PK I_MESSAGEs (PKCS#1 v1.5 and PSS
# signatures, CHASH, PKE C = 1 and 2) and the PK verification message;
# RSA-R I_MESSAGE and R_MESSAGE, unicast and group, and Error 13; DH and
# DH-HMAC I_MESSAGE and R_MESSAGE; and samples of every payload. The PK,
# RSA-R and DH ones come from real exchanges on a PKI made at run time.
# For each message:
#   - wrap it in UDP to port 2269 (text2pcap) and dissect it;
#   - fail on a malformed packet or on error-level expert info;
#   - fail unless the frame is MIKEY over UDP;
#   - fail unless the fields listed in NAME.expect show exactly the values
#     the generator built.
# Exit 77 (meson: skipped) when tshark or text2pcap is missing.
#
# What tshark 4.0's packet-mikey.c cannot show, and the .expect files
# therefore leave out (see gen-messages.c):
#   - CHASH, TR, RANDR, TP, TICKET, IBAKE, ESK, SK and ECCPT have no
#     dissector: it stops, silently, at the first of them ("all-payloads"
#     puts them after all the others; only what comes before is checked,
#     and mikey.next_payload pins where it stops);
#   - a KEMAC MAC or V of HMAC-SHA-256-256 (RFC 6043): no MAC length known,
#     it stops after "Mac alg: Unknown (2)";
#   - only the first Key data sub-payload of a NULL-encrypted KEMAC;
#   - key validity data in a DH payload: it reads none and stops (the DH
#     payloads have none);
#   - CERT length is read one byte early (shows 1 for 373 bytes, 3 for
#     our 2048-bit certificates): not checked; the certificate itself is
#     dissected (x509) and must raise no error;
#   - CHASH in a PK I_MESSAGE: it stops there, so the PKE and SIGNi after
#     it are checked in the other PK messages only ("pk-init-chash");
#   - the KEMAC of PK, RSA-R and DH-HMAC: only PSK I_MESSAGEs get their Key
#     data sub-payloads decoded (NULL encryption); elsewhere the Encr data
#     is shown raw (checked as built; DH-HMAC has none: "<MISSING>", not
#     asked for) and the MAC (checked);
#   - names: data types 7-10 are named (DHHMAC init/resp, RSA-R I_MSG/R_MSG)
#     with no mode-specific decoding (none is needed: every payload of
#     those messages has its dissector); the RSA-R General Extension type
#     CSB_ID (4) and Error no. 13 "Unsupported message type" (RFC 4738)
#     show as "Unknown (4)" / "Unknown (13)": their values are checked.
#
# Usage: tshark-dissect.sh GEN-MESSAGES WORKDIR
set -u

gen=$1
work=$2

for tool in tshark text2pcap od; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found"
    exit 77
  fi
done

rm -rf "$work"
mkdir -p "$work" || exit 1
"$gen" "$work" || { echo "FAIL: $gen"; exit 1; }

# expert info severities (epan/proto.h): PI_ERROR
PI_ERROR=8388608

# no personal tshark preferences or plugins
export WIRESHARK_CONFIG_DIR="$work/.wireshark"
mkdir -p "$WIRESHARK_CONFIG_DIR"

# -o: force the MIKEY port whatever the environment's preferences say
ts() {
  tshark -n -o udp.try_heuristic_first:FALSE "$@" 2>"$work/tshark.err"
}

failures=0
count=0
fail() {
  echo "FAIL: $name: $*"
  failures=$((failures + 1))
}

for bin in "$work"/*.bin; do
  name=$(basename "$bin" .bin)
  pcap="$work/$name.pcap"
  exp="$work/$name.expect"
  count=$((count + 1))

  if ! od -Ax -tx1 -v "$bin" | text2pcap -q -u 40000,2269 - "$pcap" \
      >/dev/null 2>"$work/text2pcap.err"; then
    fail "text2pcap: $(cat "$work/text2pcap.err")"
    continue
  fi

  # one tshark run: the checks, then the fields NAME.expect lists
  set -- -e frame.protocols -e _ws.malformed -e _ws.expert.severity \
      -e _ws.expert.message
  while IFS='	' read -r field value; do
    set -- "$@" -e "$field"
  done <"$exp"
  if ! out=$(ts -r "$pcap" -T fields -E separator=/t -E occurrence=a \
      -E aggregator=, "$@"); then
    fail "tshark: $(cat "$work/tshark.err")"
    continue
  fi
  failed_before=$failures

  # one frame, MIKEY over UDP, nothing malformed, no error-level expert info
  nframes=$(printf '%s\n' "$out" | wc -l)
  [ "$nframes" -eq 1 ] || fail "$nframes frames"
  protos=$(printf '%s\n' "$out" | cut -f1)
  malformed=$(printf '%s\n' "$out" | cut -f2)
  severities=$(printf '%s\n' "$out" | cut -f3)
  messages=$(printf '%s\n' "$out" | cut -f4)
  # (a CERT adds x509 protocols after mikey)
  case "$protos" in
    eth:ethertype:ip:udp:mikey | eth:ethertype:ip:udp:mikey:*) ;;
    *) fail "frame.protocols '$protos', not MIKEY over UDP" ;;
  esac
  [ -z "$malformed" ] || fail "malformed packet ($messages)"
  for sev in $(printf '%s' "$severities" | tr ',' ' '); do
    if [ "$sev" -ge "$PI_ERROR" ]; then
      fail "error-level expert info: $messages"
    else
      echo "note: $name: expert info of severity $sev: $messages"
    fi
  done

  # the values we built
  got=$(printf '%s\n' "$out" | cut -f5-)
  want=$(cut -f2 "$exp" | paste -s -d '	' -)
  if [ "$got" != "$want" ]; then
    # field by field, for the log
    printf '%s\n' "$got" | tr '\t' '\n' >"$work/$name.got"
    paste "$exp" "$work/$name.got" | \
      awk -F '\t' '$2 != $3 { printf "  %s: tshark \"%s\", built \"%s\"\n", $1, $3, $2 }'
    fail "dissected values differ from what was built"
  fi

  if [ "$failures" -eq "$failed_before" ]; then
    echo "ok: $name ($(wc -l <"$exp") fields)"
  else
    # the whole dissection, for the log
    ts -r "$pcap" -V >"$work/$name.txt"
    echo "  (full dissection in $work/$name.txt)"
  fi
done

[ "$count" -gt 0 ] || { echo "FAIL: no messages generated"; exit 1; }

# control: the checks above must see a broken message (a verification
# message cut inside its V payload)
head -c 60 "$work/psk-verify.bin" >"$work/control.bin"
od -Ax -tx1 -v "$work/control.bin" | \
  text2pcap -q -u 40000,2269 - "$work/control.pcap" >/dev/null 2>&1
out=$(ts -r "$work/control.pcap" -T fields -E occurrence=a -E aggregator=, \
    -e _ws.malformed -e _ws.expert.severity)
case "$out" in
  *"$PI_ERROR"*) echo "ok: control (truncated message reported malformed)" ;;
  *) name=control; fail "a truncated message was not reported: '$out'" ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s) in $count messages"
  exit 1
fi
echo "all $count messages dissected cleanly"
exit 0
