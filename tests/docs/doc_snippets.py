"""Runs the code snippets of a Markdown page that are marked as tests, so documentation cannot drift from the code.

A fenced block takes part when its info string has the word `test` (or `file=NAME`):

    ```c test                       C on sdk/c: built with clang --target=wasm32-wasi, run with `aegis run` (exit 0)
    ```cpp test                     C++17 on sdk/c (-fno-exceptions)
    ```wat test                     WAT: wat2wasm, then `aegis run`
    ```ts test                      AssemblyScript on @aegis-edge/sdk: asc with the SDK config, then `aegis run`
                                    (skipped, and reported, when the AssemblyScript toolchain is unavailable)
    ```yaml test                    a config: `aegis check -c` must accept it
    ```sh test                      a shell script (bash -e -o pipefail) that must exit 0
    ```console test                 a transcript: each `$ command` runs in bash; the output lines shown after it must
                                    appear in the real output (stdout and stderr), in that order; a line `...` stands
                                    for any lines, `...` inside a line for any text

Options, after the language:  file=NAME (save the block under that name in the page's directory, and for c/cpp/wat/ts
build NAME.wasm; without `test` the block is only saved), run="ARGS" (extra `aegis run` arguments, shell-quoted),
entry=NAME, exit=N|any (expected exit status, default 0), as (needs the AssemblyScript toolchain).

All blocks of one page run in order in one scratch directory (the page's "working directory"), so a page can save a
file in one block and use it in the next. That directory looks like the repository root to the commands: it has
links sdk/ and examples/ to the checkout and build/wasm/ to the build's module directory. Ports 8080, 8081 and 9901 in the page (the documented defaults) are
replaced by free ports, so a page can start `aegis serve` without colliding with anything. Every *.pid file left in
the directory names a process the page started: it is terminated at the end.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

FENCE = re.compile(r"^(```+)(.*)$")
BUILD_LANGS = {"c", "cpp", "wat", "ts"}
KNOWN_LANGS = BUILD_LANGS | {"yaml", "sh", "console"}
DOC_PORTS = ("8080", "8081", "9901")


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    words: list[str]
    options: dict[str, str]
    text: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_test(self) -> bool:
        return "test" in self.words

    @property
    def needs_as(self) -> bool:
        return self.lang == "ts" or "as" in self.words


@dataclass
class Env:
    aegis: str
    sdk: str
    as_status: str = ""  # path of the toolchain status file written by tests/sdk/as_setup.sh
    repo: str = ""       # the checkout: its sdk/ and examples/ appear in every page's directory
    wasm_dir: str = ""   # the build's module directory: appears as build/wasm in every page's directory
    clang: str = "clang"
    clangxx: str = "clang++"
    wat2wasm: str = "wat2wasm"
    timeout: float = 180.0
    exclude_as: bool = False
    verbose: bool = False
    results: dict[str, int] = field(default_factory=lambda: {"passed": 0, "skipped": 0, "failed": 0})
    skipped_reasons: list[str] = field(default_factory=list)

    def as_available(self) -> tuple[bool, str]:
        asc = os.path.join(self.sdk, "assemblyscript", "node_modules", "assemblyscript", "bin", "asc.js")
        status = ""
        if self.as_status:
            try:
                with open(self.as_status, encoding="utf-8") as f:
                    status = f.read().strip()
            except OSError:
                status = f"{self.as_status} is missing (the sdk_as_toolchain target did not run)"
        else:
            status = "ok" if os.path.isfile(asc) else f"{asc} is not installed"
        if status != "ok":
            return False, status
        if not os.path.isfile(asc):
            return False, f"{asc} is missing although the toolchain status says ok"
        return True, "ok"


def parse_blocks(path: str, display: str | None = None) -> list[Block]:
    display = display or path
    blocks: list[Block] = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # closing fence
        if not info:
            continue
        try:
            tokens = shlex.split(info)
        except ValueError:
            tokens = info.split()  # not ours (e.g. an apostrophe in some other tool's info string)
            if "test" in tokens:
                raise Failure(f"{display}:{start + 1}: cannot parse the info string '{info}' (unbalanced quotes)")
        lang, rest = tokens[0], tokens[1:]
        words = [t for t in rest if "=" not in t]
        options = dict(t.split("=", 1) for t in rest if "=" in t)
        blocks.append(Block(display, start + 1, lang, words, options, "\n".join(body) + "\n"))
    return blocks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute_ports(text: str, ports: dict[str, str]) -> str:
    for doc_port, real in ports.items():
        text = re.sub(rf"(?<![0-9]){doc_port}(?![0-9])", real, text)
    return text


class Failure(Exception):
    pass


def run(cmd, env: Env, cwd: str, timeout: float | None = None, shell: bool = False, input_text: str | None = None,
        merge: bool = False):
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(os.path.abspath(env.aegis)) + os.pathsep + e.get("PATH", "")
    e["AEGIS"] = env.aegis
    e["AEGIS_SDK"] = env.sdk
    try:
        p = subprocess.run(cmd, cwd=cwd, env=e, shell=shell, executable="/bin/bash" if shell else None,
                           input=input_text, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if merge else subprocess.PIPE, text=True, errors="replace",
                           timeout=timeout or env.timeout, start_new_session=True)
    except subprocess.TimeoutExpired as ex:
        out = (ex.stdout or "") if isinstance(ex.stdout, str) else ""
        raise Failure(f"timed out after {timeout or env.timeout:.0f} s: {cmd}\n{out}")
    return p.returncode, p.stdout, p.stderr or ""


def expected_exit(block: Block) -> int | None:
    v = block.options.get("exit", "0")
    return None if v == "any" else int(v)


def build_module(block: Block, env: Env, work: str, index: int) -> str:
    name = block.options.get("file") or f"snippet{index}.{block.lang}"
    src = os.path.join(work, name)
    with open(src, "w", encoding="utf-8") as f:
        f.write(block.text)
    wasm = os.path.splitext(src)[0] + ".wasm"
    if block.lang == "c":
        cmd = [env.clang, "--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-std=c99", "-Wall", "-Wextra",
               "-Werror", "-I", os.path.join(env.sdk, "c"), "-o", wasm, src]
    elif block.lang == "cpp":
        cmd = [env.clangxx, "--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-std=c++17", "-fno-exceptions",
               "-Wall", "-Wextra", "-Werror", "-I", os.path.join(env.sdk, "c"), "-o", wasm, src]
    elif block.lang == "wat":
        cmd = [env.wat2wasm, "--enable-all", "-o", wasm, src]
    else:
        sdk_as = os.path.join(env.sdk, "assemblyscript")
        modules = os.path.join(work, "node_modules", "@aegis-edge")
        os.makedirs(modules, exist_ok=True)
        link = os.path.join(modules, "sdk")
        if not os.path.exists(link):
            os.symlink(sdk_as, link)
        cmd = ["node", os.path.join(sdk_as, "node_modules", "assemblyscript", "bin", "asc.js"), src, "--path",
               os.path.join(work, "node_modules"), "--config", os.path.join(sdk_as, "asconfig.base.json"), "-o", wasm]
    rc, out, err = run(cmd, env, work)
    if rc != 0:
        raise Failure(f"building {name} failed ({' '.join(cmd)}):\n{out}{err}")
    return wasm


def run_module(block: Block, env: Env, work: str, wasm: str) -> None:
    args = [env.aegis, "run", wasm] + shlex.split(block.options.get("run", ""))
    if "entry" in block.options:
        args += ["--entry", block.options["entry"]]
    rc, out, err = run(args, env, work)
    want = expected_exit(block)
    if want is not None and rc != want:
        raise Failure(f"`{shlex.join(args[1:])}` exited {rc}, expected {want}:\n{out}{err}")


def match_transcript(expected: list[str], actual: list[str]) -> str | None:
    """Every expected line must appear in actual, in order. A line "..." stands for any lines; "..." inside a line
    stands for any text. Returns a problem or None."""
    pos = 0
    for line in expected:
        if line.strip() == "...":
            continue
        want = line.rstrip()
        if "..." in want:
            pattern = re.compile(".*".join(re.escape(part) for part in want.split("...")) + r"\Z")
            matches = lambda a: pattern.match(a.rstrip()) is not None  # noqa: E731
        else:
            matches = lambda a: a.rstrip() == want  # noqa: E731
        while pos < len(actual) and not matches(actual[pos]):
            pos += 1
        if pos == len(actual):
            return f"expected line not found (in order): {want!r}"
        pos += 1
    return None


def run_console(block: Block, env: Env, work: str) -> None:
    steps: list[tuple[str, list[str]]] = []
    lines = block.text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            cmd = line[2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd[:-1] + "\n" + lines[i]
            steps.append((cmd, []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise Failure(f"console block must start with a `$ command` line, found {line!r}")
        i += 1
    if not steps:
        raise Failure("console block has no `$ command` line")
    want = expected_exit(block)
    for cmd, expected in steps:
        rc, out, err = run(["/bin/bash", "-o", "pipefail", "-c", cmd], env, work, merge=True)
        actual = (out + err).split("\n")
        if want is not None and rc != want:
            raise Failure(f"$ {cmd}\nexited {rc}, expected {want}; output:\n{out}{err}")
        problem = match_transcript(expected, actual)
        if problem:
            raise Failure(f"$ {cmd}\n{problem}\nreal output:\n{out}{err}")


def run_block(block: Block, env: Env, work: str, index: int) -> None:
    if block.lang in BUILD_LANGS:
        wasm = build_module(block, env, work, index)
        if block.is_test:
            run_module(block, env, work, wasm)
    elif block.lang == "yaml":
        name = block.options.get("file") or f"snippet{index}.yaml"
        path = os.path.join(work, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(block.text)
        if block.is_test:
            rc, out, err = run([env.aegis, "check", "-c", path], env, work)
            want = expected_exit(block)
            if want is not None and rc != want:
                raise Failure(f"`aegis check -c {name}` exited {rc}, expected {want}:\n{out}{err}")
    elif block.lang == "sh":
        if "file" in block.options:
            path = os.path.join(work, block.options["file"])
            with open(path, "w", encoding="utf-8") as f:
                f.write(block.text)
            os.chmod(path, 0o755)
        if block.is_test:
            rc, out, err = run(["/bin/bash", "-e", "-o", "pipefail", "-c", block.text], env, work)
            want = expected_exit(block)
            if want is not None and rc != want:
                raise Failure(f"script exited {rc}, expected {want}:\n{out}{err}")
    elif block.lang == "console":
        run_console(block, env, work)
    else:
        if "file" in block.options:
            with open(os.path.join(work, block.options["file"]), "w", encoding="utf-8") as f:
                f.write(block.text)
        elif block.is_test:
            raise Failure(f"`{block.lang} test`: no runner for language {block.lang!r} (known: {sorted(KNOWN_LANGS)})")


def stop_started_processes(work: str) -> None:
    for root, _dirs, files in os.walk(work):
        for name in files:
            if not name.endswith(".pid"):
                continue
            try:
                with open(os.path.join(root, name)) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                continue
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    try:
                        os.kill(pid, 0)
                    except ProcessLookupError:
                        break
                    time.sleep(0.05)
                else:
                    continue
                break


def run_page(path: str, env: Env, display: str | None = None, keep: bool = False) -> list[Block]:
    """Runs the test blocks of one page; returns the blocks that ran. Raises Failure naming the block."""
    display = display or path
    blocks = [b for b in parse_blocks(path, display) if b.is_test or "file" in b.options]
    if not blocks:
        return []
    ports = {p: str(free_port()) for p in DOC_PORTS}
    work = tempfile.mkdtemp(prefix="aegis-doc-")
    # The page's directory looks like the repository root to its commands: sdk/, examples/, build/wasm/.
    if env.repo:
        for d in ("sdk", "examples"):
            os.symlink(os.path.join(env.repo, d), os.path.join(work, d))
    if env.wasm_dir:
        os.makedirs(os.path.join(work, "build"))
        os.symlink(env.wasm_dir, os.path.join(work, "build", "wasm"))
    ran: list[Block] = []
    as_ok, as_reason = env.as_available() if any(b.needs_as for b in blocks) else (True, "")
    try:
        for index, block in enumerate(blocks):
            if block.needs_as and (env.exclude_as or not as_ok):
                env.results["skipped"] += 1
                reason = "excluded" if env.exclude_as else as_reason
                env.skipped_reasons.append(f"{block.where}: {block.lang} block skipped: AssemblyScript: {reason}")
                continue
            block.text = substitute_ports(block.text, ports)
            block.options = {k: substitute_ports(v, ports) for k, v in block.options.items()}
            if env.verbose:
                print(f"--- {block.where} ({block.lang} {' '.join(block.words)})", flush=True)
            try:
                run_block(block, env, work, index)
            except Failure as f:
                env.results["failed"] += 1
                raise Failure(f"{block.where}: `{block.lang}` block failed:\n{f}") from None
            env.results["passed"] += 1
            ran.append(block)
    finally:
        stop_started_processes(work)
        if keep:
            print(f"(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return ran


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aegis", required=True)
    ap.add_argument("--sdk", required=True)
    ap.add_argument("--as-status", default="")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("pages", nargs="+")
    a = ap.parse_args(argv)
    env = Env(aegis=a.aegis, sdk=a.sdk, as_status=a.as_status, verbose=a.verbose)
    failed = 0
    for page in a.pages:
        try:
            run_page(page, env, keep=a.keep)
        except Failure as f:
            print(f"FAIL {f}", file=sys.stderr)
            failed += 1
    for r in env.skipped_reasons:
        print(f"SKIP {r}")
    print(f"snippets: {env.results}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
