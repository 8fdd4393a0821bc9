#!/usr/bin/env python3
"""The documentation check (tests/docs, part of `make test`). Three sub-commands, one ctest test each:

  config-keys --keys-tool BIN            every key of config::schema() (printed by BIN) has a row in the key
                                         reference of docs/configuration.md, with a description; the keys of a
                                         `routes[].functions` mapping entry are documented too
  metrics --aegis BIN ...                every metric registered in src/ (parsed from the source) and every family and
                                         label scraped from /metrics of a running `aegis serve` with all subsystems
                                         enabled is documented in docs/metrics.md (and nothing documented is gone)
  snippets --aegis BIN --sdk DIR PAGE..  every code block marked `test` in the pages builds and runs (doc_snippets.py)

Each check also verifies that it really looked at something (keys found, metrics parsed and scraped, snippets run),
so a broken parser fails instead of passing silently.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_snippets  # noqa: E402


def fail(msg: str) -> int:
    print(f"FAIL: {msg}", file=sys.stderr)
    return 1


# ---- config keys ---------------------------------------------------------------------------------------------------
def table_rows(markdown: str) -> dict[str, list[str]]:
    """Rows of every Markdown table whose first cell is a `code` name: name -> the other cells."""
    rows: dict[str, list[str]] = {}
    for line in markdown.split("\n"):
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"`([^`]+)`", cells[0]) if cells else None
        if m:
            rows.setdefault(m.group(1), cells[1:])
    return rows


def check_config_keys(args) -> int:
    out = subprocess.run([args.keys_tool], capture_output=True, text=True, check=True).stdout
    keys = [line.split("\t") for line in out.strip().split("\n") if line]
    if len(keys) < 20:
        return fail(f"{args.keys_tool} printed only {len(keys)} keys: the schema listing is broken")
    doc_path = os.path.join(args.repo, "docs", "configuration.md")
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    rows = table_rows(doc)
    # Names in the first cell of any table row (a row may group several: `entry`, `phase`, ...).
    first_cells: set[str] = set()
    for line in doc.split("\n"):
        if line.startswith("|"):
            first_cells |= set(re.findall(r"`([^`]+)`", line.strip().strip("|").split("|")[0]))
    problems = []
    for path, typ, _default in keys:
        if path.startswith("function-use:"):
            key = path.split(":", 1)[1]
            # documented below the table as `routes[].functions[].KEY` or in a table row `KEY`
            if f"`routes[].functions[].{key}`" not in doc and key not in first_cells:
                problems.append(f"routes[].functions entry key `{key}` ({typ}) is not documented in docs/configuration.md")
            continue
        row = rows.get(path)
        if row is None:
            problems.append(f"config key `{path}` ({typ}) has no row in docs/configuration.md "
                            f"(regenerate the table: scripts/update-config-docs.sh)")
        elif len(row) < 3 or not row[-1].strip():
            problems.append(f"config key `{path}`: its row in docs/configuration.md has no description")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    print(f"config keys: {len(keys)} checked, {len(problems)} problems")
    return 1 if problems else 0


# ---- metrics -------------------------------------------------------------------------------------------------------
REGISTRATION = re.compile(r"\.(counter|gauge|histogram)\(\s*\"([^\"]*)\"", re.S)
ANY_CALL = re.compile(r"\.(counter|gauge|histogram)\(\s*([^\s)])", re.S)
PROM_BUILDER = re.compile(r"Build(Counter|Gauge|Histogram|Summary)\(\)\s*\.Name\(\s*(\"?)([^\")]*)", re.S)
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def source_metrics(src: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """name -> (type, file:line) for every registration in src/, and the call sites it could not read."""
    found: dict[str, tuple[str, str]] = {}
    unreadable: list[str] = []
    for root, _dirs, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".cpp", ".h", ".cc", ".hpp")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, os.path.dirname(src))
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            uses_metrics = "metrics/metrics.h" in text or "metrics::" in text or rel.startswith("src/metrics")
            if not uses_metrics:
                continue
            for m in ANY_CALL.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                if m.group(2) != '"':
                    # Registry's own definitions/declarations take `const std::string& name`.
                    if rel.startswith("src/metrics/"):
                        continue
                    unreadable.append(f"{rel}:{line}: .{m.group(1)}({m.group(2)}…")
            for m in REGISTRATION.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                metric = m.group(2)
                if not METRIC_NAME.fullmatch(metric):
                    unreadable.append(f"{rel}:{line}: .{m.group(1)}(\"{metric}\") is not a metric name")
                    continue
                found.setdefault(metric, (m.group(1), f"{rel}:{line}"))
            for m in PROM_BUILDER.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                if m.group(2) != '"':
                    if not rel.startswith("src/metrics/"):
                        unreadable.append(f"{rel}:{line}: Build{m.group(1)}().Name({m.group(3)}…")
                    continue
                found.setdefault(m.group(3), (m.group(1).lower(), f"{rel}:{line}"))
    return found, unreadable


def documented_metrics(doc: str) -> dict[str, tuple[str, set[str]]]:
    """name -> (type, label names) from the tables of docs/metrics.md (labels: backticked words outside (...))."""
    out: dict[str, tuple[str, set[str]]] = {}
    for name, cells in table_rows(doc).items():
        if not METRIC_NAME.fullmatch(name) or len(cells) < 2:
            continue
        labels_cell = re.sub(r"\([^)]*\)", "", cells[1])
        out[name] = (cells[0].strip(), set(re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", labels_cell)))
    return out


def parse_exposition(text: str) -> dict[str, tuple[str, set[str]]]:
    """family -> (type, label names) from Prometheus text format."""
    families: dict[str, tuple[str, set[str]]] = {}
    for line in text.split("\n"):
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            families[name] = (typ.strip(), set())
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if not m:
            continue
        sample = m.group(1)
        family = sample
        for suffix in ("_bucket", "_sum", "_count"):
            if sample.endswith(suffix) and sample[: -len(suffix)] in families:
                family = sample[: -len(suffix)]
        if family not in families:
            families[family] = ("untyped", set())
        if m.group(3):
            for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"", m.group(3)):
                if label not in ("le", "quantile"):
                    families[family][1].add(label)
    return families


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, method: str = "GET", headers: dict | None = None, timeout: float = 10.0) -> tuple[int, str]:
    # A browser-like client by default, so bot management lets the traffic through to the later phases.
    h = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
         "accept": "text/html", "accept-language": "en"}
    h.update(headers or {})
    req = urllib.request.Request(url, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_until(pred, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def scrape_running_node(args, work: str) -> str:
    """Starts `aegis serve` with every subsystem of the config template enabled, sends traffic that makes the lazily
    registered families appear, and returns the /metrics text."""
    ports = {"LISTEN_PORT": free_port(), "ADMIN_PORT": free_port(), "DEMO_PORT": free_port(), "REDIS_PORT": free_port()}
    procs: list[subprocess.Popen] = []
    try:
        redis = shutil.which("redis-server")
        if not redis:
            raise RuntimeError("redis-server is not installed (scripts/setup.sh installs it)")
        procs.append(subprocess.Popen([redis, "--port", str(ports["REDIS_PORT"]), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], cwd=work, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        wait_until(lambda: socket.create_connection(("127.0.0.1", ports["REDIS_PORT"]), 1).close() or True, 20,
                   "redis-server")
        # A module that always traps, for edge_function_errors_total.
        subprocess.run([args.wat2wasm, "-o", os.path.join(work, "trap.wasm"), "-"], check=True, text=True,
                       input='(module (memory (export "memory") 1)'
                             ' (func (export "handle_request") (result i32) unreachable))')
        with open(args.config_template, encoding="utf-8") as f:
            config = f.read()
        for k, v in ports.items():
            config = config.replace("{{" + k + "}}", str(v))
        config = config.replace("{{DIR}}", work).replace("{{WASM_DIR}}", args.wasm_dir)
        cfg = os.path.join(work, "aegis.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(config)
        log = open(os.path.join(work, "aegis.log"), "w")
        node = subprocess.Popen([args.aegis, "serve", "-c", cfg], cwd=work, stdout=log, stderr=subprocess.STDOUT)
        procs.append(node)
        admin = f"http://127.0.0.1:{ports['ADMIN_PORT']}"
        base = f"http://127.0.0.1:{ports['LISTEN_PORT']}"

        def up() -> bool:
            if node.poll() is not None:
                raise RuntimeError(f"aegis serve exited {node.returncode}:\n" + open(os.path.join(work, "aegis.log")).read())
            return http(admin + "/healthz", timeout=2)[0] == 200
        wait_until(up, 60, "aegis serve")
        # Traffic: plain proxying, an edge-function termination, a failing function, a cacheable path twice,
        # a WAF-looking request, a bot-looking client, a reload.
        http(base + "/")
        http(base + "/api/hello")
        http(base + "/admin")
        http(base + "/trap/x")
        for _ in range(2):
            http(base + "/static/1k.txt")
        http(base + "/?q=%27%20OR%201%3D1--", headers={"user-agent": "sqlmap/1.7"})
        http(base + "/", headers={"user-agent": "curl/8.0"})
        for _ in range(3):
            http(base + "/limited/x", headers={"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"})
        http(admin + "/reload", method="POST")
        status, text = http(admin + "/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        return text
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def check_metrics(args) -> int:
    src = os.path.join(args.repo, "src")
    in_source, unreadable = source_metrics(src)
    with open(os.path.join(args.repo, "docs", "metrics.md"), encoding="utf-8") as f:
        documented = documented_metrics(f.read())
    problems: list[str] = []
    for u in unreadable:
        problems.append(f"cannot read the metric name of a registration at {u}: register metrics with a string "
                        f"literal name so this check (and docs/metrics.md) can see them")
    # The parser must find the registrations we know exist; if it does not, it is broken.
    for anchor in ("aegis_http_requests_total", "aegis_http_request_duration_seconds", "edge_function_invocations_total"):
        if anchor not in in_source:
            problems.append(f"the source parser did not find `{anchor}`: the registration pattern changed; fix "
                            f"tests/docs/check_docs.py")
    if len(documented) < 5:
        problems.append(f"docs/metrics.md: only {len(documented)} metric rows parsed; the table format changed?")

    work = tempfile.mkdtemp(prefix="aegis-metrics-doc-")
    try:
        scraped = parse_exposition(scrape_running_node(args, work))
    except Exception as e:  # noqa: BLE001
        print(f"FAIL: could not scrape a running node: {e}", file=sys.stderr)
        log = os.path.join(work, "aegis.log")
        if os.path.exists(log):
            print(open(log).read()[-4000:], file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    if len(scraped) < 6 or "aegis_http_requests_total" not in scraped:
        problems.append(f"the scrape has only {len(scraped)} families: {sorted(scraped)}")
    for anchor in ("edge_function_invocations_total", "edge_function_errors_total",
                   "edge_function_early_terminations_total"):
        if anchor not in scraped:
            problems.append(f"the scrape lacks `{anchor}` although the traffic should have produced it")

    for name, (typ, where) in sorted(in_source.items()):
        if name not in documented:
            problems.append(f"metric `{name}` ({typ}, registered at {where}) is not documented in docs/metrics.md")
        elif documented[name][0] != typ:
            problems.append(f"metric `{name}`: docs/metrics.md says {documented[name][0]!r}, the source registers a {typ}")
    for name, (typ, labels) in sorted(scraped.items()):
        if name not in in_source:
            problems.append(f"metric `{name}` is emitted by the node but the source parser did not find its "
                            f"registration: fix tests/docs/check_docs.py")
        if name not in documented:
            problems.append(f"metric `{name}` ({typ}, labels {sorted(labels)}) emitted on /metrics is not documented "
                            f"in docs/metrics.md")
            continue
        dtyp, dlabels = documented[name]
        if dtyp != typ:
            problems.append(f"metric `{name}`: docs/metrics.md says type {dtyp!r}, /metrics says {typ!r}")
        missing = labels - dlabels
        if missing:
            problems.append(f"metric `{name}`: labels {sorted(missing)} seen on /metrics are not documented")
        extra = dlabels - labels
        if extra and labels:
            problems.append(f"metric `{name}`: docs/metrics.md lists labels {sorted(extra)} that /metrics does not have")
    for name in sorted(documented):
        if name not in in_source:
            problems.append(f"docs/metrics.md documents `{name}`, which nothing in src/ registers any more")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    print(f"metrics: {len(in_source)} registered in src/, {len(scraped)} families scraped, {len(documented)} "
          f"documented, {len(problems)} problems")
    return 1 if problems else 0


# ---- API coverage --------------------------------------------------------------------------------------------------
def expand_doc_names(doc: str) -> set[str]:
    """Identifiers the doc mentions, expanding the grouped spellings it uses: `aegis_request_method/uri/body`,
    `aegis_request_{method,uri,header,body}_into`, `http::get/del`."""
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", doc))
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\{([A-Za-z0-9_,]+)\}([A-Za-z0-9_]*)", doc):
        names |= {m.group(1) + alt + m.group(3) for alt in m.group(2).split(",")}
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*?_)([A-Za-z0-9]+)((?:/[A-Za-z0-9]+)+)", doc):
        names |= {m.group(1) + alt for alt in [m.group(2)] + m.group(3).strip("/").split("/")}
    return names


def check_api_coverage(args) -> int:
    """Every host function is in docs/host-abi.md and wrapped by both SDKs; every public SDK function is in its doc."""
    repo = args.repo
    read = lambda *p: open(os.path.join(repo, *p), encoding="utf-8").read()  # noqa: E731
    env_imports: set[str] = set()
    wasi_imports: set[str] = set()
    hostapi = os.path.join(repo, "src", "hostapi")
    for name in sorted(os.listdir(hostapi)):
        if name.endswith(".cpp"):
            text = read("src", "hostapi", name)
            env_imports |= set(re.findall(r"\benv\(\"([a-z_0-9]+)\"", text))
            wasi_imports |= set(re.findall(r"\bwasi\(\"([a-z_0-9]+)\"", text))
    problems: list[str] = []
    if len(env_imports) < 20 or len(wasi_imports) < 5:
        problems.append(f"found only {len(env_imports)} env and {len(wasi_imports)} WASI host functions in "
                        f"src/hostapi: the registration pattern changed; fix tests/docs/check_docs.py")
    abi = read("docs", "host-abi.md")
    header = read("sdk", "c", "aegis_edge.h")
    ts = read("sdk", "assemblyscript", "assembly", "index.ts")
    c_imports = set(re.findall(r"AEGIS_IMPORT\((\w+)\)", header))
    as_imports = set(re.findall(r"@external\(\"env\",\s*\"(\w+)\"\)", ts))
    for n in sorted(env_imports | wasi_imports):
        if f"`{n}`" not in abi:
            problems.append(f"host function `{n}` is not documented in docs/host-abi.md")
    for n in sorted(env_imports):
        if n not in c_imports:
            problems.append(f"host function env.{n} has no declaration in sdk/c/aegis_edge.h")
        if n not in as_imports:
            problems.append(f"host function env.{n} has no @external in sdk/assemblyscript/assembly/index.ts")
    c_api = set(re.findall(r"AEGIS_EDGE_API\s+[\w\s\*]*?\b(aegis_\w+)\(", header))
    c_api |= set(re.findall(r"\)\)\s+AEGIS_EDGE_API\s+[\w\s\*]*?\b(aegis_\w+)\(", header))
    c_api = {a for a in c_api if not a.endswith("_")}  # trailing _ = internal helper
    sdk_c = expand_doc_names(read("docs", "sdk-c.md"))
    for a in sorted(c_api):
        if a not in sdk_c and not (a.endswith("_n") and a[:-2] in sdk_c):  # `_n` variants: documented convention
            problems.append(f"C SDK function `{a}` is not documented in docs/sdk-c.md")
    as_api = set(re.findall(r"^export (?:function|class|namespace|const) (\w+)", ts, re.M))
    sdk_as = expand_doc_names(read("docs", "sdk-assemblyscript.md"))
    for a in sorted(as_api):
        if a not in sdk_as:
            problems.append(f"AssemblyScript SDK export `{a}` is not documented in docs/sdk-assemblyscript.md")
    if len(c_api) < 30 or len(as_api) < 5:
        problems.append(f"found only {len(c_api)} C SDK functions and {len(as_api)} AssemblyScript exports")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    print(f"api coverage: {len(env_imports)} env + {len(wasi_imports)} WASI host functions, {len(c_api)} C SDK "
          f"functions, {len(as_api)} AssemblyScript exports; {len(problems)} problems")
    return 1 if problems else 0


# ---- snippets ------------------------------------------------------------------------------------------------------
def check_snippets(args) -> int:
    env = doc_snippets.Env(aegis=os.path.abspath(args.aegis), sdk=args.sdk, as_status=args.as_status, verbose=args.verbose,
                           repo=args.repo, wasm_dir=args.wasm_dir)
    failed = 0
    ran_pages = 0
    excluded = {os.path.realpath(e) for e in args.exclude}
    pages: list[str] = []
    for p in args.pages:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in ("node_modules", ".git") and not d.startswith("build"))
                pages += [os.path.join(root, f) for f in sorted(files) if f.endswith(".md")]
        else:
            pages.append(p)
    pages = [p for p in pages if os.path.realpath(p) not in excluded]
    for page in pages:
        display = os.path.relpath(page, args.repo)
        try:
            if doc_snippets.run_page(page, env, display=display):
                ran_pages += 1
        except doc_snippets.Failure as f:
            print(f"FAIL {f}", file=sys.stderr)
            failed += 1
    for r in env.skipped_reasons:
        print(f"SKIP {r}")
    print(f"snippets: {env.results['passed']} passed, {env.results['skipped']} skipped, "
          f"{env.results['failed']} failed, in {ran_pages} pages")
    if env.results["passed"] < args.min_snippets:
        return fail(f"only {env.results['passed']} test snippets ran; expected at least {args.min_snippets} "
                    f"(did the `test` markers disappear?)")
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("config-keys")
    k.add_argument("--keys-tool", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--aegis", required=True)
    m.add_argument("--wat2wasm", default="wat2wasm")
    m.add_argument("--config-template", required=True)
    m.add_argument("--wasm-dir", required=True, help="the build's module directory (build/wasm)")
    sub.add_parser("api-coverage")
    s = sub.add_parser("snippets")
    s.add_argument("--aegis", required=True)
    s.add_argument("--sdk", required=True)
    s.add_argument("--as-status", default="")
    s.add_argument("--min-snippets", type=int, default=1)
    s.add_argument("--exclude", action="append", default=[])
    s.add_argument("--wasm-dir", default="")
    s.add_argument("-v", "--verbose", action="store_true")
    s.add_argument("pages", nargs="+")
    args = ap.parse_args()
    if getattr(args, "aegis", None):
        args.aegis = os.path.abspath(args.aegis)
    if args.cmd == "config-keys":
        return check_config_keys(args)
    if args.cmd == "metrics":
        return check_metrics(args)
    if args.cmd == "api-coverage":
        return check_api_coverage(args)
    return check_snippets(args)


if __name__ == "__main__":
    sys.exit(main())
