"""LL108-LL114: options and cases the fixtures cannot express (per-rule settings, speed)."""

from __future__ import annotations

import time
from pathlib import Path

from lambdalint.config import Config
from tests.helpers import lint


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _rules(result: object) -> list[tuple[int, str]]:
    return sorted((f.location.line, f.rule_id) for f in result.visible)  # type: ignore[attr-defined]


def test_ll114_cache_names_option(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": "seen_ids = set()\n\ndef lambda_handler(event, context):\n    seen_ids.add(event['id'])\n"})
    assert _rules(lint(tmp_path, Config(root=tmp_path, select=["LL114"]))) == [(4, "LL114")]
    cfg = Config(root=tmp_path, select=["LL114"], rule_options={"LL114": {"cache-names": ["seen_*"]}})
    assert _rules(lint(tmp_path, cfg)) == []


def test_ll110_min_seconds_option(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"app.py": "import time\n\ndef lambda_handler(event, context):\n    time.sleep(0.1)\n    time.sleep(5)\n"},
    )
    assert _rules(lint(tmp_path, Config(root=tmp_path, select=["LL110"]))) == [(4, "LL110"), (5, "LL110")]
    cfg = Config(root=tmp_path, select=["LL110"], rule_options={"LL110": {"min-seconds": 1}})
    assert _rules(lint(tmp_path, cfg)) == [(5, "LL110")]


def test_ll110_message_names_the_duration(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": "from time import sleep\n\ndef lambda_handler(event, context):\n    sleep(30)\n"})
    [finding] = lint(tmp_path, Config(root=tmp_path, select=["LL110"])).visible
    assert "time.sleep(30)" in finding.message and "30 s" in finding.message


def test_ll108_http_api_payload_1_0_fires_and_2_0_stays_quiet(tmp_path: Path) -> None:
    template = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  V1:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      CodeUri: src/\n      Handler: v1.handler\n      Events:\n        Get:\n          Type: HttpApi\n"
        "          Properties:\n            PayloadFormatVersion: '1.0'\n"
        "  V2:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      CodeUri: src/\n      Handler: v2.handler\n      Events:\n        Get:\n          Type: HttpApi\n"
        "  Url:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      CodeUri: src/\n      Handler: url.handler\n      FunctionUrlConfig:\n        AuthType: AWS_IAM\n"
    )
    body = "def handler(event, context):\n    return {'items': []}\n"
    _write(tmp_path, {"template.yaml": template, "src/v1.py": body, "src/v2.py": body, "src/url.py": body})
    result = lint(tmp_path, Config(root=tmp_path, select=["LL108"]))
    assert [(f.location.path.name, f.location.line) for f in result.visible] == [("v1.py", 2)]


def test_ll113_linked_handler_named_like_a_flask_view_is_checked(tmp_path: Path) -> None:
    """A template link is strong evidence: no Lambda-looking name or import is needed."""
    template = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      CodeUri: src/\n      Handler: views.index\n"
    )
    _write(tmp_path, {"template.yaml": template, "src/views.py": "def index(request):\n    return 'hi'\n"})
    assert _rules(lint(tmp_path, Config(root=tmp_path, select=["LL113"]))) == [(1, "LL113")]


def test_code_rules_b_are_fast_on_many_handlers(tmp_path: Path) -> None:
    source = (
        "import json, os, time, subprocess\nimport boto3\n\nlam = boto3.client('lambda')\nSEEN = set()\n\n"
        "def helper(x):\n    return subprocess.run(['echo', x], check=True)\n\n"
        "def lambda_handler(event, context):\n    key = event['Records'][0]['s3']['object']['key']\n"
        "    helper(key)\n    if key not in SEEN:\n        SEEN.add(key)\n"
        "    lam.invoke(FunctionName='x', InvocationType='Event')\n"
        "    return {'statusCode': 200, 'body': json.dumps({'k': key})}\n"
    )
    _write(tmp_path, {f"svc{i}/app.py": source for i in range(300)})
    cfg = Config(root=tmp_path, select=["LL108", "LL109", "LL110", "LL111", "LL112", "LL113", "LL114"])
    start = time.perf_counter()
    result = lint(tmp_path, cfg)
    elapsed = time.perf_counter() - start
    assert not result.visible
    assert elapsed < 20, f"{elapsed:.1f}s for 300 handlers"
