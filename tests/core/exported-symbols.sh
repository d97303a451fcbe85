#!/bin/sh
# Every symbol the library exports starts with mky_, so it cannot collide
# with GStreamer's GstMIKEY*/gst_mikey_* (libgstsdp) or minisip's libmikey.
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^mky_' | grep -v '^_' )
if [ -n "$bad" ]; then
  echo "symbols outside the mky_ name space:"; echo "$bad"; exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' mky_')
[ "$n" -gt 50 ] || { echo "only $n mky_ symbols: wrong library?"; exit 1; }
echo "ok: $n symbols, all mky_"
