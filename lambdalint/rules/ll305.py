"""LL305: API-triggered function whose timeout exceeds the API Gateway integration timeout."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import UNKNOWN, EventSource, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

# API Gateway's integration timeout per API flavour, in seconds
LIMITS = {"api": 29, "http_api": 30}
API_NAMES = {"api": "a REST API", "http_api": "an HTTP API"}
PROPERTY = {"terraform": "timeout", "serverless": "timeout"}


def api_limit(ev: EventSource) -> float | None:
    """How long the API waits for the function, in seconds; None when not an API or unknown."""
    if ev.kind not in LIMITS or ev.integration_timeout_ms is UNKNOWN:
        return None
    if isinstance(ev.integration_timeout_ms, int):  # set on the integration (a raised quota, or lower)
        return ev.integration_timeout_ms / 1000
    return LIMITS[ev.kind]


def seconds(value: float) -> str:
    return f"{value:g}"


@register
class ApiTimeout(FunctionRule):
    id = "LL305"
    reads = "model"
    name = "api-timeout-too-long"
    family = "reliability"
    severity = Severity.WARNING
    precision = "very-high"
    tags = ("reliability", "api-gateway")
    summary = "API-triggered function's timeout is longer than API Gateway waits for it."
    doc = """
## What it does
Reports functions behind API Gateway whose timeout is longer than the integration timeout:
29 s for REST APIs (SAM `Api` events, `AWS::ApiGateway::*`, serverless `http`,
`aws_api_gateway_integration`) and 30 s for HTTP APIs (SAM `HttpApi`, serverless `httpApi`,
`aws_apigatewayv2_*`). The finding is on the function's timeout, or on SAM `Globals` /
serverless `provider` when it is set there.

An integration timeout written in the template (`TimeoutInMillis` on a SAM event or an
`AWS::ApiGateway::Method` integration, `timeout_milliseconds` in Terraform) replaces the
default: lower, it is the limit; higher (regional and private REST APIs can have the 29 s
quota raised), the function may use it. Function URLs, Application Load Balancers and
non-HTTP triggers have no such limit and are not reported, nor is a timeout the template
does not resolve.

## Why it matters
API Gateway stops waiting after its integration timeout and answers `504 Gateway Timeout`,
but the function keeps running (and is billed) until it finishes or hits its own timeout.
The client retries, the slow request runs again, and a timeout that looks generous in the
template only hides the real limit. A timeout at or below the API's limit makes the function
fail, log and alarm where the client actually gave up.

Regional and private REST APIs can have their 29 s limit raised through a Service Quotas
request; if yours has, write the integration timeout the API uses (`TimeoutInMillis`) and
the rule measures against it.

## Example
```yaml
  Report:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 60                  # LL305: the REST API gives up after 29 s
      Events:
        Get: {Type: Api, Properties: {Path: /report, Method: get}}
```

## How to fix
Lower the timeout to the API's limit (or less), and move long work off the request path:
start it asynchronously (SQS, Step Functions, an async invocation) and let the client poll
or be notified. A Function URL has no 30 s limit if the caller can wait up to 15 minutes.
"""
    references = (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html",
    )
    _tpl = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Report:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Timeout: 30\n"
        "      InlineCode: \"def handler(event, context): pass\"\n"
        "      Events:\n"
        "        Get:\n"
        "          Type: {kind}\n"
        "          Properties:\n"
        "            Path: /report\n"
        "            Method: get\n"
    )
    invalid = (Example({"template.yaml": _tpl.replace("{kind}", "Api")}, note="a REST API waits 29 s at most"),)
    valid = (
        Example({"template.yaml": _tpl.replace("{kind}", "HttpApi")}, note="an HTTP API waits up to 30 s"),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        timeout = fn.timeout
        if not isinstance(timeout, int):  # None (a 3 or 6 s default) or UNKNOWN
            return
        over: list[tuple[float, EventSource]] = []
        for ev in fn.events:
            waits = api_limit(ev)
            if waits is not None and timeout > waits:
                over.append((waits, ev))
        if not over:
            return
        limit, ev = min(over, key=lambda pair: pair[0])
        event = f" (event '{ev.name}')" if ev.name else ""
        prop = PROPERTY.get(fn.format, "Timeout")
        yield fn.finding(
            self.id,
            f"function {fn.id} has a timeout of {timeout} s but is behind {API_NAMES[ev.kind]}{event} that gives up "
            f"after {seconds(limit)} s: clients get a 504 while the function keeps running; set {prop} to "
            f"{seconds(limit)} s or less "
            "and move long work off the request path",
            "timeout",
        )
