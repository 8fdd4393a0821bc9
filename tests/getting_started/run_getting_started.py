#!/usr/bin/env python3
"""The getting-started end-to-end test: runs docs/getting-started.md itself.

Every block of the page marked `test` runs in order in a fresh scratch directory (standing in for the reader's
working directory, outside the checkout), with the `aegis` under test first on PATH — exactly what a reader types:
scaffold with `aegis new`, build with the project's build.sh, try with `aegis run`, write the config, start
`aegis serve`, add routes, reload, curl through real sockets, read /metrics, stop. Transcript blocks compare the real
output with the output the page shows. See tests/docs/doc_snippets.py for the block syntax.

  --part c    the page without its AssemblyScript blocks (marked `as`)
  --part as   the whole page including the AssemblyScript blocks; exits 77 (ctest: skipped) with the reason ONLY when
              the AssemblyScript toolchain could not be installed (no node/npm, registry unreachable)
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs"))
import doc_snippets  # noqa: E402

SKIP = 77


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aegis", required=True)
    ap.add_argument("--sdk", required=True)
    ap.add_argument("--as-status", required=True)
    ap.add_argument("--page", required=True)
    ap.add_argument("--part", choices=["c", "as"], required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    env = doc_snippets.Env(aegis=a.aegis, sdk=a.sdk, as_status=a.as_status, exclude_as=a.part == "c",
                           verbose=a.verbose)
    blocks = [b for b in doc_snippets.parse_blocks(a.page) if b.is_test]
    as_blocks = [b for b in blocks if b.needs_as]
    # The page must really walk through both languages; a page that lost its test markers must not pass.
    must_contain = ["aegis new function hello --lang c", "hello/build.sh", "aegis serve", "/reload", "/metrics",
                    "curl -si http://127.0.0.1:8080/hello/hello"]
    if a.part == "as":
        must_contain += ["aegis new function hello-as --lang as", "hello-as/build.sh", "kill -HUP"]
        ok, reason = env.as_available()
        if not ok:
            print(f"SKIPPED: the AssemblyScript part of docs/getting-started.md needs the AssemblyScript toolchain, "
                  f"which is unavailable: {reason}")
            return SKIP
    text = "\n".join(b.text for b in blocks if a.part == "as" or not b.needs_as)
    missing = [m for m in must_contain if m not in text]
    if missing:
        print(f"FAIL: the test blocks of {a.page} no longer contain {missing}", file=sys.stderr)
        return 1
    if a.part == "as" and len(as_blocks) < 3:
        print(f"FAIL: {a.page} has only {len(as_blocks)} AssemblyScript test blocks", file=sys.stderr)
        return 1
    try:
        ran = doc_snippets.run_page(a.page, env, display=os.path.basename(a.page), keep=a.keep)
    except doc_snippets.Failure as f:
        print(f"FAIL {f}", file=sys.stderr)
        return 1
    if a.part == "as" and env.results["skipped"]:
        print(f"FAIL: AssemblyScript blocks were skipped although the toolchain is available: {env.skipped_reasons}",
              file=sys.stderr)
        return 1
    print(f"getting started ({a.part}): {len(ran)} blocks passed, {env.results['skipped']} AssemblyScript blocks "
          f"left out" if a.part == "c" else f"getting started (as): {len(ran)} blocks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
