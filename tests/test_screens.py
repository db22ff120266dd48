"""Screens (``CodeRule.screen``, see lambdalint.code.sketch) decide from a cheap ``ast`` sketch
whether a rule could report anything in a handler file, so that files no rule wants are not
parsed with libcst. They must never change a finding:

- a rule whose screen says "nothing here" finds nothing there when the file is parsed anyway,
  on every Python file of every fixture project and example (with the handler links, event
  kinds and options the templates and configs give it);
- a file the screens skip gets the same result (findings, suppressions, handlers, facts) as
  when it is parsed;
- a rule's screen is not vacuous: it rules out some file its textual pre-check lets through.

The embedded examples of each rule (``test_rule_docs.py``) run with that rule alone, so every
``invalid`` example also proves its rule's screen lets it through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lambdalint.code import analyze as analyze_mod
from lambdalint.code.analyze import FileResult, _ast_parse, analyze
from lambdalint.code.module import PyModule
from lambdalint.code.sketch import Sketch, handler_links
from lambdalint.model import Severity
from lambdalint.registry import CodeRule, all_rules
from tests.conftest import FIXTURES
from tests.helpers import lint

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir()) + sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
SCREENED = sorted(rid for rid, cls in all_rules().items() if issubclass(cls, CodeRule) and cls.screen is not CodeRule.screen)


@dataclass
class Survey:
    hidden: list[str] = field(default_factory=list)  # a screen said no where the rule finds something
    differ: list[str] = field(default_factory=list)  # screened result != parsed result
    ruled_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # rule -> files
    skipped: int = 0  # files not parsed at all
    files: int = 0


def _outcome(r: FileResult) -> tuple[object, ...]:
    return (
        sorted((f.rule_id, f.location.line, f.location.col, f.location.end_line, f.location.end_col, f.message) for f in r.findings),
        sorted((s.line, s.col, sorted(s.rules or ()), s.rules is None, s.file_level, sorted(s.lines)) for s in r.suppressions),
        r.handlers,
        r.facts,
        r.note,
    )


@pytest.fixture(scope="module")
def survey() -> Survey:
    out = Survey()
    mp = pytest.MonkeyPatch()
    try:
        for folder in PROJECTS:
            mp.setattr(analyze_mod, "SCREENS", False)
            result = lint(folder)
            assert result.settings is not None
            rules = result.settings.instantiate()
            for path, job in sorted(result.jobs.items()):
                mp.setattr(analyze_mod, "SCREENS", False)
                parsed = analyze(job, result.settings)
                mp.setattr(analyze_mod, "SCREENS", True)
                screened = analyze(job, result.settings)
                where = path.relative_to(ROOT).as_posix()
                out.files += 1
                if _outcome(parsed) != _outcome(screened):
                    out.differ.append(f"{where}: {_outcome(parsed)} != {_outcome(screened)}")
                early = _ast_parse(path.read_bytes())
                if early is None:
                    continue
                sketch = Sketch(*early)
                links = handler_links(sketch, job.links, job.convention and not job.test_file)
                found = {f.rule_id for f in parsed.findings}
                wanted = False
                for rule, _ in rules:
                    if rule.handlers_only and not links:
                        continue
                    if not rule.wants(early[0], job.rel):
                        continue
                    if rule.screen(sketch, links):
                        wanted = True
                        continue
                    out.ruled_out[rule.id] += 1
                    if rule.id in found:
                        out.hidden.append(f"{where}: {rule.id} screened out but reports {[f.message for f in parsed.findings if f.rule_id == rule.id]}")
                if not wanted and links:
                    out.skipped += 1
    finally:
        mp.undo()
    return out


def test_there_is_something_to_check(survey: Survey) -> None:
    assert survey.files > 100
    assert SCREENED, "no rule has a screen"


def test_screens_never_hide_a_finding(survey: Survey) -> None:
    assert not survey.hidden, "\n".join(survey.hidden)


def test_screened_files_give_the_parsed_result(survey: Survey) -> None:
    assert not survey.differ, "\n".join(survey.differ)


@pytest.mark.parametrize("rule_id", SCREENED)
def test_screen_rules_something_out(survey: Survey, rule_id: str) -> None:
    assert survey.ruled_out[rule_id] > 0, f"{rule_id}'s screen never says no where its textual pre-check says yes"


def _stdlib_sample(count: int = 12) -> list[Path]:
    """Modules of the standard library (real code no fixture was written for), a fixed spread."""
    import sysconfig

    lib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in lib.glob("*.py") if 4_000 < p.stat().st_size < 40_000)
    step = max(1, len(files) // count)
    return files[::step][:count]


# every top-level function is taken as a handler, under each of these links
_LINKS = [None, (("api",), ("1.0",)), (("api", "sqs"), ("1.0",)), (("schedule",), ())]
_TIGHT = {"LL102": {"max-statements": 6, "max-complexity": 3, "max-routes": 1}, "LL110": {"min-seconds": 1}}


def default_and_tight(rule_ids: list[str]) -> list[list[tuple[CodeRule, Severity]]]:
    """These rules instantiated with their default options, and again with tight ones."""
    from lambdalint.code.analyze import CodeSettings

    return [
        CodeSettings(tuple((rid, 1, tuple(sorted(opts.get(rid, {}).items()))) for rid in rule_ids)).instantiate()
        for opts in ({}, _TIGHT)
    ]


def parsed_modules(paths: list[Path]) -> Iterator[tuple[Path, bytes, PyModule, Sketch]]:
    """Each module CPython can parse, with its bytes, libcst module and ``ast`` sketch."""
    for path in paths:
        data = path.read_bytes()
        early = _ast_parse(data)
        if early is not None:
            yield path, data, PyModule.parse(path, data), Sketch(*early)


def test_screens_hide_nothing_in_the_standard_library() -> None:
    """Differential check on code written by others: with every top-level function taken as a
    handler (by convention and under API, API-and-queue and schedule links, with default and tight
    options), a rule that reports something must not have been screened out."""
    from lambdalint.code.context import CodeContext, Handler, HandlerLink, convention_handlers

    code_rules = sorted(rid for rid, cls in all_rules().items() if issubclass(cls, CodeRule))
    settings = default_and_tight(code_rules)
    hidden, fired = [], 0
    for path, _data, mod, sketch in parsed_modules(_stdlib_sample()):
        for kinds in _LINKS:
            if kinds is None:
                links = [HandlerLink(name) for name in convention_handlers(mod)]
            else:
                links = [HandlerLink(name, ("Fn",), *kinds) for name in mod.functions]
            handlers = [Handler(mod.functions[link.name], link) for link in links]
            if not handlers:
                continue
            for rules in settings:
                for rule, severity in rules:
                    if not rule.wants(mod.text, path.name):
                        continue
                    ctx = CodeContext(mod, path.name, handlers, rule.id, severity, rule.opts)
                    lines = [f.location.line for f in rule.check(ctx)]
                    if not lines:
                        continue
                    fired += 1
                    if not rule.screen(sketch, links):
                        hidden.append(f"{path.name} {rule.id} {kinds} {rule.opts}: screened out, reports at lines {lines[:5]}")
    assert fired > 20, "the sample makes too few rules fire to prove anything"
    assert not hidden, "\n".join(hidden)


def test_sketch_segment_is_ast_get_source_segment() -> None:
    import ast

    text = 'a = "é"  ;  b = "x" \\\n  + "y"\r\nc = f("ü", \'k\')\rd = {"batchItemFailures": []}\n\x0ce = 1\n'
    sketch = Sketch(text, ast.parse(text))
    seen = 0
    for node in ast.walk(sketch.tree):
        if isinstance(node, ast.expr):
            expected = ast.get_source_segment(text, node)
            if node.lineno == node.end_lineno:
                assert sketch.segment(node) == expected
                seen += 1
            else:
                assert sketch.segment(node) is None
    assert seen > 10
