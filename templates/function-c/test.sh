#!/bin/sh
# The test requests: runs {{NAME}}.wasm through `aegis run` twice and checks what it answered.
# AEGIS overrides the aegis binary (default: the one that created this project).
set -eu
cd "$(dirname "$0")"
AEGIS=${AEGIS:-{{AEGIS}}}
[ -f {{NAME}}.wasm ] || { echo "test.sh: {{NAME}}.wasm not found: run ./build.sh first" >&2; exit 1; }
fail() { echo "test.sh: FAIL: $1" >&2; echo "$2" >&2; exit 1; }

out=$("$AEGIS" run {{NAME}}.wasm --uri /{{NAME}}/hello) || fail "aegis run exited $? for /{{NAME}}/hello" "$out"
echo "$out" | grep -q '^terminate: yes (status 200)$' || fail "/{{NAME}}/hello: expected an answer at the edge (200)" "$out"
echo "$out" | grep -q '^Hello from {{NAME}}!$' || fail "/{{NAME}}/hello: expected the greeting" "$out"

out=$("$AEGIS" run {{NAME}}.wasm --uri /{{NAME}}/page -H 'accept: text/html') || fail "aegis run exited $? for /{{NAME}}/page" "$out"
echo "$out" | grep -q '^terminate: no$' || fail "/{{NAME}}/page: expected the request to continue" "$out"
echo "$out" | grep -q '^  x-served-by: {{NAME}}$' || fail "/{{NAME}}/page: expected x-served-by" "$out"
echo "$out" | grep -q '^outcome: ok$' || fail "/{{NAME}}/page: expected outcome ok" "$out"
echo "ok: {{NAME}}.wasm answers /{{NAME}}/hello at the edge and forwards /{{NAME}}/page"
