"""LL301: function without reserved concurrency."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import UNKNOWN, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

# how each format spells the setting, for the message
PROPERTY = {
    "sam": "ReservedConcurrentExecutions",
    "cloudformation": "ReservedConcurrentExecutions",
    "terraform": "reserved_concurrent_executions",
    "serverless": "reservedConcurrency",
}


@register
class MissingReservedConcurrency(FunctionRule):
    id = "LL301"
    reads = "model"
    name = "missing-reserved-concurrency"
    family = "scaling"
    severity = Severity.INFO
    default_enabled = False
    precision = "medium"
    tags = ("scaling", "availability")
    summary = "Function without reserved concurrency shares the account's concurrency pool with every other function."
    doc = """
## What it does
Reports functions that set no reserved concurrency (`ReservedConcurrentExecutions` in
SAM/CloudFormation, also through SAM `Globals`; `reserved_concurrent_executions` in
Terraform, where `-1` means "unreserved"; `reservedConcurrency` in serverless.yml).
A value the template does not fix (a parameter without a default, a variable) is not
reported.

**Off by default, severity info.** Reserved concurrency is a trade-off, not a universal
best practice: every unit reserved for one function is taken away from all the others, and
an account starts with 1,000 concurrent executions (new accounts with fewer), of which at
least 100 must stay unreserved. Reporting it on every function, as some scanners do, buries
the findings that matter. Select `LL301` where you want each function's concurrency to be a
deliberate decision (critical paths, functions behind public endpoints, functions that call
a database with a connection limit).

## Why it matters
All functions in a Region draw from one concurrency pool. A burst on one function (a
traffic spike, a retry storm, a queue backlog) can use it up, and every other function in
the account is then throttled. Reserved concurrency both guarantees capacity to a function
and caps it, so a runaway function cannot starve the rest and a downstream database is not
flooded with connections.

## Example
```yaml
  Worker:
    Type: AWS::Serverless::Function   # LL301: shares the whole account pool
    Properties:
      Handler: app.handler
      Runtime: python3.12
```

## How to fix
Set a reserved concurrency sized for the function (`ReservedConcurrentExecutions: 20`), in
the function or in SAM `Globals`. If the function should simply share the pool, leave it
and suppress the finding for that function.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Worker:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      InlineCode: \"def handler(event, context): pass\"\n"
                )
            }
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Globals:\n"
                    "  Function:\n"
                    "    ReservedConcurrentExecutions: 20\n"
                    "Resources:\n"
                    "  Worker:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      InlineCode: \"def handler(event, context): pass\"\n"
                )
            },
            note="set for every function through SAM Globals",
        ),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        value = fn.reserved_concurrency
        if value is UNKNOWN:
            return
        if value is None or (isinstance(value, int) and value < 0):  # Terraform: -1 = unreserved
            prop = PROPERTY.get(fn.format, "reserved concurrency")
            yield fn.finding(
                self.id,
                f"function {fn.id} has no reserved concurrency: a burst here can use up the account's concurrency "
                f"and throttle every other function (and nothing caps this one); set {prop} to the concurrency "
                "it needs",
                "reserved_concurrency",  # an explicit "unreserved" (-1) is reported where it is written
            )
