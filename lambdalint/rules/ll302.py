"""LL302: asynchronously invoked function without a DLQ or on-failure destination."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import UNKNOWN, EventSource, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

KIND_NAMES = {
    "s3": "S3",
    "sns": "SNS",
    "eventbridge": "EventBridge",
    "schedule": "schedule",
    "ses": "SES",
    "iot": "IoT rule",
    "cloudwatch_logs": "CloudWatch Logs",
}
FIX = {
    "sam": "add `DeadLetterQueue` or `EventInvokeConfig: {DestinationConfig: {OnFailure: ...}}` to the function",
    "cloudformation": "add `DeadLetterConfig` to the function or an `AWS::Lambda::EventInvokeConfig` with "
    "`DestinationConfig.OnFailure`",
    "terraform": "add `dead_letter_config` to the function or an `aws_lambda_function_event_invoke_config` "
    "with `destination_config { on_failure { ... } }`",
    "serverless": "add `destinations.onFailure` (or `onError`) to the function",
}

MODULE_FIX = (
    "set `destination_on_failure` (with `create_async_event_config = true`) or `dead_letter_target_arn` "
    "on the module"
)


def describe(ev: EventSource) -> str:
    what = KIND_NAMES.get(ev.kind, ev.kind)
    return f"{what} event '{ev.name}'" if ev.name else f"{what} event"


@register
class AsyncWithoutDlq(FunctionRule):
    id = "LL302"
    reads = "model"
    name = "async-without-dlq"
    family = "reliability"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "data-loss")
    summary = "Asynchronously invoked function has no dead-letter queue or on-failure destination."
    doc = """
## What it does
Reports functions that are invoked **asynchronously** (by S3 notifications, SNS,
EventBridge / CloudWatch Events rules, schedules, SES, IoT rules or CloudWatch Logs
subscriptions) and have neither a dead-letter queue nor an on-failure destination.

Synchronous and polled triggers are not reported: API Gateway, Function URLs and ALB wait
for the response, and SQS, Kinesis and DynamoDB streams are read by an event source mapping
whose failure handling is [LL303](LL303.md)'s business. A destination or queue the template
does not resolve counts as set. A function whose asynchronous retries are explicitly set
to `0` has chosen to drop failed events and is not reported either. A dead-letter queue on an
EventBridge rule's target (`DeadLetterConfig` on the SAM event) does not count: it only keeps
events EventBridge could not deliver, not the ones the function failed on.

## Why it matters
Lambda queues an asynchronous event, retries it twice when the function fails, and then
throws it away; an event that waits too long in the queue (up to 6 hours) is dropped too.
Without a DLQ or an on-failure destination those events vanish without a trace: an uploaded
file is never processed, an order notification is lost, and nobody can replay them.

## Example
```yaml
  Thumbnailer:
    Type: AWS::Serverless::Function   # LL302
    Properties:
      Events:
        Upload:
          Type: S3
          Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}
```

## How to fix
Send failed events somewhere they can be inspected and replayed: an on-failure destination
(SQS, SNS, EventBridge, S3 or another function; it receives the event *and* the error) or a
dead-letter queue (SQS or SNS; the event only).
```yaml
      EventInvokeConfig:
        DestinationConfig:
          OnFailure: {Type: SQS, Destination: !GetAtt FailedUploads.Arn}
```
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
    )
    _head = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Uploads:\n"
        "    Type: AWS::S3::Bucket\n"
        "  Thumbnailer:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      InlineCode: \"def handler(event, context): pass\"\n"
    )
    _events = (
        "      Events:\n"
        "        Upload:\n"
        "          Type: S3\n"
        "          Properties:\n"
        "            Bucket: !Ref Uploads\n"
        "            Events: s3:ObjectCreated:*\n"
    )
    invalid = (Example({"template.yaml": _head + _events}),)
    valid = (
        Example(
            {
                "template.yaml": _head
                + "      EventInvokeConfig:\n"
                "        DestinationConfig:\n"
                "          OnFailure:\n"
                "            Type: SQS\n"
                "            Destination: !GetAtt FailedUploads.Arn\n"
                + _events
                + "  FailedUploads:\n"
                "    Type: AWS::SQS::Queue\n"
            },
            note="failed events go to an on-failure destination",
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Api:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      InlineCode: \"def handler(event, context): pass\"\n"
                    "      Events:\n"
                    "        Get:\n"
                    "          Type: Api\n"
                    "          Properties: {Path: /, Method: get}\n"
                )
            },
            note="API Gateway invokes synchronously: the caller sees the error",
        ),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        triggers = [ev for ev in fn.events if ev.is_async]
        if not triggers:
            return
        if fn.dead_letter is not None or fn.on_failure is not None:  # set, or UNKNOWN: quiet
            return
        if fn.async_max_retries is UNKNOWN or fn.async_max_retries == 0:
            return
        names = list(dict.fromkeys(describe(ev) for ev in triggers))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        fix = MODULE_FIX if "module" in fn.extra else FIX.get(fn.format, "add a dead-letter queue or an on-failure destination")
        yield fn.finding(
            self.id,
            f"function {fn.id} is invoked asynchronously ({shown}) but has no dead-letter queue or on-failure "
            f"destination: events that still fail after Lambda's retries are dropped; {fix}",
        )
