"""--fix / --diff for LL101: correct, idempotent, atomic, never destructive."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from lambdalint import fix
from lambdalint.cli import main
from lambdalint.config import Config
from tests.helpers import lint

HANDLER = '''import os
import boto3 as b
from botocore.config import Config

REGION = os.environ.get("AWS_REGION", "eu-west-1")


# the table helper
def get_table():
    return b.resource("dynamodb", region_name=REGION).Table("t")  # keep this comment


def lambda_handler(event, context):
    s3 = b.client("s3", config=Config(retries={"max_attempts": 3}))
    sqs = b.client("sqs", region_name=event["region"])
    with b.Session() as s:
        pass
    try:
        kms = b.client("kms")
    except Exception:
        kms = None
    return get_table(), s3, sqs, kms
'''


def run_cli(folder: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, [str(folder), "--no-cache", "--select", "LL101", *args])
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(HANDLER)
    return tmp_path


def test_diff_does_not_write(project: Path) -> None:
    before = (project / "app.py").read_bytes()
    code, out, err = run_cli(project, "--diff")
    assert code == 1
    assert '+S3_CLIENT = b.client("s3", config=Config(retries={"max_attempts": 3}))' in out
    assert "-    s3 = b.client(" in out and "+    s3 = S3_CLIENT" in out
    assert (project / "app.py").read_bytes() == before
    assert "1 file would be changed" in err


def test_fix_hoists_keeps_comments_and_is_idempotent(project: Path) -> None:
    mode = 0o640
    (project / "app.py").chmod(mode)
    code, out, err = run_cli(project, "--fix")
    assert "fixed 2 findings in 1 file" in err
    text = (project / "app.py").read_text()
    cst.parse_module(text)
    compile(text, "app.py", "exec")
    assert 'DYNAMODB_RESOURCE = b.resource("dynamodb", region_name=REGION)' in text
    assert text.index("DYNAMODB_RESOURCE =") > text.index("REGION =")  # after what it needs
    assert "return DYNAMODB_RESOURCE.Table(\"t\")  # keep this comment" in text
    assert "# the table helper" in text
    assert stat.S_IMODE((project / "app.py").stat().st_mode) == mode
    # what is left is reported, with the reason there is no automatic fix
    assert code == 1
    assert "no automatic fix: it uses `event`" in out
    assert "no automatic fix: it is used as a context manager" in out
    assert "no automatic fix: it is created inside a `try` block" in out
    again = (project / "app.py").read_bytes()
    run_cli(project, "--fix")
    assert (project / "app.py").read_bytes() == again
    assert not [f for f in lint(project, Config(root=project, select=["LL101"])).visible if f.fix is not None]


def test_unique_names(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\n\nS3_CLIENT = 'taken'\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
    )
    run_cli(tmp_path, "--fix")
    text = (tmp_path / "app.py").read_text()
    assert "S3_CLIENT_2 = boto3.client('s3')" in text and "return S3_CLIENT_2" in text


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbfimport boto3\r\n\r\n\r\ndef handler(event, context):\r\n    return boto3.client('s3')\r\n", "utf-8-sig"),
        (b"# -*- coding: latin-1 -*-\nimport boto3\nNAME = 'caf\xe9'\n\n\ndef handler(event, context):\n    return boto3.client('s3'), NAME\n", "latin-1"),
    ],
)
def test_encodings_bom_and_line_endings_survive(tmp_path: Path, data: bytes, encoding: str) -> None:
    (tmp_path / "app.py").write_bytes(data)
    run_cli(tmp_path, "--fix")
    out = (tmp_path / "app.py").read_bytes()
    assert out != data
    assert out.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    assert (b"\r\n" in out) == (b"\r\n" in data)
    text = out.decode(encoding)
    assert "S3_CLIENT = boto3.client('s3')" in text
    if encoding == "latin-1":
        assert "caf\xe9" in text


def test_never_touches_a_file_changed_since_read(project: Path) -> None:
    result = lint(project, Config(root=project, select=["LL101"]), fixes=True)
    plans = fix.plan(result)
    assert plans
    (project / "app.py").write_text(HANDLER + "\n# edited meanwhile\n")
    assert fix.write(plans[0]) == "the file changed since it was read; left unchanged"
    assert (project / "app.py").read_text().endswith("# edited meanwhile\n")


def test_never_writes_text_that_does_not_parse(project: Path) -> None:
    result = lint(project, Config(root=project, select=["LL101"]), fixes=True)
    plan = fix.plan(result)[0]
    plan.fixed = "def broken(:\n"
    assert fix.write(plan) == "the fixed text does not parse; left unchanged"
    assert (project / "app.py").read_text() == HANDLER
    assert not [p for p in os.listdir(project) if p.endswith(".lambdalint-fix")]


def test_sarif_carries_fixes(project: Path) -> None:
    import json

    res = CliRunner().invoke(main, [str(project), "--no-cache", "--select", "LL101", "--format", "sarif"])
    results = json.loads(res.stdout)["runs"][0]["results"]
    fixes = [r["fixes"][0] for r in results if "fixes" in r]
    assert len(fixes) == 2
    change = fixes[0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "app.py" and change["replacements"]
