"""LL304: SQS visibility timeout shorter than six times the function timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from lambdalint.model import UNKNOWN, Finding, Function, Project, Severity
from lambdalint.registry import Example, ProjectRule, register
from lambdalint.rules.ll303 import resolve_queue

SQS_DEFAULT_VISIBILITY = 30  # seconds, when the queue does not set VisibilityTimeout
# the function timeout each format deploys when none is written
DEFAULT_TIMEOUT = {"sam": 3, "cloudformation": 3, "terraform": 3, "serverless": 6}
VISIBILITY_PROPERTY = {"terraform": "visibility_timeout_seconds"}


def function_timeout(fn: Function) -> tuple[int, bool] | None:
    """(timeout in seconds, whether it is the format's default), None when unknown."""
    if fn.timeout is UNKNOWN:
        return None
    if isinstance(fn.timeout, int):
        return fn.timeout, False
    default = fn.extra.get("default_timeout", DEFAULT_TIMEOUT.get(fn.format, 3))
    return (default, True) if isinstance(default, int) else None


@register
class SqsVisibilityTimeout(ProjectRule):
    id = "LL304"
    reads = "model"
    name = "sqs-visibility-timeout"
    family = "reliability"
    severity = Severity.WARNING
    precision = "very-high"
    tags = ("reliability", "sqs")
    options: ClassVar[dict[str, Any]] = {"factor": 6}
    summary = "SQS queue's visibility timeout is shorter than six times the timeout of the function it triggers."
    doc = """
## What it does
For every function triggered by an SQS queue defined in the same template, compares the
queue's visibility timeout with the function's timeout. Defaults are taken into account:
a queue without `VisibilityTimeout` has 30 s; a function without a timeout has 3 s in
SAM, CloudFormation and Terraform and 6 s in the Serverless Framework. Reported when the
visibility timeout is below `factor` (6) times the function timeout, on the queue's
`VisibilityTimeout` (or on the queue when it relies on the default).

## Why it matters
While Lambda processes a batch the messages are only hidden, for the queue's visibility
timeout. If the function (including Lambda's own retries when it is throttled) takes
longer, the messages become visible again and another invocation picks them up: the same
message is processed twice, and messages reach the dead-letter queue without ever having
failed. AWS recommends a visibility timeout of at least six times the function timeout
(plus `MaximumBatchingWindowInSeconds`). When it is even below the function timeout,
CloudFormation refuses to create the event source mapping.

## Example
```yaml
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30        # LL304: 30 s < 6 x 10 s
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 10
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
```

## How to fix
Raise the queue's visibility timeout to at least six times the function timeout
(`VisibilityTimeout: 60` for a 10 s function), or shorten the function timeout.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-queueconfig",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Jobs:\n"
                    "    Type: AWS::SQS::Queue\n"
                    "    Properties:\n"
                    "      VisibilityTimeout: 30\n"
                    "  Worker:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Timeout: 10\n"
                    "      InlineCode: \"def handler(event, context): pass\"\n"
                    "      Events:\n"
                    "        Jobs:\n"
                    "          Type: SQS\n"
                    "          Properties:\n"
                    "            Queue: !GetAtt Jobs.Arn\n"
                )
            }
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Jobs:\n"
                    "    Type: AWS::SQS::Queue\n"
                    "  Worker:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Timeout: 5\n"
                    "      InlineCode: \"def handler(event, context): pass\"\n"
                    "      Events:\n"
                    "        Jobs:\n"
                    "          Type: SQS\n"
                    "          Properties:\n"
                    "            Queue: !GetAtt Jobs.Arn\n"
                )
            },
            note="the default 30 s visibility timeout is exactly 6 x 5 s",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        factor = self.opts["factor"]
        seen: set[tuple[str, str, str]] = set()
        for fn in project.functions:
            for ev in fn.events:
                if ev.kind != "sqs":
                    continue
                queue = resolve_queue(project, fn, ev)
                timeout = function_timeout(fn)
                if queue is None or timeout is None or queue.visibility_timeout is UNKNOWN:
                    continue
                key = (str(fn.template), fn.id, queue.id)
                if key in seen:
                    continue
                seen.add(key)
                visibility = queue.visibility_timeout if isinstance(queue.visibility_timeout, int) else None
                seconds, is_default = timeout
                shown = SQS_DEFAULT_VISIBILITY if visibility is None else visibility
                if shown >= factor * seconds:
                    continue
                vis_text = f"visibility timeout {shown} s" + (" (the default)" if visibility is None else "")
                fn_text = f"{seconds} s" + (" (the default)" if is_default else "")
                prop = VISIBILITY_PROPERTY.get(fn.format, "VisibilityTimeout")
                worse = (
                    " (it is even shorter than the function timeout, so the event source mapping cannot be created)"
                    if shown < seconds
                    else ""
                )
                loc = queue.locs.get("visibility_timeout", queue.loc)
                finding = fn.finding(
                    self.id,
                    f"queue {queue.id}: {vis_text} < {factor} × {fn_text} timeout of function {fn.id}{worse}; "  # noqa: RUF001
                    f"messages reappear and are processed twice while a slow batch is still running; "
                    f"set {prop} to at least {factor * seconds} s",
                    loc=loc,
                )
                finding.logical = f"{queue.id}:{fn.id}"
                finding.resource_ignores = fn.ignores | queue.ignores
                yield finding
