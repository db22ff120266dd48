"""LL403: environment variables over Lambda's 4 KB limit."""

from __future__ import annotations

import json
from collections.abc import Iterator

from lambdalint.model import UNKNOWN, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

LIMIT = 4096

_FN = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n"
    "      Environment:\n        Variables:\n"
)


def env_size(variables: dict[str, str]) -> int:
    """Bytes as Lambda measures them: the compact JSON of the variables map, UTF-8."""
    return len(json.dumps(variables, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


@register
class EnvironmentTooLarge(FunctionRule):
    id = "LL403"
    reads = "model"
    name = "environment-too-large"
    family = "package"
    severity = Severity.ERROR
    precision = "high"
    tags = ("package", "deployment", "configuration")
    summary = "The function's environment variables add up to more than Lambda's 4 KB limit."
    doc = """
## What it does
Adds up a function's environment variables (its own plus SAM `Globals` / serverless
`provider.environment`) the way Lambda measures them: the UTF-8 length of the JSON map of
keys and values (`{"KEY":"value",...}`), and reports more than 4 KB (4096 bytes). A value it
cannot know (a parameter without a default, a reference to another resource, `{{resolve:...}}`,
an unresolved variable) counts as empty, so it only reports what is over the limit for sure;
an environment whose keys are not all known is not measured.

## Why it matters
The deploy fails: `Lambda was unable to configure your environment variables because the
environment variables you have provided exceeded the 4KB limit`.

## How to fix
Keep large values (certificates, JSON configuration, lists) in SSM Parameter Store, Secrets
Manager or AppConfig and read them at cold start, or ship them as a file in the package.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html",)
    invalid = (
        Example(
            {
                "template.yaml": _FN + "          CONFIG: '" + '{"rules":[' + ",".join(['"allow-all-traffic"'] * 220) + "]}'\n",
                "src/app.py": "def handler(event, context):\n    return {}\n",
            },
            note="a JSON configuration blob in an environment variable",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": _FN + "          CONFIG_PARAMETER: /app/config\n",
                "src/app.py": "def handler(event, context):\n    return {}\n",
            },
            note="the configuration is read from SSM Parameter Store at cold start",
        ),
    )

    def check(self, fn: Function) -> Iterator[Finding]:
        if fn.environment_unknown or not fn.environment:
            return
        values: dict[str, str] = {}
        unknown = 0
        for name, var in fn.environment.items():
            if var.value is UNKNOWN or not isinstance(var.value, str) or var.source == "resolve":
                values[name] = ""  # its size is unknown: what is known is a lower bound
                unknown += 1
            else:
                values[name] = var.value
        size = env_size(values)
        if size <= LIMIT:
            return
        at_least = f"at least {size} bytes ({unknown} value{'s' if unknown > 1 else ''} not counted)" if unknown else f"{size} bytes"
        largest = sorted(values.items(), key=lambda kv: -len(kv[0].encode()) - len(kv[1].encode()))[:3]
        names = ", ".join(f"{k} ({len(k.encode()) + len(v.encode())} bytes)" for k, v in largest)
        yield fn.finding(
            self.id,
            f"{fn.id}'s environment variables take {at_least} as Lambda measures them (JSON of keys and values), "
            f"over the {LIMIT}-byte limit, so the deploy fails; largest: {names}; move large values to SSM "
            "Parameter Store, Secrets Manager or a file in the package",
            "environment" if "environment" in fn.locs else None,
        )
