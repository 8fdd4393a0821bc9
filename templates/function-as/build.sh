#!/bin/sh
# Builds {{NAME}}.wasm from {{NAME}}.ts with the AssemblyScript compiler of the AEGIS Edge checkout
# (sdk/assemblyscript/node_modules, installed by `npm ci` there — `make test` does it) and the SDK's
# asconfig.base.json, which routes abort/trace/seed into the SDK so the module imports host functions only.
# AEGIS_SDK overrides where the SDK is (default: the checkout that created this project).
set -eu
cd "$(dirname "$0")"
AEGIS_SDK=${AEGIS_SDK:-{{SDK_DIR}}}
sdk="$AEGIS_SDK/assemblyscript"
asc="$sdk/node_modules/assemblyscript/bin/asc.js"
if [ ! -f "$sdk/package.json" ]; then
  echo "build.sh: $sdk not found; set AEGIS_SDK to the sdk/ directory of AEGIS Edge" >&2
  exit 1
fi
if [ ! -f "$asc" ]; then
  echo "build.sh: the AssemblyScript compiler is not installed; installing it: (cd $sdk && npm ci)" >&2
  (cd "$sdk" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The SDK as a package, the way `npm install file:$sdk` links it.
if [ ! -e node_modules/@aegis-edge/sdk ]; then
  mkdir -p node_modules/@aegis-edge
  ln -s "$sdk" node_modules/@aegis-edge/sdk
fi
node "$asc" {{NAME}}.ts --path node_modules --config node_modules/@aegis-edge/sdk/asconfig.base.json -o {{NAME}}.wasm
echo "built $(pwd)/{{NAME}}.wasm"
