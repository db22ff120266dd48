"""What a code rule sees: one parsed module, its handlers and a small same-module call graph."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from lambdalint.code.module import PyModule, walk
from lambdalint.model import Finding, Fix, Location, Severity

# (event, context) parameter names accepted by the convention fallback
EVENT_NAMES = {"event", "evt", "_event"}
CONTEXT_NAMES = {"context", "ctx", "_context", "_ctx", "lambda_context"}
CONVENTION_NAMES = {"lambda_handler", "handler"}
TEST_FILE = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$")


@dataclass(frozen=True)
class HandlerLink:
    """A handler function in a module, and what the templates say about it."""

    name: str
    functions: tuple[str, ...] = ()  # template function ids deploying it; empty: by convention
    event_kinds: tuple[str, ...] = ()
    payload_formats: tuple[str, ...] = ()  # "1.0" / "2.0" / "unknown" per HTTP event

    @property
    def by_convention(self) -> bool:
        return not self.functions


@dataclass
class Handler:
    node: cst.FunctionDef
    link: HandlerLink

    @property
    def name(self) -> str:
        return self.node.name.value


def is_test_file(rel_posix: str) -> bool:
    return bool(TEST_FILE.search(rel_posix))


def convention_handlers(mod: PyModule) -> list[str]:
    """Top-level functions that look like Lambda handlers when no template says which are."""
    out = []
    for name, fn in mod.functions.items():
        params = [p.name.value for p in fn.params.params]
        if name in CONVENTION_NAMES or (
            len(params) == 2 and params[0] in EVENT_NAMES and params[1] in CONTEXT_NAMES
        ):
            out.append(name)
    return out


@dataclass
class CodeContext:
    mod: PyModule
    rel_path: str
    handlers: list[Handler]
    rule_id: str = ""
    severity: Severity = Severity.WARNING
    options: dict[str, Any] = field(default_factory=dict)
    want_fixes: bool = False  # compute Fix objects (costly: a code generation and a re-parse)

    @property
    def path(self) -> Path:
        return self.mod.path

    def location(self, node: cst.CSTNode) -> Location:
        pos = self.mod.position(node)
        return Location(self.mod.path, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)

    def finding(
        self, node: cst.CSTNode, message: str, logical: str = "", fix: Fix | None = None
    ) -> Finding:
        return Finding(
            rule_id=self.rule_id,
            message=message,
            location=self.location(node),
            severity=self.severity,
            logical=logical,
            fix=fix,
            fixable=fix is not None,
        )

    # ------------------------------------------------------------------ call graph

    def reachable(self, handler: Handler, depth: int = 3) -> Iterator[tuple[cst.FunctionDef, list[str]]]:
        """The handler and the same-module functions it calls (transitively, up to ``depth``),
        each with the call path from the handler (``["lambda_handler", "get_client"]``)."""
        seen = {handler.node}
        queue: list[tuple[cst.FunctionDef, list[str]]] = [(handler.node, [handler.name])]
        while queue:
            fn, path = queue.pop(0)
            yield fn, path
            if len(path) > depth:
                continue
            for callee in self.callees(fn):
                if callee not in seen:
                    seen.add(callee)
                    queue.append((callee, [*path, callee.name.value]))

    def callees(self, fn: cst.FunctionDef) -> Iterator[cst.FunctionDef]:
        for node in self.mod.body_nodes(fn):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                target = self.mod.functions.get(node.func.value)
                if target is not None:
                    yield target


def body_nodes(fn: cst.FunctionDef) -> Iterator[cst.CSTNode]:
    """Nodes that run when ``fn`` runs (nested defs, classes and lambdas excluded)."""
    return walk(fn.body, skip_nested=True)


def decorator_names(mod: PyModule, fn: cst.FunctionDef) -> list[str]:
    out = []
    for dec in fn.decorators:
        expr = dec.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        name = mod.qualname(expr)
        if name:
            out.append(name)
    return out


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal (no f-string), else None."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    pos = [a for a in call.args if a.keyword is None and not a.star]
    return pos[index] if index < len(pos) else None
