"""--fix and --diff: apply autofixes safely.

A file is rewritten only when: its content is still what was analysed, the fixed text parses,
and the write is atomic (temporary file in the same folder, permissions copied, rename). Fixes
in one file are applied one at a time, re-analysing after each, so they never conflict; a
second run finds nothing left to fix.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from lambdalint.code.analyze import CodeSettings, FileJob, analyze
from lambdalint.engine import RunResult
from lambdalint.model import Finding

MAX_ROUNDS = 20


@dataclass
class FileFix:
    path: Path
    original: str
    fixed: str
    applied: list[str]
    skipped: str | None = None  # why the file was left alone


def plan(result: RunResult) -> list[FileFix]:
    """The fixed text of every file with fixable findings (nothing is written)."""
    by_path: dict[Path, list[Finding]] = {}
    for f in result.visible:
        if f.fix is not None:
            by_path.setdefault(f.location.path, []).append(f)
    plans = []
    for path, findings in sorted(by_path.items()):
        job = result.jobs.get(path)
        first = findings[0].fix
        assert first is not None
        if job is None or result.settings is None:
            continue
        plans.append(_fix_file(job, result.settings, first.original, findings))
    return plans


def _fix_file(job: FileJob, settings: CodeSettings, original: str, findings: list[Finding]) -> FileFix:
    text = original
    applied: list[str] = []
    pending = findings
    for _ in range(MAX_ROUNDS):
        fix = next((f.fix for f in pending if f.fix is not None), None)
        if fix is None or fix.original != text:
            break
        try:
            cst.parse_module(fix.replacement)
        except Exception:
            return FileFix(job.path, original, original, [], "a fix did not parse; file left unchanged")
        text = fix.replacement
        applied.append(fix.description)
        redo = analyze(job, settings, _encode(text, job.path))
        pending = [f for f in redo.findings if f.fix is not None]
    return FileFix(job.path, original, text, applied)


def _encode(text: str, path: Path) -> bytes:
    from lambdalint.code.module import decode_source

    try:
        _, encoding = decode_source(path.read_bytes())
    except Exception:
        encoding = "utf-8"
    return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)


def unified_diff(ff: FileFix, display: str) -> str:
    return "".join(
        difflib.unified_diff(
            ff.original.splitlines(keepends=True),
            ff.fixed.splitlines(keepends=True),
            fromfile=f"a/{display}",
            tofile=f"b/{display}",
        )
    )


def write(ff: FileFix) -> str | None:
    """Write one fixed file atomically; return why not when it was left alone."""
    from lambdalint.code.module import decode_source

    if ff.skipped:
        return ff.skipped
    try:
        data = ff.path.read_bytes()
        current, encoding = decode_source(data)
    except Exception as exc:
        return f"could not re-read the file ({exc})"
    if current != ff.original:
        return "the file changed since it was read; left unchanged"
    try:
        cst.parse_module(ff.fixed)
    except Exception:
        return "the fixed text does not parse; left unchanged"
    bom = data.startswith(b"\xef\xbb\xbf")
    payload = (b"\xef\xbb\xbf" if bom else b"") + ff.fixed.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    folder = ff.path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{ff.path.name}.", suffix=".lambdalint-fix")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        shutil.copymode(ff.path, tmp)
        if ff.path.read_bytes() != data:  # changed while we prepared the write
            os.unlink(tmp)
            return "the file changed since it was read; left unchanged"
        os.replace(tmp, ff.path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        return f"could not write: {exc.strerror or exc}"
    return None
