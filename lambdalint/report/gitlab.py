"""GitLab Code Quality report (a JSON array with stable fingerprints)."""

from __future__ import annotations

import json

from lambdalint.model import Severity
from lambdalint.report import ReportContext

LEVEL = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render_gitlab(ctx: ReportContext) -> str:
    items = []
    for f in ctx.findings():
        path = ctx.display_path(f.location.path)
        items.append(
            {
                "description": f"{f.rule_id} {f.message}",
                "check_name": f.rule_id,
                "fingerprint": ctx.fingerprint(f),
                "severity": LEVEL[f.severity],
                "location": {"path": path, "lines": {"begin": f.location.line}},
            }
        )
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
