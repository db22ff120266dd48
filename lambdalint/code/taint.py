"""A small intra-procedural taint flow, shared by the code rules that follow values.

One :class:`Flow` walks one function body (or a module body) in source order, keeping a map
from names to the *label* of the source their value came from (``"env var DB_PASSWORD"``,
``"the event"``). Branches are merged (tainted in either branch -> tainted), loop bodies are
walked twice so loop-carried values settle, nested ``def``/``class``/``lambda`` bodies are not
entered. Calls to same-module functions are followed (``follow`` levels deep): their parameters
get the taint of the arguments and their ``return`` gives the call's taint.

What makes a value tainted is the caller's business (``source``); so is what happens at each
step (``on_unit`` sees every small statement and compound-statement header with the
environment as it is *before* that statement runs). Typical use::

    def source(expr, flow):           # label when expr itself is a source,
        ...                           # "" when it is known clean, None to look further

    def sinks(unit, flow):            # look for sink calls in one statement
        for node in walk(unit, skip_nested=True):
            if isinstance(node, cst.Call) and is_sink(node) and any(flow.taint(a.value) for a in node.args):
                ...

    Flow(mod, fn, source=source, on_unit=sinks).run()

Propagation: assignment (incl. tuple unpacking, ``+=``, walrus, ``for``/``with`` targets),
containers built from tainted values, f-strings, ``%``/``+``/``.format``/``.join``, the
functions in ``propagate`` (``str``, ``json.dumps``...), and -- when ``through_access`` is
true -- subscripts, attribute access and method calls on a tainted value (a slice such as
``token[:4]`` is treated as a deliberate partial value and is clean, and so is a subscript
with a key in ``clean_keys``, compared case-insensitively: ``secret["username"]``). A call whose qualified
name ``is_clean`` accepts (a redaction or hash function) returns a clean value; other unknown
calls return clean values too (precision over recall).

For event data reaching a sink (injection rules), seed the handler's parameter instead of a
``source``: ``Flow(mod, handler.node, initial={"event": "event data"}, on_unit=sinks,
is_clean=lambda q: q in {"int", "float", "shlex.quote"}).run()``. Module-level values:
run a Flow over the module body first and pass its ``env`` to ``globals_from``.

Also here: :func:`log_sink`, which says whether a call writes to the logs (``print``,
``logging``, any ``logger``/``log`` object, Powertools ``Logger``, ``sys.stdout.write``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import libcst as cst

from lambdalint.code.module import PyModule

Source = Callable[[cst.BaseExpression, "Flow"], "str | None"]
Unit = Callable[[cst.CSTNode, "Flow"], None]

# functions whose result carries the taint of their arguments
DEFAULT_PROPAGATE: frozenset[str] = frozenset(
    {
        "str", "repr", "bytes", "dict", "list", "tuple", "format", "ascii", "vars",
        "json.dumps", "json.loads", "simplejson.dumps", "orjson.dumps", "ujson.dumps",
        "copy.copy", "copy.deepcopy", "pprint.pformat",
        "base64.b64encode", "base64.b64decode", "base64.urlsafe_b64encode",
        "base64.urlsafe_b64decode", "base64.standard_b64encode", "base64.standard_b64decode",
        "urllib.parse.quote", "urllib.parse.unquote", "urllib.parse.urlencode",
        "textwrap.dedent", "textwrap.indent",
    }
)
# methods of a tainted value whose result says nothing about the value itself
OPAQUE_METHODS: frozenset[str] = frozenset(
    {
        "startswith", "endswith", "count", "find", "rfind", "index", "rindex", "isdigit",
        "isalpha", "isalnum", "isnumeric", "isdecimal", "isspace", "islower", "isupper",
        "istitle", "isascii", "isidentifier", "keys", "__len__", "__contains__", "verify",
    }
)
STRING_BUILDERS: frozenset[str] = frozenset({"format", "format_map", "join", "replace", "strip"})

LOG_METHODS: frozenset[str] = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg", "append_keys"}
)
LOGGER_NAME = re.compile(r"^_*(?:[a-z0-9_]*_)?(?:logger|log|logging|logs|lgr)$", re.IGNORECASE)
LOGGER_FACTORIES = ("Logger", "getLogger", "get_logger", "getChild", "LoggerAdapter")
PRINT_FUNCTIONS = frozenset({"print", "pprint.pprint", "pprint.pp", "rich.print", "builtins.print"})
NOT_LOGGERS = ("math.", "cmath.", "numpy.", "torch.", "jax.", "sympy.", "decimal.", "tensorflow.")
STREAM_WRITES = frozenset({"sys.stdout.write", "sys.stderr.write", "sys.stdout.writelines", "sys.stderr.writelines"})


# expressions ``Flow.taint`` always finds clean (no branch below handles them): literals,
# comparisons, unary operations, lambdas. libcst has no subclasses of these, so the exact
# type test equals isinstance and is much cheaper than libcst's abstract-class isinstance.
_NEVER_TAINTED: frozenset[type] = frozenset(
    {cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.Comparison, cst.UnaryOperation, cst.Lambda}
)


class Flow:
    """Taint of names through one body; see the module docstring."""

    def __init__(
        self,
        mod: PyModule,
        scope: cst.FunctionDef | None,
        *,
        source: Source | None = None,
        initial: dict[str, str] | None = None,
        on_unit: Unit | None = None,
        through_access: bool = True,
        propagate: Iterable[str] = DEFAULT_PROPAGATE,
        is_clean: Callable[[str], bool] | None = None,
        clean_keys: Iterable[str] = (),
        follow: int = 1,
        _stack: tuple[cst.FunctionDef, ...] = (),
    ) -> None:
        self.mod = mod
        self.scope = scope
        self.source = source
        self.env: dict[str, str] = dict(initial or {})
        self.on_unit = on_unit
        self.through_access = through_access
        self.propagate = frozenset(propagate)
        self.is_clean = is_clean
        self.clean_keys = frozenset(k.lower() for k in clean_keys)
        self.follow = follow
        self.returns: str | None = None  # label of the first tainted value returned
        self._stack = _stack
        self._quiet = 0
        self._module_env: dict[str, str] | None = None
        self._summaries: dict[tuple[cst.FunctionDef, bool, tuple[tuple[str, str], ...]], str | None] = {}

    # ------------------------------------------------------------------ driving

    def run(self, body: cst.CSTNode | None = None) -> Flow:
        """Walk ``body`` (default: the scope function's body) and return self."""
        target = body if body is not None else (self.scope.body if self.scope is not None else None)
        if isinstance(target, cst.Module):
            self._stmts(target.body)
        elif isinstance(target, cst.BaseSuite):
            self._suite(target)
        return self

    def _emit(self, node: cst.CSTNode) -> None:
        if self.on_unit is not None and not self._quiet:
            self.on_unit(node, self)

    def _suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._stmts(suite.body)
        elif isinstance(suite, cst.SimpleStatementSuite):
            self._smalls(suite.body)

    def _stmts(self, stmts: Iterable[cst.CSTNode]) -> None:
        for stmt in stmts:
            self._stmt(stmt)

    def _smalls(self, smalls: Iterable[cst.BaseSmallStatement]) -> None:
        for small in smalls:
            self._emit(small)
            self._small(small)

    def _branches(self, suites: list[cst.BaseSuite | None]) -> None:
        """Run alternative suites from the same starting environment; merge the results."""
        start = dict(self.env)
        merged: dict[str, str] = {}
        for suite in suites:
            self.env = dict(start)
            if suite is not None:
                self._suite(suite)
            for k, v in self.env.items():
                merged.setdefault(k, v)
        self.env = merged

    def _loop(self, body: cst.BaseSuite, bind: Callable[[], None] | None = None) -> None:
        before = dict(self.env)
        self._quiet += 1
        if bind:
            bind()
        self._suite(body)
        self._quiet -= 1
        for k, v in before.items():
            self.env.setdefault(k, v)
        if bind:
            bind()
        self._suite(body)
        for k, v in before.items():  # the body may run zero times
            self.env.setdefault(k, v)

    def _stmt(self, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            self._smalls(stmt.body)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            self.env.pop(stmt.name.value, None)
        elif isinstance(stmt, cst.If):
            self._emit(stmt.test)
            self._if(stmt)
        elif isinstance(stmt, cst.For):
            self._emit(stmt.iter)
            label = self.taint(stmt.iter) if self.through_access else None
            self._loop(stmt.body, lambda: self.bind(stmt.target, label))
            if stmt.orelse is not None:
                self._suite(stmt.orelse.body)
        elif isinstance(stmt, cst.While):
            self._emit(stmt.test)
            self._loop(stmt.body)
            if stmt.orelse is not None:
                self._suite(stmt.orelse.body)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            start = dict(self.env)
            self._suite(stmt.body)
            after_body = dict(self.env)
            for k, v in start.items():
                self.env.setdefault(k, v)
            self._branches([h.body for h in stmt.handlers] + [None])
            for k, v in after_body.items():
                self.env.setdefault(k, v)
            if stmt.orelse is not None:
                self._suite(stmt.orelse.body)
            if stmt.finalbody is not None:
                self._suite(stmt.finalbody.body)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self._emit(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, self.taint(item.item))
            self._suite(stmt.body)
        elif isinstance(stmt, cst.Match):
            self._emit(stmt.subject)
            self._branches([case.body for case in stmt.cases] + [None])

    def _if(self, stmt: cst.If) -> None:
        start = dict(self.env)
        self._suite(stmt.body)
        after_body = self.env
        self.env = dict(start)
        if isinstance(stmt.orelse, cst.If):
            self._emit(stmt.orelse.test)
            self._if(stmt.orelse)
        elif isinstance(stmt.orelse, cst.Else):
            self._suite(stmt.orelse.body)
        for k, v in after_body.items():
            self.env.setdefault(k, v)

    def _small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            label = self.taint(small.value)
            for t in small.targets:
                self.bind(t.target, label)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.bind(small.target, self.taint(small.value))
        elif isinstance(small, cst.AugAssign):
            label = self.taint(small.target) or self.taint(small.value)
            self.bind(small.target, label)
        elif isinstance(small, cst.Return) and small.value is not None:
            label = self.taint(small.value)
            if label and self.returns is None:
                self.returns = label
        elif isinstance(small, cst.Expr):
            self.taint(small.value)  # walrus bindings, followed helpers
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            if not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    if isinstance(bound, cst.Name):
                        self.env.pop(bound.value, None)

    # ------------------------------------------------------------------ binding

    def bind(self, target: cst.BaseExpression, label: str | None) -> None:
        """Give ``target`` the taint ``label`` (None: clean)."""
        if isinstance(target, cst.Name):
            if label:
                self.env[target.value] = label
            else:
                self.env.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self.bind(el.value, label)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, label)
        elif isinstance(target, cst.Subscript):
            if label:  # a secret stored in a container taints the container
                root = _root_name(target)
                if root:
                    self.env[root] = label
        elif isinstance(target, cst.Attribute):
            key = _dotted(target)
            if key:
                if label:
                    self.env[key] = label
                else:
                    self.env.pop(key, None)

    # ------------------------------------------------------------------ evaluation

    def taint(self, expr: cst.BaseExpression | None) -> str | None:
        """The label of the source ``expr``'s value may come from, or None when it is clean."""
        if expr is None:
            return None
        if self.source is not None:
            label = self.source(expr, self)
            if label is not None:
                return label or None  # "": the source callback says this value is clean
        if type(expr) in _NEVER_TAINTED:
            return None  # literals and the like: skips the isinstance chain below
        if isinstance(expr, cst.Name):
            return self.env.get(expr.value)
        if isinstance(expr, cst.Attribute):
            key = _dotted(expr)
            if key and key in self.env:
                return self.env[key]
            return self.taint(expr.value) if self.through_access else None
        if isinstance(expr, cst.Subscript):
            if not self.through_access:
                return None
            if any(isinstance(el.slice, cst.Slice) for el in expr.slice):
                return None  # token[:4]: a deliberate partial value
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                index = expr.slice[0].slice.value
                if isinstance(index, cst.SimpleString) and (_literal(index) or "").lower() in self.clean_keys:
                    return None
            return self.taint(expr.value)
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    label = self.taint(part.expression)
                    if label:
                        return label
            return None
        if isinstance(expr, cst.ConcatenatedString):
            return self.taint(expr.left) or self.taint(expr.right)
        if isinstance(expr, cst.BinaryOperation):
            return self.taint(expr.left) or self.taint(expr.right)
        if isinstance(expr, cst.BooleanOperation):
            return self.taint(expr.left) or self.taint(expr.right)
        if isinstance(expr, cst.IfExp):
            return self.taint(expr.body) or self.taint(expr.orelse)
        if isinstance(expr, cst.Call):
            return self._call(expr)
        if isinstance(expr, cst.Dict):
            for item in expr.elements:
                if isinstance(item, cst.DictElement):
                    label = self.taint(item.value) or self.taint(item.key)
                else:
                    label = self.taint(item.value)
                if label:
                    return label
            return None
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            for el in expr.elements:
                label = self.taint(el.value)
                if label:
                    return label
            return None
        if isinstance(expr, (cst.Await, cst.StarredElement)):
            return self.taint(expr.value if isinstance(expr, cst.StarredElement) else expr.expression)
        if isinstance(expr, cst.NamedExpr):
            label = self.taint(expr.value)
            self.bind(expr.target, label)
            return label
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            if not self.through_access:
                return None
            return self.taint(expr.for_in.iter)
        return None

    def _call(self, call: cst.Call) -> str | None:
        qual = self.mod.call_name(call, self.scope)
        func = call.func
        if self.is_clean is not None:
            if qual and self.is_clean(qual):
                return None
            if isinstance(func, cst.Attribute) and self.is_clean(func.attr.value):
                return None
        args = [a.value for a in call.args]
        if qual in self.propagate:
            return self._first(args)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in STRING_BUILDERS and isinstance(func.value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
                return self._first(args)
            if self.through_access and method not in OPAQUE_METHODS:
                if method == "get" and call.args and isinstance(call.args[0].value, cst.SimpleString):
                    if (_literal(call.args[0].value) or "").lower() in self.clean_keys:
                        return None  # secret.get("host"), like secret["host"]
                label = self.taint(func.value)
                if label:
                    return label
                if method in STRING_BUILDERS:
                    return self._first(args)
            return None
        if isinstance(func, cst.Name):
            callee = self.mod.functions.get(func.value)
            local = self.scope is not None and func.value in self.mod.local_imports(self.scope)
            if callee is not None and not local and self.follow > 0 and callee not in self._stack:
                return self.summary(callee, call)
        return None

    def _first(self, exprs: Iterable[cst.BaseExpression]) -> str | None:
        for e in exprs:
            label = self.taint(e)
            if label:
                return label
        return None

    def summary(self, callee: cst.FunctionDef, call: cst.Call) -> str | None:
        """Walk a same-module function with its parameters tainted like the call's arguments;
        the taint of what it returns. Its statements reach ``on_unit`` too."""
        bound = bind_arguments(callee, call)
        labels = {name: self.taint(arg) for name, arg in bound.items()}
        # a first, silent pass over a loop body must not stand in for the reporting pass
        key = (callee, bool(self._quiet), tuple(sorted((k, v or "") for k, v in labels.items())))
        if key in self._summaries:
            return self._summaries[key]
        self._summaries[key] = None  # recursion guard
        sub = Flow(
            self.mod,
            callee,
            source=self.source,
            initial={k: v for k, v in labels.items() if v},
            on_unit=None if self._quiet else self.on_unit,
            through_access=self.through_access,
            propagate=self.propagate,
            is_clean=self.is_clean,
            clean_keys=self.clean_keys,
            follow=self.follow - 1,
            _stack=(*self._stack, self.scope) if self.scope is not None else self._stack,
        )
        sub._summaries = self._summaries
        sub.globals_from(self.module_env())
        sub.run()
        self._summaries[key] = sub.returns
        return sub.returns

    def module_env(self) -> dict[str, str]:
        """Module-level names tainted at import time (set by the caller with ``globals_from``)."""
        return self._module_env or {}

    def globals_from(self, env: dict[str, str]) -> Flow:
        """Use ``env`` (typically a module-body Flow's ``env``) as the module-level names seen
        by this flow and the helpers it follows (parameters shadow them). Returns self."""
        self._module_env = dict(env)
        params = set(_param_names(self.scope)) if self.scope is not None else set()
        for k, v in env.items():
            root = k.split(".")[0]
            if root not in params or (root in ("self", "cls") and root != k):
                self.env.setdefault(k, v)
        return self


# ---------------------------------------------------------------------- helpers


def bind_arguments(fn: cst.FunctionDef, call: cst.Call) -> dict[str, cst.BaseExpression]:
    """Parameter name -> argument expression for a call of ``fn`` (positional and keyword;
    ``*args``/``**kwargs`` at the call site are ignored)."""
    out: dict[str, cst.BaseExpression] = {}
    params = [*fn.params.posonly_params, *fn.params.params]
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for param, arg in zip(params, positional, strict=False):
        out[param.name.value] = arg.value
    names = {p.name.value for p in [*params, *fn.params.kwonly_params]}
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            out[arg.keyword.value] = arg.value
    return out


def _param_names(fn: cst.FunctionDef) -> list[str]:
    p = fn.params
    names = [x.name.value for x in [*p.posonly_params, *p.params, *p.kwonly_params]]
    for star in (p.star_arg, p.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names


def _dotted(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


def _root_name(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Subscript, cst.Attribute)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _literal(node: cst.SimpleString) -> str | None:
    try:
        value = node.evaluated_value
    except Exception:
        return None
    return value if isinstance(value, str) else None


def is_logger(mod: PyModule, expr: cst.BaseExpression, scope: cst.FunctionDef | None = None) -> bool:
    """``logger``, ``log``, ``self.logger``, ``logging.getLogger(...)``, or a name assigned from
    a logger factory (``Logger()``, ``logging.getLogger()``, ``structlog.get_logger()``)."""
    if isinstance(expr, cst.Call):
        qual = mod.call_name(expr, scope) or ""
        return qual.endswith(LOGGER_FACTORIES)
    if isinstance(expr, cst.Attribute):
        return bool(LOGGER_NAME.match(expr.attr.value))
    if isinstance(expr, cst.Name):
        if mod.qualname(expr, scope) == "logging":
            return True
        if LOGGER_NAME.match(expr.value):
            imported = mod.imports.get(expr.value, "")
            return not imported.startswith(NOT_LOGGERS)
        value = mod.assignments.get(expr.value)
        if isinstance(value, cst.Call):
            qual = mod.call_name(value) or ""
            return qual.endswith(LOGGER_FACTORIES)
    return False


def log_sink(mod: PyModule, call: cst.Call, scope: cst.FunctionDef | None = None) -> str | None:
    """A short name for the log sink ``call`` writes to (``print``, ``logger.info``,
    ``logging.error``, ``sys.stdout.write``), or None when it does not write to the logs."""
    qual = mod.call_name(call, scope)
    if qual in PRINT_FUNCTIONS:
        return "print" if qual in ("print", "builtins.print") else qual
    if qual in STREAM_WRITES:
        return qual
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS:
        if is_logger(mod, func.value, scope):
            receiver = _dotted(func.value) or "logger"
            base = mod.qualname(func.value, scope) if isinstance(func.value, (cst.Name, cst.Attribute)) else None
            return f"{base or receiver}.{func.attr.value}"
    return None
