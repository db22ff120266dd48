"""LL308: X-Ray tracing not active."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import UNKNOWN, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

FIX = {
    "sam": "set `Tracing: Active` on the function or in `Globals`",
    "cloudformation": "set `TracingConfig: {Mode: Active}`",
    "terraform": "add `tracing_config { mode = \"Active\" }`",
    "serverless": "set `provider.tracing.lambda: true` (or `tracing: Active` on the function)",
}


@register
class TracingNotActive(FunctionRule):
    id = "LL308"
    reads = "model"
    name = "tracing-not-active"
    family = "observability"
    severity = Severity.INFO
    default_enabled = False
    precision = "medium"
    tags = ("observability",)
    summary = "Function does not have AWS X-Ray active tracing enabled."
    doc = """
## What it does
Reports functions whose tracing mode is not `Active`: no tracing setting (the default is
`PassThrough`) or an explicit `PassThrough`. Settings from SAM `Globals` and the serverless
`provider` count; a mode the template does not resolve is not reported.

**Off by default, severity info.** Active tracing costs money per trace and many teams trace
with something else (OpenTelemetry collectors, Datadog, Lumigo, Powertools with a vendor
backend); reporting every function of every project would mostly be noise. Select `LL308` in
projects that standardise on X-Ray.

## Why it matters
Without active tracing a function only forwards a trace header it receives; requests that
start at the function (queues, schedules, S3 events) are not traced at all, and the time
spent in its downstream calls (DynamoDB, HTTP APIs, other functions) is invisible. When
latency or errors climb, there is no service map or per-call timing to tell which
dependency is at fault.

## Example
```yaml
  Api:
    Type: AWS::Serverless::Function   # LL308: PassThrough by default
    Properties:
      Handler: app.handler
```

## How to fix
Turn on active tracing (`Tracing: Active` in SAM, for all functions through `Globals`), and
give the role X-Ray write access (SAM does this for you; otherwise
`AWSXRayDaemonWriteAccess`).
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html",)
    _fn = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      InlineCode: \"def handler(event, context): pass\"\n"
    )
    invalid = (Example({"template.yaml": _fn}),)
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Globals:\n"
                    "  Function:\n"
                    "    Tracing: Active\n"
                )
                + _fn.split("\n", 1)[1]
            },
            note="active for every function through SAM Globals",
        ),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        mode = fn.tracing
        if mode is UNKNOWN or (isinstance(mode, str) and mode.strip().lower() == "active"):
            return
        fix = FIX.get(fn.format, "turn on active tracing")
        if "module" in fn.extra:
            fix = "set `tracing_mode = \"Active\"` and `attach_tracing_policy = true` on the module"
        if mode is None:
            yield fn.finding(self.id, f"function {fn.id} has no active X-Ray tracing (default PassThrough); {fix}")
        else:
            yield fn.finding(self.id, f"function {fn.id} has tracing mode {mode}, not Active; {fix}", "tracing")
