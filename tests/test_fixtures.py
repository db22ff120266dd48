"""Every fixture folder is a small project; its findings must equal its ``expect:`` marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.helpers import expected, found, lint

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_fixture(folder: Path) -> None:
    result = lint(folder)
    assert not result.errors, result.errors
    want = expected(folder)
    got = found(result, folder)
    missing = sorted(want - got)
    extra = sorted(got - want)
    detail = "\n".join(
        [f"missing {p}:{line} {r}" for p, line, r in missing]
        + [
            f"extra   {f.location.path.relative_to(folder)}:{f.location.line} {f.rule_id} {f.message}"
            for f in result.visible
            if (f.location.path.relative_to(folder).as_posix(), f.location.line, f.rule_id) in extra
        ]
    )
    assert not missing and not extra, "\n" + detail


def test_every_rule_has_fixtures() -> None:
    """Each implemented rule fires somewhere in fixtures/ (the marks are the proof)."""
    from lambdalint.registry import all_rules

    marked = {rule for folder in FOLDERS for _, _, rule in expected(folder)}
    missing = sorted(set(all_rules()) - marked)
    assert not missing, f"rules without a firing fixture: {missing}"
