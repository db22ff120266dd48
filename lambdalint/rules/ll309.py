"""LL309: timeout, memory or ephemeral storage outside Lambda's limits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lambdalint.model import Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register


@dataclass(frozen=True)
class Limit:
    field: str  # Function attribute
    what: str
    unit: str
    low: int
    high: int
    names: dict[str, str]  # format -> property as written


LIMITS = (
    Limit("timeout", "timeout", "s", 1, 900,
          {"sam": "Timeout", "cloudformation": "Timeout", "terraform": "timeout", "serverless": "timeout"}),
    Limit("memory", "memory", "MB", 128, 10240,
          {"sam": "MemorySize", "cloudformation": "MemorySize", "terraform": "memory_size", "serverless": "memorySize"}),
    Limit("ephemeral_storage", "ephemeral storage (/tmp)", "MB", 512, 10240,
          {"sam": "EphemeralStorage.Size", "cloudformation": "EphemeralStorage.Size",
           "terraform": "ephemeral_storage.size", "serverless": "ephemeralStorageSize"}),
)


@register
class OutsideLimits(FunctionRule):
    id = "LL309"
    reads = "model"
    name = "outside-lambda-limits"
    family = "config"
    severity = Severity.ERROR
    precision = "very-high"
    tags = ("config", "deployment")
    summary = "Function timeout, memory or ephemeral storage is outside the range Lambda accepts."
    doc = """
## What it does
Checks the values a function is deployed with against Lambda's fixed quotas:

| setting | allowed |
| --- | --- |
| timeout | 1 to 900 s (15 minutes) |
| memory | 128 to 10,240 MB, in 1 MB steps |
| ephemeral storage (`/tmp`) | 512 to 10,240 MB |

The finding is on the value, in SAM `Globals` or serverless `provider` when it is set there.
Values the template does not resolve are not reported. Functions running on Lambda Managed
Instances (a capacity provider) have different upper limits (longer timeouts for
asynchronous and event-source invocations, more memory); only the lower limits are checked
for them.

## Why it matters
These limits cannot be raised. A value outside them is rejected when the stack is deployed
(`Timeout: 1200` fails with a validation error), often late in a pipeline, or silently
capped by a wrapper; and a 20-minute job written as a 20-minute timeout will never fit in a
Lambda function at all.

## Example
```yaml
      Timeout: 1200               # LL309: above the 900 s maximum
      MemorySize: 64              # LL309: below the 128 MB minimum
```

## How to fix
Bring the value into range. Work that needs more than 15 minutes belongs in Step Functions
(splitting it into steps), AWS Batch, ECS/Fargate, or a durable function.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",)
    _fn = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Job:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      InlineCode: \"def handler(event, context): pass\"\n"
    )
    invalid = (
        Example({"template.yaml": _fn + "      Timeout: 1200\n"}),
        Example({"template.yaml": _fn + "      MemorySize: 64\n"}, note="below the 128 MB minimum"),
    )
    valid = (
        Example({"template.yaml": _fn + "      Timeout: 900\n      MemorySize: 10240\n"
                 "      EphemeralStorage:\n        Size: 10240\n"}, note="at the limits"),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        managed_instances = bool(fn.extra.get("managed_instances"))
        for limit in LIMITS:
            value = getattr(fn, limit.field)
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            prop = limit.names.get(fn.format, limit.field)
            if "module" in fn.extra and limit.field == "ephemeral_storage":
                prop = "ephemeral_storage_size"
            if value < limit.low:
                bound = f"below Lambda's {limit.low} {limit.unit} minimum"
            elif value > limit.high and not managed_instances:
                bound = f"above Lambda's {limit.high} {limit.unit} maximum"
            else:
                continue
            yield fn.finding(
                self.id,
                f"function {fn.id} has {limit.what} {value} {limit.unit}, {bound}: the deployment is rejected; "
                f"set {prop} between {limit.low} and {limit.high} {limit.unit}",
                limit.field,
            )
