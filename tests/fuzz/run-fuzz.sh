#!/bin/sh
# Fuzz with libFuzzer (ASan + UBSan) for SECONDS in all (default 60):
#   tests/fuzz/run-fuzz.sh [SECONDS]
# Configures a clang build with -Dfuzzing=true in build-fuzz/ and runs each
# target on a copy of its seed corpus (build-fuzz/corpus-out/TARGET/) for
# its share of SECONDS:
#   fuzz-parse    a third   (the codec; corpus/)
#   fuzz-process  the rest  (Responders and Initiators; corpus-process/)
# It exits non-zero if either finds a crash, leak or timeout; the
# reproducer is then in build-fuzz/fuzz-artifacts/ (named after the target)
# and replays with build-fuzz/tests/fuzz/TARGET FILE.
set -eu

seconds=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build-fuzz

if [ -f "$build/build.ninja" ]; then
  meson configure "$build" -Dfuzzing=true
else
  CC=clang meson setup "$build" "$src" -Dfuzzing=true \
    -Dinterop=disabled -Dbench=disabled
fi
ninja -C "$build" tests/fuzz/fuzz-parse tests/fuzz/fuzz-process

parse_s=$((seconds / 3))
[ "$parse_s" -ge 1 ] || parse_s=1
process_s=$((seconds - parse_s))
[ "$process_s" -ge 1 ] || process_s=1

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# run TARGET CORPUS SECONDS
run() {
  work=$build/corpus-out/$1
  rm -rf "$work"
  mkdir -p "$work"
  cp "$src/tests/fuzz/$2"/* "$work"/
  echo "== $1: $3 s"
  "$build/tests/fuzz/$1" -max_total_time="$3" \
    -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$1-" "$work"
}

status=0
run fuzz-parse corpus "$parse_s" || status=1
run fuzz-process corpus-process "$process_s" || status=1
[ "$status" -eq 0 ] || echo "run-fuzz: a target failed; see $artifacts/"
exit "$status"
