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
finding, and on standard-library modules (every top-level function taken as a handler) that
no rule that reports was screened out.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TypeVar

from lambdalint.code.context import CONTEXT_NAMES, CONVENTION_NAMES, EVENT_NAMES, HandlerLink

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
N = TypeVar("N", bound=ast.AST)


class Sketch:
    """One module as ``ast`` sees it, indexed once by node type."""

    def __init__(self, text: str, tree: ast.Module) -> None:
        self.text = text
        self.tree = tree
        self._bodies: dict[int, list[ast.AST]] = {}
        self._lines: list[str] | None = None
        self._callees: dict[int, list[str]] | None = None  # see _call_graph
        self._by_type = by_type = _index(tree)
        # the module's top-level functions, found as PyModule finds them (through if/try/with)
        self.functions: dict[str, FunctionNode] = {}
        for stmt in statements(tree.body):
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

    def segment(self, node: ast.expr) -> str | None:
        """``ast.get_source_segment`` for a node on one line, without splitting the whole
        text on every call (None for a node that spans lines)."""
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            return None
        if self._lines is None:
            self._lines = _LINE.findall(self.text)  # ast's own line breaks: \r\n, \r, \n
        if not 0 < node.lineno <= len(self._lines):
            return None
        line = self._lines[node.lineno - 1].encode()  # the offsets count UTF-8 bytes
        return line[node.col_offset : node.end_col_offset].decode(errors="replace")

    def nodes(self, kind: type[N]) -> list[N]:
        """Every node of exactly this type, anywhere in the module (expression contexts such
        as ``ast.Load`` are not indexed)."""
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

    def body_nodes(self, fn: FunctionNode) -> list[ast.AST]:
        """``body_nodes(fn.body)``, computed once per function and shared by the screens."""
        nodes = self._bodies.get(id(fn))
        if nodes is None:
            nodes = self._bodies[id(fn)] = body_nodes(fn.body)
        return nodes

    def handler_functions(self, handlers: Iterable[str]) -> list[FunctionNode]:
        return [self.functions[name] for name in handlers if name in self.functions]

    def reach(self, handlers: Iterable[str]) -> list[FunctionNode]:
        """The handlers and every top-level function they may call, at any depth (a superset of
        ``CodeContext.reachable``, which follows calls by plain name a few levels deep)."""
        callees = self._callees if self._callees is not None else self._call_graph()
        todo = self.handler_functions(handlers)
        seen = {fn.name for fn in todo}
        out: list[FunctionNode] = []
        while todo:
            fn = todo.pop()
            out.append(fn)
            for name in callees.get(id(fn), ()):
                if name not in seen:
                    seen.add(name)
                    todo.append(self.functions[name])
        return out

    def _call_graph(self) -> dict[int, list[str]]:
        """For each top-level function (by id), the top-level functions it calls by plain name,
        anywhere in it (decorators, defaults and nested defs included, as ``ast.walk`` of the
        function would find them), from the indexed calls. Top-level statements never share a
        line, so a call belongs to the function whose lines (from its first decorator) hold it."""
        spans = sorted(
            (min([fn.lineno, *(d.lineno for d in fn.decorator_list)]), fn.end_lineno or fn.lineno, fn)
            for fn in self.functions.values()
        )
        starts = [first for first, _, _ in spans]
        graph: dict[int, list[str]] = {}
        functions = self.functions
        for call in self.nodes(ast.Call):
            func = call.func
            if type(func) is not ast.Name or func.id not in functions:
                continue
            at = bisect_right(starts, call.lineno) - 1
            if at >= 0 and call.lineno <= spans[at][1]:
                graph.setdefault(id(spans[at][2]), []).append(func.id)
        self._callees = graph
        return graph

    def reached(self, nodes: Iterable[N], handlers: Iterable[str]) -> Iterator[tuple[N, FunctionNode]]:
        """Each of ``nodes`` that lies in a function of ``reach(handlers)``, with that function.
        Top-level functions do not share lines, so a node lies in one when its first line is
        within the function's lines (a node of a nested def counts too: a superset)."""
        spans = [(fn.lineno, fn.end_lineno or fn.lineno, fn) for fn in self.reach(handlers)]
        if not spans:
            return
        for node in nodes:
            line = getattr(node, "lineno", 0)
            for first, last, fn in spans:
                if first <= line <= last:
                    yield node, fn
                    break


def body_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """The ``ast`` counterpart of ``walk_code(fn.body, skip_nested=True)``: every node of these
    statements (in no particular order, expression contexts such as ``ast.Load`` left out); a
    nested function, class or lambda is listed itself but not entered."""
    return _walk(body, _NESTED)


_NESTED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
_NOTHING: frozenset[type] = frozenset()
_FIELDS: dict[type, tuple[str, ...]] = {}


def _walk(roots: Iterable[ast.AST], stop: frozenset[type] = _NOTHING) -> list[ast.AST]:
    """Every node below ``roots`` (themselves included), in no particular order: ``ast.walk``
    without the expression contexts (Load, Store), in about half its time. A node of a type in
    ``stop`` is listed but not entered."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(roots)
    pop, push, append = stack.pop, stack.append, out.append
    while stack:
        node = pop()
        append(node)
        kind = type(node)
        if kind in stop:
            continue
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
    return out


def _index(tree: ast.AST) -> defaultdict[type, list[ast.AST]]:
    """Every node by exact type (expression contexts left out)."""
    by_type: defaultdict[type, list[ast.AST]] = defaultdict(list)
    for node in _walk([tree]):
        by_type[type(node)].append(node)
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


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a block, flattening if/else, try/except/else/finally and with, as
    ``lambdalint.code.module._statements`` does for libcst (the compound statements too)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from statements(stmt.body)
            yield from statements(stmt.orelse)
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            yield from statements(stmt.body)
            for h in stmt.handlers:
                yield from statements(h.body)
            yield from statements(stmt.orelse)
            yield from statements(stmt.finalbody)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from statements(stmt.body)


# ---------------------------------------------------------------- ast counterparts of the
# helpers the flow-following rules use (lambdalint.code.taint), shared by their screens


def dotted(expr: ast.expr) -> str | None:
    """``a.b.c`` for a name chain, else None."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


def call_args(call: ast.Call, skip: frozenset[str] | set[str] = frozenset()) -> list[ast.expr]:
    """The argument expressions of a call, as libcst's ``arg.value`` (``*x`` -> ``x``), without
    the keyword arguments named in ``skip``."""
    out = [a.value if isinstance(a, ast.Starred) else a for a in call.args]
    out.extend(kw.value for kw in call.keywords if kw.arg is None or kw.arg not in skip)
    return out


def bound_names(target: ast.expr) -> list[str]:
    """What ``taint.Flow.bind`` may put in its environment for this assignment target."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for el in target.elts for name in bound_names(el)]
    if isinstance(target, ast.Starred):
        return bound_names(target.value)
    if isinstance(target, ast.Subscript):
        node: ast.expr = target
        while isinstance(node, (ast.Subscript, ast.Attribute)):
            node = node.value
        return [node.id] if isinstance(node, ast.Name) else []
    if isinstance(target, ast.Attribute):
        name = dotted(target)
        return [name] if name else []
    return []


def bind_arguments(fn: FunctionNode, call: ast.Call) -> list[tuple[str, ast.expr]]:
    """``taint.bind_arguments``: (parameter, argument) pairs, ``*args``/``**kwargs`` ignored."""
    params = [p.arg for p in [*fn.args.posonlyargs, *fn.args.args]]
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    out = list(zip(params, positional, strict=False))
    names = {*params, *(p.arg for p in fn.args.kwonlyargs)}
    out.extend((kw.arg, kw.value) for kw in call.keywords if kw.arg is not None and kw.arg in names)
    return out


def may_be_log_sink(sketch: Sketch, call: ast.Call) -> bool:
    """Whether ``taint.log_sink`` may name this call (any receiver of a logger method counts)."""
    from lambdalint.code.taint import LOG_METHODS, PRINT_FUNCTIONS, STREAM_WRITES

    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
        return True
    return bool(sketch.quals(func) & (PRINT_FUNCTIONS | STREAM_WRITES))
