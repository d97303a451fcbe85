#!/bin/sh
# Fuzz the codec with libFuzzer for SECONDS (default 60):
#   tests/fuzz/run-fuzz.sh [SECONDS]
# Configures a clang build with -Dfuzzing=true in build-fuzz/, runs
# fuzz-parse on a copy of the seed corpus (build-fuzz/corpus-out/), and exits
# non-zero if it finds a crash; the reproducer is then in
# build-fuzz/fuzz-artifacts/ and replays with fuzz-parse FILE.
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
ninja -C "$build" tests/fuzz/fuzz-parse

work=$build/corpus-out
artifacts=$build/fuzz-artifacts
rm -rf "$work"
mkdir -p "$work" "$artifacts"
cp "$src"/tests/fuzz/corpus/* "$work"/

exec "$build/tests/fuzz/fuzz-parse" -max_total_time="$seconds" \
  -max_len=4096 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$work"
