"""pre-commit: the published hooks, and correct results on partial, shuffled file lists."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lambdalint.cli import main
from tests.conftest import FIXTURES, ROOT


def test_hook_manifest() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"lambdalint", "lambdalint-project"}
    assert all(h["language"] == "python" and h["require_serial"] for h in hooks.values())
    assert hooks["lambdalint-project"]["pass_filenames"] is False
    import re

    pattern = re.compile(hooks["lambdalint"]["files"])
    for name in ("app.py", "template.yaml", "t.yml", "stack.json", "api.template", "main.tf"):
        assert pattern.search(name), name
    assert not pattern.search("README.md")


def _findings(args: list[str], cwd: Path) -> set[tuple[str, int, str]]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(main, [*args, "--format", "json", "--no-cache"])
    finally:
        os.chdir(old)
    assert res.exit_code in (0, 1), res.stderr
    return {(f["path"], f["line"], f["rule"]) for f in json.loads(res.stdout)["findings"]}


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    no_config = shutil.ignore_patterns(".lambdalint.toml")
    shutil.copytree(FIXTURES / "LL101", repo / "svc", ignore=no_config)
    shutil.copytree(FIXTURES / "suppressions", repo / "other", ignore=no_config)
    (repo / ".git").mkdir()
    (repo / "pyproject.toml").write_text('[tool.lambdalint]\nselect = ["LL0", "LL1"]\n')
    return repo


def test_shuffled_split_file_lists_give_the_whole_run_findings(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    whole = _findings(["."], repo)
    files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(files)
        cut = rng.randrange(1, len(files))
        union = _findings(files[:cut], repo) | _findings(files[cut:], repo)
        assert union == whole


def test_only_changed_template_reports_template_findings(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    got = _findings(["svc/template.yaml"], repo)
    assert got == set()  # the code findings belong to files outside the scope
    got = _findings(["svc/src/orders.py"], repo)
    assert got and {p for p, _, _ in got} == {"svc/src/orders.py"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """The published hook, installed by pre-commit itself from this repository."""
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("this checkout has no commit for pre-commit to install from")
    scratch = tmp_path / "scratch"
    shutil.copytree(FIXTURES / "LL101", scratch)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=scratch, check=True, env=env)
    res = subprocess.run(
        [pre_commit, "try-repo", str(ROOT), "lambdalint", "--files", "src/orders.py", "template.yaml"],
        cwd=scratch, capture_output=True, text=True, env=env, timeout=900,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 1, out  # findings: the hook fails the commit
    assert "src/orders.py:25:10: LL101 [warning] boto3.client('s3')" in out
    assert "src/pkg/api.py" not in out  # not a changed file: outside the report scope
    assert "Traceback" not in out
