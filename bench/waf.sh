#!/usr/bin/env bash
# bench/waf.sh — cost of the WAF stage per request (median and p99) for a benign GET, a malicious GET and a 1 KB
# form POST, plus the corpus detection / false-positive rates at the default paranoia level.
#   bash bench/waf.sh [-b BUILD_DIR] [-n ITERATIONS]
# Builds waf_bench (and the module) in BUILD_DIR (default: $BUILD or build) if needed, then runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${BUILD:-$root/build}"
iterations=20000
while getopts "b:n:h" opt; do
  case $opt in
    b) build="$OPTARG" ;;
    n) iterations="$OPTARG" ;;
    *) sed -n '2,5p' "$0"; exit 0 ;;
  esac
done
[[ "$build" = /* ]] || build="$root/$build"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
nice ninja -C "$build" -j2 waf_bench wasm_aegis_waf >/dev/null
"$build/bench/waf/waf_bench" --iterations "$iterations"
