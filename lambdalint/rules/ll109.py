"""LL109: a handler invoking another Lambda function synchronously."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, keyword, positional, string_value
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import Sketch
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

CLIENT_FACTORIES = {"boto3.client", "boto3.session.Session.client", "aioboto3.client"}
SESSION_FACTORIES = {"boto3.Session", "boto3.session.Session", "aioboto3.Session", "botocore.session.get_session"}
SYNC_METHODS = {"invoke", "invoke_with_response_stream"}
ASYNC_TYPES = {"Event", "DryRun"}


def service_of(call: cst.Call) -> str | None:
    arg = positional(call, 0) or keyword(call, "service_name")
    return string_value(arg.value) if arg is not None else None


class LambdaClients:
    """Names bound to a boto3 Lambda client, at module scope or in one function."""

    def __init__(self, mod: PyModule) -> None:
        self.mod = mod
        self.module_names = {
            name for name, value in mod.assignments.items() if self.is_lambda_client(value, None)
        }

    def is_session(self, expr: cst.BaseExpression, scope: cst.FunctionDef | None) -> bool:
        if isinstance(expr, cst.Call):
            return self.mod.call_name(expr, scope) in SESSION_FACTORIES
        if isinstance(expr, cst.Name):
            value = self.mod.assignments.get(expr.value)
            return isinstance(value, cst.Call) and self.mod.call_name(value) in SESSION_FACTORIES
        return False

    def is_lambda_client(self, expr: cst.BaseExpression, scope: cst.FunctionDef | None) -> bool:
        if not isinstance(expr, cst.Call):
            return False
        qual = self.mod.call_name(expr, scope)
        if qual in CLIENT_FACTORIES or qual in ("boto3.resource",):
            return service_of(expr) == "lambda"
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("client", "create_client"):
            return self.is_session(func.value, scope) and service_of(expr) == "lambda"
        return False

    def local_names(self, fn: cst.FunctionDef) -> set[str]:
        out: set[str] = set()
        for node in self.mod.body_nodes(fn):
            if isinstance(node, cst.Assign) and self.is_lambda_client(node.value, fn):
                out.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
            elif isinstance(node, cst.AnnAssign) and node.value is not None and self.is_lambda_client(node.value, fn):
                if isinstance(node.target, cst.Name):
                    out.add(node.target.value)
            elif (
                isinstance(node, cst.WithItem)
                and node.asname is not None
                and isinstance(node.asname.name, cst.Name)
                and self.is_lambda_client(node.item, fn)
            ):
                out.add(node.asname.name.value)
        return out


def invocation_type(call: cst.Call, mod: PyModule) -> tuple[bool, str | None]:
    """(known, value): the InvocationType argument; known is False when it cannot be read
    statically (a variable, ``**kwargs``)."""
    if any(a.star == "**" for a in call.args):
        return False, None
    arg = keyword(call, "InvocationType")
    if arg is None:
        return True, None
    value = string_value(arg.value)
    if value is None and isinstance(arg.value, cst.Name):
        value = string_value(mod.assignments.get(arg.value.value))  # a module constant
    if value is None:
        return False, None
    return True, value


@register
class SyncLambdaInvoke(CodeRule):
    id = "LL109"
    name = "sync-lambda-invoke"
    reads = "reach"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("cost", "architecture", "reliability")
    needles = ("invoke",)
    summary = "The handler invokes another Lambda function synchronously and pays while it waits."
    doc = """
## What it does
Finds `invoke(...)` calls on a boto3 Lambda client in a handler, or in same-module functions
it calls, with `InvocationType="RequestResponse"` or no `InvocationType` at all (the
default is synchronous). `invoke_with_response_stream` is synchronous too. The client may
be created anywhere: `boto3.client("lambda")`, `boto3.client(service_name="lambda")`, a
session's `.client("lambda")`, at module scope or locally, through any import alias; an
`invoke` call passing `FunctionName=` is recognised even when the client comes from
elsewhere.

Not reported: `InvocationType="Event"` (asynchronous) and `"DryRun"`, a type lambdalint
cannot read (a variable or `**kwargs`), the deprecated `invoke_async` (it is asynchronous),
and code the handler never reaches (scripts, tests, CLIs).

## Why it matters
A synchronous invoke makes the caller wait, idle and billed, for the whole run of the
callee: you pay twice for the same time, both functions hold concurrency, the caller's
timeout must cover the callee's, and a throttled or failing callee fails the caller too.
Chains of functions calling functions are the classic Lambda anti-pattern.

## Example
```python
import boto3, json

lam = boto3.client("lambda")

def lambda_handler(event, context):
    resp = lam.invoke(FunctionName="resize", Payload=json.dumps(event))   # LL109
    return json.load(resp["Payload"])
```
Use instead, when the caller does not need the answer:
```python
    lam.invoke(FunctionName="resize", InvocationType="Event", Payload=json.dumps(event))
```

## How to fix
Invoke asynchronously (`InvocationType="Event"`) when the result is not needed, put a queue
or an EventBridge bus between the functions, or orchestrate the steps with Step Functions,
which waits without billing a function. When the other function's logic is needed
inline, import it as a library instead of invoking it.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/operatorguide/functions-calling-functions.html",
        "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html",
    )
    invalid = (
        Example.code(
            "import boto3\nimport json\n\nlam = boto3.client('lambda')\n\ndef lambda_handler(event, context):\n"
            "    resp = lam.invoke(FunctionName='resize', Payload=json.dumps(event))\n"
            "    return json.load(resp['Payload'])\n"
        ),
        Example.code(
            "from boto3 import client as mk\n\ndef handler(event, context):\n"
            "    mk(service_name='lambda').invoke(FunctionName='other', InvocationType='RequestResponse')\n",
            note="an aliased factory and an explicit RequestResponse",
        ),
    )
    valid = (
        Example.code(
            "import boto3\nimport json\n\nlam = boto3.client('lambda')\n\ndef lambda_handler(event, context):\n"
            "    lam.invoke(FunctionName='resize', InvocationType='Event', Payload=json.dumps(event))\n"
        ),
        Example.code(
            "import boto3\n\nlam = boto3.client('lambda')\n\ndef main():\n    lam.invoke(FunctionName='smoke-test')\n\n"
            "if __name__ == '__main__':\n    main()\n",
            note="a script, not a handler",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # Sound: a finding is a `.invoke(...)`/`.invoke_with_response_stream(...)` call in a
        # handler or a function it reaches (sketch.reach is a superset) that passes no `**`
        # (else the type is unknown), whose InvocationType is not a literal "Event"/"DryRun"
        # (ast's string constant is string_value's, concatenations included), and that passes
        # FunctionName= or is on a Lambda client, whose factory call names the service with a
        # literal "lambda" somewhere in the module.
        wanted: list[ast.Call] = []
        named: bool | None = None
        for call in sketch.nodes(ast.Call):
            func = call.func
            if not isinstance(func, ast.Attribute) or func.attr not in SYNC_METHODS:
                continue
            kwargs = {k.arg: k.value for k in call.keywords}
            if None in kwargs:
                continue
            itype = kwargs.get("InvocationType")
            if isinstance(itype, ast.Constant) and itype.value in ASYNC_TYPES:
                continue
            if "FunctionName" not in kwargs:
                if named is None:
                    named = any(c.value == "lambda" for c in sketch.nodes(ast.Constant))
                if not named:
                    continue
            wanted.append(call)
        if not wanted:
            return False
        return any(True for _ in sketch.reached(wanted, (h.name for h in handlers)))

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        if not has_invoke(ctx.mod):
            return
        clients = LambdaClients(ctx.mod)
        reported: set[cst.Call] = set()
        for handler in ctx.handlers:
            for fn, path in ctx.reachable(handler):
                local = clients.local_names(fn)
                for node in ctx.mod.body_nodes(fn):
                    if not isinstance(node, cst.Call) or node in reported:
                        continue
                    func = node.func
                    if not isinstance(func, cst.Attribute) or func.attr.value not in SYNC_METHODS:
                        continue
                    if not self.is_lambda_receiver(func.value, fn, clients, local) and keyword(node, "FunctionName") is None:
                        continue
                    known, itype = invocation_type(node, ctx.mod)
                    if not known or itype in ASYNC_TYPES:
                        continue
                    reported.add(node)
                    yield ctx.finding(node, self.message(func.attr.value, itype, handler.name, path), logical=".".join(path))

    @staticmethod
    def is_lambda_receiver(expr: cst.BaseExpression, fn: cst.FunctionDef, clients: LambdaClients, local: set[str]) -> bool:
        if isinstance(expr, cst.Name):
            return expr.value in local or (expr.value in clients.module_names and expr.value not in _rebound(clients.mod, fn))
        return clients.is_lambda_client(expr, fn)

    @staticmethod
    def message(method: str, itype: str | None, handler: str, path: list[str]) -> str:
        how = f'InvocationType="{itype}"' if itype else "no InvocationType (defaults to RequestResponse)"
        where = f"in handler `{handler}`" if len(path) == 1 else f"in `{path[-1]}`, called from handler `{handler}` ({' -> '.join(path)})"
        return (
            f"synchronous Lambda `{method}` with {how} {where}: this function waits, billed and holding "
            "concurrency, for the other one to finish; use InvocationType=\"Event\", a queue/EventBridge, "
            "or Step Functions"
        )


def has_invoke(mod: PyModule) -> bool:
    """Whether the module calls an ``.invoke(...)``-like method anywhere (a cheap test first)."""
    return any(
        type(n) is cst.Call and isinstance(n.func, cst.Attribute) and n.func.attr.value in SYNC_METHODS
        for n in walk_code(mod.module)
    )


def _rebound(mod: PyModule, fn: cst.FunctionDef) -> set[str]:
    """Names assigned in ``fn`` (local variables shadowing module names)."""
    out = {p.name.value for p in [*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params]}
    for node in mod.body_nodes(fn):
        if isinstance(node, cst.Assign):
            out.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
    return out
