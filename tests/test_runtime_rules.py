"""LL301-LL309: messages, options and the runtime lifecycle data (fixtures cover the findings)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lambdalint.config import Config
from lambdalint.rules.ll306 import DeprecatedRuntime, Lifecycle, describe, lifecycle_table
from tests.helpers import lint

SAM = "Transform: AWS::Serverless-2016-10-31\nResources:\n"


def run(tmp_path: Path, template: str, rule: str, **options: object) -> list[str]:
    (tmp_path / "template.yaml").write_text(template, encoding="utf-8")
    cfg = Config(root=tmp_path, select=[rule], rule_options={rule: dict(options)} if options else {})
    result = lint(tmp_path, cfg)
    assert not result.errors, result.errors
    return [f.message for f in result.visible if f.rule_id == rule]


def function(name: str, extra: str = "") -> str:
    return (
        f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Handler: app.handler\n      InlineCode: \"def handler(event, context): pass\"\n" + extra
    )


# --------------------------------------------------------------------------- LL306


def test_lifecycle_comes_from_cfn_lint() -> None:
    table = lifecycle_table()
    assert table["python3.8"].deprecated == dt.date(2024, 10, 14)
    assert table["python3.8"].successor and table["python3.8"].successor.startswith("python3.")
    assert all(isinstance(v, Lifecycle) for v in table.values())


def test_describe_past_soon_and_far() -> None:
    life = Lifecycle(dt.date(2027, 3, 1), dt.date(2027, 4, 1), dt.date(2027, 5, 1), "python3.14")
    assert describe("x", life, dt.date(2026, 1, 1), 90) is None
    soon = describe("x", life, dt.date(2027, 1, 1), 90)
    assert soon == (
        "runtime x, which is deprecated on 2027-03-01 (in 59 days); "
        "creating functions on it is blocked from 2027-04-01, updating them from 2027-05-01"
    )
    past = describe("x", life, dt.date(2027, 4, 15), 90)
    assert past == (
        "runtime x, deprecated since 2027-03-01 (no more security patches); "
        "creating functions on it is blocked since 2027-04-01, updating them from 2027-05-01"
    )
    # a runtime with no block dates published yet
    assert describe("y", Lifecycle(dt.date(2026, 1, 1), None, None, None), dt.date(2026, 6, 1), 90) == (
        "runtime y, deprecated since 2026-01-01 (no more security patches)"
    )


def test_runtime_message_names_dates_and_successor(tmp_path: Path) -> None:
    messages = run(tmp_path, SAM + function("Legacy", "      Runtime: python3.8\n"), "LL306", today="2026-11-23")
    assert len(messages) == 1
    assert messages[0].startswith("function Legacy uses runtime python3.8, deprecated since 2024-10-14")
    assert messages[0].endswith(f"move it to {lifecycle_table()['python3.8'].successor}")


def test_soon_days_option(tmp_path: Path) -> None:
    tpl = SAM + function("Ruby", "      Runtime: ruby3.3\n")  # deprecated 2027-03-31
    assert run(tmp_path, tpl, "LL306", today="2027-02-15")
    assert not run(tmp_path, tpl, "LL306", today="2027-02-15", **{"soon-days": 30})
    assert run(tmp_path, tpl, "LL306", today="2027-04-01", **{"soon-days": 0})


def test_today_defaults_to_the_real_date() -> None:
    assert DeprecatedRuntime().today() == dt.date.today()
    assert DeprecatedRuntime({"today": "2030-01-02"}).today() == dt.date(2030, 1, 2)
    with pytest.raises(ValueError, match="ISO date"):
        DeprecatedRuntime({"today": "next tuesday"}).today()


# --------------------------------------------------------------------------- LL304 / LL305 / LL309


def test_visibility_message_names_both_values(tmp_path: Path) -> None:
    tpl = (
        SAM
        + "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n"
        + function(
            "Worker",
            "      Timeout: 10\n      Events:\n        Jobs:\n          Type: SQS\n"
            "          Properties:\n            Queue: !GetAtt Jobs.Arn\n",
        )
    )
    (msg,) = run(tmp_path, tpl, "LL304")
    assert "visibility timeout 30 s < 6 × 10 s timeout of function Worker" in msg  # noqa: RUF001
    assert "at least 60 s" in msg
    assert "cannot be created" not in msg


def test_visibility_below_the_function_timeout_says_the_mapping_fails(tmp_path: Path) -> None:
    tpl = (
        SAM
        + "  Jobs:\n    Type: AWS::SQS::Queue\n"
        + function(
            "Worker",
            "      Timeout: 60\n      Events:\n        Jobs:\n          Type: SQS\n"
            "          Properties:\n            Queue: !Ref Jobs\n",
        )
    )
    (msg,) = run(tmp_path, tpl, "LL304")
    assert "visibility timeout 30 s (the default) < 6 × 60 s" in msg  # noqa: RUF001
    assert "cannot be created" in msg


def test_visibility_factor_option(tmp_path: Path) -> None:
    tpl = (
        SAM
        + "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n"
        + function(
            "Worker",
            "      Timeout: 10\n      Events:\n        Jobs:\n          Type: SQS\n"
            "          Properties:\n            Queue: !GetAtt Jobs.Arn\n",
        )
    )
    assert not run(tmp_path, tpl, "LL304", factor=3)


def test_api_timeout_message(tmp_path: Path) -> None:
    tpl = SAM + function(
        "Report",
        "      Timeout: 45\n      Events:\n        Get:\n          Type: Api\n"
        "          Properties: {Path: /, Method: get}\n        Fast:\n          Type: HttpApi\n",
    )
    (msg,) = run(tmp_path, tpl, "LL305")
    assert "function Report has a timeout of 45 s but is behind a REST API (event 'Get')" in msg
    assert "gives up after 29 s" in msg


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ("      Timeout: 901\n", "timeout 901 s, above Lambda's 900 s maximum"),
        ("      MemorySize: 127\n", "memory 127 MB, below Lambda's 128 MB minimum"),
        ("      EphemeralStorage:\n        Size: 10241\n", "ephemeral storage (/tmp) 10241 MB, above Lambda's 10240 MB"),
    ],
)
def test_limit_messages(tmp_path: Path, props: str, expected: str) -> None:
    (msg,) = run(tmp_path, SAM + function("Job", props), "LL309")
    assert msg.startswith(f"function Job has {expected}")
