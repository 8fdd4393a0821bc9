#!/bin/sh
# as_setup.sh SDK_DIR STATUS_FILE MODULES_DIR
# Makes sure SDK_DIR/node_modules holds the AssemblyScript compiler pinned by package-lock.json (`npm ci` when it is
# missing or older than the lock file) and records the outcome in STATUS_FILE: "ok", or the reason the
# AssemblyScript SDK tests must be skipped (no node/npm, registry unreachable). The file is rewritten only when
# the outcome changes, so dependent modules are not rebuilt needlessly. MODULES_DIR/@aegis-edge/sdk is linked to
# SDK_DIR so examples import the SDK by its package name (asc --path MODULES_DIR), as users do.
sdk=$1
status=$2
modules=$3

record() {
  if [ "$(cat "$status" 2>/dev/null)" != "$1" ]; then printf '%s\n' "$1" > "$status"; fi
}

mkdir -p "$modules/@aegis-edge"
ln -sfn "$sdk" "$modules/@aegis-edge/sdk"

if ! command -v node >/dev/null 2>&1; then record "node is not installed"; exit 0; fi
if ! command -v npm >/dev/null 2>&1; then record "npm is not installed"; exit 0; fi

asc="$sdk/node_modules/assemblyscript/bin/asc.js"
installed="$sdk/node_modules/.package-lock.json"
if [ -f "$asc" ] && [ -f "$installed" ] && [ ! "$sdk/package-lock.json" -nt "$installed" ]; then
  record ok
  exit 0
fi

log="$status.npm.log"
if (cd "$sdk" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) > "$log" 2>&1 && [ -f "$asc" ]; then
  record ok
else
  record "npm ci in $sdk failed (registry unreachable?): $(tail -n 3 "$log" | tr '\n' ' ')"
fi
exit 0
