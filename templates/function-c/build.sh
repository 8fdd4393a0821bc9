#!/bin/sh
# Builds {{NAME}}.wasm from {{NAME}}.c with Debian's clang for wasm32-wasi (packages: clang lld wasi-libc
# libclang-rt-14-dev-wasm32). AEGIS_SDK overrides where the SDK is (default: the checkout that created this project).
set -eu
cd "$(dirname "$0")"
AEGIS_SDK=${AEGIS_SDK:-{{SDK_DIR}}}
CLANG=${CLANG:-clang}
if [ ! -f "$AEGIS_SDK/c/aegis_edge.h" ]; then
  echo "build.sh: $AEGIS_SDK/c/aegis_edge.h not found; set AEGIS_SDK to the sdk/ directory of AEGIS Edge" >&2
  exit 1
fi
# -mexec-model=reactor: no main(); the node calls the exported entry points (AEGIS_EDGE_FUNCTION).
"$CLANG" --target=wasm32-wasi -mexec-model=reactor -O2 -std=c99 -Wall -Wextra -Werror \
  -I "$AEGIS_SDK/c" -o {{NAME}}.wasm {{NAME}}.c
echo "built $(pwd)/{{NAME}}.wasm"
