"""Test helpers: run lambdalint in-process on a folder and collect findings."""

from __future__ import annotations

import re
from pathlib import Path

from lambdalint.config import Config, load_config
from lambdalint.engine import RunOptions, RunResult, run

EXPECT = re.compile(r"(?:#|//)\s*expect:\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)")
CONFIG_NAMES = (".lambdalint.toml", "lambdalint.toml")


def fixture_config(folder: Path) -> Config:
    """A fixture's own .lambdalint.toml, else defaults (never the repository's pyproject)."""
    for name in CONFIG_NAMES:
        if (folder / name).is_file():
            return load_config(folder / name, folder)
    return Config(root=folder)


def lint(folder: Path, config: Config | None = None, **kw: object) -> RunResult:
    cfg = config or fixture_config(folder)
    return run(RunOptions([folder], cfg, use_cache=False, **kw))  # type: ignore[arg-type]


def found(result: RunResult, root: Path) -> set[tuple[str, int, str]]:
    return {(f.location.path.relative_to(root).as_posix(), f.location.line, f.rule_id) for f in result.visible}


def expected(folder: Path) -> set[tuple[str, int, str]]:
    """``# expect: LL101`` marks in every file, plus ``EXPECTED`` lines (``path:line RULE``) for
    files with no comment syntax (JSON)."""
    out: set[tuple[str, int, str]] = set()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.name == "EXPECTED":
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                loc, rule = line.split()
                file, lineno = loc.rsplit(":", 1)
                out.add((file, int(lineno), rule))
            continue
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        for lineno, line in enumerate(text.splitlines(), start=1):
            m = EXPECT.search(line)
            if m:
                for rule in m.group(1).split(","):
                    out.add((rel, lineno, rule.strip()))
    return out
