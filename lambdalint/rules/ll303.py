"""LL303: stream or queue event source without failure handling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdalint.model import UNKNOWN, EventSource, Finding, Function, Project, Queue, Severity
from lambdalint.registry import Example, ProjectRule, register

STREAM_KINDS = {"kinesis": "Kinesis", "dynamodb": "DynamoDB stream", "kafka": "Kafka"}
STREAM_FIX = {
    "sam": "set `DestinationConfig.OnFailure`, `BisectBatchOnFunctionError: true`, or a finite "
    "`MaximumRetryAttempts` / `MaximumRecordAgeInSeconds` on the event",
    "cloudformation": "set `DestinationConfig.OnFailure`, `BisectBatchOnFunctionError: true`, or a finite "
    "`MaximumRetryAttempts` / `MaximumRecordAgeInSeconds` on the event source mapping",
    "terraform": "set `destination_config { on_failure { ... } }`, `bisect_batch_on_function_error = true`, or a "
    "finite `maximum_retry_attempts` / `maximum_record_age_in_seconds` on the event source mapping",
    "serverless": "set `destinations.onFailure`, `bisectBatchOnFunctionError: true`, or a finite "
    "`maximumRetryAttempts` / `maximumRecordAgeInSeconds` on the stream event",
}
REDRIVE = {
    "terraform": "`redrive_policy` (or an `aws_sqs_queue_redrive_policy`)",
}


def resolve_queue(project: Project, fn: Function, ev: EventSource) -> Queue | None:
    """The queue an SQS event reads from, when it is defined in the function's own template."""
    target = ev.target
    if not isinstance(target, str) or not target:
        return None
    return project.queues.get(f"{fn.template}#{target}") or (project.queues.get(target) if "#" in target else None)


def stream_has_failure_handling(ev: EventSource) -> bool | None:
    """True/False, or None when a setting could not be resolved."""
    values: list[Any] = [ev.on_failure, ev.bisect_on_error, ev.maximum_retry_attempts, ev.maximum_record_age]
    if ev.on_failure is not None and ev.on_failure is not UNKNOWN:
        return True
    if ev.bisect_on_error is True:
        return True
    for limit in (ev.maximum_retry_attempts, ev.maximum_record_age):
        if isinstance(limit, int) and limit >= 0:  # -1: infinite (the default)
            return True
    if any(v is UNKNOWN for v in values):
        return None
    return False


@register
class StreamWithoutFailureHandling(ProjectRule):
    id = "LL303"
    reads = "model"
    name = "stream-without-failure-handling"
    family = "reliability"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "data-loss")
    summary = "Stream or queue event source with no failure handling: a bad record blocks a shard or is retried until it expires."
    doc = """
## What it does
Checks each event source mapping of a function:

- **Kinesis, DynamoDB streams, Kafka**: reported when none of an on-failure destination,
  `BisectBatchOnFunctionError`, a finite `MaximumRetryAttempts` or a finite
  `MaximumRecordAgeInSeconds` is set (the defaults are `-1`: retry forever).
- **SQS**: reported when the queue, defined in the same template, has no redrive policy
  (no dead-letter queue). A queue defined elsewhere, a queue that is itself another queue's
  dead-letter queue (its consumer is a replay tool), or settings the template does not
  resolve, are not reported.

The finding is reported on the event source (the SAM event, the event source mapping or the
serverless event).

## Why it matters
A stream is processed in order, shard by shard. With the defaults, a record that makes the
function fail is retried until it expires from the stream (24 hours to 365 days): the shard
is blocked, the iterator age climbs and every record behind it waits. Most teams find out
when the backlog alarms fire, or when data silently ages out.

An SQS message that keeps failing comes back after every visibility timeout until the
queue's retention period ends (4 days by default, up to 14), costing an invocation each
time, and is then deleted with no trace. A dead-letter queue keeps it for inspection and
replay.

## Example
```yaml
      Events:
        Orders:                  # LL303: a poison record blocks the shard
          Type: Kinesis
          Properties:
            Stream: !GetAtt OrderStream.Arn
            StartingPosition: LATEST
```

## How to fix
For streams, send failed batches to an on-failure destination and bound the retries:
```yaml
            MaximumRetryAttempts: 3
            BisectBatchOnFunctionError: true
            DestinationConfig:
              OnFailure: {Destination: !GetAtt FailedOrders.Arn}
```
For SQS, give the queue a redrive policy:
```yaml
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDlq.Arn
        maxReceiveCount: 5
```
Partial batch responses (`ReportBatchItemFailures`) are worth adding too, but they do not
limit retries on their own.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors",
        "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#services-ddb-errors",
        "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-queueconfig",
    )
    _fn = (
        "  Worker:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      InlineCode: \"def handler(event, context): pass\"\n"
        "      Events:\n"
    )
    invalid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n"
                "  OrderStream:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n"
                + _fn
                + "        Orders:\n          Type: Kinesis\n          Properties:\n"
                "            Stream: !GetAtt OrderStream.Arn\n            StartingPosition: LATEST\n"
            }
        ),
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n"
                "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties: {VisibilityTimeout: 60}\n"
                + _fn
                + "        Jobs:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Jobs.Arn\n"
            },
            note="an SQS queue without a dead-letter queue",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n"
                "  OrderStream:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n"
                "  FailedOrders:\n    Type: AWS::SQS::Queue\n"
                + _fn
                + "        Orders:\n          Type: Kinesis\n          Properties:\n"
                "            Stream: !GetAtt OrderStream.Arn\n            StartingPosition: LATEST\n"
                "            MaximumRetryAttempts: 3\n"
                "            DestinationConfig:\n              OnFailure:\n"
                "                Destination: !GetAtt FailedOrders.Arn\n"
            }
        ),
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n"
                "  JobsDlq:\n    Type: AWS::SQS::Queue\n"
                "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 60\n"
                "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt JobsDlq.Arn\n        maxReceiveCount: 5\n"
                + _fn
                + "        Jobs:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Jobs.Arn\n"
            },
            note="the queue has a redrive policy",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        for fn in project.functions:
            for ev in fn.events:
                if ev.kind in STREAM_KINDS:
                    yield from self.stream(fn, ev)
                elif ev.kind == "sqs":
                    yield from self.queue(project, fn, ev)

    def stream(self, fn: Function, ev: EventSource) -> Iterator[Finding]:
        if stream_has_failure_handling(ev) is not False:
            return
        what = STREAM_KINDS[ev.kind]
        name = f" '{ev.name}'" if ev.name else ""
        fix = STREAM_FIX.get(fn.format, STREAM_FIX["cloudformation"])
        yield fn.finding(
            self.id,
            f"{what} event source{name} of function {fn.id} has no failure handling: a record that keeps failing "
            f"is retried until it expires and blocks its shard meanwhile; {fix}",
            loc=ev.loc,
        )

    def queue(self, project: Project, fn: Function, ev: EventSource) -> Iterator[Finding]:
        queue = resolve_queue(project, fn, ev)
        if queue is None or queue.redrive is not False or queue.dead_letter_for:
            return  # (a dead-letter queue's own consumer is a redrive tool, not a pipeline stage)
        redrive = REDRIVE.get(fn.format, "`RedrivePolicy`")
        finding = fn.finding(
            self.id,
            f"SQS queue {queue.id} feeding function {fn.id} has no dead-letter queue: a message that keeps failing "
            f"is received again and again until the queue's retention period ends, then lost; give the queue a "
            f"{redrive} with a dead-letter queue and a maxReceiveCount",
            loc=ev.loc,
        )
        finding.resource_ignores = fn.ignores | queue.ignores
        yield finding
