"""Command line: ``lambdalint [PATH ...]`` (check), ``lambdalint rule LL101``, ``lambdalint rules``."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from lambdalint import __version__
from lambdalint.config import Config, ConfigError, load_config, normalize_selectors
from lambdalint.model import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMAT_CHOICE = click.Choice(["text", "json", "sarif", "github", "gitlab"], case_sensitive=False)
GITHUB_RESULT_LIMIT = 25_000


class DefaultGroup(click.Group):
    """``lambdalint PATH...`` means ``lambdalint check PATH...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def fail(message: str) -> NoReturn:
    click.echo(f"lambdalint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lambdalint", message="%(prog)s %(version)s")
def main() -> None:
    """lambdalint: find mistakes in AWS Lambda projects, in the handler code and in the
    SAM/CloudFormation, Terraform and Serverless Framework templates that deploy it.

    \b
    lambdalint [PATH ...]        check files or folders (default: .)
    lambdalint rule LL101        explain a rule
    lambdalint rules             list every rule
    """


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True, help="Output format.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the --format report to this file; a text report still goes to stdout.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT:PATH", help="Also write FORMAT to PATH (repeatable), e.g. --output sarif:results.sarif.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (ids or prefixes, comma-separated: LL1,LL301).")
@click.option("--extend-select", multiple=True, metavar="IDS", help="Enable these rules in addition to the selected ones.")
@click.option("--ignore", multiple=True, metavar="IDS", help="Disable these rules (ids or prefixes).")
@click.option("--extend-ignore", multiple=True, metavar="IDS", help="Same as --ignore.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"], case_sensitive=False), help="Lowest severity that makes the exit code 1 (default: warning).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--show-source", is_flag=True, help="Show the offending source line under each finding.")
@click.option("--statistics", is_flag=True, help="Show a count of findings per rule.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: nearest pyproject.toml [tool.lambdalint], lambdalint.toml or .lambdalint.toml).")
@click.option("--fix", is_flag=True, help="Apply automatic fixes (atomically; never a result that does not parse), then report what is left.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them (exit 1 when there is one).")
@click.option("--no-cache", is_flag=True, help="Do not read or write .lambdalint_cache/.")
@click.option("--include-suppressed", is_flag=True, help="Report suppressed findings too (marked; SARIF 'suppressions').")
@click.option("--force-exclude", is_flag=True, help="Apply exclude patterns to files named on the command line too (for pre-commit).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Processes to use (default: CPU count).")
@click.option("--profile", is_flag=True, help="Print where the time went, by phase, on stderr.")
@click.option("--quiet", "-q", is_flag=True, help="Print only findings (no summary, no notes); with --output-file nothing on stdout.")
@click.option("--verbose", "-v", is_flag=True, help="Print notes about skipped files and tracebacks of internal errors.")
def check(
    paths: tuple[Path, ...],
    fmt: str,
    output_file: Path | None,
    outputs: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    show_source: bool,
    statistics: bool,
    config_path: Path | None,
    fix: bool,
    diff: bool,
    no_cache: bool,
    include_suppressed: bool,
    force_exclude: bool,
    jobs: int | None,
    profile: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check PATHS (files or folders; default: the current folder)."""
    try:
        code = _check(**locals())
    except ConfigError as exc:
        fail(str(exc))
    except click.exceptions.Exit:
        raise
    except KeyboardInterrupt:
        click.echo("lambdalint: interrupted", err=True)
        code = 130
    except Exception as exc:  # never a traceback for users; --verbose shows it
        if verbose:
            traceback.print_exc()
        fail(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details; please report it)")
    sys.exit(code)


def _parse_outputs(fmt: str, output_file: Path | None, outputs: tuple[str, ...]) -> list[tuple[str, Path]]:
    targets: list[tuple[str, Path]] = []
    if output_file is not None:
        targets.append((fmt.lower(), output_file))
    for spec in outputs:
        name, sep, path = spec.partition(":")
        if not sep or not path or name.lower() not in FORMAT_CHOICE.choices:
            fail(f"--output expects FORMAT:PATH with FORMAT one of {', '.join(FORMAT_CHOICE.choices)}, got {spec!r}")
        targets.append((name.lower(), Path(path)))
    return targets


def _apply_cli(config: Config, opts: dict[str, Any]) -> None:
    where = "command line"
    if opts["select"]:
        config.select = normalize_selectors(_split(opts["select"]), "--select", where)
    if opts["extend_select"]:
        config.extend_select += normalize_selectors(_split(opts["extend_select"]), "--extend-select", where)
    for key in ("ignore", "extend_ignore"):
        if opts[key]:
            config.ignore += normalize_selectors(_split(opts[key]), f"--{key.replace('_', '-')}", where)
    if opts["fail_on"]:
        config.fail_on = Severity.parse(opts["fail_on"])


def _check(**opts: Any) -> int:
    from lambdalint.engine import RunOptions, run, tune_gc
    from lambdalint.report import ReportContext, render, want_color

    paths: list[Path] = list(opts["paths"]) or [Path(".")]
    for p in paths:
        if not p.exists() and not p.is_symlink():
            fail(f"path does not exist: {p}")
    targets = _parse_outputs(opts["fmt"], opts["output_file"], opts["outputs"])
    config = load_config(opts["config_path"], paths[0])
    _apply_cli(config, opts)

    tune_gc()  # this process is lambdalint's own (the engine tunes its workers the same way)
    started = time.perf_counter()
    progress = _progress_printer(started) if _interactive_stderr() else None
    run_options = RunOptions(
        paths=paths,
        config=config,
        use_cache=not opts["no_cache"],
        jobs=opts["jobs"],
        force_exclude=opts["force_exclude"],
        verbose=opts["verbose"],
        progress=progress,
        fixes=bool(opts["fix"] or opts["diff"] or fmt_wants_fixes(opts["fmt"], targets)),
    )
    result = run(run_options)
    if progress is not None:
        click.echo("\r\033[K", err=True, nl=False)
    if opts["diff"]:
        return _diff(result)
    if opts["fix"]:
        if _apply_fixes(result):
            result = run(run_options)  # report what is left

    visible = result.visible
    failing = [f for f in visible if f.severity >= config.fail_on]
    code = EXIT_FINDINGS if failing and not opts["exit_zero"] else EXIT_OK
    if result.errors:
        code = EXIT_ERROR
    cwd = Path.cwd().resolve()
    ctx = ReportContext(
        result=result,
        cwd=cwd,
        show_source=opts["show_source"],
        statistics=opts["statistics"],
        include_suppressed=opts["include_suppressed"],
        exit_code=code,
    )
    report_started = time.perf_counter()
    for fmt, path in targets:
        ctx.color = False
        _write_report(path, render(fmt, ctx))
        if fmt == "sarif" and len(visible) > GITHUB_RESULT_LIMIT * 0.9:
            click.echo(f"lambdalint: warning: {len(visible)} SARIF results; GitHub code scanning accepts at most {GITHUB_RESULT_LIMIT} per run", err=True)
    fmt = opts["fmt"].lower()
    if opts["output_file"] is None:
        stdout_fmt: str | None = fmt
    else:  # the file gets --format; the terminal keeps a text report
        stdout_fmt = None if opts["quiet"] or fmt == "text" else "text"
    if stdout_fmt:
        ctx.color = stdout_fmt == "text" and want_color(sys.stdout)
        ctx.quiet = opts["quiet"]
        sys.stdout.write(render(stdout_fmt, ctx))
        sys.stdout.flush()
    result.timings["report"] = time.perf_counter() - report_started
    _stderr_notes(result, opts, started)
    return code


def fmt_wants_fixes(fmt: str, targets: list[tuple[str, Path]]) -> bool:
    """SARIF carries fixes; other formats only say whether one exists."""
    return fmt.lower() == "sarif" or any(f == "sarif" for f, _ in targets)


def _diff(result: Any) -> int:
    from lambdalint import fix
    from lambdalint.report import ReportContext

    ctx = ReportContext(result=result, cwd=Path.cwd().resolve())
    changed = 0
    for ff in fix.plan(result):
        if ff.fixed != ff.original:
            sys.stdout.write(fix.unified_diff(ff, ctx.display_path(ff.path)))
            changed += 1
    click.echo(f"lambdalint: {changed} file{'s' if changed != 1 else ''} would be changed", err=True)
    return EXIT_FINDINGS if changed else EXIT_OK


def _apply_fixes(result: Any) -> int:
    from lambdalint import fix

    fixed_files = fixed = 0
    for ff in fix.plan(result):
        if ff.fixed == ff.original:
            continue
        problem = fix.write(ff)
        if problem:
            click.echo(f"lambdalint: {ff.path}: not fixed: {problem}", err=True)
            continue
        fixed_files += 1
        fixed += len(ff.applied)
    if fixed:
        click.echo(f"lambdalint: fixed {fixed} finding{'s' if fixed != 1 else ''} in {fixed_files} file{'s' if fixed_files != 1 else ''}", err=True)
    return fixed


def _write_report(path: Path, text: str) -> None:
    import tempfile

    try:
        folder = path.parent if str(path.parent) else Path(".")
        if path.exists() and not path.is_file():  # /dev/null, a fifo: write straight through
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def _interactive_stderr() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def _progress_printer(started: float) -> Any:
    def show(done: int, total: int) -> None:
        if time.perf_counter() - started > 2.0 and (done % 20 == 0 or done == total):
            click.echo(f"\rlambdalint: analysing Python files {done}/{total}", err=True, nl=False)

    return show


def _stderr_notes(result: Any, opts: dict[str, Any], started: float) -> None:
    for err in result.errors:
        click.echo(f"lambdalint: internal error: {err}", err=True)
    if opts["profile"] or opts["verbose"]:
        _profile(result, started)
    if opts["quiet"]:
        return
    if opts["verbose"]:
        for note in result.notes:
            click.echo(f"lambdalint: note: {note}", err=True)
    elif result.notes:
        n = len(result.notes)
        click.echo(f"lambdalint: {n} note{'s' if n != 1 else ''} about skipped files or resources (--verbose shows them)", err=True)
    if not result.project.functions and not result.handlers and not result.parse_failures:
        click.echo("lambdalint: no Lambda functions or handlers found", err=True)


def _profile(result: Any, started: float) -> None:
    """Where the time went: wall time by phase, then the python phase's CPU time by step (summed
    over the worker processes, so it may exceed the phase's wall time)."""
    from lambdalint.code.analyze import STEPS

    total = time.perf_counter() - started
    parts = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    click.echo(
        f"lambdalint: {total:.2f}s total ({parts}); {result.python_files} Python files, "
        f"{len(result.project.templates)} templates, cache hits {result.cache_hits}",
        err=True,
    )
    cpu = result.python_cpu
    if cpu:
        steps = ", ".join(f"{step} {cpu[step]:.2f}s" for step in STEPS if cpu.get(step))
        click.echo(f"lambdalint: python phase CPU over all processes: {sum(cpu.values()):.2f}s ({steps})", err=True)


@main.command()
@click.argument("rule_id")
def rule(rule_id: str) -> None:
    """Explain a rule: what it checks, why, and how to fix it."""
    from lambdalint.docs import render_markdown
    from lambdalint.registry import all_rules

    rid = rule_id.upper()
    if rid not in all_rules():
        fail(f"unknown rule {rule_id!r} (see `lambdalint rules`)")
    click.echo(render_markdown(rid))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """List every rule: id, name, severity and summary."""
    from lambdalint.docs import RULES_URL
    from lambdalint.registry import all_rules

    registry = all_rules()
    if fmt == "json":
        data = [
            {
                "id": rid,
                "name": cls.name,
                "family": cls.family,
                "severity": str(cls.severity),
                "enabled_by_default": cls.default_enabled,
                "fixable": cls.fixable,
                "summary": cls.summary,
                "url": f"{RULES_URL}/{rid}.md",
            }
            for rid, cls in registry.items()
        ]
        click.echo(json.dumps(data, indent=2))
        return
    width = max(len(cls.name) for cls in registry.values())
    for rid, cls in registry.items():
        click.echo(f"{rid}  {cls.name:<{width}}  {cls.severity!s:<7}  {cls.summary}")
