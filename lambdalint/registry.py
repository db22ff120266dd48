"""The rule registry: every rule's metadata, docs and examples in one place.

A rule is a class with its metadata as class attributes and one ``check`` method. Its
scope decides what ``check`` receives:

- ``code``: a :class:`lambdalint.code.context.CodeContext` (one Python file with its handlers);
- ``function``: one :class:`lambdalint.model.Function`;
- ``project``: the whole :class:`lambdalint.model.Project` plus per-file code facts.

``rules/LLxxx.md``, ``lambdalint rule LLxxx`` and the SARIF rule metadata are all rendered from
these attributes (see :mod:`lambdalint.docs`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from lambdalint.model import Finding, Severity

if TYPE_CHECKING:
    import ast

    from lambdalint.code.context import CodeContext, HandlerLink
    from lambdalint.code.sketch import Sketch
    from lambdalint.model import Function, Project

Scope = Literal["code", "function", "project", "input"]
Precision = Literal["very-high", "high", "medium", "low"]


@dataclass(frozen=True)
class Example:
    """A file that must make the rule fire (invalid) or stay quiet (valid).

    ``files`` maps relative paths to contents; the example project is linted as a whole and the
    rule must report at least one finding (invalid) or none (valid).
    """

    files: dict[str, str]
    note: str = ""

    @classmethod
    def code(cls, source: str, note: str = "") -> Example:
        return cls({"app.py": source}, note)


@dataclass(frozen=True)
class RuleMeta:
    id: str
    name: str
    family: str
    scope: Scope
    severity: Severity
    summary: str
    doc: str
    tags: tuple[str, ...]
    precision: Precision
    fixable: bool
    options: dict[str, Any]
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]
    security_severity: float | None
    default_enabled: bool
    references: tuple[str, ...] = field(default=())


class Rule:
    """Base class: subclass, fill in the metadata, implement ``check``, decorate with @register."""

    id: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[str]
    scope: ClassVar[Scope]
    severity: ClassVar[Severity] = Severity.WARNING
    summary: ClassVar[str]
    doc: ClassVar[str] = ""  # Markdown: what / why / how to fix
    tags: ClassVar[tuple[str, ...]] = ()
    precision: ClassVar[Precision] = "high"
    fixable: ClassVar[bool] = False
    options: ClassVar[dict[str, Any]] = {}  # defaults; overridden by [tool.lambdalint.LLxxx]
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()
    security_severity: ClassVar[float | None] = None  # CVSS-like 0-10 for security rules
    default_enabled: ClassVar[bool] = True
    references: ClassVar[tuple[str, ...]] = ()
    # what a function or project rule reads besides the project model, which decides whether
    # a run after edits to Python files only may reuse its findings: "model" (nothing else:
    # reused), "packages" (files on disk: again for packages holding a changed file),
    # "code-facts" (the facts of every Python file: again when facts changed), "code-files"
    # (reads code files itself: again whenever the model is loaded); None: always again
    reads: ClassVar[str | None] = None

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.opts: dict[str, Any] = {**self.options, **(options or {})}

    @classmethod
    def meta(cls) -> RuleMeta:
        return RuleMeta(
            id=cls.id,
            name=cls.name,
            family=cls.family,
            scope=cls.scope,
            severity=cls.severity,
            summary=cls.summary,
            doc=cls.doc.strip("\n"),
            tags=cls.tags,
            precision=cls.precision,
            fixable=cls.fixable,
            options=dict(cls.options),
            valid=cls.valid,
            invalid=cls.invalid,
            security_severity=cls.security_severity,
            default_enabled=cls.default_enabled,
            references=cls.references,
        )


class CodeRule(Rule):
    """Checks one Python module. ``handlers_only`` rules never run on files without handlers
    (so those files need not even be parsed); ``needles`` is a cheap textual pre-filter: the
    rule is skipped for a file that contains none of them."""

    scope: ClassVar[Scope] = "code"
    handlers_only: ClassVar[bool] = True
    needles: ClassVar[tuple[str, ...]] = ()
    # What ``check`` reads of the module. "module": anything (but see ``needs``). "handlers":
    # only module-level code and the handlers. "reach": those, and the top-level functions
    # they refer to by name, at any depth (everything ``CodeContext.reachable`` follows is
    # among them). Never a class body, in both. The other top-level functions and classes may
    # reach ``check`` with an empty body (see lambdalint.code.partial); ``mod.text`` is always
    # the whole file. Only a rule whose check has been read for this may say "handlers" or
    # "reach": a wrong answer hides findings.
    reads: ClassVar[Literal["module", "handlers", "reach"]] = "module"

    def wants(self, text: str, rel_path: str) -> bool:
        """Cheap textual pre-check, before any parse: could this file hold a finding?"""
        return not self.needles or any(n in text for n in self.needles)

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        """Could the rule report anything in this module? Asked before the costly libcst parse,
        from a cheap ``ast`` sketch of it (see lambdalint.code.sketch), with the handlers the
        check would get. It must never answer False for a module where ``check`` reports
        something; when no enabled rule answers True, the file is not parsed at all.
        The default always answers True."""
        return True

    def needs(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> Sequence[ast.AST] | None:
        """For a rule that reads "module", asked after its screen said yes: the ``ast`` nodes
        of the sketch its check must see whole. The top-level functions and classes that hold
        none of them may reach ``check`` with an empty body; module-level code is always
        there. None (the default): the check needs every one. Like ``screen``, it must never
        leave out something the check's answer depends on."""
        return None

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        raise NotImplementedError


class FunctionRule(Rule):
    """Checks one function of the project model (any template format)."""

    scope: ClassVar[Scope] = "function"

    def check(self, fn: Function) -> Iterator[Finding]:
        raise NotImplementedError


class ProjectRule(Rule):
    """Checks the whole model at once (shared roles, queues, template <-> code)."""

    scope: ClassVar[Scope] = "project"

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        raise NotImplementedError


_REGISTRY: dict[str, type[Rule]] = {}
_LOADED = False


def register(cls: type[Rule]) -> type[Rule]:
    rid = cls.id
    if rid in _REGISTRY and _REGISTRY[rid] is not cls:
        raise RuntimeError(f"rule id {rid} registered twice ({_REGISTRY[rid].__name__}, {cls.__name__})")
    for attr in ("name", "family", "scope", "summary"):
        if not getattr(cls, attr, None):
            raise RuntimeError(f"rule {rid} has no {attr}")
    _REGISTRY[rid] = cls
    return cls


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import lambdalint.rules as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")
    # third-party rule packages declare an entry point in the "lambdalint.rules" group
    for ep in entry_points(group="lambdalint.rules"):
        ep.load()


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule class by id, sorted by id."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def get_rule(rule_id: str) -> type[Rule] | None:
    return all_rules().get(rule_id.upper())


def rules_matching(prefixes: Iterable[str]) -> Iterator[str]:
    """Rule ids matching any of the given ids/prefixes (``LL1``, ``LL30``, ``ALL``)."""
    ids = list(all_rules())
    for prefix in prefixes:
        p = prefix.strip().upper()
        if p == "ALL":
            yield from ids
            continue
        yield from (rid for rid in ids if rid.startswith(p))
