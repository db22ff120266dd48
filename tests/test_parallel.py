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


def test_gc_is_tuned_in_lambdalints_own_processes_only(tmp_path: Path) -> None:
    """The command line and the workers run the cycle collector less often; a program that
    calls ``run`` keeps its own settings."""
    code = """
import gc, sys
from pathlib import Path
from lambdalint.config import Config
from lambdalint.engine import GC_THRESHOLD, RunOptions, run
import lambdalint.engine as engine
tree = Path(sys.argv[1])
log = tree / "gc.log"
original = engine._load_one
def spy(args):  # runs in the workers: they report through a file
    with open(log, "a") as fh:
        print(gc.get_threshold()[0], file=fh)
    return original(args)
engine._load_one = spy
before = gc.get_threshold()
run(RunOptions([tree], Config(root=tree), use_cache=False, jobs=2))
assert gc.get_threshold() == before, gc.get_threshold()
seen = {int(line) for line in log.read_text().split()}
assert seen == {GC_THRESHOLD[0]}, seen
engine.tune_gc()
assert gc.get_threshold() == GC_THRESHOLD
gc.set_threshold(50_000, 10, 10)
engine.tune_gc()
assert gc.get_threshold()[0] == 50_000  # never lowered
print("ok")
"""
    for i in range(PARALLEL_THRESHOLD + 1):
        (tmp_path / f"t{i}").mkdir()
        (tmp_path / f"t{i}" / "template.yaml").write_text(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr
