"""Reporters: text, json, sarif, github, gitlab. Each renders a finished run to a string."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lambdalint.engine import RunResult
from lambdalint.model import Finding

FORMATS = ("text", "json", "sarif", "github", "gitlab")


@dataclass
class ReportContext:
    result: RunResult
    cwd: Path
    show_source: bool = False
    statistics: bool = False
    color: bool = False
    include_suppressed: bool = False
    quiet: bool = False  # text: findings only, no summary
    exit_code: int = 0
    _lines: dict[Path, list[str]] = field(default_factory=dict)
    _repo_root: Path | None = None

    def rule_name(self, rule_id: str) -> str:
        names = self.result.rule_names
        if rule_id in names:
            return names[rule_id]
        from lambdalint.registry import all_rules

        cls = all_rules().get(rule_id)
        return cls.name if cls is not None else ""

    @property
    def repo_root(self) -> Path:
        if self._repo_root is None:
            self._repo_root = repo_root(self.result.root)
        return self._repo_root

    def display_path(self, path: Path) -> str:
        """Relative to the current directory when below it, else absolute."""
        try:
            return path.relative_to(self.cwd).as_posix()
        except ValueError:
            return path.as_posix()

    def source_line(self, path: Path, line: int) -> str:
        if path not in self._lines:
            try:
                text = path.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                text = ""
            self._lines[path] = text.splitlines()
        lines = self._lines[path]
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def fingerprint(self, f: Finding) -> str:
        """Stable across line moves and working directories: rule + repository-relative file +
        logical location (resource id, function) + normalised source line."""
        try:
            rel = f.location.path.relative_to(self.repo_root).as_posix()
        except ValueError:
            rel = f.location.path.as_posix()
        snippet = re.sub(r"\s+", " ", self.source_line(f.location.path, f.location.line)).strip()
        raw = "\x00".join((f.rule_id, rel, f.logical, snippet))
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def findings(self) -> list[Finding]:
        r = self.result
        return r.findings if self.include_suppressed else r.visible


def render(fmt: str, ctx: ReportContext) -> str:
    if fmt == "text":
        from lambdalint.report.text import render_text

        return render_text(ctx)
    if fmt == "json":
        from lambdalint.report.json import render_json

        return render_json(ctx)
    if fmt == "sarif":
        from lambdalint.report.sarif import render_sarif

        return render_sarif(ctx)
    if fmt == "github":
        from lambdalint.report.github import render_github

        return render_github(ctx)
    if fmt == "gitlab":
        from lambdalint.report.gitlab import render_gitlab

        return render_gitlab(ctx)
    raise ValueError(f"unknown format {fmt!r}")


def repo_root(path: Path) -> Path:
    """The git top level above ``path``, else ``path`` itself (SARIF URIs are relative to it)."""
    for parent in (path, *path.parents):
        if (parent / ".git").exists():
            return parent
    return path


def want_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
