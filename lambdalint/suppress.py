"""Suppressions: ``# lambdalint: ignore[LL101]`` comments, ``ignore-file``, resource Metadata,
and per-file-ignores from the config. Suppressions that match nothing become LL003."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lambdalint.model import Finding, Location, Severity

# `#` in Python, YAML and HCL; `//` also in HCL
COMMENT = re.compile(
    r"(?:#|//)\s*lambdalint\s*:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<ids>[^\]]*)\])?", re.IGNORECASE
)


@dataclass
class Suppression:
    path: Path
    line: int  # where the comment is written
    col: int
    rules: frozenset[str] | None  # None: every rule
    file_level: bool
    lines: frozenset[int]  # lines it applies to (the line, and the next one for a comment-only line)
    used: set[str] = field(default_factory=set)

    def matches(self, finding: Finding) -> bool:
        if finding.location.path != self.path:
            return False
        if not self.file_level and finding.location.line not in self.lines:
            return False
        return self.rules is None or finding.rule_id in self.rules


def scan_comments(path: Path, text: str) -> list[Suppression]:
    """Suppression comments in a Python, YAML or HCL file."""
    if "lambdalint" not in text.lower():
        return []
    comments = _python_comments(text) if path.suffix == ".py" else None
    out = []
    for idx, line in enumerate(text.splitlines(), start=1):
        if "lambdalint" not in line.lower():
            continue
        for m in COMMENT.finditer(line):
            if comments is not None and not any(start <= m.start() for start in comments.get(idx, ())):
                continue  # inside a string literal, not a comment
            ids = m.group("ids")
            rules = None if ids is None else frozenset(i.strip().upper() for i in ids.split(",") if i.strip())
            comment_only = line.lstrip().startswith(("#", "//"))
            lines = frozenset({idx, idx + 1} if comment_only else {idx})
            out.append(Suppression(path, idx, m.start() + 1, rules, m.group("kind").lower() == "ignore-file", lines))
    return out


def _python_comments(text: str) -> dict[int, list[int]] | None:
    """Where comments start, per line (so that text in string literals is not taken for a
    suppression); None when the file cannot be tokenized (then every match counts)."""
    import io
    import tokenize

    starts: dict[int, list[int]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and "lambdalint" in tok.string.lower():
                starts.setdefault(tok.start[0], []).append(tok.start[1])
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return starts


def _known() -> set[str]:
    from lambdalint.registry import all_rules

    return set(all_rules())


def apply(
    findings: Iterable[Finding],
    suppressions: list[Suppression],
    enabled: set[str],
    per_file: dict[Path, frozenset[str]],
) -> tuple[list[Finding], list[Finding]]:
    """Mark suppressed findings; return (all findings, LL003 findings for unused suppressions)."""
    by_path: dict[Path, list[Suppression]] = {}
    for s in suppressions:
        by_path.setdefault(s.path, []).append(s)
    out = []
    for f in findings:
        if f.rule_id in per_file.get(f.location.path, frozenset()):
            continue  # per-file-ignores drop findings entirely, like ruff
        for s in by_path.get(f.location.path, ()):
            if s.matches(f):
                s.used.add(f.rule_id)
                f.suppressed = "lambdalint: ignore comment"
                break
        else:
            if f.rule_id in f.resource_ignores:
                f.suppressed = "resource Metadata lambdalint.ignore"
        out.append(f)
    unused = []
    if "LL003" in enabled:
        known = _known()
        for s in suppressions:
            unknown = sorted(r for r in (s.rules or ()) if r not in known)
            # a rule that did not run in this run cannot be judged unused
            stale = sorted(r for r in (s.rules or ()) if r not in s.used and r in enabled)
            if s.rules is None and not s.used:
                msg = "suppression of all rules is unused: nothing to suppress here"
            elif stale:
                msg = f"suppression of {', '.join(stale)} is unused: nothing to suppress here"
            elif unknown:
                msg = f"suppression names unknown rule {', '.join(unknown)}"
            else:
                continue
            if unknown and stale:
                msg += f"; unknown rule {', '.join(unknown)}"
            unused.append(
                Finding("LL003", msg, Location(s.path, s.line, s.col), Severity.INFO, logical=f"suppression:{s.line}")
            )
    return out, unused
