"""LL104: the whole event or context object logged."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from lambdalint.code.context import CodeContext, Handler, keyword
from lambdalint.code.module import walk_code
from lambdalint.code.taint import Flow, log_sink
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

IGNORED_KEYWORDS = {"exc_info", "stack_info", "stacklevel", "level", "file", "sep", "end", "flush"}


def _params(fn: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in [*fn.params.posonly_params, *fn.params.params]]


@register
class EventLogged(CodeRule):
    id = "LL104"
    name = "event-logged"
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
been replaced by a parsed part of it (`event = json.loads(event["body"])`).

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

            Flow(mod, handler.node, initial=initial, on_unit=sinks, through_access=False, follow=2).run()
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
