#!/usr/bin/env bash
# Edge-function runtime microbenchmarks: builds bench/wasm/ (if needed), runs it and prints a summary against the
# targets (≤ 20 µs p50 per invocation, ≤ 15 % fuel overhead).
#   bash bench/wasm.sh                 # uses ./build (configured if missing)
#   BUILD=build-x bash bench/wasm.sh   # another build directory
#   bash bench/wasm.sh --benchmark_filter=Kernel   # extra arguments go to the benchmark binary
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
nice ninja -C "$build" wasm_bench >/dev/null

json="$(mktemp /tmp/aegis-wasm-bench-XXXXXX.json)"
trap 'rm -f "$json"' EXIT
"$build/bench/wasm/wasm_bench" --benchmark_out="$json" --benchmark_out_format=json "$@"

python3 - "$json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
runs = data["benchmarks"]

def find(name, agg=None):
    for b in runs:
        if b.get("run_name", b["name"]).split("/")[0] != name:
            continue
        if agg is None and b.get("run_type", "iteration") == "iteration":
            return b
        if agg is not None and b.get("aggregate_name") == agg:
            return b
    return None

def us(b, key="real_time"):
    if b is None:
        return None
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
    return b[key] * scale

rows, verdicts = [], []
inv = find("BM_Invoke_HeaderInjection")
if inv:
    rows.append(("invocation, header injection (p50)", f'{inv["p50_us"]:.2f} µs'))
    rows.append(("invocation, header injection (p99)", f'{inv["p99_us"]:.2f} µs'))
    rows.append(("  same, thread CPU time (p50 / p99)", f'{inv["cpu_p50_us"]:.2f} / {inv["cpu_p99_us"]:.2f} µs'))
    verdicts.append(("p50 per invocation ≤ 20 µs", inv["p50_us"] <= 20.0, f'{inv["p50_us"]:.2f} µs wall'))
hc = find("BM_HostCall")
if hc:
    rows.append(("one host call (wasm → host → wasm), CPU", f'{hc["ns_per_call"]:.1f} ns'))
inst, reset = us(find("BM_Instantiate")), us(find("BM_Reset"))
if inst is not None:
    rows.append(("instantiate (fresh instance), wall / CPU", f'{inst:.2f} / {us(find("BM_Instantiate"), "cpu_time"):.2f} µs'))
if reset is not None:
    rows.append(("reset (restore snapshot), wall / CPU", f'{reset:.2f} / {us(find("BM_Reset"), "cpu_time"):.2f} µs'))
if inst and reset:
    rows.append(("instantiate / reset", f"{inst / reset:.1f}x"))
# The kernel comparisons use thread CPU time: on a shared machine wall time mostly measures the neighbours.
native = us(find("BM_Kernel_Native", "median"), "cpu_time")
off = us(find("BM_Kernel_WasmFuelOff", "median"), "cpu_time")
on = us(find("BM_Kernel_WasmFuelOn", "median"), "cpu_time")
if native is not None:
    rows.append(("C kernel, native (median CPU)", f"{native:.1f} µs"))
if off is not None:
    rows.append(("C kernel, V8, fuel off (median CPU)", f"{off:.1f} µs"))
if on is not None:
    rows.append(("C kernel, V8, fuel on (median CPU)", f"{on:.1f} µs"))
if native and off:
    rows.append(("V8 / native", f"{off / native:.2f}x"))
if off and on:
    overhead = (on / off - 1.0) * 100.0
    rows.append(("fuel overhead", f"{overhead:+.1f} %"))
    verdicts.append(("fuel overhead ≤ 15 % (C kernel)", overhead <= 15.0, f"{overhead:+.1f} %"))
tn = us(find("BM_TightLoop_Native", "median"), "cpu_time")
toff = us(find("BM_TightLoop_WasmFuelOff", "median"), "cpu_time")
ton = us(find("BM_TightLoop_WasmFuelOn", "median"), "cpu_time")
if tn and toff and ton:
    rows.append(("one-op loop: native / V8 fuel off / V8 fuel on", f"{tn:.0f} / {toff:.0f} / {ton:.0f} µs"))
    rows.append(("one-op loop: fuel overhead (worst case)", f"{(ton / toff - 1.0) * 100.0:+.1f} %"))

print()
print("Edge-function runtime summary")
width = max(len(r[0]) for r in rows) if rows else 0
for k, v in rows:
    print(f"  {k:<{width}}  {v}")
print()
for k, ok, v in verdicts:
    print(f"  [{'PASS' if ok else 'MISS'}] {k}: {v}")
PY
