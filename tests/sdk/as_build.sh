#!/bin/sh
# as_build.sh STATUS_FILE SDK_DIR MODULES_DIR OUT.wasm SOURCE.ts
# Compiles one AssemblyScript edge function with the SDK's asconfig.base.json, or does nothing (and removes a stale
# OUT.wasm) when STATUS_FILE says the toolchain is unavailable — the tests then report themselves as skipped.
status=$1
sdk=$2
modules=$3
out=$4
src=$5
if [ "$(cat "$status" 2>/dev/null)" != ok ]; then
  rm -f "$out"
  echo "AssemblyScript toolchain unavailable, not building $(basename "$out"): $(cat "$status" 2>/dev/null)"
  exit 0
fi
exec node "$sdk/node_modules/assemblyscript/bin/asc.js" "$src" --path "$modules" \
  --config "$sdk/asconfig.base.json" -o "$out"
