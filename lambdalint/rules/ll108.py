"""LL108: API Gateway (REST, payload 1.0) / ALB handler returns a malformed proxy response."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import libcst as cst

from lambdalint.code.context import (
    CodeContext,
    Handler,
    HandlerLink,
    decorator_names,
    keyword,
    string_value,
)
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import FunctionNode, Sketch
from lambdalint.model import HTTP_EVENT_KINDS, Finding, Severity
from lambdalint.registry import CodeRule, Example, register

# decorators that pass the handler's return value through unchanged
TRANSPARENT_DECORATORS = {
    "inject_lambda_context",
    "capture_lambda_handler",
    "log_metrics",
    "capture",
    "event_source",
    "event_parser",
    "parser",
    "validator",
    "idempotent",
    "wraps",
}
# event fields only the 1.0 payload (REST API, ALB, HTTP API 1.0) has
V1_FIELDS = {"httpMethod", "multiValueQueryStringParameters", "multiValueHeaders", "resourcePath", "elb"}
V1_DATA_CLASSES = ("APIGatewayProxyEvent", "ALBEvent")
# an `if` on these answers a non-HTTP invocation (warmers, direct invokes, other triggers)
NON_HTTP_MARKERS = {"source", "records", "detail-type", "detail", "eventsource", "aws:sqs", "aws.events"}
# testing for these tells HTTP requests from other invocations (body/headers may just be empty)
HTTP_FIELDS = {"httpMethod", "requestContext", "resource", "routeKey", "rawPath"}
AUTHORIZER_KEYS = {"principalId", "policyDocument", "isAuthorized"}
NON_STRING_CALLS = {"dict", "list", "set", "tuple", "int", "float", "json.loads", "collections.OrderedDict"}


class Scope:
    """What the handler's own body binds: simple assignments and names it mutates or passes on."""

    def __init__(self, mod: PyModule, fn: cst.FunctionDef) -> None:
        self.params = {p.name.value for p in [*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params]}
        self.values: dict[str, list[cst.BaseExpression]] = {}
        self.opaque: set[str] = set()  # mutated, passed to calls, augmented, bound in loops...
        for node in mod.body_nodes(fn):
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    if isinstance(t.target, cst.Name):
                        self.values.setdefault(t.target.value, []).append(node.value)
                    else:
                        for sub in [t.target, *walk_code(t.target)]:
                            if isinstance(sub, cst.Subscript) and isinstance(sub.value, cst.Name):
                                self.opaque.add(sub.value.value)
                            elif isinstance(sub, cst.Name):
                                self.opaque.add(sub.value)
            elif isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name) and node.value is not None:
                self.values.setdefault(node.target.value, []).append(node.value)
            elif isinstance(node, cst.AugAssign):
                for sub in [node.target, *walk_code(node.target)]:
                    if isinstance(sub, cst.Name):
                        self.opaque.add(sub.value)
            elif isinstance(node, (cst.For, cst.CompFor, cst.NamedExpr)):
                self.opaque.update(_names(node.target))
            elif isinstance(node, cst.AsName):
                self.opaque.update(_names(node.name))
            elif isinstance(node, (cst.Global, cst.Nonlocal)):
                self.opaque.update(n.name.value for n in node.names)
            elif isinstance(node, cst.Call):
                for arg in node.args:
                    if isinstance(arg.value, cst.Name):
                        self.opaque.add(arg.value.value)
                if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
                    self.opaque.add(node.func.value.value)  # response.update(...), headers.setdefault(...)

    def single_value(self, name: str) -> list[cst.BaseExpression] | None:
        if name in self.opaque or name in self.params or name not in self.values:
            return None
        return self.values[name]


def _get_call(node: cst.CSTNode, fields: set[str]) -> bool:
    """``x.get("field")`` for one of ``fields``."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
        and bool(node.args)
        and string_value(node.args[0].value) in fields
    )


def _names(node: cst.CSTNode) -> set[str]:
    return {n.value for n in [node, *walk_code(node)] if isinstance(n, cst.Name)}


def response_items(expr: cst.BaseExpression) -> dict[str, cst.BaseExpression] | None:
    """Keys and values of a dict literal / ``dict(k=v)`` call with only literal keys, else None."""
    if isinstance(expr, cst.Dict):
        out: dict[str, cst.BaseExpression] = {}
        for el in expr.elements:
            if not isinstance(el, cst.DictElement):
                return None  # **spread: keys unknown
            key = string_value(el.key)
            if key is None:
                return None
            out[key] = el.value
        return out
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        if any(a.keyword is None for a in expr.args):
            return None
        return {a.keyword.value: a.value for a in expr.args if a.keyword is not None}
    return None


class Checker:
    def __init__(self, ctx: CodeContext, handler: Handler, require_status: bool) -> None:
        self.ctx = ctx
        self.fn = handler.node
        self.handler = handler
        self.require_status = require_status
        self.scope = Scope(ctx.mod, self.fn)
        self.event = self.scope_first_param()

    def scope_first_param(self) -> str | None:
        params = [*self.fn.params.posonly_params, *self.fn.params.params]
        return params[0].name.value if params else None

    def returns(self) -> Iterator[tuple[cst.Return, bool]]:
        """Every return of the handler body, with whether a non-HTTP ``if`` guards it."""
        nodes = self.ctx.mod.body_nodes(self.fn)
        guarded: set[cst.CSTNode] = set()
        for node in nodes:
            if isinstance(node, cst.If) and self.non_http_test(node.test):
                guarded.update(walk_code(node.body, skip_nested=True))
        for node in nodes:
            if isinstance(node, cst.Return):
                yield node, node in guarded

    def non_http_test(self, test: cst.BaseExpression) -> bool:
        for node in [test, *walk_code(test)]:
            value = string_value(node) if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else None
            if value is not None:
                low = value.lower()
                if "warm" in low or low in NON_HTTP_MARKERS:
                    return True
            if isinstance(node, cst.Comparison):
                for comp in node.comparisons:
                    if isinstance(comp.operator, cst.NotIn) and string_value(node.left) in ("httpMethod", "requestContext"):
                        return True
        return False

    def dual_use(self) -> bool:
        """The handler tests whether the event is an HTTP request at all (``"httpMethod" in
        event``, ``if event.get("requestContext"):``): its other returns answer other callers."""
        for node in self.ctx.mod.body_nodes(self.fn):
            if not isinstance(node, (cst.If, cst.IfExp, cst.While)):
                continue
            test = node.test
            while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test = test.expression
            for sub in [test, *walk_code(test)]:
                if isinstance(sub, cst.Comparison):
                    for comp in sub.comparisons:
                        if isinstance(comp.operator, (cst.In, cst.NotIn)) and string_value(sub.left) in HTTP_FIELDS:
                            return True
            tests: list[cst.BaseExpression] = [test]
            if isinstance(test, cst.BooleanOperation):
                tests = [test.left, test.right]
            elif isinstance(test, cst.Comparison) and all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in test.comparisons):
                tests = [test.left]  # event.get("requestContext") is None
            for t in tests:
                while isinstance(t, cst.UnaryOperation) and isinstance(t.operator, cst.Not):
                    t = t.expression
                if _get_call(t, HTTP_FIELDS):
                    return True
        return False

    def problems(self) -> Iterator[tuple[cst.Return, str]]:
        if self.require_status and self.dual_use():
            self.require_status = False
        for ret, guarded in self.returns():
            if ret.value is None:
                continue
            candidates: list[cst.BaseExpression]
            if isinstance(ret.value, cst.Name):
                values = self.scope.single_value(ret.value.value)
                if not values:
                    continue
                candidates = values
            else:
                candidates = [ret.value]
            for value in candidates:
                if self.require_status and not guarded and ret.value is value:
                    shape = self.not_a_response(value)
                    if shape:
                        yield ret, (
                            f"handler `{self.handler.name}` returns {shape} to a payload-1.0 proxy integration "
                            "(REST API / ALB), which needs a {\"statusCode\": ..., \"body\": \"...\"} dict: API "
                            "Gateway answers 502 'Malformed Lambda proxy response'"
                        )
                        break
                items = response_items(value)
                if items is None or AUTHORIZER_KEYS & set(items):
                    continue
                if "statusCode" not in items:
                    if self.require_status and not guarded:
                        keys = ", ".join(f"`{k}`" for k in list(items)[:4]) or "no keys"
                        yield ret, (
                            f"handler `{self.handler.name}` returns a dict without `statusCode` ({keys}) to a "
                            "payload-1.0 proxy integration (REST API / ALB): API Gateway answers 502 "
                            "'Malformed Lambda proxy response'; return {\"statusCode\": ..., \"body\": json.dumps(...)}"
                        )
                        break
                    continue
                body = items.get("body")
                what = self.non_string(body) if body is not None else None
                if what:
                    yield ret, (
                        f"handler `{self.handler.name}` returns a proxy response whose `body` is {what}, not a "
                        "string: API Gateway (payload 1.0) answers 502 'Malformed Lambda proxy response'; "
                        "serialise it with json.dumps(...)"
                    )
                    break

    def not_a_response(self, expr: cst.BaseExpression) -> str | None:
        """A short description when a returned value clearly is not a response dict."""
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return "a bare string"
        if isinstance(expr, (cst.List, cst.ListComp)):
            return "a list"
        if isinstance(expr, cst.Call):
            qual = self.ctx.mod.call_name(expr, self.fn)
            if qual in ("json.dumps", "str"):
                return f"`{qual}(...)` (a bare string)"
        return None

    def non_string(self, expr: cst.BaseExpression, depth: int = 0) -> str | None:
        """A short description when ``expr`` is clearly not a string, else None."""
        if isinstance(expr, (cst.Dict, cst.DictComp)):
            return "a dict"
        if isinstance(expr, (cst.List, cst.ListComp)):
            return "a list"
        if isinstance(expr, (cst.Set, cst.SetComp)):
            return "a set"
        if isinstance(expr, cst.Tuple):
            return "a tuple"
        if isinstance(expr, (cst.Integer, cst.Float)):
            return "a number"
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.expression, (cst.Integer, cst.Float)):
            return "a number"
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False"):
                return "a boolean"
            if expr.value == self.event and expr.value not in self.scope.values:
                return "the whole event dict"
            if depth > 2:
                return None
            values = self.scope.single_value(expr.value)
            if not values:
                return None
            kinds = [self.non_string(v, depth + 1) for v in values]
            if all(kinds):
                return f"{kinds[0]} (`{expr.value}`)"
            return None
        if isinstance(expr, cst.Call):
            qual = self.ctx.mod.call_name(expr, self.fn)
            if qual in NON_STRING_CALLS:
                return f"the result of `{qual}(...)`"
        return None


def v1_evidence(ctx: CodeContext, handler: Handler) -> bool:
    """The handler reads fields only payload 1.0 events have (REST API / ALB), and is not a
    Lambda authorizer (which also receives them but answers with an IAM policy)."""
    fn = handler.node
    if "methodArn" in ctx.mod.text or "routeArn" in ctx.mod.text:
        return False
    params = [*fn.params.posonly_params, *fn.params.params]
    if params and params[0].annotation is not None:
        ann = ctx.mod.qualname(params[0].annotation.annotation, fn) or ""
        if ann.endswith(V1_DATA_CLASSES):
            return True
    for dec in fn.decorators:
        if isinstance(dec.decorator, cst.Call):
            arg = keyword(dec.decorator, "data_class")
            if arg is not None and (ctx.mod.qualname(arg.value, fn) or "").endswith(V1_DATA_CLASSES):
                return True
    for node in ctx.mod.body_nodes(fn):
        if isinstance(node, cst.SubscriptElement) and isinstance(node.slice, cst.Index):
            if string_value(node.slice.value) in V1_FIELDS:
                return True
        elif _get_call(node, V1_FIELDS):
            return True
    return False


# ---- the screen: over-approximations of the above on ``ast``


def _v1_evidence_possible(sketch: Sketch) -> bool:
    """Could ``v1_evidence`` hold for some handler of the module? Not with ``methodArn`` /
    ``routeArn`` in the text; else it needs a V1_FIELDS string somewhere or a
    V1_DATA_CLASSES name in the text (a qualified name is made of names in the text)."""
    text = sketch.text
    if "methodArn" in text or "routeArn" in text:
        return False
    if any(name in text for name in V1_DATA_CLASSES):
        return True
    return any(isinstance(c.value, str) and c.value in V1_FIELDS for c in sketch.nodes(ast.Constant))


class _Returns:
    """What ``Checker.problems`` looks at in one handler, on ``ast``: its own returns and the
    values its own body assigns to names (a superset of ``Scope.values``)."""

    def __init__(self, sketch: Sketch, fn: FunctionNode) -> None:
        self.sketch = sketch
        params = [*fn.args.posonlyargs, *fn.args.args]
        self.event = params[0].arg if params else None
        self.returns: list[ast.Return] = []
        self.values: dict[str, list[ast.expr]] = {}
        for n in sketch.body_nodes(fn):
            if isinstance(n, ast.Return):
                self.returns.append(n)
            elif isinstance(n, ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Name):
                        self.values.setdefault(t.id, []).append(n.value)
            elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.value is not None:
                self.values.setdefault(n.target.id, []).append(n.value)

    def may_report(self, require_status: bool) -> bool:
        for ret in self.returns:
            if ret.value is None:
                continue
            direct = not isinstance(ret.value, ast.Name)
            candidates = [ret.value] if direct else self.values.get(ret.value.id, [])  # type: ignore[attr-defined]
            for value in candidates:
                if require_status and direct and self.may_not_be_response(value):
                    return True
                items = _ast_response_items(value)
                if items is None or AUTHORIZER_KEYS & set(items):
                    continue
                if "statusCode" not in items:
                    if require_status:
                        return True
                    continue
                body = items.get("body")
                if body is not None and self.may_be_non_string(body):
                    return True
        return False

    def may_not_be_response(self, expr: ast.expr) -> bool:
        """``Checker.not_a_response`` may say something."""
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, (str, bytes))
        if isinstance(expr, (ast.JoinedStr, ast.List, ast.ListComp)):
            return True
        return isinstance(expr, ast.Call) and bool(self.sketch.quals(expr.func) & {"json.dumps", "str"})

    def may_be_non_string(self, expr: ast.expr, depth: int = 0) -> bool:
        """``Checker.non_string`` may say something (``True``/``False`` are ast constants)."""
        if isinstance(expr, (ast.Dict, ast.DictComp, ast.List, ast.ListComp, ast.Set, ast.SetComp, ast.Tuple)):
            return True
        if isinstance(expr, ast.Constant):
            return type(expr.value) in (int, float, bool)
        if isinstance(expr, ast.UnaryOp):
            return isinstance(expr.operand, ast.Constant) and type(expr.operand.value) in (int, float)
        if isinstance(expr, ast.Name):
            if expr.id == self.event:
                return True
            if depth > 2:
                return False
            return any(self.may_be_non_string(v, depth + 1) for v in self.values.get(expr.id, ()))
        if isinstance(expr, ast.Call):
            return bool(self.sketch.quals(expr.func) & NON_STRING_CALLS)
        return False


def _ast_response_items(expr: ast.expr) -> dict[str, ast.expr] | None:
    """``response_items`` on ast."""
    if isinstance(expr, ast.Dict):
        out: dict[str, ast.expr] = {}
        for key, value in zip(expr.keys, expr.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return None  # **spread, or a key that is not a plain string
            out[key.value] = value
        return out
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "dict":
        if expr.args or any(k.arg is None for k in expr.keywords):
            return None
        return {k.arg: k.value for k in expr.keywords if k.arg is not None}
    return None


@register
class MalformedProxyResponse(CodeRule):
    id = "LL108"
    name = "malformed-proxy-response"
    reads = "handlers"
    family = "code"
    severity = Severity.ERROR
    precision = "high"
    tags = ("correctness", "api-gateway")
    needles = ("return",)
    summary = "A REST API / ALB handler returns a proxy response without `statusCode` or with a non-string `body`."
    doc = """
## What it does
Looks at the `return` statements of handlers that answer payload-format-1.0 proxy
integrations: functions the template wires to a REST API (SAM `Api`, API Gateway v1), an
ALB, or an HTTP API with `PayloadFormatVersion: "1.0"`; and, without a template, handlers
whose code reads fields only those events carry (`event["httpMethod"]`,
`event["requestContext"]["httpMethod"]`, `multiValueHeaders`, an `APIGatewayProxyEvent`
annotation). It reports a returned dict literal (or a local variable holding one) that

- has no `statusCode` key (or is no dict at all: a bare string, `json.dumps(...)`, a
  list), or
- has a `body` that is clearly not a string: a dict, list, set or tuple literal or
  comprehension, a number, a boolean, the event itself, `json.loads(...)`, `dict(...)`.

Non-proxy integrations (serverless `integration: lambda`, API Gateway `AWS` integrations)
map the response with templates and are not judged either.

Not reported: `json.dumps(...)`, string literals, f-strings, `str(...)`, variables holding
those, values lambdalint cannot see through (helper calls, parameters), responses built by
helper functions, dicts with `**` spreads or computed keys, handlers under decorators that
may rewrite the result, returns inside an `if` that answers warmers or other triggers,
missing `statusCode` in handlers that test whether the event is an HTTP request at all
(`if "httpMethod" in event:`, `if event.get("requestContext"):`: their other returns
answer direct invocations), and Lambda authorizers (`principalId`/`policyDocument`). HTTP APIs with the default payload 2.0 and Function URLs accept any JSON value
(a dict without `statusCode` becomes a 200 JSON response), so they are never reported.

## Why it matters
With the 1.0 proxy format, API Gateway and ALB require `{"statusCode": int, "body": str,
...}`. Anything else is answered with **502 Bad Gateway** ("Malformed Lambda proxy
response"), although the function itself succeeded: the invocation shows no error in
Lambda's metrics, and unit tests that call the handler directly pass.

## Example
```python
def lambda_handler(event, context):
    if event["httpMethod"] == "GET":
        return {"statusCode": 200, "body": {"items": []}}   # LL108: body is a dict
    return {"error": "unsupported"}                          # LL108: no statusCode
```
Use instead:
```python
import json

def lambda_handler(event, context):
    if event["httpMethod"] == "GET":
        return {"statusCode": 200, "body": json.dumps({"items": []})}
    return {"statusCode": 405, "body": json.dumps({"error": "unsupported"})}
```

## How to fix
Always return `statusCode` and a string `body` (`json.dumps(...)`), ideally from one small
response helper, or use a framework that builds the response (Powertools
`APIGatewayRestResolver`, Chalice, Mangum).
"""
    references = (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html",
    )
    invalid = (
        Example.code(
            "def lambda_handler(event, context):\n    if event['httpMethod'] == 'GET':\n"
            "        return {'statusCode': 200, 'body': {'items': []}}\n    return {'error': 'unsupported'}\n"
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                    "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                    "      CodeUri: src/\n      Handler: app.handler\n      Events:\n        Get:\n"
                    "          Type: Api\n          Properties:\n            Path: /items\n            Method: get\n"
                ),
                "src/app.py": "def handler(event, context):\n    return {'items': []}\n",
            },
            note="a REST API (payload 1.0) function linked from the template",
        ),
    )
    valid = (
        Example.code(
            "import json\n\ndef lambda_handler(event, context):\n    if event['httpMethod'] == 'GET':\n"
            "        return {'statusCode': 200, 'body': json.dumps({'items': []})}\n"
            "    return {'statusCode': 405, 'body': json.dumps({'error': 'unsupported'})}\n"
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                    "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                    "      CodeUri: src/\n      Handler: app.handler\n      Events:\n        Get:\n"
                    "          Type: HttpApi\n          Properties:\n            Path: /items\n            Method: get\n"
                ),
                "src/app.py": "def handler(event, context):\n    return {'items': []}\n",
            },
            note="HTTP API payload 2.0: a dict without statusCode is a 200 JSON response",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # a finding needs a payload-1.0 handler (``mode``: by its links, or v1 evidence for a
        # handler by convention) with a return that ``Checker.problems`` may report: a value
        # that is not a response (when statusCode is required), a literal dict without
        # statusCode (idem), or one whose body may not be a string; returned names stand for
        # every value the handler assigns them
        v1: bool | None = None
        for link in handlers:
            fn = sketch.functions.get(link.name)
            if fn is None:
                return True
            if link.by_convention:
                if v1 is None:
                    v1 = _v1_evidence_possible(sketch)
                if not v1:
                    continue
                require_status = True
            else:
                kinds = set(link.event_kinds)
                formats = set(link.payload_formats)
                if not kinds & HTTP_EVENT_KINDS or "1.0" not in formats or "unknown" in formats:
                    continue
                require_status = kinds <= HTTP_EVENT_KINDS
            if _Returns(sketch, fn).may_report(require_status):
                return True
        return False

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        for handler in ctx.handlers:
            mode = self.mode(ctx, handler)
            if mode is None:
                continue
            if handler.name in ctx.mod.assignments:
                continue  # `handler = middleware(handler)`: the wrapper shapes the response
            decorators = decorator_names(ctx.mod, handler.node)
            if len(decorators) < len(handler.node.decorators) or any(d.rsplit(".", 1)[-1] not in TRANSPARENT_DECORATORS for d in decorators):
                continue
            for ret, message in Checker(ctx, handler, require_status=mode).problems():
                yield ctx.finding(ret, message, logical=handler.name)

    @staticmethod
    def mode(ctx: CodeContext, handler: Handler) -> bool | None:
        """None: not a payload-1.0 handler; else whether a missing statusCode is reportable
        (False when the function has non-HTTP triggers too: the dict may answer those)."""
        link = handler.link
        if link.by_convention:
            return True if v1_evidence(ctx, handler) else None
        kinds = set(link.event_kinds)
        if not kinds & HTTP_EVENT_KINDS:
            return None
        formats = set(link.payload_formats)
        if "1.0" not in formats or "unknown" in formats:
            return None  # 2.0 takes any JSON; non-proxy (custom) integrations map the response
        return kinds <= HTTP_EVENT_KINDS
