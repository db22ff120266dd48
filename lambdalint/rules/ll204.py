"""LL204: function invokable by anyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdalint.iam import name_functions
from lambdalint.model import UNKNOWN, Finding, Function, Location, Permission, Project, Severity
from lambdalint.registry import Example, ProjectRule, register

# Principals that authorise with an event-source token (the Alexa skill id) rather than with
# SourceArn/SourceAccount: the model does not carry the token, so stay quiet on them.
TOKEN_PRINCIPALS = ("alexa-appkit.amazonaws.com", "alexa-connectedhome.amazonaws.com")


def _service(principal: str) -> str | None:
    """``s3`` for ``s3.amazonaws.com`` (also ``logs.eu-west-1.amazonaws.com``, ``.com.cn``)."""
    p = principal.strip().lower()
    for suffix in (".amazonaws.com", ".amazonaws.com.cn"):
        if p.endswith(suffix):
            return p[: -len(suffix)].split(".")[0] or None
    return None


def _invokes(action: str) -> bool:
    """lambda:InvokeFunction, lambda:InvokeFunctionUrl, lambda:Invoke*, lambda:*..."""
    a = action.strip().lower()
    return a in ("*", "lambda:*") or (a.startswith("lambda:") and (a.startswith("lambda:invoke") or "*" in a))


def _finding(fn: Function, perm: Permission, message: str) -> Finding:
    loc = perm.locs.get("Principal", perm.loc)
    f = fn.finding(WorldInvokable.id, message, loc=loc)
    f.resource_ignores = fn.ignores | perm.ignores
    f.logical = f"{fn.id}/{perm.id}"
    return f


@register
class WorldInvokable(ProjectRule):
    id = "LL204"
    reads = "model"
    name = "public-invoke"
    family = "access"
    severity = Severity.WARNING
    security_severity = 7.5
    precision = "high"
    tags = ("security", "access", "confused-deputy")
    summary = "A function can be invoked by anyone: public principal, service principal without a source, or a Function URL without auth."
    doc = """
## What it does
Reports three ways a function's resource-based policy lets callers outside your account in:

1. **Principal `*`** on a permission (`AWS::Lambda::Permission`, `aws_lambda_permission`...)
   without `SourceArn`, `SourceAccount` or `PrincipalOrgID`: any AWS account, or for
   `lambda:InvokeFunctionUrl` anyone on the internet, can call it.
2. **A service principal without a source** (`sns.amazonaws.com`, `events.amazonaws.com`,
   `apigateway.amazonaws.com`...) and none of `SourceArn`, `SourceAccount` or
   `PrincipalOrgID`: that service will invoke the function for *any* account's topic, rule or
   API that names its ARN — the confused-deputy problem. For `s3.amazonaws.com` and a bucket the project does not
   define (a literal `arn:aws:s3:::name`), `SourceAccount` is needed even with a `SourceArn`:
   bucket ARNs carry no account id, and a deleted bucket's name can be registered by someone
   else. A `SourceArn` that refers to a bucket of the same project is enough: the bucket and
   the permission are created and deleted together.
3. **A Function URL with `AuthType: NONE`**: anyone on the internet can call it.

SAM event sources (`Events:`) generate their permissions with a source, and are not
reported. Unresolved principals or conditions stay quiet; a `SourceArn` or `SourceAccount`
that is a reference counts as set. Alexa skill principals, which are tied to a skill with
`EventSourceToken`, are not reported.

A public Function URL is sometimes exactly what is intended (a webhook receiver, a public
endpoint that authenticates requests itself). The finding then documents the decision:
suppress it with a justification next to `AuthType: NONE`.

## Why it matters
Every invocation costs money and runs your code with your role's permissions. A function
anyone can invoke can be driven to exhaust its concurrency (throttling everything else in
the account), to run up the bill, or to process forged events: an S3 or SNS permission
without a source lets another account's bucket or topic push crafted records into it.
AWS's guidance is to always pair a service principal with `SourceArn` (and
`SourceAccount` for S3).

## Example
```yaml
  SnsInvoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Handler
      Principal: sns.amazonaws.com    # LL204: any account's topic can invoke Handler
```
Use instead:
```yaml
      Principal: sns.amazonaws.com
      SourceArn: !Ref Topic
```

## How to fix
Add `SourceArn` (the topic, rule, API or bucket ARN) and, for S3, `SourceAccount`. Replace
principal `*` with the account or service that calls the function. Use `AuthType: AWS_IAM`
for Function URLs called by your own services, or suppress the finding with a justification
when the URL is public on purpose.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
        "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Resources:\n"
                    "  Fn:\n"
                    "    Type: AWS::Lambda::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Role: arn:aws:iam::123456789012:role/fn\n"
                    "      Code: src/\n"
                    "  SnsInvoke:\n"
                    "    Type: AWS::Lambda::Permission\n"
                    "    Properties:\n"
                    "      Action: lambda:InvokeFunction\n"
                    "      FunctionName: !Ref Fn\n"
                    "      Principal: sns.amazonaws.com\n"
                )
            },
            note="a service principal without SourceArn",
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Hook:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      FunctionUrlConfig:\n"
                    "        AuthType: NONE\n"
                )
            },
            note="a public Function URL",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Resources:\n"
                    "  Fn:\n"
                    "    Type: AWS::Lambda::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Role: arn:aws:iam::123456789012:role/fn\n"
                    "      Code: src/\n"
                    "  Topic:\n"
                    "    Type: AWS::SNS::Topic\n"
                    "  SnsInvoke:\n"
                    "    Type: AWS::Lambda::Permission\n"
                    "    Properties:\n"
                    "      Action: lambda:InvokeFunction\n"
                    "      FunctionName: !Ref Fn\n"
                    "      Principal: sns.amazonaws.com\n"
                    "      SourceArn: !Ref Topic\n"
                    "  Url:\n"
                    "    Type: AWS::Lambda::Url\n"
                    "    Properties:\n"
                    "      TargetFunctionArn: !GetAtt Fn.Arn\n"
                    "      AuthType: AWS_IAM\n"
                )
            },
            note="the permission names its topic; the Function URL requires IAM auth",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        # a FunctionUrlConfig in SAM Globals is written once for several functions: one finding
        public_urls: dict[Location, list[Function]] = {}
        for fn in project.functions:
            url = fn.url
            if url is not None and isinstance(url.auth_type, str) and url.auth_type.strip().upper() == "NONE":
                public_urls.setdefault(url.loc, []).append(fn)
            for perm in fn.permissions:
                message = self._problem(fn, perm)
                if message:
                    yield _finding(fn, perm, message)
        for loc, fns in public_urls.items():
            urls = [fn.url for fn in fns if fn.url is not None]
            yield Finding(
                rule_id=self.id,
                message=(
                    f"{name_functions(fns)} {'has' if len(fns) == 1 else 'have'} a Function URL with AuthType "
                    "NONE: anyone on the internet can invoke it; use AWS_IAM, or if it is public on purpose "
                    "(a webhook that checks a signature), suppress this with a justification"
                ),
                location=loc,
                severity=self.severity,
                logical=f"{fns[0].id}/FunctionUrl",
                resource_ignores=frozenset.intersection(*(fn.ignores | u.ignores for fn, u in zip(fns, urls, strict=True))),
            )

    def _problem(self, fn: Function, perm: Permission) -> str | None:
        principal = perm.principal
        if not isinstance(principal, str):
            return None
        if not isinstance(perm.action, str) or not _invokes(perm.action):
            return None
        action = perm.action.strip()
        who = f"permission '{perm.id}' on function '{fn.id}'"
        if principal.strip() == "*":
            if perm.source_arn is not None or perm.source_account is not None or perm.principal_org_id is not None:
                return None
            via_url = action.lower() == "lambda:invokefunctionurl" or perm.invoked_via_function_url is True
            if via_url and fn.url is not None:
                return None  # the Function URL's own AuthType is what is (or is not) reported
            if perm.invoked_via_function_url is UNKNOWN:
                return None
            auth = perm.function_url_auth_type
            if via_url and isinstance(auth, str) and auth.strip().upper() == "NONE":
                return (
                    f"{who} allows {action} by principal '*' through a Function URL with "
                    "FunctionUrlAuthType NONE: anyone on the internet can invoke it; use AWS_IAM, or "
                    "suppress with a justification if it is public on purpose"
                )
            if via_url and auth is not None and not isinstance(auth, str):
                return None
            return (
                f"{who} allows {action} by principal '*' with no SourceArn, SourceAccount or "
                "PrincipalOrgID: any AWS account can invoke it; name the calling account or service"
            )
        service = _service(principal)
        if service is None or perm.event_source_token is not None or principal.strip().lower() in TOKEN_PRINCIPALS:
            return None
        if perm.source_account is not None or perm.principal_org_id is not None:
            return None
        if service == "s3":
            if perm.source_arn is UNKNOWN or (
                isinstance(perm.source_arn, str) and perm.source_arn.startswith("resource:")
            ):
                return None  # an unresolved bucket, or one deployed with the permission
            if perm.source_arn is None:
                return (
                    f"{who} allows {action} by {principal} with no SourceArn or SourceAccount: any "
                    "account's bucket can send it events; add SourceArn and SourceAccount"
                )
            return (
                f"{who} allows {action} by {principal} with SourceArn but no SourceAccount: bucket "
                "ARNs carry no account id, so a bucket of that name in another account could invoke "
                "it; add SourceAccount"
            )
        if perm.source_arn is None:
            return (
                f"{who} allows {action} by {principal} with no SourceArn or SourceAccount: a resource "
                f"in any AWS account can have {service} invoke it (confused deputy); add SourceArn"
            )
        return None
