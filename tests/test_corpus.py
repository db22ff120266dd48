"""Real projects lambdalint was not written for (../shared/corpus): it always finishes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lambdalint.cli import main
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
FOLDERS = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(".")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not FOLDERS, reason="../shared/corpus is not present")
@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_corpus_project_lints_without_crash(folder) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(main, [str(folder), "--format", "json", "--no-cache"])
    assert res.exit_code in (0, 1), res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    doc = json.loads(res.stdout)
    assert doc["summary"]["functions"] > 0
