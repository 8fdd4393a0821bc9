#!/usr/bin/env bash
# Regenerates the key reference embedded in docs/configuration.md from the config schema.
#   scripts/update-config-docs.sh [BUILD_DIR]     (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
ninja -C "$build" config_schema_doc >/dev/null
table="$(mktemp)"
trap 'rm -f "$table"' EXIT
"$build/tests/config/config_schema_doc" >"$table"
doc="$root/docs/configuration.md"
awk -v table="$table" '
  /<!-- schema:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- schema:end -->/   { skip = 0 }
  !skip { print }
' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "updated $doc"
