"""LL113: handler signature does not accept (event, context)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import libcst as cst

from lambdalint.code.context import EVENT_NAMES, CodeContext, Handler, HandlerLink, decorator_names
from lambdalint.code.sketch import FunctionNode, Sketch
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

# decorators that call the wrapped function with (event, context) unchanged: checking the
# signature under them is still meaningful. Any other decorator may adapt the call: stay quiet.
TRANSPARENT_DECORATORS = {
    "inject_lambda_context",
    "capture_lambda_handler",
    "log_metrics",
    "capture",  # aws_xray_sdk xray_recorder.capture
    "wraps",
    # Powertools utilities: the wrapped handler is still called as (event, context)
    "event_source",
    "event_parser",
    "parser",
    "validator",
    "validate",
    "idempotent",
    "batch_processor",
    "async_batch_processor",
}
LAMBDA_IMPORTS = ("aws_lambda_powertools", "aws_lambda_typing", "awslambdaric", "aws_xray_sdk")


def problem(fn: cst.FunctionDef) -> str | None:
    """Why Lambda's ``handler(event, context)`` call fails for ``fn``, or None when it works."""
    if fn.asynchronous is not None:
        return (
            "is `async def`: the Python runtime calls it without awaiting and tries to return "
            "the coroutine object, so every invocation fails; make it a plain `def` and run "
            "the coroutine with `asyncio.run(...)`"
        )
    params = fn.params
    positional = [*params.posonly_params, *params.params]
    star = isinstance(params.star_arg, cst.Param)
    required_kwonly = [p.name.value for p in params.kwonly_params if p.default is None]
    if required_kwonly:
        names = ", ".join(f"`{n}`" for n in required_kwonly)
        return (
            f"has keyword-only parameter(s) {names} without a default: Lambda passes only "
            "(event, context) positionally, so every invocation fails with TypeError; "
            "give them defaults or make the signature `(event, context)`"
        )
    if len(positional) < 2 and not star:
        if not positional:
            got = "takes no positional parameters"
        else:
            got = f"takes only `{positional[0].name.value}`"
        return (
            f"{got}, but Lambda calls it with two arguments (event, context), so every "
            "invocation fails with TypeError; declare `(event, context)` (name it `_context` "
            "if unused)"
        )
    required = [p for p in positional if p.default is None]
    if len(required) > 2:
        extra = ", ".join(f"`{p.name.value}`" for p in required[2:])
        return (
            f"requires more than two positional arguments ({extra} has no default), but Lambda "
            "passes only (event, context), so every invocation fails with TypeError; give the "
            "extra parameters defaults or remove them"
        )
    return None


def strong_convention_evidence(ctx: CodeContext, handler: Handler) -> bool:
    """A convention handler (no template) is only judged when the file is clearly Lambda code."""
    fn = handler.node
    if handler.name == "lambda_handler":
        return True
    if handler.name != "handler":
        return False  # found through (event, context) params: its signature is right anyway
    first = [*fn.params.posonly_params, *fn.params.params]
    if first and first[0].name.value in EVENT_NAMES:
        return True
    return any(q.split(".")[0] in LAMBDA_IMPORTS for q in ctx.mod.imports.values())


def _may_have_problem(fn: FunctionNode) -> bool:
    """``problem(fn) is not None``, on the ``ast`` of the same def (exact: the same facts read
    from the other parse tree)."""
    if isinstance(fn, ast.AsyncFunctionDef):
        return True
    args = fn.args
    if any(default is None for default in args.kw_defaults):
        return True  # a keyword-only parameter without a default
    positional = len(args.posonlyargs) + len(args.args)
    if positional < 2 and args.vararg is None:
        return True
    return positional - len(args.defaults) > 2  # `defaults` belong to the last positionals


def _may_be_judged(sketch: Sketch, link: HandlerLink, fn: FunctionNode) -> bool:
    """Whether ``check`` may judge this handler's signature: a superset of its skips (the
    convention evidence and the decorators), leaving out the ``name in assignments`` skip."""
    if link.by_convention and link.name != "lambda_handler":
        if link.name != "handler":
            return False
        first = [*fn.args.posonlyargs, *fn.args.args]
        if not (first and first[0].arg in EVENT_NAMES) and not any(
            q.split(".")[0] in LAMBDA_IMPORTS for quals in sketch.imports.values() for q in quals
        ):
            return False  # sketch.imports binds a superset of the module-level imports
    for dec in fn.decorator_list:
        expr = dec.func if isinstance(dec, ast.Call) else dec
        # sketch.quals includes whatever qualname resolves the decorator to; none (not a name
        # chain) makes check skip the handler too
        if not any(q.rsplit(".", 1)[-1] in TRANSPARENT_DECORATORS for q in sketch.quals(expr)):
            return False
    return True


@register
class HandlerSignature(CodeRule):
    id = "LL113"
    name = "handler-signature"
    reads = "handlers"
    family = "code"
    severity = Severity.ERROR
    precision = "very-high"
    tags = ("correctness",)
    summary = "Handler cannot be called by Lambda as `handler(event, context)`."
    doc = """
## What it does
Checks the signature of every handler: the functions a template links (`Handler:
app.lambda_handler`) and, in folders without a template, functions named `lambda_handler`
(or `handler` in a file that is clearly Lambda code: its first parameter is `event`, or it
imports Powertools / `aws_lambda_typing`). It reports a handler that:

- takes fewer than two positional parameters (`def handler(event):`) and has no `*args`;
- requires a third positional argument, or a keyword-only argument without a default;
- is `async def` (the Python runtime does not await handlers).

Defaults, `*args` and `**kwargs` are fine. A handler under a decorator lambdalint does not
know (which may adapt the call) is left alone; Powertools' decorators
(`inject_lambda_context`, `capture_lambda_handler`, `log_metrics`, `event_source`,
`event_parser`, `validator`, `idempotent`, `batch_processor`) and X-Ray's `capture` pass
`(event, context)` through and are checked.
Methods of classes are never handlers; top-level functions named `handler` in Flask, Django
or CLI code without Lambda evidence are not judged.

## Why it matters
The Python runtime always calls the handler as `handler(event, context)`. A handler that
cannot take that call fails on **every** invocation with `TypeError` before a line of your
code runs, which unit tests that call `handler(event)` directly never notice. An
`async def` handler returns a coroutine the runtime cannot serialise, and its body never
runs.

## Example
```python
def lambda_handler(event):          # LL113: Lambda passes (event, context)
    return {"ok": True}
```
Use instead:
```python
def lambda_handler(event, _context):
    return {"ok": True}
```

## How to fix
Declare `(event, context)`; name an unused context `_context`. For async code, keep a
plain `def` handler and call `asyncio.run(main(event))` inside it.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html",)
    invalid = (
        Example.code("def lambda_handler(event):\n    return {'ok': True}\n"),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                    "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                    "      CodeUri: src/\n      Handler: app.main\n"
                ),
                "src/app.py": "async def main(event, context):\n    return {'ok': True}\n",
            },
            note="an async handler linked from the template",
        ),
    )
    valid = (
        Example.code("def lambda_handler(event, _context):\n    return {'ok': True}\n"),
        Example.code("def lambda_handler(*args, **kwargs):\n    return {'ok': True}\n", note="*args accepts the call"),
        Example.code(
            "from flask import Flask\n\napp = Flask(__name__)\n\n\ndef handler(request):\n    return 'hi'\n",
            note="not Lambda code: a top-level `handler` without Lambda evidence",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # every finding is a handler whose signature `problem` rejects and that check does not
        # skip; both are read from the same def in the ast (a missing def: assume it may report)
        for link in handlers:
            fn = sketch.functions.get(link.name)
            if fn is None or (_may_have_problem(fn) and _may_be_judged(sketch, link, fn)):
                return True
        return False

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        for handler in ctx.handlers:
            if handler.link.by_convention and not strong_convention_evidence(ctx, handler):
                continue
            if handler.name in ctx.mod.assignments:
                continue  # `handler = middleware(handler)`: the wrapper is what Lambda calls
            decorators = decorator_names(ctx.mod, handler.node)
            if any(d.rsplit(".", 1)[-1] not in TRANSPARENT_DECORATORS for d in decorators) or len(decorators) < len(handler.node.decorators):
                continue  # an unknown decorator may adapt the call
            why = problem(handler.node)
            if why:
                yield ctx.finding(handler.node, f"handler `{handler.name}` {why}", logical=handler.name)
