"""Analyse one Python file: parse once, find its handlers, run every enabled code rule.

This is the unit of parallel work and of caching: its result depends only on the file's bytes,
the handler links the templates give it, and the code rules' settings.
"""

from __future__ import annotations

import ast
import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdalint.code.context import CodeContext, Handler, HandlerLink, convention_handlers
from lambdalint.code.module import (
    MAX_BYTES,
    ParseFailure,
    PyModule,
    TooLarge,
    check_complexity,
    decode_source,
    quick_check,
)
from lambdalint.model import Finding, Location, Severity
from lambdalint.registry import CodeRule, all_rules
from lambdalint.suppress import Suppression, scan_comments

if TYPE_CHECKING:
    from lambdalint.code.sketch import Sketch

# ask each rule's screen before the libcst parse (off only in the tests that prove it changes nothing)
SCREENS = True
# parse a skeleton of the file when the rules left say they read only part of it (likewise; only
# with the screens)
PARTIAL = True

# a cheap look for convention handlers before paying for a parse
CONVENTION_HINT = re.compile(
    r"def\s+(?:lambda_handler|handler)\s*\(|def\s+\w+\s*\(\s*(?:event|evt|_event)\s*[,:]"
)


@dataclass(frozen=True)
class CodeSettings:
    """The code rules' part of the configuration (picklable, hashable for the cache)."""

    rules: tuple[tuple[str, int, tuple[tuple[str, Any], ...]], ...]  # (id, severity, options)
    fixes: bool = False  # build the fixed text of fixable findings (--fix, --diff, SARIF)

    def instantiate(self) -> list[tuple[CodeRule, Severity]]:
        registry = all_rules()
        out = []
        for rid, sev, opts in self.rules:
            cls = registry[rid]
            if issubclass(cls, CodeRule):
                out.append((cls(dict(opts)), Severity(sev)))
        return out


@dataclass(frozen=True)
class FileJob:
    path: Path
    rel: str
    links: tuple[HandlerLink, ...]
    convention: bool  # no template governs this file: find handlers by convention
    test_file: bool
    facts: bool = False  # collect template <-> code facts (a module a handler imports)


@dataclass
class FileResult:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    parsed: bool = False
    handlers: tuple[str, ...] = ()
    note: str | None = None
    # CPU seconds by step, for --profile (see STEPS); the engine never caches them
    cpu: dict[str, float] = field(default_factory=dict)


# the steps of the analysis of one file, as --profile names them
STEPS = ("syntax check", "ast parse", "screens", "libcst parse", "code rules", "facts")


def _spent(result: FileResult, step: str, since: float) -> float:
    """Add the time since ``since`` to ``step``; the time now."""
    now = time.perf_counter()
    result.cpu[step] = result.cpu.get(step, 0.0) + now - since
    return now


def analyze(job: FileJob, settings: CodeSettings, data: bytes | None = None) -> FileResult:
    result = FileResult(job.path)
    try:
        if data is None:
            data = job.path.read_bytes()
    except OSError as exc:
        result.findings.append(_ll001(job.path, f"file could not be read: {exc.strerror or exc}"))
        return result
    try:
        return _analyze(job, settings, data, result)
    except Exception as exc:  # a rule bug must not cost the user the rest of the run
        tb = traceback.format_exc(limit=-3)
        result.note = f"{job.path}: internal error while analysing ({type(exc).__name__}: {exc}); please report it\n{tb}"
        return result


def _analyze(job: FileJob, settings: CodeSettings, data: bytes, result: FileResult) -> FileResult:
    rules = settings.instantiate()
    if not job.links:
        text = data.decode("latin-1")
        convention = job.convention and not job.test_file and CONVENTION_HINT.search(text)
        # rules that look at code outside handlers (LL105) say from the text whether they could fire
        if not convention and not any(not r.handlers_only and r.wants(text, job.rel) for r, _ in rules):
            # no handler here and no rule that looks at other code: a cheap validity check only
            started = time.perf_counter()
            failure = quick_check(data)
            _spent(result, "syntax check", started)
            if failure is not None:
                result.findings.append(_ll001(job.path, failure.message, failure.line, failure.col))
            elif b"lambdalint" in data.lower():
                result.suppressions = scan_comments(job.path, data.decode("utf-8", errors="replace"))
            if failure is None and job.facts:
                _collect_facts(result, data)
            return result
    started = time.perf_counter()
    early = _ast_parse(data)
    started = _spent(result, "ast parse", started)
    screened = False  # the rules left by the screens passed `wants` already
    skeleton: str | None = None
    if early is not None and SCREENS:
        screened = True
        facts_before = result.cpu.get("facts", 0.0)
        rules, skeleton = _screen(job, rules, early, result, settings.fixes)
        # the facts a screened-out file gets are counted as facts, not as screens
        started = _spent(result, "screens", started + result.cpu.get("facts", 0.0) - facts_before)
        if not rules:
            return result
    try:
        try:
            mod = PyModule.parse(job.path, data, compiled=early is not None, skeleton=skeleton)
        finally:
            _spent(result, "libcst parse", started)
    except TooLarge as exc:
        result.note = f"{job.path}: skipped, too large to be hand-written code ({exc})"
        return result
    except ParseFailure as exc:
        result.findings.append(_ll001(job.path, exc.message, exc.line, exc.col))
        return result
    result.parsed = True
    result.suppressions = scan_comments(job.path, mod.text)
    if job.links or job.facts:
        _collect_facts(result, data, early)
    started = time.perf_counter()
    handlers: list[Handler] = []
    for link in job.links:
        node = mod.functions.get(link.name)
        if node is not None:
            handlers.append(Handler(node, link))
    if job.convention and not job.test_file:
        linked = {h.name for h in handlers}
        for name in convention_handlers(mod):
            if name not in linked:
                handlers.append(Handler(mod.functions[name], HandlerLink(name)))
    result.handlers = tuple(h.name for h in handlers)
    for rule, severity in rules:
        if rule.handlers_only and not handlers:
            continue
        if not screened and not rule.wants(mod.text, job.rel):
            continue
        ctx = CodeContext(mod, job.rel, handlers, rule.id, severity, rule.opts, settings.fixes)
        for finding in rule.check(ctx):
            finding.severity = severity
            result.findings.append(finding)
    _spent(result, "code rules", started)
    return result


def _ast_parse(data: bytes) -> tuple[str, ast.Module] | None:
    """Text and ``ast`` tree of a file libcst will accept (same size, decoding and nesting
    limits), or None: then the libcst parse decides, and reports what is wrong."""
    if len(data) > MAX_BYTES:
        return None
    try:
        text, _ = decode_source(data)
        check_complexity(text)
        return text, ast.parse(text)
    except (ParseFailure, SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError):
        return None


def _screen(
    job: FileJob, rules: list[tuple[CodeRule, Severity]], early: tuple[str, ast.Module], result: FileResult, fixes: bool
) -> tuple[list[tuple[CodeRule, Severity]], str | None]:
    """The rules that could report something in the file, by their screens over an ``ast``
    sketch of it (see lambdalint.code.sketch); the others would find nothing, so they are not
    run. When no rule is left, the file needs no libcst parse: ``result`` is then completed
    here with what the full analysis gives (handlers, suppressions, facts).

    Second: when every rule left reads only what the handlers reach or says what it needs
    (``CodeRule.reads``, ``CodeRule.needs``), and no fix is to be built (a fix rewrites the
    whole tree), the skeleton of the file to parse instead (see lambdalint.code.partial), or
    None."""
    from lambdalint.code.sketch import Sketch, handler_links

    text, tree = early
    sketch = Sketch(text, tree)
    links = handler_links(sketch, job.links, job.convention and not job.test_file)
    wanted = [
        (rule, severity)
        for rule, severity in rules
        if (links or not rule.handlers_only) and rule.wants(text, job.rel) and rule.screen(sketch, links)
    ]
    if not wanted:
        result.parsed = True
        result.suppressions = scan_comments(job.path, text)
        if job.links or job.facts:
            _collect_facts(result, b"", early)
        result.handlers = tuple(link.name for link in links)
        return wanted, None
    if not PARTIAL or fixes:
        return wanted, None
    return wanted, skeleton_for(sketch, links, [rule for rule, _ in wanted])


def skeleton_for(sketch: Sketch, links: list[HandlerLink], rules: list[CodeRule]) -> str | None:
    """The skeleton of the module that keeps all these rules read (see lambdalint.code.partial),
    or None: parse the whole file."""
    from lambdalint.code.partial import skeleton

    follow = False  # some rule reads what the handlers reach
    needed: list[int] = []  # lines the rules need
    for rule in rules:
        if rule.reads == "reach":
            follow = True
        elif rule.reads == "handlers":
            needed.extend(fn.body[0].lineno for fn in sketch.handler_functions(link.name for link in links))
        else:
            nodes = rule.needs(sketch, links)
            if nodes is None:
                return None
            needed.extend(node.lineno for node in nodes)  # type: ignore[attr-defined]
    return skeleton(sketch, [link.name for link in links] if follow else None, needed)


def _collect_facts(result: FileResult, data: bytes, parsed: tuple[str, ast.Module] | None = None) -> None:
    """Facts the template <-> code rules read (LL502, LL503): see lambdalint.code.facts."""
    from lambdalint.code.facts import collect_facts

    started = time.perf_counter()
    facts = collect_facts(data, parsed)
    if facts is not None:
        result.facts["code"] = facts
    _spent(result, "facts", started)


def _ll001(path: Path, message: str, line: int = 1, col: int = 1) -> Finding:
    return Finding("LL001", message, Location(path, max(line, 1), max(col, 1)), Severity.ERROR, logical="parse")
