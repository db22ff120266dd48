"""LL306: deprecated or soon-deprecated Lambda runtime.

The dates come from the runtime lifecycle table that ships inside cfn-lint
(``cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json``), so upgrading cfn-lint refreshes
them; nothing here is a hand-kept list.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from lambdalint.model import Finding, Function, Severity
from lambdalint.registry import Example, FunctionRule, register


@dataclass(frozen=True)
class Lifecycle:
    deprecated: dt.date | None
    create_block: dt.date | None
    update_block: dt.date | None
    successor: str | None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@functools.cache
def lifecycle_table() -> dict[str, Lifecycle]:
    """Runtime id -> lifecycle dates, read lazily from the data file cfn-lint ships (found
    without importing cfn-lint, whose import alone takes about a second)."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("cfnlint")
    if spec is not None and spec.submodule_search_locations:
        data = Path(next(iter(spec.submodule_search_locations))) / "data" / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"
        raw = json.loads(data.read_text(encoding="utf-8"))
    else:  # an unusual install: let cfn-lint find its own file
        import cfnlint.data.AdditionalSpecs
        from cfnlint.helpers import load_resource

        raw = load_resource(cfnlint.data.AdditionalSpecs, "LmbdRuntimeLifecycle.json")
    out: dict[str, Lifecycle] = {}
    for runtime, info in raw.items():
        if not isinstance(info, dict):
            continue
        successor = info.get("successor")
        out[runtime] = Lifecycle(
            deprecated=_date(info.get("deprecated")),
            create_block=_date(info.get("create-block")),
            update_block=_date(info.get("update-block")),
            successor=successor if isinstance(successor, str) else None,
        )
    return out


def _blocks(life: Lifecycle, today: dt.date) -> str:
    """``creating functions on it is blocked since A, updating them from B``."""

    def when(day: dt.date) -> str:
        return f"since {day}" if day <= today else f"from {day}"

    parts = []
    if life.create_block is not None:
        parts.append(f"creating functions on it is blocked {when(life.create_block)}")
    if life.update_block is not None:
        what = "updating them" if parts else "updating functions on it is blocked"
        parts.append(f"{what} {when(life.update_block)}")
    return ", ".join(parts)


def describe(runtime: str, life: Lifecycle, today: dt.date, soon_days: int) -> str | None:
    """What the runtime's state is, None when it is supported and not deprecated soon."""
    dep = life.deprecated
    if dep is None:
        return None
    if dep <= today:
        text = f"runtime {runtime}, deprecated since {dep} (no more security patches)"
    elif (dep - today).days <= soon_days:
        days = (dep - today).days
        text = f"runtime {runtime}, which is deprecated on {dep} (in {days} day{'s' if days != 1 else ''})"
    else:
        return None
    blocks = _blocks(life, today)
    return f"{text}; {blocks}" if blocks else text


@register
class DeprecatedRuntime(FunctionRule):
    id = "LL306"
    reads = "model"
    name = "deprecated-runtime"
    family = "runtime"
    severity = Severity.WARNING
    precision = "very-high"
    tags = ("runtime", "security", "maintenance")
    options: ClassVar[dict[str, Any]] = {"soon-days": 90, "today": ""}
    summary = "Function uses a deprecated runtime, or one that is deprecated soon."
    doc = """
## What it does
Looks up each function's runtime in the Lambda runtime lifecycle table that ships with
cfn-lint (deprecation, create-block and update-block dates and the recommended successor;
upgrading cfn-lint refreshes it) and reports a runtime that is already deprecated, or that
will be deprecated within `soon-days` (90 by default). The message names the dates and the
successor. The finding is on `Runtime` (in SAM `Globals` or serverless `provider` when it is
set there).

Container-image functions have no runtime in the template and are not reported; nor is a
runtime the template does not resolve or one the table does not know.

`today` (an ISO date such as `"2026-11-23"`, empty for the real date) pins the date the
check runs on, for reproducible tests. Lower `soon-days` to `0` to report only runtimes that
are already deprecated. Both cases are reported with the rule's severity (`warning` unless
configured); the message says which one it is.

## Why it matters
After its deprecation date a runtime gets no more security patches, and functions on it are
no longer eligible for technical support. Some weeks later Lambda
blocks creating functions on it, then updating them: a deploy that touches the function
(even a code change) starts failing, usually at the worst moment. Migrating before the
dates is a planned change instead of an outage.

## Example
```yaml
      Runtime: python3.8          # LL306: deprecated since 2024-10-14
```

## How to fix
Move to the successor the message names (for example `python3.8` -> `python3.14`), run the
tests on it, and deploy. Runtime upgrades of the same language are usually small, but check
the release notes of the language and of any native dependencies.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Legacy:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.8\n"
                    "      InlineCode: \"def handler(event, context): pass\"\n"
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
                    "  Service:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      PackageType: Image\n"
                    "      ImageUri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/service:latest\n"
                )
            },
            note="container images bring their own runtime: keep the base image current instead",
        ),
    )

    def today(self) -> dt.date:
        text = str(self.opts.get("today") or "").strip()
        if not text:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"option 'today' of {self.id} must be an ISO date like 2026-11-23, got {text!r}") from None

    def check(self, fn: Function) -> Iterator[Finding]:
        runtime = fn.runtime
        if not isinstance(runtime, str) or fn.package_type == "Image":
            return
        life = lifecycle_table().get(runtime.strip().lower())
        if life is None:
            return
        state = describe(runtime, life, self.today(), int(self.opts["soon-days"]))
        if state is None:
            return
        target = life.successor or "a supported runtime"
        yield fn.finding(self.id, f"function {fn.id} uses {state}; move it to {target}", "runtime")
