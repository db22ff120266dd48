"""LL110: time.sleep (or an awaited asyncio.sleep) while the handler runs."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink
from lambdalint.code.module import walk_code
from lambdalint.code.sketch import FunctionNode, Sketch, body_nodes
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

SLEEPS = {"time.sleep": "time.sleep", "asyncio.sleep": "asyncio.sleep", "trio.sleep": "trio.sleep", "anyio.sleep": "anyio.sleep"}


def literal_seconds(call: cst.Call) -> float | None:
    arg = call.args[0].value if call.args and call.args[0].keyword is None else None
    if arg is None:
        for a in call.args:
            if a.keyword is not None and a.keyword.value in ("secs", "seconds", "delay"):
                arg = a.value
    if isinstance(arg, (cst.Integer, cst.Float)):
        try:
            return float(arg.evaluated_value)
        except (ValueError, TypeError):
            return None
    return None


def is_backoff(expr: cst.BaseExpression) -> bool:
    """Exponential backoff: ``2 ** attempt``, ``base * 2 ** n``, ``base << n``."""
    for node in [expr, *walk_code(expr)]:
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Power, cst.LeftShift)):
            return True
    return False


class SleepFinder:
    """Sleeps in one function, skipping those that back off a failed call (inside an
    ``except`` block, in a retry loop, or with an exponential duration)."""

    def __init__(self, ctx: CodeContext, fn: cst.FunctionDef) -> None:
        self.ctx = ctx
        self.fn = fn

    def run(self) -> list[tuple[cst.Call, str]]:
        nodes = self.ctx.mod.body_nodes(self.fn)
        calls = [n for n in nodes if isinstance(n, cst.Call) and self.ctx.mod.call_name(n, self.fn) in SLEEPS]
        if not calls:
            return []
        backoff: set[cst.CSTNode] = set()
        for node in nodes:
            if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)) or (
                isinstance(node, (cst.For, cst.While)) and is_retry_loop(node)
            ):
                backoff.update(walk_code(node.body, skip_nested=True))
        found = []
        for call in calls:
            if call in backoff:
                continue
            arg = call.args[0].value if call.args else None
            if arg is not None and is_backoff(arg):
                continue
            seconds = literal_seconds(call)
            if seconds is not None and seconds <= 0:
                continue  # sleep(0) yields the thread / event loop, it does not wait
            found.append((call, self.ctx.mod.call_name(call, self.fn) or "time.sleep"))
        return found


RETRY_NAMES = re.compile(r"attempt|retr|tries|backoff", re.IGNORECASE)


def is_retry_loop(loop: cst.For | cst.While) -> bool:
    """A loop that retries: its body wraps the work in ``try``, or its counter says so."""
    for stmt in _stmts(loop.body):
        if isinstance(stmt, (cst.Try, cst.TryStar)) and any(_swallows(h) for h in stmt.handlers):
            return True  # a failure is caught and the loop goes round again
    header = loop.target if isinstance(loop, cst.For) else loop.test
    return any(isinstance(n, cst.Name) and RETRY_NAMES.search(n.value) for n in [header, *walk_code(header)])


def _swallows(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """An except block that does not end by raising (or returning): the loop continues."""
    suite = handler.body
    if isinstance(suite, cst.SimpleStatementSuite):  # except X: raise
        return not isinstance(suite.body[-1], (cst.Raise, cst.Return))
    body = _stmts(suite)
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        return not isinstance(last.body[-1], (cst.Raise, cst.Return))
    return True


def _stmts(suite: cst.BaseSuite) -> list[cst.CSTNode]:
    return list(suite.body) if isinstance(suite, cst.IndentedBlock) else []


def _may_report(sketch: Sketch, fn: FunctionNode, minimum: float) -> bool:
    """Whether ``SleepFinder`` and ``check`` may report a sleep in ``fn``'s own body, on the
    ``ast``: the same except blocks and retry loops make a backoff, and a duration is only
    taken as a backoff or as too short when the call has that one argument and nothing else."""
    nodes = sketch.body_nodes(fn)
    calls = [n for n in nodes if isinstance(n, ast.Call) and sketch.quals(n.func) & SLEEPS.keys()]
    if not calls:
        return False
    backoff: set[int] = set()
    for node in nodes:
        if isinstance(node, (ast.ExceptHandler, ast.For, ast.AsyncFor, ast.While)):
            if isinstance(node, ast.ExceptHandler) or _ast_retry_loop(node):
                backoff.update(id(n) for n in body_nodes(node.body))
    for call in calls:
        if id(call) in backoff:
            continue
        args = [*call.args, *(k.value for k in call.keywords)]
        if len(args) == 1 and len(call.keywords) <= 1:
            arg = args[0]
            if any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Pow, ast.LShift)) for n in ast.walk(arg)):
                continue  # exponential backoff
            value = arg.value if isinstance(arg, ast.Constant) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                name = call.keywords[0].arg if call.keywords else None
                if name in (None, "secs", "seconds", "delay") and (value <= 0 or value < minimum):
                    continue  # sleep(0), or shorter than min-seconds
        return True
    return False


def _ast_retry_loop(loop: ast.For | ast.AsyncFor | ast.While) -> bool:
    """``is_retry_loop`` on the ``ast``."""
    for stmt in loop.body:
        if isinstance(stmt, (ast.Try, ast.TryStar)) and any(not isinstance(h.body[-1], (ast.Raise, ast.Return)) for h in stmt.handlers):
            return True
    header = loop.test if isinstance(loop, ast.While) else loop.target
    return any(isinstance(n, ast.Name) and RETRY_NAMES.search(n.id) for n in ast.walk(header))


def fmt_seconds(value: float) -> str:
    return f"{int(value)} s" if value == int(value) else f"{value:g} s"


@register
class SleepInHandler(CodeRule):
    id = "LL110"
    name = "sleep-in-handler"
    reads = "reach"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("cost", "performance")
    needles = ("sleep",)
    options: ClassVar[dict[str, Any]] = {"min-seconds": 0}
    summary = "The handler sleeps, paying for idle time while the function waits."
    doc = """
## What it does
Finds `time.sleep(...)` (however imported: `from time import sleep`, `import time as t`)
and awaited `asyncio.sleep(...)` in a handler and in the same-module functions it calls (a
few levels deep). The duration is shown when it is a literal.

Backoff is not reported: a sleep inside an `except` block, in a retry loop (its body
catches a failure with `try`/`except` and goes round again, or its counter is named
`attempt`/`retries`/`tries`), or with an
exponential duration (`2 ** attempt`, `base << n`).
Retrying a throttled call with backoff is correct, and the SDK's own retries do the same.
`sleep(0)` (a yield, not a wait) is ignored. Sleeps shorter than the `min-seconds` option
(default 0: every sleep) are ignored too.

## Why it matters
Lambda bills for the whole time the handler runs, busy or not: a `sleep(10)` costs ten
seconds of the function's memory size on every invocation, holds one unit of concurrency
(and, behind API Gateway, keeps the caller waiting) and pushes the function towards its
timeout. `await asyncio.sleep(...)` in an async handler is billed exactly the same way.
Polling loops ("sleep, then check whether the job is done") are the usual cause.

## Example
```python
import time

def lambda_handler(event, context):
    job = start_job(event)
    while not is_done(job):
        time.sleep(5)                 # LL110: billed idle time
    return result(job)
```
Use instead: let a Step Functions `Wait` state (or an SQS delay queue / EventBridge
Scheduler) do the waiting and invoke the function again when there is work.

## How to fix
Replace waits by orchestration: Step Functions (`Wait` state, `.waitForTaskToken`, or a
poll loop in the state machine), SQS `DelaySeconds` / visibility timeout, or an
EventBridge Scheduler one-off schedule. To retry a throttled call, rely on the SDK's retry
configuration (`botocore.config.Config(retries={"mode": "adaptive"})`) or back off in an
`except` block.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html",
        "https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-wait-state.html",
    )
    invalid = (
        Example.code("import time\n\ndef lambda_handler(event, context):\n    time.sleep(10)\n    return {'ok': True}\n"),
        Example.code(
            "from time import sleep as pause\n\ndef wait_for(job):\n    while not job.done():\n        pause(5)\n\n"
            "def handler(event, context):\n    wait_for(event['job'])\n",
            note="a polling loop in a helper the handler calls, through an aliased import",
        ),
    )
    valid = (
        Example.code(
            "import time\nimport botocore.exceptions\n\ndef lambda_handler(event, context):\n"
            "    for attempt in range(5):\n        try:\n            return call(event)\n"
            "        except botocore.exceptions.ClientError:\n            time.sleep(0.2 * 2 ** attempt)\n"
            "    raise RuntimeError('gave up')\n",
            note="exponential backoff after a failure",
        ),
        Example.code(
            "import time\n\ndef main():\n    time.sleep(5)\n\ndef lambda_handler(event, context):\n    return {'ok': True}\n",
            note="not reachable from the handler",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # a finding is a call that may resolve to one of SLEEPS, in the own body of a function
        # ctx.reachable gives (sketch.reach: a superset), that SleepFinder does not take for
        # backoff and that is not shorter than min-seconds: see _may_report
        if not sketch.calls_any(SLEEPS):
            return False
        minimum = float(self.opts.get("min-seconds", 0) or 0)
        return any(_may_report(sketch, fn, minimum) for fn in sketch.reach(h.name for h in handlers))

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        minimum = float(self.opts.get("min-seconds", 0) or 0)
        reported: set[cst.Call] = set()
        for handler in ctx.handlers:
            for fn, path in ctx.reachable(handler):
                for call, qual in SleepFinder(ctx, fn).run():
                    if call in reported:
                        continue
                    seconds = literal_seconds(call)
                    if seconds is not None and seconds < minimum:
                        continue
                    reported.add(call)
                    yield ctx.finding(call, self.message(qual, seconds, handler.name, path), logical=".".join(path))

    @staticmethod
    def message(qual: str, seconds: float | None, handler: str, path: list[str]) -> str:
        what = f"`{qual}({fmt_seconds(seconds).removesuffix(' s')})`" if seconds is not None else f"`{qual}(...)`"
        where = f"in handler `{handler}`" if len(path) == 1 else f"in `{path[-1]}`, called from handler `{handler}` ({' -> '.join(path)})"
        cost = f"{fmt_seconds(seconds)} of billed idle time per call" if seconds is not None else "billed idle time"
        return (
            f"{what} {where}: the function keeps running and is billed while it waits ({cost}), "
            "holding concurrency and nearing its timeout; let Step Functions (Wait state), an SQS "
            "delay or EventBridge Scheduler do the waiting"
        )
