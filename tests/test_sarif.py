"""SARIF output: valid against the official 2.1.0 schema, and what GitHub code scanning reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdalint.cli import main
from lambdalint.registry import all_rules
from tests.conftest import FIXTURES, SHARED

SCHEMA = SHARED / "data" / "sarif-schema-2.1.0.json"


def sarif_for(path: Path, *extra: str) -> dict:
    res = CliRunner().invoke(main, [str(path), "--format", "sarif", "--no-cache", *extra])
    assert res.exit_code in (0, 1), res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def validator():  # type: ignore[no-untyped-def]
    if not SCHEMA.is_file():
        pytest.skip(f"the official SARIF schema is not at {SCHEMA} (../shared is absent)")
    from jsonschema import Draft4Validator, Draft7Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return Draft4Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("folder", ["LL101", "suppressions", "input-broken", "LL101-convention"])
def test_valid_against_official_schema(validator, folder: str) -> None:  # type: ignore[no-untyped-def]
    doc = sarif_for(FIXTURES / folder, "--include-suppressed")
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_empty_run_is_valid(validator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = sarif_for(tmp_path)
    assert not list(validator.iter_errors(doc))
    assert doc["runs"][0]["results"] == []


def test_github_code_scanning_fields() -> None:
    doc = sarif_for(FIXTURES / "LL101")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "LL101" in ids


    for r in rules:
        assert r["helpUri"].endswith(f"/rules/{r['id']}.md")
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["markdown"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert isinstance(r["properties"]["tags"], list) and r["properties"]["precision"]
        if "security-severity" in r["properties"]:
            assert isinstance(r["properties"]["security-severity"], str)
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["invocations"][0]["executionSuccessful"] is True
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
        assert "primaryLocationLineHash" not in res["partialFingerprints"]
        assert len(res["partialFingerprints"]["lambdalint/v1"]) == 32


def test_driver_lists_every_enabled_rule(tmp_path: Path) -> None:
    rules = sarif_for(tmp_path)["runs"][0]["tool"]["driver"]["rules"]
    default = {rid for rid, c in all_rules().items() if c.default_enabled}
    assert {r["id"] for r in rules} == default
    rules = sarif_for(tmp_path, "--select", "LL1")["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {rid for rid in default if rid.startswith("LL1")}


def test_uris_relative_to_repository_root_and_percent_encoded(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    target = repo / "my services" / "ordérs"
    shutil.copytree(FIXTURES / "LL101-convention", target)
    doc = sarif_for(target)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert uris == {"my%20services/ord%C3%A9rs/app.py"}
    assert doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"


def test_fingerprint_survives_line_moves(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "LL101-convention", tmp_path / "p")
    app = tmp_path / "p" / "app.py"
    before = {r["partialFingerprints"]["lambdalint/v1"] for r in sarif_for(tmp_path / "p")["runs"][0]["results"]}
    app.write_text("\n\n# moved down\n" + app.read_text())
    after = {r["partialFingerprints"]["lambdalint/v1"] for r in sarif_for(tmp_path / "p")["runs"][0]["results"]}
    assert before == after and len(before) == 2


def test_suppressed_left_out_unless_asked() -> None:
    default = sarif_for(FIXTURES / "suppressions")["runs"][0]["results"]
    assert all("suppressions" not in r for r in default)
    included = sarif_for(FIXTURES / "suppressions", "--include-suppressed")["runs"][0]["results"]
    suppressed = [r for r in included if "suppressions" in r]
    assert len(suppressed) >= 4
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    assert len(included) == len(default) + len(suppressed)


def test_parse_failures_are_notifications() -> None:
    run = sarif_for(FIXTURES / "input-broken")["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert {n["descriptor"]["id"] for n in notes} == {"LL001", "LL002"}
    assert len(notes) == len([r for r in run["results"] if r["ruleId"] in ("LL001", "LL002")])
