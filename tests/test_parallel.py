"""Fanning work out over processes must not change a single finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lambdalint.config import Config
from lambdalint.engine import PARALLEL_THRESHOLD, RunOptions, run
from tests.conftest import ROOT


def findings(tree: Path, jobs: int) -> list[tuple[str, int, int, str, str]]:
    res = run(RunOptions([tree], Config(root=tree), use_cache=False, jobs=jobs))
    assert not res.errors, res.errors
    return [(str(f.location.path), f.location.line, f.location.col, f.rule_id, f.message) for f in res.findings]


def test_parallel_run_equals_serial_run(tmp_path: Path) -> None:
    tree = tmp_path / "mono"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(tree), "--scale", "0.08"],
        check=True, capture_output=True,
    )
    assert sum(1 for _ in tree.rglob("*.py")) > PARALLEL_THRESHOLD
    templates = [p for p in tree.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".tf")]
    assert len(templates) > PARALLEL_THRESHOLD  # both the template and the Python phases fan out
    serial = findings(tree, jobs=1)
    assert serial
    assert findings(tree, jobs=2) == serial
