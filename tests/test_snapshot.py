"""The whole-run snapshot: a re-run with nothing changed returns the stored result, a re-run
after Python-only edits reuses the project model, and anything else runs again in full. In
every case the findings equal those of a run without any cache."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from lambdalint import cache as cache_mod
from lambdalint.config import Config
from lambdalint.engine import RunOptions, RunResult, run

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Timeout: 10
      Environment:
        Variables:
          TABLE: orders
"""

HANDLER = """\
import os

import boto3

TABLE = os.environ["TABLE"]
OTHER = os.environ["OTHER"]


def handler(event, context):
    s3 = boto3.client("s3")
    return {"statusCode": 200, "body": TABLE + OTHER}
"""

CONVENTION = """\
import boto3


def lambda_handler(event, context):
    sqs = boto3.client("sqs")
    return sqs
"""


@pytest.fixture(autouse=True)
def _no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    # files written by a test a moment before the run would count as "maybe changed again in
    # the same clock tick" and force full runs; the tests below check which path a run takes
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)


def make(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir()  # a project: the cache lives at its top
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "src" / "app.py").write_text(HANDLER)
    (root / "src" / "requirements.txt").write_text("boto3\n")
    return root


def lint(root: Path, config: Config | None = None, cache: bool = True) -> RunResult:
    cfg = config or Config(root=root)
    return run(RunOptions([root], cfg, use_cache=cache, jobs=1))


def keys(res: RunResult) -> list[tuple[str, int, int, str, str, str]]:
    return [
        (f.location.path.as_posix(), f.location.line, f.location.col, f.rule_id, f.message, str(f.severity))
        for f in res.findings
    ]


def how(res: RunResult) -> str:
    """Which path a run took: the stored result, a partial re-run or a full run."""
    if "discover" in res.timings:
        return "full"
    return "partial" if "python" in res.timings else "stored"


def check(root: Path, config: Config | None = None) -> tuple[RunResult, list[tuple[str, int, int, str, str, str]]]:
    res = lint(root, config)
    expected = keys(lint(root, config, cache=False))
    assert keys(res) == expected
    return res, expected


def test_nothing_changed_returns_the_stored_result(tmp_path: Path) -> None:
    root = make(tmp_path)
    first, expected = check(root)
    assert how(first) == "full"
    assert {f.rule_id for f in first.findings} >= {"LL101", "LL502"}
    again = lint(root)
    assert how(again) == "stored"
    assert keys(again) == expected
    assert again.files == first.files and again.handlers == first.handlers
    assert len(again.project.functions) == len(first.project.functions) == 1
    assert again.enabled == first.enabled


def test_template_change_updates_the_cross_findings(tmp_path: Path) -> None:
    root = make(tmp_path)
    first, _ = check(root)
    assert any(f.rule_id == "LL502" and "OTHER" in f.message for f in first.findings)
    tpl = root / "template.yaml"
    tpl.write_text(TEMPLATE + "          OTHER: x\n")
    res, _ = check(root)
    assert how(res) == "full"
    assert not any(f.rule_id == "LL502" for f in res.findings)
    # and the handler's code findings follow the template's handler
    tpl.write_text(TEMPLATE.replace("Handler: app.handler", "Handler: app.missing"))
    res, _ = check(root)
    assert any(f.rule_id == "LL501" for f in res.findings)


def test_added_and_removed_python_files_are_picked_up(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    (root / "jobs").mkdir()
    job = root / "jobs" / "job.py"
    job.write_text(CONVENTION + "def broken(:\n")
    res, _ = check(root)
    assert how(res) == "full"
    assert any(f.location.path == job and f.rule_id == "LL001" for f in res.findings)
    job.unlink()
    res, _ = check(root)
    assert how(res) == "full"
    assert not any(f.location.path == job for f in res.findings)


def test_edited_handler_is_analysed_again(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    app = root / "src" / "app.py"
    # a comment: same facts, same findings, only this file analysed again
    app.write_text(HANDLER + "# a comment\n")
    res, expected = check(root)
    assert how(res) == "partial"
    # a new environment read: the cross rules run again
    app.write_text(HANDLER.replace('OTHER = os.environ["OTHER"]', 'OTHER = os.environ["OTHER"] + os.environ["THIRD"]'))
    res, _ = check(root)
    assert how(res) == "partial"
    assert any(f.rule_id == "LL502" and "THIRD" in f.message for f in res.findings)
    # the fix of a code finding
    app.write_text(HANDLER.replace('    s3 = boto3.client("s3")\n', "").replace("import boto3\n", ""))
    res, _ = check(root)
    assert how(res) == "partial"
    assert not any(f.rule_id == "LL101" for f in res.findings)
    assert how(lint(root)) == "stored"


def test_handler_made_unparsable_and_fixed(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    app = root / "src" / "app.py"
    app.write_text(HANDLER + "def broken(:\n")
    res, _ = check(root)
    assert any(f.rule_id == "LL001" for f in res.findings)
    app.write_text(HANDLER)
    res, _ = check(root)
    assert not any(f.rule_id == "LL001" for f in res.findings)


def test_package_size_follows_an_edited_file(tmp_path: Path) -> None:
    root = make(tmp_path)
    cfg = Config(root=root, rule_options={"LL401": {"max_unzipped_mb": 0.001}})  # about 1 KB
    res, _ = check(root, cfg)
    assert not any(f.rule_id == "LL401" for f in res.findings)
    app = root / "src" / "app.py"
    app.write_text(HANDLER + "# padding\n" * 200)
    res, _ = check(root, cfg)
    assert how(res) == "partial"
    assert any(f.rule_id == "LL401" for f in res.findings)


def test_config_change_is_a_different_snapshot(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    cfg = Config(root=root, ignore=["LL502"])
    res, _ = check(root, cfg)
    assert how(res) == "full"
    assert not any(f.rule_id == "LL502" for f in res.findings)
    assert how(lint(root, cfg)) == "stored"
    assert any(f.rule_id == "LL502" for f in lint(root).findings)


def test_corrupt_snapshot_is_ignored(tmp_path: Path) -> None:
    root = make(tmp_path)
    _, expected = check(root)
    snaps = list((root / ".lambdalint_cache").rglob("snapshots/*"))
    assert snaps
    for entry in snaps:
        entry.write_bytes(b"\x80garbage")
    res = lint(root)
    assert how(res) == "full" and keys(res) == expected
    for entry in (root / ".lambdalint_cache").rglob("snapshots/*.run"):
        entry.write_bytes(entry.read_bytes()[:50])  # truncated
    res = lint(root)
    assert how(res) == "full" and keys(res) == expected


def test_mixed_snapshot_parts_are_ignored(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    folder = next((root / ".lambdalint_cache").rglob("snapshots"))
    part = next(folder.glob("*.results"))
    saved = part.read_bytes()
    app = root / "src" / "app.py"
    app.write_text(HANDLER + "# one\n")
    check(root)
    part.write_bytes(saved)  # the first run's results next to the second run's manifest
    app.write_text(HANDLER + "# two\n")
    res, _ = check(root)
    assert how(res) == "full"


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path) -> None:
    root = make(tmp_path)
    res = lint(root, cache=False)
    assert how(res) == "full"
    assert not (root / ".lambdalint_cache").exists()
    check(root)
    assert how(lint(root, cache=False)) == "full"
    off = Config(root=root, cache=False)
    assert how(lint(root, off)) == "full"


def test_fix_runs_never_use_it(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    res = run(RunOptions([root], Config(root=root), jobs=1, fixes=True))
    assert how(res) == "full" and res.jobs


def test_racy_files_are_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", 10**12)  # everything was "just" modified
    root = make(tmp_path)
    check(root)
    assert how(lint(root)) == "full"


def test_lone_file_runs_keep_their_scope(tmp_path: Path) -> None:
    root = make(tmp_path)
    app = root / "src" / "app.py"
    cfg = Config(root=root)
    first = run(RunOptions([app], cfg, jobs=1))
    again = run(RunOptions([app], cfg, jobs=1))
    plain = run(RunOptions([app], cfg, jobs=1, use_cache=False))
    assert how(again) == "stored"
    assert keys(first) == keys(again) == keys(plain)
    assert all(f.location.path == app for f in again.findings)


def test_deleted_cache_folder_mid_way(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    import shutil

    shutil.rmtree(root / ".lambdalint_cache")
    res, _ = check(root)
    assert how(res) == "full"


def test_file_outside_the_tree_read_by_the_run(tmp_path: Path) -> None:
    # the code folder lives next to the linted tree: its files are in the manifest too
    outside = tmp_path / "shared-src"
    outside.mkdir()
    (outside / "app.py").write_text(HANDLER)
    root = make(tmp_path)
    (root / "template.yaml").write_text(TEMPLATE.replace("CodeUri: src/", f"CodeUri: {os.path.relpath(outside, root)}/"))
    cfg = Config(root=root, rule_options={"LL401": {"max_unzipped_mb": 0.001}})
    res, _ = check(root, cfg)
    assert not any(f.rule_id == "LL401" for f in res.findings)
    (outside / "big.bin").write_bytes(b"\0" * 4096)
    res, _ = check(root, cfg)
    assert any(f.rule_id == "LL401" for f in res.findings)


def test_template_text_is_written_only_where_it_belongs(tmp_path: Path) -> None:
    root = make(tmp_path)
    check(root)
    tpl = root / "template.yaml"
    tpl.write_text(textwrap.dedent(TEMPLATE).replace("Timeout: 10", "Timeout: 10  # lambdalint: ignore[LL301]"))
    res, _ = check(root)
    assert how(res) == "full"


def test_edit_of_an_imported_module_reaches_the_cross_rules(tmp_path: Path) -> None:
    root = make(tmp_path)
    (root / "src" / "settings.py").write_text('import os\n\nQUEUE = os.environ["QUEUE_URL"]\n')
    app = root / "src" / "app.py"
    app.write_text("import settings\n" + HANDLER)
    res, _ = check(root)
    assert any(f.rule_id == "LL502" and "QUEUE_URL" in f.message for f in res.findings)
    (root / "src" / "settings.py").write_text('import os\n\nQUEUE = os.environ["TOPIC_ARN"]\n')
    res, _ = check(root)
    assert how(res) == "partial"
    assert any(f.rule_id == "LL502" and "TOPIC_ARN" in f.message for f in res.findings)
    assert not any(f.rule_id == "LL502" and "QUEUE_URL" in f.message for f in res.findings)


def test_old_snapshots_are_pruned(tmp_path: Path) -> None:
    root = make(tmp_path)
    for i in range(9):
        check(root, Config(root=root, rule_options={"LL301": {}} if i % 2 else {}, ignore=[f"LL30{i}"]))
    runs = list((root / ".lambdalint_cache").rglob("snapshots/*.run"))
    assert 1 <= len(runs) <= 7  # the six newest, and the one being written
