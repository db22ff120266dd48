"""The cheap tests some code rules run before their costly analysis ("gates") never change
what the rule reports: with every gate forced open, the findings are the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdalint.code.analyze import CodeSettings, FileJob, analyze
from lambdalint.registry import all_rules
from lambdalint.rules import ll101, ll103, ll107, ll109, ll111, ll112

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p
    for folder in ("fixtures", "examples")
    for p in (ROOT / folder).rglob("*.py")
)
GATED = ("LL101", "LL103", "LL107", "LL109", "LL111", "LL112")


def _findings(path: Path, rule_id: str) -> list[tuple[str, int, int, str]]:
    settings = CodeSettings(((rule_id, int(all_rules()[rule_id].severity), ()),))
    job = FileJob(path, path.name, links=(), convention=True, test_file=False)
    result = analyze(job, settings)
    return sorted((f.rule_id, f.location.line, f.location.col, f.message) for f in result.findings)


def _open_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ll101, "_may_create", lambda mod: True)
    monkeypatch.setattr(ll103.SecretLogged, "may_have_source", lambda self, mod: True)
    monkeypatch.setattr(ll107, "has_broad_except", lambda mod, fn: True)
    monkeypatch.setattr(ll109, "has_invoke", lambda mod: True)
    monkeypatch.setattr(ll111, "shell_shape", lambda mod, fn, call: True)
    monkeypatch.setattr(ll112, "sql_shape", lambda mod, fn, call: True)


def test_there_are_files_to_check() -> None:
    assert len(FILES) > 50


@pytest.mark.parametrize("rule_id", GATED)
def test_gates_change_nothing(rule_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    gated = {p: _findings(p, rule_id) for p in FILES}
    _open_gates(monkeypatch)
    opened = {p: _findings(p, rule_id) for p in FILES}
    assert gated == opened
    assert any(gated.values()), f"{rule_id} fires on no fixture: the comparison would prove nothing"
