"""LL104: the whole event or context object logged."""

from __future__ import annotations

import ast
import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence

import libcst as cst

from lambdalint.code.context import CodeContext, Handler, HandlerLink, keyword, string_value
from lambdalint.code.module import walk_code
from lambdalint.code.sketch import (
    Sketch,
    bind_arguments,
    bound_names,
    call_args,
    dotted,
    may_be_log_sink,
)
from lambdalint.code.taint import (
    DEFAULT_PROPAGATE,
    STRING_BUILDERS,
    Flow,
    log_sink,
)
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

IGNORED_KEYWORDS = {"exc_info", "stack_info", "stacklevel", "level", "file", "sep", "end", "flush"}


def _redacted_copy(expr: cst.BaseExpression, flow: Flow) -> str | None:
    """A copy of the event with keys written over is a deliberate redaction, not the whole
    event: ``dict(event, ResponseURL="...")``, ``{**event, "headers": None}``. Clean ("") when
    what is written over is clean itself; None: let the flow decide."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        base, overrides = expr.args[:1], expr.args[1:]
        if base and not base[0].star and base[0].keyword is None and overrides and all(
            a.keyword is not None and not a.star for a in overrides
        ):
            if not any(flow.taint(a.value) for a in overrides):
                return ""
    elif isinstance(expr, cst.Dict):
        starred = [e for e in expr.elements if isinstance(e, cst.StarredDictElement)]
        written = [e for e in expr.elements if isinstance(e, cst.DictElement)]
        if starred and written and all(string_value(e.key) is not None for e in written):
            if not any(flow.taint(e.value) for e in written):
                return ""
    return None


def _params(fn: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in [*fn.params.posonly_params, *fn.params.params]]


class _TaintScreen:
    """The flows of :meth:`EventLogged.check`, over-approximated from ``ast``.

    The flows start from the handlers' first two positional parameters and run with
    ``through_access=False`` and no ``source``: a value is tainted only through a name or a
    dotted ``a.b`` bound from a tainted value (assignments, walrus, ``with ... as``; a subscript
    target taints its root name), containers, f-strings, operators, a propagating call
    (``json.dumps``...), a string builder on a literal (``"{}".format(x)``), or a same-module
    function called with a tainted argument (whose parameters bound to tainted arguments then
    start tainted, and whose call is tainted when it returns a tainted value). Here every
    function the handlers may reach (as ``sketch.reach``) gets one set of names that may be tainted anywhere in it (no
    statement order, nested scopes included), grown to a fixed point with the calls that may
    bind a tainted argument to a parameter, and the functions that may return a tainted
    value."""

    def __init__(self, sketch: Sketch, handlers: list[str]) -> None:
        self.sketch = sketch
        self.handlers = sketch.handler_functions(handlers)
        self.tainted: dict[int, set[str]] = defaultdict(set)
        self.returning: set[int] = set()  # functions that may return a tainted value
        for fn in self.handlers:
            params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
            self.tainted[id(fn)].update(params[:2])
        # the lines each top-level function spans, to sort the sketch's nodes into functions
        # without walking the tree again (top-level functions never share a line with other
        # code; nested scopes count as part of theirs; decorators, which the flows never
        # evaluate, fall outside)
        self.spans = sorted((fn.lineno, fn.end_lineno or fn.lineno, id(fn)) for fn in sketch.functions.values())
        self.starts = [start for start, _end, _fn in self.spans]

    def where(self, node: ast.AST) -> int:
        """The id of the top-level function whose lines hold ``node``, else 0."""
        line = getattr(node, "lineno", 0)
        i = bisect.bisect_right(self.starts, line) - 1
        if i >= 0 and line <= self.spans[i][1]:
            return self.spans[i][2]
        return 0

    def logs_taint(self) -> bool:
        if not any(self.tainted.values()) or not self._escapes():
            return False
        # per function: its bindings (targets, value, augmented), calls and returned values
        where = self.where
        bindings: dict[int, list[tuple[list[ast.expr], ast.expr, bool]]] = defaultdict(list)
        calls: dict[int, list[ast.Call]] = defaultdict(list)
        returns: dict[int, list[ast.expr]] = defaultdict(list)
        sketch = self.sketch
        for call in sketch.nodes(ast.Call):
            calls[where(call)].append(call)
        # the handlers and every top-level function they may call by name (``sketch.reach``,
        # less the calls in decorators, which the flows never follow)
        reach = list(self.handlers)
        seen = {id(fn) for fn in reach}
        todo = list(reach)
        while todo:
            fn = todo.pop()
            for call in calls[id(fn)]:
                if isinstance(call.func, ast.Name):
                    callee = sketch.functions.get(call.func.id)
                    if callee is not None and id(callee) not in seen:
                        seen.add(id(callee))
                        reach.append(callee)
                        todo.append(callee)
        for ret in sketch.nodes(ast.Return):
            if ret.value is not None:
                returns[where(ret)].append(ret.value)
        for assign in sketch.nodes(ast.Assign):
            bindings[where(assign)].append((assign.targets, assign.value, False))
        for ann in sketch.nodes(ast.AnnAssign):
            if ann.value is not None:
                bindings[where(ann)].append(([ann.target], ann.value, False))
        for aug in sketch.nodes(ast.AugAssign):
            bindings[where(aug)].append(([aug.target], aug.value, True))
        for walrus in sketch.nodes(ast.NamedExpr):
            bindings[where(walrus)].append(([walrus.target], walrus.value, False))
        for block in [*sketch.nodes(ast.With), *sketch.nodes(ast.AsyncWith)]:
            for item in block.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    bindings[where(block)].append(([item.optional_vars], item.context_expr, False))
        self.reach = reach
        functions = self.sketch.functions
        changed = True
        while changed:
            changed = False
            for fn in self.reach:
                names = self.tainted[id(fn)]
                for targets, value, augmented in bindings[id(fn)]:
                    if self.may(value, names) or (augmented and self.may(targets[0], names)):
                        for target in targets:
                            for bound in bound_names(target):
                                if bound not in names:
                                    names.add(bound)
                                    changed = True
                for call in calls[id(fn)]:
                    func = call.func
                    if isinstance(func, ast.Name) and func.id in functions:
                        callee = functions[func.id]
                        into = self.tainted.setdefault(id(callee), set())
                        for param, arg in bind_arguments(callee, call):
                            if param not in into and self.may(arg, names):
                                into.add(param)
                                changed = True
                if id(fn) not in self.returning and any(self.may(v, names) for v in returns[id(fn)]):
                    self.returning.add(id(fn))
                    changed = True
        for fn in self.reach:
            names = self.tainted[id(fn)]
            if not names:
                continue
            for call in calls[id(fn)]:
                if may_be_log_sink(self.sketch, call) and any(self.may(a, names) for a in call_args(call, IGNORED_KEYWORDS)):
                    return True
        return False

    def _escapes(self) -> bool:
        """Whether some handler reads one of its tainted parameters other than as the object
        of an attribute or subscript (``event["x"]``, ``event.get(...)``, ``context.aws_request_id``).
        ``Flow.taint`` never looks at those names alone, so without such a read nothing else
        is ever tainted."""
        params = {id(fn): self.tainted[id(fn)] for fn in self.handlers}
        accessed = {id(n.value) for n in self.sketch.nodes(ast.Attribute)}
        accessed.update(id(n.value) for n in self.sketch.nodes(ast.Subscript))
        for name in self.sketch.nodes(ast.Name):
            if id(name) in accessed or isinstance(name.ctx, ast.Store):
                continue
            inside = params.get(self.where(name))
            if inside is not None and name.id in inside:
                return True
        return False

    def may(self, expr: ast.expr | None, names: set[str]) -> bool:
        """Could ``Flow.taint`` (``through_access=False``) find ``expr`` tainted, when only
        ``names`` may be?"""
        tp = type(expr)
        if tp is ast.Name:
            return expr.id in names  # type: ignore[union-attr]
        if tp is ast.Attribute:
            name = dotted(expr)  # type: ignore[arg-type]
            return name is not None and name in names
        if tp is ast.JoinedStr:
            return any(type(v) is ast.FormattedValue and self.may(v.value, names) for v in expr.values)  # type: ignore[union-attr]
        if tp is ast.BinOp:
            return self.may(expr.left, names) or self.may(expr.right, names)  # type: ignore[union-attr]
        if tp is ast.BoolOp:
            return any(self.may(v, names) for v in expr.values)  # type: ignore[union-attr]
        if tp is ast.IfExp:
            return self.may(expr.body, names) or self.may(expr.orelse, names)  # type: ignore[union-attr]
        if tp is ast.Dict:
            assert isinstance(expr, ast.Dict)
            if _ast_redacted_copy(expr) and not any(self.may(v, names) for k, v in zip(expr.keys, expr.values, strict=True) if k is not None):
                return False  # {**event, "headers": None}: see _redacted_copy
            return any(self.may(v, names) for v in [*expr.keys, *expr.values])
        if tp is ast.List or tp is ast.Tuple or tp is ast.Set:
            return any(self.may(v, names) for v in expr.elts)  # type: ignore[union-attr]
        if tp is ast.Starred or tp is ast.Await or tp is ast.NamedExpr:
            return self.may(expr.value, names)  # type: ignore[union-attr]
        if tp is ast.Call:
            assert isinstance(expr, ast.Call)
            func = expr.func
            if _ast_redacted_call(expr) and not any(self.may(k.value, names) for k in expr.keywords):
                return False  # dict(event, ResponseURL="..."): see _redacted_copy
            if isinstance(func, ast.Name) and func.id in self.sketch.functions:
                if id(self.sketch.functions[func.id]) in self.returning:
                    return any(self.may(a, names) for a in call_args(expr))
            passes = (
                (
                    isinstance(func, ast.Attribute)
                    and func.attr in STRING_BUILDERS
                    and isinstance(func.value, (ast.Constant, ast.JoinedStr))
                )
                or bool(self.sketch.quals(func) & DEFAULT_PROPAGATE)
            )
            return passes and any(self.may(a, names) for a in call_args(expr))
        return False  # subscripts, attribute reads of untainted keys, literals, comparisons...


def _ast_redacted_call(call: ast.Call) -> bool:
    """``dict(x, key=...)``: the shape :func:`_redacted_copy` takes for a redaction."""
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "dict"
        and len(call.args) == 1
        and not isinstance(call.args[0], ast.Starred)
        and bool(call.keywords)
        and all(k.arg is not None for k in call.keywords)
    )


def _ast_redacted_copy(d: ast.Dict) -> bool:
    """``{**x, "key": ...}``: the shape :func:`_redacted_copy` takes for a redaction."""
    starred = [v for k, v in zip(d.keys, d.values, strict=True) if k is None]
    written = [k for k in d.keys if k is not None]
    return bool(starred) and bool(written) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in written)


@register
class EventLogged(CodeRule):
    id = "LL104"
    name = "event-logged"
    reads = "reach"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("security", "logging", "privacy")
    security_severity = 5.0
    needles = ("print", "log", "LOG", "stdout", "stderr", "log_event")
    summary = "The whole `event` or `context` object is written to the logs."
    doc = """
## What it does
Finds handlers that write the entire invocation `event` (or the `context` object) to the
logs: `print(event)`, `logger.info(event)`, `print(json.dumps(event))`, `f"{event}"`,
`"%s" % event`, `{"event": event}` passed to a logger, the event passed to a same-module
helper that logs its parameter, and Powertools `@logger.inject_lambda_context(log_event=True)`.

Logging one field of the event (`event["requestContext"]["requestId"]`,
`event.get("detail-type")`) is fine and not reported; so is logging the event after it has
been replaced by a parsed part of it (`event = json.loads(event["body"])`), and logging a
copy with keys written over (`dict(event, ResponseURL="...")`, `{**event, "headers": None}`):
the author chose what to hide, a deliberate redaction.

## Why it matters
An event carries everything the caller sent: API Gateway events include the
`Authorization` header, cookies, API keys, query strings and the request body with its
personal data; S3, SQS and DynamoDB stream records include object keys and message bodies.
Written to CloudWatch Logs, all of it is kept for the retention period and readable by
anyone with log access, which turns the log group into an unreviewed copy of your users'
credentials and data (and a GDPR problem). Whole events also make logs large and expensive
to store and search.

## Example
```python
import json

def lambda_handler(event, context):
    print(json.dumps(event))          # LL104
    ...
```
Use instead:
```python
def lambda_handler(event, context):
    print(json.dumps({"requestId": event["requestContext"]["requestId"],
                      "path": event["rawPath"]}))
    ...
```

## How to fix
Log the fields you need to trace the request (request id, route, record count, object
keys you know are not sensitive). Debug-level calls are reported too: log levels get turned
up in production exactly when something is wrong. If you need full events while debugging,
switch them on from the deployment of a dev stage (Powertools reads
`POWERTOOLS_LOGGER_LOG_EVENT=true`), not in code.
"""
    references = (
        "https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#log-incoming-event",
        "https://cwe.mitre.org/data/definitions/532.html",
    )
    invalid = (
        Example.code("import json\n\ndef lambda_handler(event, context):\n    print(json.dumps(event))\n    return {'statusCode': 200}\n"),
        Example.code(
            "import logging as log\n\ndef handler(event, context):\n"
            "    log.info(f'received {event}')\n",
            note="an f-string through an aliased logging import",
        ),
        Example.code(
            "from aws_lambda_powertools import Logger\n\nlogger = Logger()\n\n"
            "@logger.inject_lambda_context(log_event=True)\ndef handler(event, context):\n    return {'ok': True}\n",
            note="Powertools logs the whole event on every invocation",
        ),
    )
    valid = (
        Example.code(
            "import logging\n\nlogger = logging.getLogger()\n\ndef lambda_handler(event, context):\n"
            "    logger.info('request %s', event['requestContext']['requestId'])\n"
            "    logger.info('records: %d', len(event.get('Records', [])))\n"
        ),
        Example.code(
            "from aws_lambda_powertools import Logger\n\nlogger = Logger()\n\n"
            "@logger.inject_lambda_context\ndef handler(event, context):\n"
            "    logger.info('processing', extra={'path': event['rawPath']})\n",
            note="Powertools without log_event",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        """Sound because check reports only (1) a handler decorated with
        ``X.inject_lambda_context(log_event=True)``, or (2) a ``log_sink`` call, in a handler or
        a same-module function its flow follows (all in ``sketch.reach``), with an argument
        tainted by the handler's first two positional parameters. :class:`_TaintScreen`
        over-approximates that taint flow-insensitively."""
        names = [link.name for link in handlers]
        for fn in sketch.handler_functions(names):
            for dec in fn.decorator_list:
                if (
                    isinstance(dec, ast.Call)
                    and isinstance(dec.func, ast.Attribute)
                    and dec.func.attr == "inject_lambda_context"
                    and any(kw.arg == "log_event" and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in dec.keywords)
                ):
                    return True
        return _TaintScreen(sketch, names).logs_taint()

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        mod = ctx.mod
        reported: dict[cst.CSTNode, str] = {}
        for handler in ctx.handlers:
            yield from self._log_event(ctx, handler)
            params = _params(handler.node)
            initial = {}
            if params:
                initial[params[0]] = f"the whole event (`{params[0]}`)"
            if len(params) > 1:
                initial[params[1]] = f"the whole context object (`{params[1]}`)"
            if not initial:
                continue

            def sinks(unit: cst.CSTNode, flow: Flow, handler: Handler = handler) -> None:
                for node in [unit, *walk_code(unit, skip_nested=True)]:
                    # exact type test: fast, and libcst has no subclass of Call
                    if type(node) is not cst.Call or node in reported:
                        continue
                    assert isinstance(node, cst.Call)
                    sink = log_sink(mod, node, flow.scope)
                    if sink is None:
                        continue
                    args = node.args[1:] if sink.endswith(".log") else node.args
                    for arg in args:
                        if arg.keyword is not None and arg.keyword.value in IGNORED_KEYWORDS:
                            continue
                        label = flow.taint(arg.value)
                        if label:
                            where = "" if flow.scope is handler.node else f" in `{flow.scope.name.value}`, called from handler `{handler.name}`" if flow.scope is not None else ""
                            if "event" in label:
                                advice = "log only the fields you need (request id, route, counts): whole events carry tokens, headers and personal data"
                            else:
                                advice = "log only the fields you need (`aws_request_id`, `function_name`)"
                            reported[node] = f"{label} is written to the logs by `{sink}`{where}; {advice}"
                            break

            Flow(mod, handler.node, initial=initial, source=_redacted_copy, on_unit=sinks, through_access=False, follow=2).run()
        for node, message in reported.items():
            yield ctx.finding(node, message)

    def _log_event(self, ctx: CodeContext, handler: Handler) -> Iterator[Finding]:
        """Powertools ``@logger.inject_lambda_context(log_event=True)``."""
        for dec in handler.node.decorators:
            expr = dec.decorator
            if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
                continue
            if expr.func.attr.value != "inject_lambda_context":
                continue
            arg = keyword(expr, "log_event")
            if arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True":
                yield ctx.finding(
                    expr,
                    f"`inject_lambda_context(log_event=True)` logs the whole event of every invocation of `{handler.name}`; "
                    "drop log_event (or enable it only on a dev stage with POWERTOOLS_LOGGER_LOG_EVENT)",
                )
