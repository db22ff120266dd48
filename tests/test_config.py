"""Configuration files: discovery, keys, selection semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdalint.config import Config, ConfigError, find_config_file, load_config
from lambdalint.model import Severity


def test_nearest_config_wins_and_pyproject_needs_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\nignore = ['LL101']\n")
    sub = tmp_path / "svc"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: skipped
    assert find_config_file(sub) == tmp_path / "pyproject.toml"
    (sub / ".lambdalint.toml").write_text("ignore = ['LL003']\n")
    assert find_config_file(sub) == sub / ".lambdalint.toml"
    cfg = load_config(None, sub)
    assert cfg.ignore == ["LL003"] and cfg.root == sub


def test_selection_specificity() -> None:
    cfg = Config(select=["LL1"], ignore=["LL101"])
    assert "LL101" not in cfg.enabled_rules()
    cfg = Config(select=["LL101"], ignore=["LL1"])
    assert "LL101" in cfg.enabled_rules()
    cfg = Config(ignore=["LL0"])
    assert "LL001" not in cfg.enabled_rules() and "LL101" in cfg.enabled_rules()
    assert "LL101" in Config(select=["ALL"]).enabled_rules()


def test_per_file_ignores_and_severity(tmp_path: Path) -> None:
    (tmp_path / "lambdalint.toml").write_text(
        "fail-on = 'error'\n[per-file-ignores]\n'scripts/**' = ['LL1']\n[severity]\nll101 = 'error'\n"
    )
    cfg = load_config(None, tmp_path)
    assert cfg.fail_on == Severity.ERROR
    assert cfg.severity_of("LL101") == Severity.ERROR
    assert "LL101" in cfg.ignored_for_file("scripts/tool/run.py")
    assert not cfg.ignored_for_file("src/app.py")


@pytest.mark.parametrize(
    "text",
    ["select = 'LL1'\n", "respect-gitignore = 'yes'\n", "[severity]\nLL101 = 'fatal'\n", "per-file-ignores = 3\n"],
)
def test_invalid_values(tmp_path: Path, text: str) -> None:
    (tmp_path / "lambdalint.toml").write_text(text)
    if text.startswith("select"):
        assert load_config(None, tmp_path).select == ["LL1"]  # a lone string is accepted
        return
    with pytest.raises(ConfigError):
        load_config(None, tmp_path)


def test_missing_explicit_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", tmp_path)
