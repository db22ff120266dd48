"""Time lambdalint against peer tools and a bare libcst parse on one generated tree.

    python bench/run.py [--scale 1.0] [--handler-sizes census] [--tree DIR] [--repeat 3]
                        [--tools lambdalint,checkov,cfn-lint,bandit,floor,floor-mp,floor-ast]
                        [--peer-bin DIR] [--lambdalint CMD] [--check-linear] [--json FILE]

Every repetition runs each tool once, in the same order (round-robin), so slow drifts of the
machine hit all tools alike. Each run is a subprocess: wall time, the largest single-process
RSS (``os.wait4``) and the sampled PSS of its whole process tree (worker processes included).
See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)

import walk  # noqa: E402

ALL_TOOLS = ("lambdalint", "checkov", "cfn-lint", "bandit", "floor", "floor-mp", "floor-ast")
FLOORS = {"floor": ("libcst", 1), "floor-mp": ("libcst", 0), "floor-ast": ("ast", 1)}  # 0: all CPUs
INSTALL_HINT = {
    "checkov": "pip install checkov",
    "cfn-lint": "pip install cfn-lint",
    "bandit": "pip install bandit",
    "floor": "pip install libcst",
    "floor-mp": "pip install libcst",
    "floor-ast": "",
    "lambdalint": "pip install -e . from the repository root",
}
TARGETS = {
    "cold_s": 10.0,
    "warm_s": 1.0,
    "touched_s": 1.5,
    "peak_mb": 300.0,
    "vs_checkov": 8.0,
    "linear": 2.0,
}

# The floor: read and parse every .py file a linter should lint (bench/walk.py rule) with
# libcst (or, for reference, the stdlib ast). argv: bench dir, tree, parser, processes.
FLOOR_SCRIPT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import walk
if sys.argv[3] == "ast":
    from ast import parse as parse_module
else:
    from libcst import parse_module

def parse(path):
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        parse_module(data)
        ok = 1
    except Exception:
        ok = 0
    return ok, data.count(b"\n")

files = walk.python_files(sys.argv[2])
jobs = int(sys.argv[4])
if jobs > 1:
    import multiprocessing
    with multiprocessing.Pool(jobs) as pool:
        results = list(pool.imap_unordered(parse, files, chunksize=8))
else:
    results = [parse(p) for p in files]
print(json.dumps({"files": len(files), "lines": sum(r[1] for r in results),
                  "parse_errors": sum(1 for r in results if not r[0])}))
"""


# ---------------------------------------------------------------------------------------
# Measuring one subprocess
# ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall_s: float
    maxrss_mb: float  # largest single process (wait4: the child or any descendant it reaped)
    tree_mb: float  # peak of the summed PSS (RSS where PSS is unreadable) of the process tree
    rc: int | None  # None: killed on timeout


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
        except OSError:
            pass
    return out


def _memory_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def tree_memory_kb(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _memory_kb(pid)
        stack += _children(pid)
    return total


def measure(
    argv: list[str], *, cwd: str, env: dict[str, str], timeout: float, out_path: str, err_path: str
) -> Sample:
    peak = [0]
    done = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_memory_kb(proc.pid))
                done.wait(0.05)

        def kill() -> None:
            with contextlib.suppress(OSError):  # only the session this runner started
                os.killpg(proc.pid, signal.SIGKILL)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        done.set()
        sampler.join()
    timed_out = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL and wall >= timeout
    proc.returncode = os.waitstatus_to_exitcode(status)  # we reaped it ourselves
    return Sample(
        wall_s=wall,
        maxrss_mb=usage.ru_maxrss / 1024,
        tree_mb=peak[0] / 1024,
        rc=None if timed_out else proc.returncode,
    )


# ---------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    argv: list[str]
    ok_rc: tuple[int, ...] | None = None  # None: any exit code is a completed run
    before: Callable[[int], None] | None = None  # called before each timed run
    env: dict[str, str] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    version: str = ""

    def median(self) -> float | None:
        ok = [s.wall_s for s in self.samples]
        return statistics.median(ok) if ok else None


def find_peer(name: str, peer_bin: str | None) -> str | None:
    if peer_bin:
        cand = os.path.join(peer_bin, name)
        if os.access(cand, os.X_OK):
            return cand
    found = shutil.which(name)
    if found:
        return found
    cand = os.path.join(os.path.dirname(sys.executable), name)
    return cand if os.access(cand, os.X_OK) else None


def lambdalint_command(override: str | None) -> tuple[list[str] | None, dict[str, str], str]:
    """(argv prefix, extra env, how it was found)."""
    if override:
        return shlex.split(override), {}, "--lambdalint"
    exe = find_peer("lambdalint", None)
    if exe:
        return [exe], {}, exe
    if importlib.util.find_spec("lambdalint") is not None:
        return [sys.executable, "-m", "lambdalint"], {}, f"{sys.executable} -m lambdalint"
    if os.path.exists(os.path.join(REPO, "lambdalint", "__main__.py")):
        return (
            [sys.executable, "-m", "lambdalint"],
            {"PYTHONPATH": REPO},
            f"PYTHONPATH={REPO} {sys.executable} -m lambdalint",
        )
    return None, {}, "not found"


def tool_version(argv: list[str], env: dict[str, str]) -> tuple[str | None, str]:
    """(first line of ``--version``, or None when the tool does not run; error text)."""
    try:
        res = subprocess.run(
            [*argv, "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if res.returncode != 0:
        tail = (res.stderr or res.stdout).strip().splitlines()[-1:]
        return None, f"exit {res.returncode}: {tail[0] if tail else ''}"
    lines = (res.stdout or res.stderr).strip().splitlines()
    return (lines[0].strip() if lines else "?"), ""


def build_tools(args: argparse.Namespace, tree: str, notes: list[str]) -> list[Tool]:
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(wanted) - set(ALL_TOOLS)
    if unknown:
        sys.exit(
            f"unknown tool(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL_TOOLS)}"
        )
    tools: list[Tool] = []
    for name in wanted:
        if name == "lambdalint":
            tools += lambdalint_tools(args, tree, notes)
        elif name in FLOORS:
            parser, jobs = FLOORS[name]
            jobs = jobs or os.cpu_count() or 1
            if parser == "libcst" and importlib.util.find_spec("libcst") is None:
                notes.append(f"{name}: not installed ({INSTALL_HINT[name]} to compare)")
                continue
            argv = [sys.executable, "-c", FLOOR_SCRIPT, BENCH, tree, parser, str(jobs)]
            t = Tool(name, argv, ok_rc=(0,))
            lib = importlib.metadata.version("libcst") if parser == "libcst" else "stdlib"
            t.version = f"{parser} {lib}, {jobs} process(es)"
            tools.append(t)
        else:
            exe = find_peer(name, args.peer_bin)
            version = tool_version([exe], {})[0] if exe else None
            if not exe or version is None:
                notes.append(
                    f"{name}: not installed ({INSTALL_HINT[name]} to compare; or --peer-bin DIR)"
                )
                continue
            peer = peer_tool(name, exe, tree, notes)
            if peer:
                peer.version = version
                tools.append(peer)
    return tools


def peer_tool(name: str, exe: str, tree: str, notes: list[str]) -> Tool | None:
    if name == "checkov":
        return Tool(
            name,
            [
                exe,
                "-d",
                tree,
                "--framework",
                "cloudformation,terraform,serverless",
                "--quiet",
                "--compact",
                "-o",
                "json",
                "--skip-download",
                "--download-external-modules",
                "false",
                "--skip-path",
                r"\.aws-sam",
                "--skip-path",
                "node_modules",
                "--skip-path",
                r"cdk\.out",
            ],
        )
    if name == "cfn-lint":
        templates = walk.cfn_templates(tree)
        if not templates:
            notes.append("cfn-lint: no SAM/CloudFormation template in the tree")
            return None
        return Tool(name, [exe, "--format", "json", "--", *templates])
    # bandit: same Python files as the floor and lambdalint, so skip build and vendored code.
    skips = [f"*/{d}/*" for d in sorted(walk.SKIP_DIRS)]
    skips += [p + ("/" if os.path.isdir(p) else "") for p in walk.vendored_dirs(tree)]
    return Tool(name, [exe, "-r", tree, "-q", "-f", "json", "-x", ",".join(skips)])


def lambdalint_tools(args: argparse.Namespace, tree: str, notes: list[str]) -> list[Tool]:
    prefix, env, how = lambdalint_command(args.lambdalint)
    if prefix is None:
        notes.append(f"lambdalint: not installed ({INSTALL_HINT['lambdalint']}), skipped")
        return []
    version, error = tool_version(prefix, env)
    if version is None:
        notes.append(f"lambdalint: `{how} --version` failed ({error}), skipped")
        return []
    cold = Tool(
        "lambdalint-cold",
        [
            *prefix,
            tree,
            "--no-cache",
            "--format",
            "json",
            "--output-file",
            os.devnull,
            "--exit-zero",
        ],
        ok_rc=(0,),
        env=env,
    )
    warm = Tool(
        "lambdalint-warm", [*prefix, tree, "--format", "json", "--exit-zero"], ok_rc=(0,), env=env
    )
    touched = Tool("lambdalint-touched", list(warm.argv), ok_rc=(0,), env=env)
    for t in (cold, warm, touched):
        t.version = f"{version} ({how})"
    return [cold, warm, touched]


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------


class Toucher:
    """Appends a comment line to one handler before each 'touched' run; restores it at the end.
    A tree without handlers gets one of its other Python files touched instead."""

    def __init__(self, path: str) -> None:
        self.path = path
        with open(self.path, "rb") as fh:
            self.original = fh.read()

    @staticmethod
    def pick(tree: str) -> str | None:
        files = list(walk.python_files(tree))
        handlers = []
        for path in files:
            with open(path, "rb") as fh:
                data = fh.read()
            if b"def lambda_handler(" in data or b"def handler(" in data:
                handlers.append(path)
        chosen = handlers or files
        return chosen[len(chosen) // 2] if chosen else None

    def touch(self, rep: int) -> None:
        with open(self.path, "ab") as fh:
            fh.write(f"# touched by bench/run.py, repetition {rep}\n".encode())

    def restore(self) -> None:
        with open(self.path, "wb") as fh:
            fh.write(self.original)


def run_once(tool: Tool, *, cwd: str, timeout: float, scratch: str, rep: int) -> None:
    if tool.before:
        tool.before(rep)
    out = os.path.join(scratch, f"{tool.name}.out")
    err = os.path.join(scratch, f"{tool.name}.err")
    s = measure(
        tool.argv,
        cwd=cwd,
        env={**os.environ, **tool.env},
        timeout=timeout,
        out_path=out,
        err_path=err,
    )
    status = f"{s.wall_s:7.2f} s  {max(s.maxrss_mb, s.tree_mb):7.0f} MB  rc={s.rc}"
    if s.rc is None:
        tool.failures.append(f"timed out after {timeout:.0f} s")
    elif tool.ok_rc is not None and s.rc not in tool.ok_rc:
        with open(err, "rb") as fh:
            tail = fh.read()[-600:].decode("utf-8", "replace").strip()
        tool.failures.append(f"exit {s.rc}: {tail}")
    else:
        tool.samples.append(s)
    print(f"  [{rep}] {tool.name:<20}{status}", file=sys.stderr, flush=True)


def prime(tool: Tool, *, cwd: str, timeout: float, scratch: str) -> str | None:
    """Untimed warm-up run that fills lambdalint's cache; returns an error text or None."""
    out = os.path.join(scratch, "prime.out")
    err = os.path.join(scratch, "prime.err")
    s = measure(
        tool.argv,
        cwd=cwd,
        env={**os.environ, **tool.env},
        timeout=timeout,
        out_path=out,
        err_path=err,
    )
    if s.rc != 0:
        with open(err, "rb") as fh:
            return f"exit {s.rc}: " + fh.read()[-800:].decode("utf-8", "replace").strip()
    print(f"  cache primed in {s.wall_s:.2f} s ({findings_summary(out)})", file=sys.stderr)
    return None


def findings_summary(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return "output is not JSON"
    if isinstance(data, dict):
        for key in ("findings", "results", "diagnostics"):
            if isinstance(data.get(key), list):
                return f"{len(data[key])} findings"
        return "JSON object: " + ", ".join(list(data)[:6])
    if isinstance(data, list):
        return f"{len(data)} findings"
    return "JSON"


def tree_stats(tree: str) -> dict[str, int]:
    py = walk.python_files(tree)
    lines = 0
    for p in py:
        with open(p, "rb") as fh:
            lines += fh.read().count(b"\n")
    tf = sls = 0
    for _, files in walk.walk(tree):
        tf += sum(f.endswith(".tf") for f in files)
        sls += sum(f in ("serverless.yml", "serverless.yaml") for f in files)
    return {
        "python_files": len(py),
        "python_lines": lines,
        "cfn_templates": len(walk.cfn_templates(tree)),
        "terraform_files": tf,
        "serverless_files": sls,
    }


def generate(out: str, scale: float, seed: int, handler_sizes: str = "census") -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            os.path.join(BENCH, "generate.py"),
            out,
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--handler-sizes",
            handler_sizes,
            "--quiet",
        ],
        check=True,
    )
    return time.perf_counter() - start


def fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def peak_mb(tool: Tool) -> float | None:
    return max((max(s.maxrss_mb, s.tree_mb) for s in tool.samples), default=None)


def report(
    tools: list[Tool], notes: list[str], linear: dict[str, float] | None, scale_note: str
) -> list[dict[str, object]]:
    print()
    print(
        f"{'tool':<20}{'runs':>5}{'median s':>10}{'min':>8}{'max':>8}{'max RSS MB':>12}{'tree MB':>9}  exit"
    )
    for t in tools:
        walls = [s.wall_s for s in t.samples]
        rss = max((s.maxrss_mb for s in t.samples), default=None)
        tree = max((s.tree_mb for s in t.samples), default=None)
        rcs = ",".join(sorted({str(s.rc) for s in t.samples}))
        print(
            f"{t.name:<20}{len(walls):>5}{fmt(t.median()):>10}{fmt(min(walls, default=None)):>8}"
            f"{fmt(max(walls, default=None)):>8}{fmt(rss, '.0f'):>12}{fmt(tree, '.0f'):>9}  {rcs}"
        )
        for f in t.failures[:3]:
            print(f"    FAILED: {f}")
    for n in notes:
        print(f"{'':<20}{n}")
    by = {t.name: t for t in tools}
    cold = by.get("lambdalint-cold")
    cold_m = cold.median() if cold else None
    print()
    if cold_m:
        print("ratios (lambdalint cold median / other median; < 1 means lambdalint is faster):")
        for t in tools:
            m = t.median()
            if t is cold or not m or t.name.endswith("@2x"):
                continue
            r = cold_m / m
            extra = (
                f"  ({1 / r:.1f}x faster)" if r < 1 and not t.name.startswith("lambdalint") else ""
            )
            print(f"  lambdalint-cold / {t.name:<19}{r:8.2f}{extra}")
    else:
        print("ratios: lambdalint-cold has no successful run")
    print()
    checks: list[dict[str, object]] = []

    def check(label: str, value: float | None, ok: Callable[[float], bool], shown: str) -> None:
        status = "SKIP" if value is None else ("PASS" if ok(value) else "FAIL")
        checks.append({"target": label, "value": value, "status": status})
        print(f"[{status}] {label}: {shown if value is not None else 'not measured'}")

    warm_m = by["lambdalint-warm"].median() if "lambdalint-warm" in by else None
    touched_m = by["lambdalint-touched"].median() if "lambdalint-touched" in by else None
    checkov_m = by["checkov"].median() if "checkov" in by else None
    lam_peaks = [
        p for p in (peak_mb(by[n]) for n in by if n.startswith("lambdalint")) if p is not None
    ]
    speedup = checkov_m / cold_m if checkov_m and cold_m else None
    print(f"targets{scale_note}:")
    check(
        f"cold full run <= {TARGETS['cold_s']:g} s",
        cold_m,
        lambda v: v <= TARGETS["cold_s"],
        f"{fmt(cold_m)} s",
    )
    check(
        f"cold >= {TARGETS['vs_checkov']:g}x faster than checkov",
        speedup,
        lambda v: v >= TARGETS["vs_checkov"],
        f"{fmt(speedup, '.1f')}x",
    )
    check(
        f"warm re-run (nothing changed) <= {TARGETS['warm_s']:g} s",
        warm_m,
        lambda v: v <= TARGETS["warm_s"],
        f"{fmt(warm_m)} s",
    )
    check(
        f"re-run after touching one handler <= {TARGETS['touched_s']:g} s",
        touched_m,
        lambda v: v <= TARGETS["touched_s"],
        f"{fmt(touched_m)} s",
    )
    worst = max(lam_peaks) if lam_peaks else None
    check(
        f"peak memory <= {TARGETS['peak_mb']:g} MB",
        worst,
        lambda v: v <= TARGETS["peak_mb"],
        f"{fmt(worst, '.0f')} MB (worst lambdalint run: max of largest process RSS and process-tree PSS)",
    )
    if linear is not None:
        ratio = linear.get("lambdalint")
        check(
            f"linear growth: cold(2x tree) / cold(1x tree) <= {TARGETS['linear']:g}",
            ratio,
            lambda v: v <= TARGETS["linear"],
            f"{fmt(ratio)} (floor: {fmt(linear.get('floor'))})",
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--scale", type=float, default=1.0, help="scale of the generated tree (default 1.0)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--handler-sizes",
        choices=("census", "heavy"),
        default="census",
        help="handler module sizes of the generated tree (see generate.py; default census)",
    )
    ap.add_argument("--tree", help="benchmark this existing tree instead of generating one")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per tool (default 3)")
    ap.add_argument(
        "--tools",
        default=",".join(ALL_TOOLS),
        help=f"comma-separated subset of {','.join(ALL_TOOLS)}",
    )
    ap.add_argument(
        "--peer-bin", help="folder holding the peer executables (checkov, bandit, cfn-lint)"
    )
    ap.add_argument(
        "--lambdalint",
        help="command that runs lambdalint (default: lambdalint on PATH, "
        "else python -m lambdalint)",
    )
    ap.add_argument(
        "--check-linear",
        action="store_true",
        help="also time lambdalint-cold and the floor on a tree of twice the scale",
    )
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    ap.add_argument("--keep-tree", action="store_true", help="do not delete the generated tree")
    ap.add_argument("--json", dest="json_out", help="write all results as JSON to this file")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    if args.check_linear and args.tree:
        ap.error("--check-linear generates its own trees; drop --tree")

    workdir = tempfile.mkdtemp(prefix="lambdalint-bench-")
    scratch = os.path.join(workdir, "scratch")
    os.makedirs(scratch)
    toucher: Toucher | None = None
    try:
        if args.tree:
            tree = os.path.abspath(args.tree)
            gen_s = None
            scale_note = (
                ""
                if os.path.exists(os.path.join(tree, ".bench-corpus"))
                else " (defined for a generated scale-1.0 tree)"
            )
        else:
            tree = os.path.join(workdir, "tree")
            print(f"generating scale {args.scale:g} tree in {tree} ...", file=sys.stderr)
            gen_s = generate(tree, args.scale, args.seed, args.handler_sizes)
            scale_note = (
                ""
                if args.scale == 1.0
                else f" (defined for scale 1.0; this tree is scale {args.scale:g})"
            )
        stats = tree_stats(tree)
        print(f"tree: {tree}" + (f" (generated in {gen_s:.1f} s)" if gen_s is not None else ""))
        print(
            f"  {stats['python_files']} Python files / {stats['python_lines']} lines to lint, "
            f"{stats['cfn_templates']} SAM/CloudFormation templates, {stats['terraform_files']} "
            f"Terraform files, {stats['serverless_files']} serverless.yml"
        )
        print(
            f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        )

        notes: list[str] = []
        tools = build_tools(args, tree, notes)
        by = {t.name: t for t in tools}
        if "lambdalint-warm" in by:
            err = prime(by["lambdalint-warm"], cwd=tree, timeout=args.timeout, scratch=scratch)
            if err:
                notes.append(f"lambdalint: priming run failed, skipped: {err}")
                tools = [t for t in tools if not t.name.startswith("lambdalint")]
            else:
                picked = Toucher.pick(tree)
                if picked is None:
                    notes.append("lambdalint-touched: no Python file to touch in the tree, skipped")
                    tools = [t for t in tools if t.name != "lambdalint-touched"]
                else:
                    toucher = Toucher(picked)
                    by["lambdalint-touched"].before = toucher.touch
        for t in tools:
            print(f"  {t.name:<20}{t.version}", file=sys.stderr)

        big: str | None = None
        linear_tools: list[Tool] = []
        if args.check_linear:
            big = os.path.join(workdir, "tree2x")
            print(
                f"generating scale {2 * args.scale:g} tree for --check-linear ...", file=sys.stderr
            )
            generate(big, 2 * args.scale, args.seed, args.handler_sizes)
            for t in tools:
                if t.name in ("lambdalint-cold", "floor"):
                    linear_tools.append(
                        Tool(
                            t.name + "@2x",
                            [big if a == tree else a for a in t.argv],
                            ok_rc=t.ok_rc,
                            env=t.env,
                        )
                    )
        for rep in range(1, args.repeat + 1):
            print(f"repetition {rep}/{args.repeat}", file=sys.stderr)
            for t in tools + linear_tools:
                run_once(
                    t,
                    cwd=big if t.name.endswith("@2x") and big else tree,
                    timeout=args.timeout,
                    scratch=scratch,
                    rep=rep,
                )
        linear: dict[str, float] | None = None
        if args.check_linear:
            linear = {}
            for t in linear_tools:
                base = by.get(t.name[:-3])
                small_m, big_m = (base.median() if base else None), t.median()
                if small_m and big_m:
                    linear["lambdalint" if t.name.startswith("lambdalint") else "floor"] = (
                        big_m / small_m
                    )
        checks = report(tools + linear_tools, notes, linear, scale_note)
        if args.json_out:
            result = {
                "tree": tree,
                "generated": not args.tree,
                "scale": None if args.tree else args.scale,
                "seed": args.seed,
                "handler_sizes": None if args.tree else args.handler_sizes,
                "generation_s": gen_s,
                "stats": stats,
                "machine": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "tools": {
                    t.name: {
                        "argv": t.argv,
                        "version": t.version,
                        "median_s": t.median(),
                        "peak_mb": peak_mb(t),
                        "samples": [asdict(s) for s in t.samples],
                        "failures": t.failures,
                    }
                    for t in tools + linear_tools
                },
                "notes": notes,
                "linear": linear,
                "targets": checks,
            }
            with open(args.json_out, "w", encoding="utf-8") as fh:
                json.dump(result, fh, indent=2)
                fh.write("\n")
        return 1 if args.strict and any(c["status"] == "FAIL" for c in checks) else 0
    finally:
        if toucher:
            toucher.restore()
        if args.keep_tree and not args.tree:
            print(f"kept the generated tree(s) in {workdir}", file=sys.stderr)
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
