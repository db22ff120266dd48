"""The registry is the one source of truth: docs in rules/ and the embedded examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdalint.config import Config
from lambdalint.docs import DOCS_DIR, expected_files
from lambdalint.registry import all_rules
from tests.helpers import lint

RULES = all_rules()


def test_docs_are_in_step_with_registry() -> None:
    expected = expected_files()
    on_disk = {p.name for p in DOCS_DIR.glob("*.md")}
    assert on_disk == set(expected), "run `python -m lambdalint.docs` to regenerate rules/"
    stale = [name for name, text in expected.items() if (DOCS_DIR / name).read_text(encoding="utf-8") != text]
    assert not stale, f"stale pages (run `python -m lambdalint.docs`): {stale}"


@pytest.mark.parametrize("rid", list(RULES))
def test_rule_metadata(rid: str) -> None:
    meta = RULES[rid].meta()
    assert meta.name == meta.name.lower() and " " not in meta.name
    assert meta.summary.endswith("."), "summary is one sentence"
    assert "## What it does" in meta.doc and "## Why it matters" in meta.doc
    assert meta.invalid, "every rule shows a case that fires"
    assert meta.valid, "every rule shows a case that stays quiet"


def _examples() -> list[tuple[str, str, int, object]]:
    out = []
    for rid, cls in RULES.items():
        for i, ex in enumerate(cls.invalid):
            out.append((rid, "invalid", i, ex))
        for i, ex in enumerate(cls.valid):
            out.append((rid, "valid", i, ex))
    return out


@pytest.mark.parametrize(("rid", "kind", "index", "example"), _examples(), ids=lambda v: str(v) if isinstance(v, (str, int)) else "")
def test_examples(rid: str, kind: str, index: int, example: object, tmp_path: Path) -> None:
    for name, text in example.files.items():  # type: ignore[attr-defined]
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    cfg = Config(root=tmp_path, select=[rid] if rid != "LL003" else ["LL003", "LL1"])
    result = lint(tmp_path, cfg)
    assert not result.errors
    hits = [f for f in result.visible if f.rule_id == rid]
    if kind == "invalid":
        assert hits, f"{rid} example {index} must fire"
    else:
        assert not hits, f"{rid} valid example {index} fired: {[f.message for f in hits]}"
