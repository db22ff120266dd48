"""GitHub Actions workflow commands: ``::warning file=...,line=...::message``."""

from __future__ import annotations

from lambdalint.model import Severity
from lambdalint.report import ReportContext

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(ctx: ReportContext) -> str:
    out = []
    for f in ctx.findings():
        loc = f.location
        name = ctx.rule_name(f.rule_id)
        props = [
            f"file={_escape_prop(ctx.display_path(loc.path))}",
            f"line={loc.line}",
            f"col={loc.col}",
        ]
        if loc.end_line:
            props.append(f"endLine={loc.end_line}")
        props.append(f"title={_escape_prop(f'{f.rule_id} {name}'.strip())}")
        out.append(f"::{LEVEL[f.severity]} {','.join(props)}::{_escape_data(f'{f.rule_id} {f.message}')}")
    return "\n".join(out) + ("\n" if out else "")
