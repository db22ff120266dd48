"""LL203: admin-level managed policy on a function's role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdalint.iam import (
    ADMIN_POLICIES,
    aws_managed_policy_name,
    name_functions,
    role_finding,
    role_label,
    roles_in_use,
)
from lambdalint.model import Finding, Project, Severity
from lambdalint.registry import Example, ProjectRule, register


@register
class AdminManagedPolicy(ProjectRule):
    id = "LL203"
    reads = "model"
    name = "iam-admin-managed-policy"
    family = "iam"
    severity = Severity.ERROR
    security_severity = 9.0
    precision = "very-high"
    tags = ("security", "iam", "least-privilege")
    summary = "A function's execution role has an admin-level AWS managed policy attached."
    doc = """
## What it does
Reports AWS managed policies that hand the whole account to a function's execution role,
referenced by ARN (`arn:aws:iam::aws:policy/AdministratorAccess`, any partition, also
`!Sub arn:${AWS::Partition}:...`) or, in SAM `Policies`, by bare name:

| policy | why it is admin-level |
| --- | --- |
| `AdministratorAccess` | every action on every resource |
| `PowerUserAccess` | every action except most of IAM and Organizations |
| `IAMFullAccess` | every IAM action: create a role, attach `AdministratorAccess`, assume it |
| `AWSOrganizationsFullAccess` | every Organizations action, across all member accounts |

**The criterion** is "holding this policy is holding the account": either (almost) every
action, or unrestricted control of identities and permissions, which is one step away from
every action. Service-wide policies such as `AmazonS3FullAccess` or
`AmazonDynamoDBFullAccess` are too broad for a function as well, but their blast radius is
one service; they are left out to keep this rule's findings unarguable.

Not reported: customer managed policies (their ARN carries an account id; their name says
nothing about their content), references that cannot be resolved, and roles defined outside
the project. Inline statements granting `*` on `*` are LL201's, so nothing is reported twice.
A role shared by several functions is reported once per attachment.

## Why it matters
Anyone who can make the function run code of their choosing — through an injection, a
vulnerable dependency or a leaked deployment pipeline — gets the role's credentials from the
function's environment. With an admin-level policy that is the account: data in every
service, every other role, billing, and the ability to erase their tracks.

## Example
```yaml
      Policies:
        - AdministratorAccess     # LL203: the function can do anything in the account
```
Use instead:
```yaml
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Table
```

## How to fix
Replace the managed policy with the actions and resources the function needs (SAM policy
templates, a scoped inline statement, or a service-specific managed policy). IAM Access
Analyzer can generate a least-privilege policy from CloudTrail activity.
"""
    references = (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html",
        "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Admin:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - AdministratorAccess\n"
                )
            }
        ),
        Example(
            {
                "template.yaml": (
                    "Resources:\n"
                    "  Role:\n"
                    "    Type: AWS::IAM::Role\n"
                    "    Properties:\n"
                    "      AssumeRolePolicyDocument: {}\n"
                    "      ManagedPolicyArns:\n"
                    "        - arn:aws:iam::aws:policy/IAMFullAccess\n"
                    "  Fn:\n"
                    "    Type: AWS::Lambda::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Role: !GetAtt Role.Arn\n"
                    "      Code: src/\n"
                )
            },
            note="IAMFullAccess lets the function grant itself anything",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Reader:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - AWSLambdaBasicExecutionRole\n"
                    "        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n"
                    "        - arn:aws:iam::123456789012:policy/AdministratorAccess\n"
                )
            },
            note="service policies, and a customer managed policy whose content is unknown",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        seen: set[object] = set()
        for role, fns in roles_in_use(project):
            for ref in role.managed_policies:
                if not isinstance(ref.value, str) or ref.loc in seen:
                    continue
                name = aws_managed_policy_name(ref.value)
                reason = ADMIN_POLICIES.get(name) if name else None
                if reason is None:
                    continue
                seen.add(ref.loc)
                yield role_finding(
                    self.id,
                    role,
                    fns,
                    f"{role_label(role)} of {name_functions(fns)} has the AWS managed policy {name}, which "
                    f"{reason}; replace it with the actions and resources the function needs",
                    ref.loc,
                )
