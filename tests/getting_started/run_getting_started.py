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

The SDK the scaffolded projects build against is a clean copy of the checkout's tracked sdk/ files (`git ls-files`),
as a fresh clone has it — no node_modules: for the AssemblyScript part the compiler is installed into the copy with
`npm ci` (--prefer-offline), as a reader's first build would. The reader's environment variable AEGIS_SDK points
`aegis new` at the copy.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

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

    checkout = tempfile.mkdtemp(prefix="aegis-clean-checkout-")
    try:
        return run(a, checkout)
    finally:
        shutil.rmtree(checkout, ignore_errors=True)


def clean_copy_of_sdk(sdk: str, checkout: str) -> str:
    """Copies the tracked files of sdk/ (what a clone has) into checkout/sdk and returns that path."""
    repo = os.path.dirname(os.path.abspath(sdk))
    dest = os.path.join(checkout, "sdk")
    listed = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--", "sdk"], capture_output=True)
    files = [f for f in listed.stdout.decode().split("\0") if f] if listed.returncode == 0 else []
    if files:
        for f in files:
            os.makedirs(os.path.join(checkout, os.path.dirname(f)), exist_ok=True)
            shutil.copy2(os.path.join(repo, f), os.path.join(checkout, f))
    else:  # not a git checkout (e.g. an exported tarball): everything but installed packages
        shutil.copytree(sdk, dest, ignore=shutil.ignore_patterns("node_modules"))
    if not os.path.isfile(os.path.join(dest, "c", "aegis_edge.h")):
        raise SystemExit(f"FAIL: the clean copy of {sdk} has no c/aegis_edge.h")
    return dest


def run(a, checkout: str) -> int:
    sdk = clean_copy_of_sdk(a.sdk, checkout)
    os.environ["AEGIS_SDK"] = sdk  # the reader's `aegis new` and build.sh use this SDK
    env = doc_snippets.Env(aegis=os.path.abspath(a.aegis), sdk=sdk, as_status=a.as_status, exclude_as=a.part == "c",
                           verbose=a.verbose)
    blocks = [b for b in doc_snippets.parse_blocks(a.page) if b.is_test]
    as_blocks = [b for b in blocks if b.needs_as]
    # The page must really walk through both languages; a page that lost its test markers must not pass.
    must_contain = ["aegis new function hello --lang c", "hello/build.sh", "aegis serve", "/reload", "/metrics",
                    "curl -si http://127.0.0.1:8080/hello/hello"]
    if a.part == "as":
        must_contain += ["aegis new function hello-as --lang as", "hello-as/build.sh", "kill -HUP"]
        status = ""
        try:
            with open(a.as_status, encoding="utf-8") as f:
                status = f.read().strip()
        except OSError:
            status = f"{a.as_status} is missing"
        reason = None if status == "ok" else status
        if reason is None:
            # Install the compiler into the clean copy, as the reader's first build.sh would.
            if not shutil.which("node") or not shutil.which("npm"):
                reason = "node/npm is not installed"
            else:
                npm = subprocess.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
                                     cwd=os.path.join(sdk, "assemblyscript"), capture_output=True, text=True,
                                     timeout=600)
                if npm.returncode != 0:
                    reason = f"npm ci failed (registry unreachable?): {(npm.stdout + npm.stderr)[-500:]}"
        if reason is not None:
            print(f"SKIPPED: the AssemblyScript part of docs/getting-started.md needs the AssemblyScript toolchain, "
                  f"which is unavailable: {reason}")
            return SKIP
        env.as_status = ""  # the copy's own node_modules decides from here on
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
