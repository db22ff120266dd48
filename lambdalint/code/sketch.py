"""A cheap first look at a handler module, through CPython's ``ast`` (parsed at C speed).

libcst's parse is most of what analysing a handler costs, yet most handler files hold no
finding. Before paying for it, each enabled code rule is asked whether it *could* report
something in the module, from this sketch (``CodeRule.screen``). When no rule can, the file
is not parsed with libcst at all.

A screen must be conservative: it may say "could" for a file where the rule then finds
nothing, but never "could not" for a file where it finds something. So a screen only asks
for something the rule's check cannot do without (a call that may resolve to a factory, a
broad ``except``, a function long enough to be reported...), over-approximates whatever it
cannot tell cheaply (every import binding of a name is a candidate, every function of the
module may be reached), and a rule without a screen always says "could".
``tests/test_screens.py`` checks on every fixture and example that screening changes no
finding.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TypeVar

from lambdalint.code.context import CONTEXT_NAMES, CONVENTION_NAMES, EVENT_NAMES, HandlerLink

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
N = TypeVar("N", bound=ast.AST)


class Sketch:
    """One module as ``ast`` sees it, indexed once by node type."""

    def __init__(self, text: str, tree: ast.Module) -> None:
        self.text = text
        self.tree = tree
        self._by_type = by_type = _index(tree)
        # the module's top-level functions, found as PyModule finds them (through if/try/with)
        self.functions: dict[str, FunctionNode] = {}
        for stmt in _statements(tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[stmt.name] = stmt
        # every name any import in the module binds, anywhere (module level or in a function),
        # with every dotted name it may stand for
        self.imports: defaultdict[str, set[str]] = defaultdict(set)
        for imp in by_type.get(ast.Import, ()):
            for alias in imp.names:  # type: ignore[attr-defined]
                if alias.asname:
                    self.imports[alias.asname].add(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.imports[top].add(top)
        for imp in by_type.get(ast.ImportFrom, ()):
            if imp.level or not imp.module:  # type: ignore[attr-defined]
                continue  # relative imports point into the project itself
            for alias in imp.names:  # type: ignore[attr-defined]
                if alias.name != "*":
                    self.imports[alias.asname or alias.name].add(f"{imp.module}.{alias.name}")  # type: ignore[attr-defined]

    def nodes(self, kind: type[N]) -> list[N]:
        """Every node of exactly this type, anywhere in the module."""
        return self._by_type.get(kind, [])  # type: ignore[return-value]

    def quals(self, expr: ast.expr) -> set[str]:
        """Every dotted name ``expr`` may stand for: its base as written and through each import
        that binds it (a superset of what ``PyModule.qualname`` resolves in any scope); empty
        when ``expr`` is not a name chain."""
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return set()
        rest = "".join("." + p for p in reversed(parts))
        out = {node.id + rest}
        for base in self.imports.get(node.id, ()):
            out.add(base + rest)
        return out

    def calls_any(self, wanted: Iterable[str]) -> bool:
        """Whether some call in the module may resolve to one of these dotted names."""
        wanted = set(wanted)
        return any(self.quals(call.func) & wanted for call in self.nodes(ast.Call))

    def called_attrs(self) -> set[str]:
        """Last names of every called name chain (``s3.put_object(...)`` -> ``put_object``)."""
        out = set()
        for call in self.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute):
                out.add(func.attr)
            elif isinstance(func, ast.Name):
                out.add(func.id)
        return out

    def handler_functions(self, handlers: Iterable[str]) -> list[FunctionNode]:
        return [self.functions[name] for name in handlers if name in self.functions]

    def reach(self, handlers: Iterable[str]) -> list[FunctionNode]:
        """The handlers and every top-level function they may call, at any depth (a superset of
        ``CodeContext.reachable``, which follows calls by plain name a few levels deep)."""
        todo = self.handler_functions(handlers)
        seen = {id(fn) for fn in todo}
        out: list[FunctionNode] = []
        while todo:
            fn = todo.pop()
            out.append(fn)
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    callee = self.functions.get(node.func.id)
                    if callee is not None and id(callee) not in seen:
                        seen.add(id(callee))
                        todo.append(callee)
        return out


_FIELDS: dict[type, tuple[str, ...]] = {}


def _index(tree: ast.AST) -> defaultdict[type, list[ast.AST]]:
    """Every node by exact type: ``ast.walk`` without the expression contexts (Load, Store), in
    about half its time."""
    by_type: defaultdict[type, list[ast.AST]] = defaultdict(list)
    stack: list[ast.AST] = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        by_type[kind].append(node)
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = tuple(f for f in kind._fields if f != "ctx")
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push(item)
            elif isinstance(value, ast.AST):
                push(value)
    return by_type


def convention_handlers(sketch: Sketch) -> list[str]:
    """``lambdalint.code.context.convention_handlers``, from the sketch."""
    out = []
    for name, fn in sketch.functions.items():
        params = [a.arg for a in fn.args.args]
        if name in CONVENTION_NAMES or (len(params) == 2 and params[0] in EVENT_NAMES and params[1] in CONTEXT_NAMES):
            out.append(name)
    return out


def handler_links(sketch: Sketch, links: Iterable[HandlerLink], convention: bool) -> list[HandlerLink]:
    """The handlers ``lambdalint.code.analyze`` would check in this module: the linked ones it
    defines, then (for a file no template governs) those found by convention."""
    out = [link for link in links if link.name in sketch.functions]
    if convention:
        linked = {link.name for link in out}
        out.extend(HandlerLink(name) for name in convention_handlers(sketch) if name not in linked)
    return out


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a block, flattening if/else, try/except/else/finally and with, as
    ``lambdalint.code.module._statements`` does for libcst."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _statements(stmt.body)
            yield from _statements(stmt.orelse)
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            yield from _statements(stmt.body)
            for h in stmt.handlers:
                yield from _statements(h.body)
            yield from _statements(stmt.orelse)
            yield from _statements(stmt.finalbody)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _statements(stmt.body)
