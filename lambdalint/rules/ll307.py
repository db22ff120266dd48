"""LL307: function logs kept forever (no log retention)."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import UNKNOWN, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

FIX = {
    "sam": "add an `AWS::Logs::LogGroup` named `!Sub /aws/lambda/${Function}` with `RetentionInDays`",
    "cloudformation": "add an `AWS::Logs::LogGroup` named `!Sub /aws/lambda/${Function}` with `RetentionInDays`",
    "terraform": "add an `aws_cloudwatch_log_group` named `/aws/lambda/<function name>` with `retention_in_days` "
    "(or `cloudwatch_logs_retention_in_days` on the lambda module)",
    "serverless": "set `provider.logRetentionInDays` (or `logRetentionInDays` on the function)",
}
MODULE_FIX = "set `cloudwatch_logs_retention_in_days` on the module"
RETENTION = {"terraform": "retention_in_days", "serverless": "logRetentionInDays"}


@register
class NoLogRetention(FunctionRule):
    id = "LL307"
    reads = "model"
    name = "no-log-retention"
    family = "observability"
    severity = Severity.INFO
    default_enabled = False
    precision = "high"
    tags = ("observability", "cost", "compliance")
    summary = "Function's CloudWatch log group has no retention period, so its logs are kept (and billed) forever."
    doc = """
## What it does
Reports functions whose CloudWatch Logs group never expires:

- SAM / CloudFormation: no `AWS::Logs::LogGroup` for the function (matched by
  `LogGroupName: !Sub /aws/lambda/${Function}`, a literal `/aws/lambda/<FunctionName>`, or
  the function's `LoggingConfig.LogGroup`), or one without `RetentionInDays`. Lambda then
  creates `/aws/lambda/<name>` itself on the first invocation, with no retention.
- Terraform: no `aws_cloudwatch_log_group` with `retention_in_days` for the function (`0`
  means never expire).
- Serverless Framework: no `logRetentionInDays` on the provider or the function.

A function that logs to a log group the template cannot resolve (a log group from another
stack, a parameter) is not reported. Severity `info`: worth fixing, but rarely urgent.

Not enabled by default (`extend-select = ["LL307"]` turns it on): in real projects nearly
every function relies on Lambda's own log group, often with retention set centrally (an
account-wide policy, a CDK aspect, a subscription that archives the logs), and a finding on
every function drowns the ones that matter.

## Why it matters
A log group created by Lambda keeps every line forever. Storage is billed per GB-month, so
the bill grows with every invocation for the life of the account, and logs that often hold
request data (user ids, e-mail addresses, tokens) are kept far longer than any data
retention policy allows. Deleting the stack does not delete a log group Lambda created.

## Example
```yaml
  Api:
    Type: AWS::Serverless::Function   # LL307: /aws/lambda/<name> never expires
    Properties:
      Handler: app.handler
```

## How to fix
Declare the log group next to the function, with a retention period that fits your needs:
```yaml
  ApiLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Api}
      RetentionInDays: 30
```
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
    )
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
                "template.yaml": _fn
                + "  ApiLogs:\n"
                "    Type: AWS::Logs::LogGroup\n"
                "    Properties:\n"
                "      LogGroupName: !Sub /aws/lambda/${Api}\n"
                "      RetentionInDays: 30\n"
            }
        ),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        retention = fn.log_retention
        if retention is UNKNOWN or fn.extra.get("log_group_ref") is UNKNOWN:
            return
        if isinstance(retention, int) and (retention > 0 or fn.format != "terraform"):
            return  # (0 is "never expire" only in Terraform; elsewhere an invalid value)
        fix = FIX.get(fn.format, "give its log group a retention period").replace("${Function}", "${" + fn.id + "}")
        if "module" in fn.extra:
            fix = MODULE_FIX
        if fn.format == "serverless":
            if fn.log_group_managed:  # the framework creates the group; `disableLogs: true` turns logging off
                yield fn.finding(
                    self.id,
                    f"the log group the framework creates for function {fn.id} has no retention period: its logs "
                    f"are kept (and billed) forever; {fix}",
                    "log_retention",
                )
            return
        if retention is None and not fn.log_group_managed:
            yield fn.finding(
                self.id,
                f"function {fn.id} has no log retention: Lambda creates its log group itself and keeps (and bills) "
                f"its logs forever; {fix}",
            )
            return
        prop = "cloudwatch_logs_retention_in_days" if "module" in fn.extra else RETENTION.get(fn.format, "RetentionInDays")
        shown = "no retention period" if retention is None else f"{prop} = {retention} (never expire)"
        yield fn.finding(
            self.id,
            f"the log group of function {fn.id} has {shown}: its logs are kept (and billed) forever; "
            f"set {prop} (for example 30)",
            "log_retention",
        )
