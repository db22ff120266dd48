"""LL114: module-level container grown inside the handler (state leaks across invocations)."""

from __future__ import annotations

import ast
import fnmatch
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, decorator_names, keyword
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import Sketch, statements
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

CONTAINER_FACTORIES = {
    "list": "list",
    "dict": "dict",
    "set": "set",
    "collections.defaultdict": "dict",
    "collections.OrderedDict": "dict",
    "collections.Counter": "dict",
    "collections.deque": "deque",
    "typing.List": "list",
}
GROW_METHODS = {"append", "extend", "add", "update", "insert", "appendleft", "extendleft", "__setitem__"}
RESET_METHODS = {"clear"}
CACHE_DECORATORS = (
    "functools.cache",
    "functools.lru_cache",
    "functools.cached_property",
    "cachetools.cached",
    "cachetools.func.ttl_cache",
    "cachetools.func.lru_cache",
)


def container_kind(mod: PyModule, value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.List):
        return "list"
    if isinstance(value, cst.Dict):
        return "dict"
    if isinstance(value, cst.Set):
        return "set"
    if isinstance(value, cst.Call):
        qual = mod.call_name(value)
        if qual == "collections.deque" and keyword(value, "maxlen") is not None:
            return None  # a bounded ring buffer
        return CONTAINER_FACTORIES.get(qual or "")
    return None


@dataclass
class Mutation:
    node: cst.CSTNode
    name: str
    how: str


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            yield from _target_names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def scope_names(mod: PyModule, fn: cst.FunctionDef) -> tuple[set[str], set[str]]:
    """(local names, names declared ``global``) of a function."""
    local = {p.name.value for p in [*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params]}
    for star in (fn.params.star_arg, fn.params.star_kwarg):
        if isinstance(star, cst.Param):
            local.add(star.name.value)
    globals_: set[str] = set()
    for node in mod.body_nodes(fn):
        if isinstance(node, cst.Global):
            globals_.update(n.name.value for n in node.names)
        elif isinstance(node, cst.Assign):
            for t in node.targets:
                local.update(_target_names(t.target))
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor)):
            local.update(_target_names(node.target))
        elif isinstance(node, cst.AsName) and isinstance(node.name, (cst.Name, cst.Tuple, cst.List)):
            local.update(_target_names(node.name))
        elif isinstance(node, cst.NamedExpr):
            local.update(_target_names(node.target))
        elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if alias.asname is not None:
                    local.update(_target_names(alias.asname.name))
                elif isinstance(alias.name, cst.Name):
                    local.add(alias.name.value)
    # a name declared global is the module's, even when assigned here (the assignment rebinds it)
    for fn_def in [n for n in walk_code(fn.body, skip_nested=False) if isinstance(n, cst.FunctionDef)]:
        local.add(fn_def.name.value)
    return local - globals_, globals_


def _constant_key(sub: cst.Subscript) -> bool:
    if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
        return False
    return isinstance(sub.slice[0].slice.value, (cst.SimpleString, cst.Integer, cst.Float))


def _fixed_keys(method: str, call: cst.Call) -> bool:
    """``HEADERS.update({"X-Id": rid})``, ``d.update(a=1)``, ``FLAGS.add("warm")``: the same keys on
    every invocation, overwritten rather than accumulated."""
    if method == "update" and call.args:
        if all(a.keyword is not None for a in call.args):
            return True
        if len(call.args) == 1 and isinstance(call.args[0].value, cst.Dict):
            return all(
                isinstance(el, cst.DictElement) and isinstance(el.key, (cst.SimpleString, cst.Integer))
                for el in call.args[0].value.elements
            )
    if method == "add" and len(call.args) == 1:
        return isinstance(call.args[0].value, (cst.SimpleString, cst.Integer))
    return False


def _exits(suite: cst.BaseSuite) -> bool:
    """A block that ends by leaving the function (``return`` / ``raise``)."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return isinstance(suite.body[-1], (cst.Return, cst.Raise))
    last = suite.body[-1] if isinstance(suite, cst.IndentedBlock) and suite.body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Return, cst.Raise))


def _base_name(expr: cst.BaseExpression) -> str | None:
    return expr.value if isinstance(expr, cst.Name) else None


class Analysis:
    """Mutations, resets and cache guards of module containers in one function."""

    def __init__(self, mod: PyModule, containers: dict[str, str], fn: cst.FunctionDef) -> None:
        self.containers = containers
        self.mod = mod
        local, self.globals = scope_names(mod, fn)
        self.visible = {n for n in containers if n not in local}
        self.mutations: list[Mutation] = []
        self.resets: set[str] = set()
        self.guarded: set[str] = set()  # membership-tested: a memo cache
        self.lazy: dict[str, set[cst.CSTNode]] = {}  # nodes inside `if <test of the container>:`
        if self.visible:
            self._scan(fn)

    def _scan(self, fn: cst.FunctionDef) -> None:
        for node in self.mod.body_nodes(fn):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                self._call(node, node.func)
            elif isinstance(node, cst.Assign):
                for t in node.targets:
                    self._store(node, t.target)
            elif isinstance(node, cst.AugAssign):
                target = node.target
                if isinstance(target, cst.Name) and target.value in self.containers and target.value in self.globals:
                    if isinstance(node.operator, (cst.AddAssign, cst.BitOrAssign)):
                        op = "+=" if isinstance(node.operator, cst.AddAssign) else "|="
                        self.mutations.append(Mutation(node, target.value, f"`{target.value} {op} ...`"))
                else:
                    self._store(node, target)
            elif isinstance(node, cst.Del):
                self._delete(node.target)
            elif isinstance(node, cst.Comparison):
                for comp in node.comparisons:
                    if isinstance(comp.operator, (cst.In, cst.NotIn)):
                        name = _base_name(comp.comparator)
                        if name in self.visible:
                            self.guarded.add(name)
            if isinstance(node, cst.If):
                # `if not CONFIG: CONFIG.update(...)`: filled under a test of its own state,
                # lazy initialisation (only the mutations inside that `if` are exempt)
                names = {s.value for s in [node.test, *walk_code(node.test)] if isinstance(s, cst.Name)} & self.visible
                if names and _exits(node.body):
                    self.guarded.update(names)  # `if CONFIG: return CONFIG` then fill it: lazy init
                elif names:
                    inside = set(walk_code(node.body, skip_nested=True))
                    for name in names:
                        self.lazy.setdefault(name, set()).update(inside)
        for name in self.globals:
            if name in self.containers and any(
                isinstance(n, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets)
                for n in self.mod.body_nodes(fn)
            ):
                self.resets.add(name)  # `global x; x = []`: a fresh container

    def _call(self, call: cst.Call, func: cst.Attribute) -> None:
        method = func.attr.value
        receiver = func.value
        # CACHE.setdefault(k, []).append(v): grows the container under CACHE
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and receiver.func.attr.value == "setdefault":
            name = _base_name(receiver.func.value)
            if name in self.visible and method in GROW_METHODS:
                self.mutations.append(Mutation(call, name, f"`{name}.setdefault(...).{method}(...)`"))
            return
        if isinstance(receiver, cst.Subscript) and method in GROW_METHODS:
            name = _base_name(receiver.value)  # GROUPS[key].append(v): grows what GROUPS holds
            if name in self.visible:
                self.mutations.append(Mutation(call, name, f"`{name}[...].{method}(...)`"))
            return
        name = _base_name(receiver)
        if name not in self.visible:
            return
        if method in GROW_METHODS and not _fixed_keys(method, call):
            self.mutations.append(Mutation(call, name, f"`{name}.{method}(...)`"))
        elif method in RESET_METHODS:
            self.resets.add(name)
        elif method == "get":
            self.guarded.add(name)  # `if CACHE.get(key) is None: CACHE[key] = ...`

    def _store(self, stmt: cst.CSTNode, target: cst.BaseExpression) -> None:
        if not isinstance(target, cst.Subscript):
            return
        name = _base_name(target.value)
        if name not in self.visible:
            return
        sl = target.slice[0].slice if len(target.slice) == 1 else None
        if isinstance(sl, cst.Slice) and sl.lower is None and sl.upper is None:
            self.resets.add(name)  # results[:] = []
            return
        if _constant_key(target):
            return  # overwriting a fixed key does not grow the container
        self.mutations.append(Mutation(stmt, name, f"`{name}[...] = ...`"))

    def _delete(self, target: cst.BaseExpression) -> None:
        targets = [e.value for e in target.elements] if isinstance(target, cst.Tuple) else [target]
        for t in targets:
            if isinstance(t, cst.Subscript):
                name = _base_name(t.value)
                sl = t.slice[0].slice if len(t.slice) == 1 else None
                if name in self.visible and isinstance(sl, cst.Slice) and sl.lower is None and sl.upper is None:
                    self.resets.add(name)


# ---------------------------------------------------------------- screen (on the ast sketch)


def _module_assignments(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr]]:
    """Every ``name = value`` / ``name: T = value`` at module level, through if/try/with as
    ``PyModule._index`` looks (every one, not only the last binding of a name)."""
    for stmt in statements(body):
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    yield target.id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
            yield stmt.target.id, stmt.value


def _may_be_container(sketch: Sketch, value: ast.expr) -> bool:
    """A superset of ``container_kind(...) is not None`` (a bounded deque counts too)."""
    if isinstance(value, (ast.List, ast.Dict, ast.Set)):
        return True
    return isinstance(value, ast.Call) and bool(sketch.quals(value.func) & CONTAINER_FACTORIES.keys())


_SINGLE_STRING = re.compile(tokenize.String)


class _Literals:
    """Which ast constants libcst sees as one literal of the types the check treats as fixed
    keys (an implicitly concatenated ``"a" "b"`` is one ast Constant but a libcst
    ConcatenatedString; ``True`` is a Constant but a libcst Name)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    def string(self, node: ast.Constant) -> bool:
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            return False  # multi-line: may be concatenated; not fixed (over-approximates)
        if self._lines is None:
            self._lines = re.split(r"\r\n|\r|\n", self.text)  # as ast counts lines
        if node.lineno > len(self._lines):
            return False
        try:  # ast offsets count utf-8 bytes
            segment = self._lines[node.lineno - 1].encode()[node.col_offset : node.end_col_offset].decode()
        except UnicodeError:
            return False
        return _SINGLE_STRING.fullmatch(segment) is not None

    def simple(self, node: ast.expr, floats: bool) -> bool:
        """A libcst SimpleString or Integer (or Float, with ``floats``)."""
        if not isinstance(node, ast.Constant):
            return False
        value = node.value
        if isinstance(value, (str, bytes)):
            return self.string(node)
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (floats and isinstance(value, float))


def _fixed_keys_ast(lit: _Literals, method: str, call: ast.Call) -> bool:
    """``_fixed_keys`` on the ast: True only where it is True on the libcst call."""
    if method == "update":
        if not call.args and call.keywords:
            return all(k.arg is not None for k in call.keywords)  # `**kw` is no fixed key
        if len(call.args) == 1 and not call.keywords and isinstance(call.args[0], ast.Dict):
            d = call.args[0]
            return all(k is not None and lit.simple(k, floats=False) for k in d.keys)  # None: `**x`
    if method == "add" and len(call.args) == 1 and not call.keywords:
        return lit.simple(call.args[0], floats=False)
    return False


def _may_mutate(sketch: Sketch, names: set[str], fns: Sequence[ast.AST]) -> bool:
    """Whether these functions (nested code included) hold something ``Analysis`` may record as
    a mutation of one of ``names``, ignoring what it exempts (shadowing locals, resets, guards,
    lazy initialisation) except fixed keys, which are judged the same way here."""
    lit = _Literals(sketch.text)
    for fn in fns:
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method, receiver = node.func.attr, node.func.value
                if method not in GROW_METHODS:
                    continue
                if isinstance(receiver, ast.Call):
                    inner = receiver.func  # CACHE.setdefault(k, []).append(v)
                    base = inner.value if isinstance(inner, ast.Attribute) and inner.attr == "setdefault" else None
                elif isinstance(receiver, ast.Subscript):
                    base = receiver.value  # GROUPS[key].append(v)
                else:
                    base = receiver
                    if _fixed_keys_ast(lit, method, node):
                        continue
                if isinstance(base, ast.Name) and base.id in names:
                    return True
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                # `X[key] = v`, `X[key] += v` (any store: a superset of Assign / AugAssign targets)
                if isinstance(node.value, ast.Name) and node.value.id in names and not lit.simple(node.slice, floats=True):
                    return True
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id in names:
                return True  # `global X; X += ...`
    return False


@register
class StateLeak(CodeRule):
    id = "LL114"
    name = "state-leak-across-invocations"
    reads = "reach"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("correctness", "memory", "privacy")
    options: ClassVar[dict[str, Any]] = {"cache-names": ["*cache*", "*memo*", "*clients*", "*connections*", "*pool*", "*registry*"]}
    summary = "A module-level list, dict or set is grown inside the handler and keeps its contents across invocations."
    doc = """
## What it does
Finds module-level containers (`results = []`, `SEEN = set()`, `totals = {}`,
`defaultdict(...)`, `deque()`...) that the handler, or a same-module function it calls,
grows: `append`, `extend`, `add`, `update`, `insert`, item assignment with a computed key,
`+=` / `|=` on a `global`.

Not reported, because these are deliberate:
- names matching the `cache-names` patterns (default `*cache*`, `*memo*`, `*clients*`,
  `*connections*`, `*pool*`, `*registry*`, case-insensitive), and functions decorated with
  `functools.cache`/`lru_cache`/`cachetools`;
- memoisation and lazy initialisation: a container whose membership or state the code
  tests (`if key not in CACHE:`, `CACHE.get(key)`, `if not CONFIG:`) is a cache by
  construction;
- a container the handler resets (`results.clear()`, `del results[:]`, `results[:] = []`,
  or `global results; results = []`);
- overwriting fixed keys (`STATE["last_run"] = now`, `HEADERS.update({"X-Id": rid})`):
  the container does not grow;
- bounded ring buffers (`deque(maxlen=...)`) and local variables that shadow the module
  name.

## Why it matters
Lambda reuses a warm execution environment for many invocations, and module-level objects
survive between them. A list appended to in the handler still holds the previous requests'
items on the next request: responses contain other callers' data, duplicates are processed
twice, and memory grows until the environment is recycled or the function dies with an
out-of-memory error. Tests that call the handler once never see it.

## Example
```python
processed = []

def lambda_handler(event, context):
    for record in event["Records"]:
        processed.append(record["messageId"])   # LL114: survives into the next invocation
    return {"processed": processed}
```
Use instead:
```python
def lambda_handler(event, context):
    processed = [record["messageId"] for record in event["Records"]]
    return {"processed": processed}
```

## How to fix
Create the container inside the handler (or pass it to helpers). If reuse across warm
invocations is intended (a cache), bound it, name it as one (`_cache`, or add a pattern
to `cache-names` under `[tool.lambdalint.LL114]`) or use `functools.lru_cache`.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",)
    invalid = (
        Example.code(
            "processed = []\n\ndef lambda_handler(event, context):\n    for record in event['Records']:\n"
            "        processed.append(record['messageId'])\n    return {'processed': processed}\n"
        ),
        Example.code(
            "SEEN = set()\n\ndef remember(key):\n    SEEN.add(key)\n\ndef handler(event, context):\n"
            "    remember(event['id'])\n",
            note="grown in a helper the handler calls",
        ),
    )
    valid = (
        Example.code(
            "_cache = {}\n\ndef lambda_handler(event, context):\n    key = event['id']\n"
            "    _cache[key] = load(key)\n    return _cache[key]\n",
            note="named as a cache",
        ),
        Example.code(
            "TABLES = {}\n\ndef lambda_handler(event, context):\n    name = event['table']\n"
            "    if name not in TABLES:\n        TABLES[name] = open_table(name)\n    return TABLES[name].scan()\n",
            note="memoisation guarded by membership",
        ),
        Example.code(
            "results = []\n\ndef lambda_handler(event, context):\n    results.clear()\n"
            "    results.extend(event['items'])\n    return results\n",
            note="reset at the start of every invocation",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # every finding is a growth of a module-level container check keeps (a name bound at
        # module level to a list/dict/set display or a factory call, not cache-named), recorded
        # by Analysis in a function ctx.reachable yields; sketch.reach is a superset of those
        # functions, ast.walk of their nested code a superset of body_nodes, and _may_mutate
        # a superset of Analysis.mutations (only exemptions it can tell exactly are applied)
        patterns = [p.lower() for p in self.opts.get("cache-names", [])]
        names = {
            name
            for name, value in _module_assignments(sketch.tree.body)
            if _may_be_container(sketch, value) and not any(fnmatch.fnmatchcase(name.lower(), p) for p in patterns)
        }
        return bool(names) and _may_mutate(sketch, names, sketch.reach(link.name for link in handlers))

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        patterns = [p.lower() for p in self.opts.get("cache-names", [])]
        containers = {
            name: kind
            for name, value in ctx.mod.assignments.items()
            if (kind := container_kind(ctx.mod, value)) and not any(fnmatch.fnmatchcase(name.lower(), p) for p in patterns)
        }
        if not containers:
            return
        reported: set[cst.CSTNode] = set()
        for handler in ctx.handlers:
            analyses = []
            for fn, path in ctx.reachable(handler):
                if fn is not handler.node and any(d.startswith(CACHE_DECORATORS) for d in decorator_names(ctx.mod, fn)):
                    continue
                analyses.append((Analysis(ctx.mod, containers, fn), path))
            exempt = set().union(*(a.resets | a.guarded for a, _ in analyses)) if analyses else set()
            for analysis, path in analyses:
                for m in analysis.mutations:
                    if m.name in exempt or m.node in analysis.lazy.get(m.name, ()) or m.node in reported:
                        continue
                    reported.add(m.node)
                    yield ctx.finding(m.node, self.message(m, containers[m.name], handler.name, path), logical=f"{'.'.join(path)}:{m.name}")

    @staticmethod
    def message(m: Mutation, kind: str, handler: str, path: list[str]) -> str:
        where = f"in handler `{handler}`" if len(path) == 1 else f"in `{path[-1]}`, called from handler `{handler}` ({' -> '.join(path)})"
        return (
            f"module-level {kind} `{m.name}` is grown by {m.how} {where}: Lambda reuses warm execution "
            "environments, so it keeps the items of earlier invocations (data leaks between requests, "
            "memory grows); create it inside the handler, reset it per invocation, or name it as a "
            "cache (`cache-names`)"
        )
