"""LL503: a function writes to the bucket / queue / topic that triggers it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lambdalint.code.facts import Write
from lambdalint.model import UNKNOWN, EventSource, Finding, Function, Location, Project, Severity
from lambdalint.registry import Example, ProjectRule, register
from lambdalint.rules.ll502 import facts_getter, reached

SERVICE_OF_EVENT = {"s3": "s3", "sqs": "sqs", "sns": "sns"}
WHAT = {"s3": "bucket", "sqs": "queue", "sns": "topic"}


def short_name(value: str) -> str:
    """The resource name inside an ARN, queue URL or S3 URI (``arn:aws:sns:...:orders`` -> orders)."""
    v = value.strip().rstrip("/")
    if v.startswith("s3://"):
        v = v[5:].split("/")[0]
    elif v.startswith("arn:"):
        v = v.split(":")[-1]
    elif "://" in v:
        v = v.rsplit("/", 1)[-1]
    return v


def creates_trigger(ev: EventSource) -> bool:
    """Whether writing an object fires this S3 notification (ObjectCreated, or types unknown)."""
    if not isinstance(ev.s3_events, list):
        return True
    return any(e in ("s3:*", "s3:ObjectCreated:*") or e.startswith("s3:ObjectCreated:") for e in ev.s3_events)


def could_match(write: Write, ev: EventSource) -> bool:
    """False when the S3 key the code writes provably falls outside the trigger's filter, or
    the trigger fires only on other event types (ObjectRemoved, Restore...)."""
    if ev.kind != "s3":
        return True
    if not creates_trigger(ev):
        return False
    prefix, suffix = ev.filter_prefix, ev.filter_suffix
    if isinstance(prefix, str) and prefix and write.key_prefix is not None:
        k = write.key_prefix
        if not (k.startswith(prefix) or prefix.startswith(k)):
            return False
    if isinstance(suffix, str) and suffix and write.key_suffix is not None:
        k = write.key_suffix
        if not (k.endswith(suffix) or suffix.endswith(k)):
            return False
    return True


def guarded(write: Write, checks: tuple[tuple[str, str, str], ...], scopes: set[str]) -> bool:
    """The code tests keys against the literal start/end it writes (``if key.startswith(
    "thumbs/"): return``): a loop guard, so the write is not reported."""
    for scope, kind, lit in checks:
        if scope not in scopes:
            continue
        if kind == "prefix" and write.key_prefix and (write.key_prefix.startswith(lit) or lit.startswith(write.key_prefix)):
            return True
        if kind == "suffix" and write.key_suffix and (write.key_suffix.endswith(lit) or lit.endswith(write.key_suffix)):
            return True
        if kind == "in" and len(lit) >= 3 and any(lit in k for k in (write.key_prefix, write.key_suffix) if k):
            return True
    return False


@register
class RecursiveTrigger(ProjectRule):
    id = "LL503"
    reads = "code-facts"
    name = "recursive-trigger"
    family = "cross"
    severity = Severity.ERROR
    precision = "high"
    tags = ("reliability", "cost", "cross-check")
    summary = "The function writes to the S3 bucket, SQS queue or SNS topic that triggers it: a recursive loop."
    doc = """
## What it does
For each function triggered by an S3 bucket, SQS queue or SNS topic, looks for code the
handler reaches (its module, the functions it calls, same-folder modules it imports) that
writes to that same resource:

- S3: `put_object`, `upload_file`, `upload_fileobj`, `copy_object`, `copy`, and the resource
  API (`s3.Bucket(b).put_object`, `s3.Object(b, k).put`);
- SQS: `send_message`, `send_message_batch` (client, or `sqs.Queue(url)`);
- SNS: `publish` (`TopicArn=`, or `sns.Topic(arn)`).

The written resource is recognised when the code takes it from an environment variable that
the template sets from a reference to the triggering resource (`BUCKET: !Ref Uploads`), from a
literal name equal to the trigger's, or, for S3, from the event itself
(`record["s3"]["bucket"]["name"]`).

For S3, only triggers on `s3:ObjectCreated:*` (or `s3:*`) count, code that tests keys against
the literal it writes (`if key.startswith("thumbnails/"): return`) is taken as a loop guard,
and a notification `Filter` removes the finding when the written key provably cannot match
it: `Key="thumbnails/" + name` with a `prefix: uploads/` filter, or `key + ".json"` with
a `suffix: .jpg` filter. A filter it cannot read keeps it quiet too.

## Why it matters
Each write triggers the function again, which writes again: a loop that runs until something
breaks, billing every invocation and request. Lambda's recursive loop detection stops some
loops (SQS, SNS, and S3 since 2024) after about 16 iterations, but only after they started,
and only when the loop is made of supported services.

## How to fix
Write the output to a different bucket, queue or topic; or, for S3, to a separate prefix and
restrict the trigger with a `Filter` (`prefix: uploads/`) that the output key cannot match.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html",
    )
    _template = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Uploads:\n    Type: AWS::S3::Bucket\n"
        "  Thumbnails:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      Environment:\n        Variables:\n"
        "          BUCKET: !Ref Uploads\n      Events:\n        Upload:\n          Type: S3\n"
        "          Properties:\n            Bucket: !Ref Uploads\n            Events: s3:ObjectCreated:*\n"
    )
    invalid = (
        Example(
            {
                "template.yaml": _template,
                "src/app.py": "import os\nimport boto3\n\ns3 = boto3.client('s3')\n\n"
                "def handler(event, context):\n    for r in event['Records']:\n        key = r['s3']['object']['key']\n"
                "        s3.put_object(Bucket=os.environ['BUCKET'], Key='thumb-' + key, Body=b'')\n",
            },
            note="the thumbnail lands in the bucket that triggers the function, with no filter",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": _template + "            Filter:\n              S3Key:\n                Rules:\n"
                "                  - Name: prefix\n                    Value: uploads/\n",
                "src/app.py": "import os\nimport boto3\n\ns3 = boto3.client('s3')\n\n"
                "def handler(event, context):\n    for r in event['Records']:\n        key = r['s3']['object']['key']\n"
                "        s3.put_object(Bucket=os.environ['BUCKET'], Key=f'thumbnails/{key}', Body=b'')\n",
            },
            note="the trigger only fires for uploads/, the output goes to thumbnails/",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        facts_of = facts_getter(facts)
        seen: set[tuple[Path, int, int, str]] = set()
        for fn, scopes, _ in reached(project, facts):
            events = [e for e in fn.events if e.kind in SERVICE_OF_EVENT]
            if not events:
                continue
            for path, wanted in scopes.items():
                f = facts_of(path)
                if f is None:
                    continue
                for write in f.writes:
                    if write.scope not in wanted:
                        continue
                    if write.service == "s3" and guarded(write, f.key_checks, wanted):
                        continue
                    for ev in events:
                        if SERVICE_OF_EVENT[ev.kind] != write.service:
                            continue
                        how = self.same_resource(fn, write, ev)
                        if how is None or not could_match(write, ev):
                            continue
                        if ev.kind == "s3" and (ev.filter_prefix is UNKNOWN or ev.filter_suffix is UNKNOWN):
                            continue
                        key = (path, write.line, write.col, fn.id)
                        if key in seen:
                            continue
                        seen.add(key)
                        yield self.finding(project, fn, path, write, ev, how)

    @staticmethod
    def same_resource(fn: Function, write: Write, ev: EventSource) -> str | None:
        """How the written resource is known to be the trigger, or None."""
        what = WHAT[write.service]
        if write.target_kind == "event":
            return f"the {what} named in the S3 event" if ev.kind == "s3" else None
        trigger_name = ev.target_name if isinstance(ev.target_name, str) else None
        if write.target_kind == "env":
            env = fn.environment.get(write.target)
            if env is None:
                return None
            if isinstance(ev.target, str) and env.source == f"resource:{ev.target}":
                return f"environment variable {write.target} references {ev.target}"
            if isinstance(env.value, str) and trigger_name and short_name(env.value) == short_name(trigger_name):
                return f"environment variable {write.target} is `{env.value}`"
            return None
        if write.target_kind == "literal" and trigger_name and short_name(write.target) == short_name(trigger_name):
            return f"the literal `{write.target}`"
        return None

    def finding(self, project: Project, fn: Function, path: Path, write: Write, ev: EventSource, how: str) -> Finding:
        what = WHAT[write.service]
        trigger = ev.target if isinstance(ev.target, str) else (ev.target_name if isinstance(ev.target_name, str) else ev.name)
        fix = (
            "write to another bucket, or to a prefix the trigger's Filter excludes"
            if write.service == "s3"
            else f"send to a different {what}"
        )
        message = (
            f"`{write.method}` writes to the {what} that triggers {fn.id} ({trigger}: {how}): each write invokes "
            f"the function again, a recursive loop; {fix}"
        )
        return Finding(
            rule_id=self.id,
            message=message,
            location=Location(path, write.line, write.col),
            severity=self.severity,
            logical=f"{fn.id}:{write.method}",
            related=[(ev.loc, f"the {ev.kind.upper()} trigger of {fn.id}")],
        )
