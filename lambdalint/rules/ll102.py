"""LL102: monolithic handler (too long, too complex, or routing many events in one function)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, string_value
from lambdalint.code.module import walk_code
from lambdalint.code.sketch import FunctionNode, Sketch
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

# event keys whose value selects what the handler does
ROUTE_KEYS = frozenset(
    {
        "httpMethod", "routeKey", "resource", "path", "rawPath", "action", "operation", "op", "type", "method",
        "route", "command", "task", "eventName", "eventSource", "EventSource", "eventSourceARN", "detail-type",
        "source", "fieldName", "field", "triggerSource", "RequestType", "requestType", "eventType", "event_type",
        "Action", "Operation", "Type", "Method", "Path", "Route",
    }
)
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# local names that conventionally hold a route key: method, http_method, route_key, action...
ROUTE_NAMES = frozenset(CAMEL.sub("_", k).lower().replace("-", "_") for k in ROUTE_KEYS) | {"http_method", "event_source", "event_name"}
SHAPE_KEYS = frozenset({"Records", "httpMethod", "routeKey", "requestContext", "detail-type", "source", "awslogs", "triggerSource", "RequestType", "fieldName", "info"})


# per node type: is it a statement? (isinstance against libcst's abstract classes is slow;
# a lookup of the exact type is not)
_STATEMENT: dict[type, bool] = {}
# node types that add one to the cyclomatic complexity (MatchCase: unless a wildcard)
_BRANCHES = frozenset(
    {cst.If, cst.IfExp, cst.For, cst.While, cst.ExceptHandler, cst.ExceptStarHandler, cst.CompIf, cst.CompFor, cst.BooleanOperation}
)


def _is_statement(tp: type) -> bool:
    known = _STATEMENT.get(tp)
    if known is None:
        known = _STATEMENT[tp] = issubclass(tp, (cst.BaseSmallStatement, cst.BaseCompoundStatement))
    return known


def count_statements(node: cst.CSTNode) -> int:
    """Statements in ``node``: each small statement and each compound statement counts one;
    the bodies of nested functions and classes are not counted."""
    return sum(1 for n in [node, *walk_code(node, skip_nested=True)] if _is_statement(type(n)))


def complexity(fn: cst.FunctionDef) -> int:
    """McCabe cyclomatic complexity of ``fn``'s own body (nested functions excluded)."""
    score = 1
    for n in walk_code(fn.body, skip_nested=True):
        tp = type(n)
        if tp in _BRANCHES:
            score += 1
        elif tp is cst.MatchCase and not _wildcard(n.pattern):  # type: ignore[attr-defined]
            score += 1
    return score


def _wildcard(pattern: cst.MatchPattern) -> bool:
    return isinstance(pattern, cst.MatchAs) and pattern.pattern is None


@dataclass
class Measure:
    statements: int
    complexity: int
    routes: int


class Routing:
    """Recognises tests that dispatch on the kind of event or request."""

    def __init__(self, fn: cst.FunctionDef) -> None:
        params = [p.name.value for p in fn.params.params]
        self.event = params[0] if params else "event"
        self.names: set[str] = set(ROUTE_NAMES)
        for n in walk_code(fn.body, skip_nested=True):  # method = event["httpMethod"]
            if isinstance(n, cst.Assign) and self.is_key(n.value):
                for t in n.targets:
                    if isinstance(t.target, cst.Name):
                        self.names.add(t.target.value)

    def is_key(self, expr: cst.BaseExpression) -> bool:
        """An expression reading a route key: event["httpMethod"], record.get("eventSource"),
        event["requestContext"]["http"]["method"], a name assigned from one, ``.upper()`` of one."""
        if isinstance(expr, cst.Subscript):
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                return string_value(expr.slice[0].slice.value) in ROUTE_KEYS
            return False
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value == "get" and expr.args:
                return string_value(expr.args[0].value) in ROUTE_KEYS
            if expr.func.attr.value in ("upper", "lower", "strip", "casefold"):
                return self.is_key(expr.func.value)
            return False
        if isinstance(expr, cst.Attribute):
            return expr.attr.value in ROUTE_KEYS or expr.attr.value in ROUTE_NAMES
        if isinstance(expr, cst.Name):
            return expr.value in self.names
        return False

    def is_route(self, test: cst.BaseExpression) -> bool:
        if isinstance(test, cst.BooleanOperation):
            return self.is_route(test.left) or self.is_route(test.right)
        if isinstance(test, cst.UnaryOperation):
            return self.is_route(test.expression)
        if isinstance(test, cst.Comparison):
            left = test.left
            for comp in test.comparisons:
                right = comp.comparator
                if isinstance(comp.operator, (cst.Equal, cst.In, cst.Is)):
                    if self.is_key(left) and _literals(right):
                        return True
                    if self.is_key(right) and _literals(left):
                        return True
                    # "Records" in event / "httpMethod" in event: dispatch on the event's shape
                    if isinstance(comp.operator, cst.In) and isinstance(right, cst.Name) and right.value == self.event:
                        if string_value(left) in SHAPE_KEYS:
                            return True
                left = right
            return False
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute):
            if test.func.attr.value in ("startswith", "endswith") and self.is_key(test.func.value):
                return True
            if test.func.attr.value == "get" and isinstance(test.func.value, cst.Name) and test.func.value.value == self.event:
                return bool(test.args) and string_value(test.args[0].value) in SHAPE_KEYS
        return False


def _literals(expr: cst.BaseExpression) -> bool:
    if string_value(expr) is not None:
        return True
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return bool(expr.elements) and all(string_value(el.value) is not None for el in expr.elements)
    return False


def measure(fn: cst.FunctionDef) -> Measure:
    routing = Routing(fn)
    routes = 0
    for n in walk_code(fn.body, skip_nested=True):
        tp = type(n)
        if tp is cst.If:
            routes += routing.is_route(cast(cst.If, n).test)
        elif tp is cst.Match:
            match = cast(cst.Match, n)
            if routing.is_key(match.subject):
                routes += sum(1 for case in match.cases if not _wildcard(case.pattern))
    return Measure(count_statements(fn.body), complexity(fn), routes)


# ast analogues of measure(), for the screen (``MonolithicHandler.screen``)
_AST_BRANCHES = (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler)


def _ast_literals(expr: ast.AST) -> bool:
    """``_literals`` on ast: a plain string, or a non-empty tuple/list/set of them."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        return bool(expr.elts) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in expr.elts)
    return False


def _may_route(test: ast.AST) -> bool:
    """Could ``Routing.is_route`` hold for this ``if`` test? Its shape without the key check:
    an ``==``/``in``/``is`` against string literals, or a ``startswith``/``endswith``/``get`` call."""
    if isinstance(test, ast.BoolOp):
        return any(_may_route(v) for v in test.values)
    if isinstance(test, ast.UnaryOp):
        return _may_route(test.operand)
    if isinstance(test, ast.Compare):
        left = test.left
        for op, right in zip(test.ops, test.comparators, strict=True):
            if isinstance(op, (ast.Eq, ast.In, ast.Is)) and (_ast_literals(left) or _ast_literals(right)):
                return True
            left = right
        return False
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute):
        return test.func.attr in ("startswith", "endswith", "get")
    return False


def bounds(sketch: Sketch, fn: FunctionNode) -> Measure:
    """Upper bounds of ``measure(fn)`` from ``ast``: statements are counted as ``count_statements``
    counts them (ast and libcst have the same statement nodes), every branch ``complexity``
    counts is counted, and every ``if`` / ``case`` that could route counts as a route."""
    statements = routes = 0
    score = 1
    for n in sketch.body_nodes(fn):
        if isinstance(n, ast.stmt):
            statements += 1
        if isinstance(n, _AST_BRANCHES):
            score += 1
            if isinstance(n, ast.If) and _may_route(n.test):
                routes += 1
        elif isinstance(n, ast.BoolOp):
            score += len(n.values) - 1  # libcst nests one BooleanOperation per operator
        elif isinstance(n, ast.comprehension):
            score += 1 + len(n.ifs)  # CompFor, and one CompIf per `if`
        elif isinstance(n, ast.match_case) and not (isinstance(n.pattern, ast.MatchAs) and n.pattern.pattern is None):
            score += 1
            routes += 1
    return Measure(statements, score, routes)


_AST_STATEMENTS = tuple(c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.stmt) and c is not ast.stmt)


def module_bounds(sketch: Sketch) -> Measure:
    """``bounds`` over the whole module at once (from the sketch's index, without a walk): a
    bound of every function's."""
    statements = sum(len(sketch.nodes(tp)) for tp in _AST_STATEMENTS)
    cases = sum(1 for c in sketch.nodes(ast.match_case) if not (isinstance(c.pattern, ast.MatchAs) and c.pattern.pattern is None))
    score = 1 + sum(len(sketch.nodes(tp)) for tp in _AST_BRANCHES) + cases
    score += sum(len(b.values) - 1 for b in sketch.nodes(ast.BoolOp))
    score += sum(1 + len(c.ifs) for c in sketch.nodes(ast.comprehension))
    return Measure(statements, score, len(sketch.nodes(ast.If)) + cases)


def _over(m: Measure, limits: tuple[int, int, int]) -> bool:
    return m.statements > limits[0] or m.complexity > limits[1] or m.routes > limits[2]


@register
class MonolithicHandler(CodeRule):
    id = "LL102"
    name = "monolithic-handler"
    reads = "handlers"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("maintainability", "design")
    options = {"max-statements": 50, "max-complexity": 15, "max-routes": 5}
    summary = "Monolithic handler: too many statements, too complex, or routing many event types or paths in one function."
    doc = """
## What it does
Measures each handler's own body (nested functions and the helpers it calls are not
counted):

- **statements**: every simple statement and every compound statement (`if`, `for`,
  `try`...) counts one;
- **cyclomatic complexity**: 1 + each `if`/`elif`, loop, `except`, conditional
  expression, `and`/`or`, comprehension clause and `case`;
- **event routes**: `if`/`elif` branches and `match` cases that dispatch on the kind of
  request or event: `httpMethod`, `routeKey`, `resource`, `path`/`rawPath`, `action`-,
  `operation`- and `type`-style keys, `eventSource`/`eventName` of `Records`,
  `detail-type`/`source`, AppSync `fieldName`, Cognito `triggerSource`, or checks on the
  event's shape (`"Records" in event`).

It reports the handler when any measure is above its threshold (see Options), on the
handler's `def` line, with every measure and its threshold. A dictionary dispatch
(`ROUTES[method](event)`) or a router such as Powertools' `APIGatewayRestResolver` keeps
the handler small and is the fix, not a finding.

## Why it matters
One function that serves every route or every event type needs the union of all their
permissions (one IAM role that can do everything), the largest memory and timeout any of
them needs, and one deployment for every change; its logs, metrics and alarms mix all the
routes together, and one route's cold-start imports are paid by all of them. It is also
hard to test: each branch needs a hand-built event of the right shape.

## Example
```python
def lambda_handler(event, context):          # LL102: 7 routes (max 5)
    method, path = event["httpMethod"], event["path"]
    if method == "GET" and path == "/orders": ...
    elif method == "POST" and path == "/orders": ...
    elif method == "GET" and path.startswith("/orders/"): ...
    elif method == "PUT": ...
    elif method == "DELETE": ...
    elif path == "/health": ...
    elif path == "/metrics": ...
```
Use instead: a function per route (each with its own least-privilege role), or a router:
```python
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()

@app.get("/orders")
def list_orders(): ...

def lambda_handler(event, context):
    return app.resolve(event, context)
```

## How to fix
Split the handler: one Lambda function per route or event type, or at least one small
function per branch behind a dictionary dispatch or a router. Move business logic out of
the handler into plain, testable functions.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code",
        "https://docs.powertools.aws.dev/lambda/python/latest/core/event_handler/api_gateway/",
    )
    invalid = (
        Example.code(
            "def lambda_handler(event, context):\n    method = event['httpMethod']\n    path = event['path']\n"
            "    if method == 'GET' and path == '/orders':\n        return list_orders()\n"
            "    elif method == 'POST' and path == '/orders':\n        return create_order(event)\n"
            "    elif method == 'GET':\n        return get_order(event)\n"
            "    elif method == 'PUT':\n        return update_order(event)\n"
            "    elif method == 'DELETE':\n        return delete_order(event)\n"
            "    elif path == '/health':\n        return {'statusCode': 200}\n"
            "    return {'statusCode': 404}\n",
            note="six routes in one handler",
        ),
    )
    valid = (
        Example.code(
            "ROUTES = {'GET': lambda e: {'statusCode': 200}, 'POST': lambda e: {'statusCode': 201}}\n\n"
            "def lambda_handler(event, context):\n    route = ROUTES.get(event['httpMethod'])\n"
            "    if route is None:\n        return {'statusCode': 405}\n    return route(event)\n",
            note="a dictionary dispatch",
        ),
        Example.code(
            "def lambda_handler(event, context):\n    if event['RequestType'] == 'Create':\n        return create(event)\n"
            "    if event['RequestType'] == 'Update':\n        return update(event)\n"
            "    if event['RequestType'] == 'Delete':\n        return delete(event)\n",
            note="a custom resource's three request types stay under the route threshold",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # a finding needs a handler whose measure exceeds a threshold; ``bounds`` is an upper
        # bound of ``measure`` (same statements, every branch, every if/case that could route)
        try:
            limits = (int(self.opts["max-statements"]), int(self.opts["max-complexity"]), int(self.opts["max-routes"]))
        except (KeyError, TypeError, ValueError):
            return True  # let check deal with broken options
        if not _over(module_bounds(sketch), limits):
            return False  # not even the whole module's counts reach a threshold
        for link in handlers:
            fn = sketch.functions.get(link.name)
            if fn is None:
                return True
            if _over(bounds(sketch, fn), limits):
                return True
        return False

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        max_statements = int(self.opts["max-statements"])
        max_complexity = int(self.opts["max-complexity"])
        max_routes = int(self.opts["max-routes"])
        for handler in ctx.handlers:
            m = measure(handler.node)
            over = []
            if m.statements > max_statements:
                over.append("statements")
            if m.complexity > max_complexity:
                over.append("complexity")
            if m.routes > max_routes:
                over.append("routes")
            if not over:
                continue
            parts = [
                f"{m.statements} statements (max {max_statements})",
                f"cyclomatic complexity {m.complexity} (max {max_complexity})",
                f"{m.routes} event/route branches (max {max_routes})",
            ]
            advice = (
                "split it into one function per route or event type (or a router such as Powertools' "
                "event handler), each with its own permissions"
                if "routes" in over
                else "move the work into small, separately testable functions and keep the handler a thin entry point"
            )
            yield ctx.finding(
                handler.node,
                f"handler `{handler.name}` is monolithic: {', '.join(parts)}; {advice}",
                logical=handler.name,
            )
