"""LL001-LL003: problems with the input itself. The engine produces these findings; the
classes carry their metadata and docs."""

from __future__ import annotations

from lambdalint.model import Severity
from lambdalint.registry import Example, Rule, register


@register
class PythonParseError(Rule):
    id = "LL001"
    name = "python-parse-error"
    family = "input"
    scope = "input"
    severity = Severity.ERROR
    precision = "very-high"
    tags = ("input",)
    summary = "A Python file could not be read or parsed, so no code rule checked it."
    doc = """
## What it does
Reports a Python file that lambdalint could not analyse: a syntax error, bytes that are not
valid in the file's encoding (UTF-8 unless a PEP 263 `# -*- coding: ... -*-` cookie says
otherwise; a UTF-8 BOM is fine), null bytes, or nesting too deep to parse safely. The finding
points at the line the parser stopped on. The rest of the project is still checked.

## Why it matters
Lambda imports the handler module at cold start: a file that does not parse fails every
invocation with `Runtime.UserCodeSyntaxError`. And no other code rule can see into it.

## How to fix
Fix the syntax error, or save the file as UTF-8 (or declare its encoding). Files written for
Python 2 need porting: no Lambda runtime runs Python 2.
"""
    invalid = (Example.code("def lambda_handler(event, context)\n    return 1\n"),)
    valid = (Example.code("def lambda_handler(event, context):\n    return 1\n"),)


@register
class TemplateParseError(Rule):
    id = "LL002"
    name = "template-parse-error"
    family = "input"
    scope = "input"
    severity = Severity.ERROR
    precision = "very-high"
    tags = ("input",)
    summary = "A template (SAM/CloudFormation, Terraform, serverless.yml) could not be parsed."
    doc = """
## What it does
Reports a SAM/CloudFormation template, Terraform file or `serverless.yml` that lambdalint
could not read: malformed YAML/JSON/HCL, a YAML alias bomb, a `Resources` section that is not
a mapping, or text that is not UTF-8. The finding points at the line the parser reported. The
rest of the project is still checked.

A SAM/CloudFormation mapping that repeats a key (a logical id, a property) is reported at each
entry CloudFormation ignores: it keeps the last one. cfn-lint rejects such a template
outright; lambdalint then checks it as CloudFormation reads it, unless YAML aliases repeat a
part of it (CloudFormation rejects aliases). In `serverless.yml` a repeated key makes the file
unreadable, as it does for the Serverless Framework's own YAML parser.

## Why it matters
The deployment tool would reject a malformed file, and no template rule could check the
functions it defines. A repeated key is worse than it looks: the entry you read first is
silently not the one deployed.

## How to fix
Fix the syntax at the reported line; `cfn-lint`, `terraform validate` or `serverless print`
give more detail.
"""
    invalid = (
        Example({"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn: [\n"}),
        Example(
            {
                "template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n"
                "    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: orders\n      TopicName: orders-v2\n"
            },
            note="CloudFormation creates the topic `orders-v2`; the first `TopicName` is ignored",
        ),
    )
    valid = (
        Example({"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n"}),
    )


@register
class UnusedSuppression(Rule):
    id = "LL003"
    name = "unused-suppression"
    family = "input"
    scope = "input"
    severity = Severity.INFO
    precision = "very-high"
    tags = ("maintainability",)
    summary = "A `lambdalint: ignore[...]` comment or Metadata entry suppresses nothing."
    doc = """
## What it does
Reports a suppression comment (`# lambdalint: ignore[LL101]`, `# lambdalint: ignore-file[...]`)
or a CloudFormation `Metadata: {lambdalint: {ignore: [...]}}` entry that did not suppress any
finding of an enabled rule in this run.

## Why it matters
Suppressions rot: the code they excused changes, and the stale comment then hides the next,
real finding on that line.

## How to fix
Delete the suppression, or the rule id in it that no longer applies.
"""
    invalid = (
        Example.code("import boto3\n\ns3 = boto3.client('s3')  # lambdalint: ignore[LL101]\n"),
    )
    valid = (
        Example.code(
            "import boto3\n\ndef lambda_handler(event, context):\n"
            "    s3 = boto3.client('s3')  # lambdalint: ignore[LL101]\n    return s3\n"
        ),
    )
