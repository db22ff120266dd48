"""The content-hash cache: same findings as without it, invalidated by what matters."""

from __future__ import annotations

import shutil
from pathlib import Path

from lambdalint.config import Config
from lambdalint.engine import RunOptions, run
from tests.conftest import FIXTURES


def lint(folder: Path, cache: bool = True) -> tuple[list[tuple[str, int, str, str]], int]:
    cfg = Config(root=folder, select=["LL0", "LL1"])
    res = run(RunOptions([folder], cfg, use_cache=cache, jobs=1))
    return [(f.location.path.name, f.location.line, f.rule_id, f.message) for f in res.visible], res.cache_hits


def project(tmp_path: Path) -> Path:
    dest = tmp_path / "p"
    shutil.copytree(FIXTURES / "LL101", dest)
    shutil.copytree(FIXTURES / "robust-templates", dest / "more", ignore=shutil.ignore_patterns(".lambdalint.toml"))
    (dest / ".git").mkdir()  # a project: the cache lives at its top
    return dest


def test_warm_run_hits_and_matches_uncached(tmp_path: Path) -> None:
    p = project(tmp_path)
    uncached, hits = lint(p, cache=False)
    assert hits == 0 and not (p / ".lambdalint_cache").exists()
    cold, _ = lint(p)
    warm, hits = lint(p)
    assert uncached == cold == warm
    assert hits > 10  # every Python file and every template
    assert (p / ".lambdalint_cache" / ".gitignore").read_text().strip().endswith("*")


def test_template_change_invalidates_the_handler_results(tmp_path: Path) -> None:
    p = project(tmp_path)
    before, _ = lint(p)
    assert any(name == "orders.py" and line == 25 for name, line, _, _ in before)
    tpl = p / "template.yaml"
    tpl.write_text(tpl.read_text().replace("Handler: orders.lambda_handler", "Handler: orders.not_a_handler"))
    after, _ = lint(p)
    lines = {line for name, line, _, _ in after if name == "orders.py"}
    assert lines == {37}  # only not_a_handler is deployed now
    assert after == lint(p, cache=False)[0]


def test_corrupt_cache_entries_are_misses(tmp_path: Path) -> None:
    p = project(tmp_path)
    first, _ = lint(p)
    for entry in (p / ".lambdalint_cache").rglob("*"):
        if entry.is_file() and entry.name != ".gitignore":
            entry.write_bytes(b"\x80garbage")
    again, hits = lint(p)
    assert again == first and hits == 0


def test_a_tree_that_is_not_a_project_gets_no_cache_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    tree = tmp_path / "unpacked"
    shutil.copytree(FIXTURES / "LL101", tree)
    lint(tree)
    _, hits = lint(tree)
    assert hits > 0
    assert not (tree / ".lambdalint_cache").exists()
    assert list((tmp_path / "user-cache" / "lambdalint").iterdir())


def test_read_only_tree_runs_without_cache(tmp_path: Path) -> None:
    p = project(tmp_path)
    p.chmod(0o555)
    try:
        findings, _ = lint(p)
    finally:
        p.chmod(0o755)
    assert findings


def test_entries_of_other_lambdalint_code_are_dropped(tmp_path: Path) -> None:
    from lambdalint.cache import Cache

    old = Cache(tmp_path)
    old.stamp = "old-code"
    old.put(old.key("x"), 1)
    (tmp_path / ".lambdalint_cache" / "0.0.1").mkdir()  # an older version's folder
    assert old.get(old.key("x")) == 1

    new = Cache(tmp_path)
    new.stamp = "new-code"
    new.put(new.key("y"), 2)
    assert new.get(new.key("y")) == 2
    assert Cache(tmp_path).get(old.key("x")) is None
    assert not list(new.dir.glob(f"*/{old.key('x')}"))
    assert not (tmp_path / ".lambdalint_cache" / "0.0.1").exists()

    again = Cache(tmp_path)
    again.stamp = "new-code"
    again.put(again.key("z"), 3)
    assert again.get(new.key("y")) == 2  # same code: nothing dropped
