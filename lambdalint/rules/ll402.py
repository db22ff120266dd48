"""LL402: more than five layers on one function."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import UNKNOWN, Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register

MAX_LAYERS = 5

_FN = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      Layers:\n"
)


def _layers(n: int) -> str:
    return "".join(f"        - arn:aws:lambda:us-east-1:123456789012:layer:lib{i}:1\n" for i in range(1, n + 1))


@register
class TooManyLayers(FunctionRule):
    id = "LL402"
    reads = "model"
    name = "too-many-layers"
    family = "package"
    severity = Severity.ERROR
    precision = "very-high"
    tags = ("package", "deployment")
    summary = "The function uses more than 5 layers, Lambda's limit."
    doc = """
## What it does
Counts the layers a function uses (including SAM `Globals` layers, which are added to the
function's own, and serverless `provider.layers`) and reports more than five. A layer list
that is not written literally (an intrinsic, a variable) is not counted.

## Why it matters
Lambda accepts at most 5 layers per function: the deploy fails with
`InvalidParameterValueException`.

## How to fix
Merge layers that are always used together, move dependencies into the function's package,
or deploy a container image.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",)
    invalid = (Example({"template.yaml": _FN + _layers(6), "src/app.py": "def handler(event, context):\n    return {}\n"}),)
    valid = (Example({"template.yaml": _FN + _layers(5), "src/app.py": "def handler(event, context):\n    return {}\n"}),)

    def check(self, fn: Function) -> Iterator[Finding]:
        if fn.layers is UNKNOWN or len(fn.layers) <= MAX_LAYERS:  # type: ignore[arg-type]
            return
        n = len(fn.layers)  # type: ignore[arg-type]
        yield fn.finding(
            self.id,
            f"{fn.id} uses {n} layers; Lambda allows at most {MAX_LAYERS} per function, so the deploy fails: "
            "merge layers or move their contents into the package",
            "layers" if "layers" in fn.locs else None,
        )
