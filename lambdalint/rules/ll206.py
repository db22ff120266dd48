"""LL206: one execution role shared by several functions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdalint.iam import name_functions, role_ignores
from lambdalint.model import Finding, Function, Location, Project, Role, Severity
from lambdalint.registry import Example, ProjectRule, register


@register
class SharedRole(ProjectRule):
    id = "LL206"
    reads = "model"
    name = "shared-execution-role"
    family = "iam"
    severity = Severity.INFO
    security_severity = 3.5
    precision = "very-high"
    tags = ("security", "iam", "least-privilege")
    summary = "Several functions share one execution role, so each holds the permissions of all of them."
    doc = """
## What it does
Reports an execution role used by two or more functions, once, where the role is defined,
naming the functions:

- SAM/CloudFormation: several functions whose `Role` points to the same `AWS::IAM::Role`,
  or to the same role from outside the template (one literal ARN, one parameter, one
  `!ImportValue` export; the finding is then on the first function's `Role:`);
- Terraform: several `aws_lambda_function`s with the same `role`;
- serverless.yml: functions without a `role` of their own share the provider's role, so a
  service with two or more such functions is reported on `provider.iam.role` (or on
  `provider` when the role is the implicit one the framework generates).

Never reported: SAM functions without `Role` (SAM generates one role per function), roles
written as expressions lambdalint cannot compare (`!If`, `!Sub` with parameters), and a role
used by a single function.

Severity is info: sharing a role is a least-privilege smell rather than a hole, and some teams
choose it on purpose (a few functions that really need the same access).

## Why it matters
A role is the union of what every function using it needs. A function that only reads one
table ends up able to write to the bucket another function uploads to; compromising the
smallest, most exposed function (say, a public webhook) yields the permissions of all of
them. Separate roles also keep CloudTrail activity attributable to one function.

## Example
```yaml
  AppRole:
    Type: AWS::IAM::Role          # LL206: used by Ingest and Report
  Ingest:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt AppRole.Arn
  Report:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt AppRole.Arn
```

## How to fix
Give each function its own role with only the permissions it uses: drop `Role` and use SAM
`Policies` per function, set `iam.role` per function in serverless.yml (or use the
`serverless-iam-roles-per-function` plugin), or create one `aws_iam_role` per function in
Terraform. If the functions really need identical access, suppress the finding at the role.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
        "https://docs.aws.amazon.com/wellarchitected/latest/serverless-applications-lens/identity-and-access-management.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  AppRole:\n"
                    "    Type: AWS::IAM::Role\n"
                    "    Properties:\n"
                    "      AssumeRolePolicyDocument: {}\n"
                    "  Ingest:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.ingest\n"
                    "      Runtime: python3.12\n"
                    "      Role: !GetAtt AppRole.Arn\n"
                    "  Report:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.report\n"
                    "      Runtime: python3.12\n"
                    "      Role: !GetAtt AppRole.Arn\n"
                )
            }
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Ingest:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.ingest\n"
                    "      Runtime: python3.12\n"
                    "  Report:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.report\n"
                    "      Runtime: python3.12\n"
                )
            },
            note="SAM generates one role per function",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        groups: dict[str, list[Function]] = {}
        for fn in project.functions:
            if fn.role_shared_key:
                groups.setdefault(fn.role_shared_key, []).append(fn)
        for key, fns in groups.items():
            if len({(fn.template, fn.id) for fn in fns}) < 2:
                continue
            role = next((fn.role for fn in fns if isinstance(fn.role, Role)), None)
            if role is not None:
                where: Location = role.loc
                label = "the generated execution role" if role.generated else f"role '{role.id}'"
                ignores = role_ignores(role, fns)
                logical = role.id
            else:  # a role the project does not define (a literal ARN): at the first reference
                first = min(fns, key=lambda f: f.loc_of("role"))
                where = first.loc_of("role")
                label = f"role {key.rsplit('#', 1)[-1]}"  # an ARN, `!Ref Param`, `var.role_arn`...
                ignores = frozenset.intersection(*(fn.ignores for fn in fns))
                logical = key
            grants = role is None or role.statements or role.managed_policies or role.opaque_policies
            consequence = (
                "each of them can do what any of them needs"
                if grants
                else "any permission it is given is granted to all of them"
            )
            yield Finding(
                rule_id=self.id,
                message=(
                    f"{label} is shared by {name_functions(fns)}: {consequence}; give each function its "
                    "own role with only the permissions it uses"
                ),
                location=where,
                severity=self.severity,
                logical=logical,
                resource_ignores=ignores,
            )
