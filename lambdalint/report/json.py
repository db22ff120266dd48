"""JSON output. Schema (version 1, stable; new keys may be added, none removed):

    {"version": 1,
     "tool": {"name": "lambdalint", "version": "x.y.z"},
     "findings": [{"rule": "LL101", "name": "client-in-handler", "severity": "warning",
                   "message": "...", "path": "src/app.py", "line": 4, "column": 10,
                   "end_line": 4, "end_column": 33, "logical": "lambda_handler",
                   "fingerprint": "<32 hex>", "fixable": false, "suppressed": null,
                   "related": [{"path": "...", "line": 1, "column": 1, "message": "..."}]}],
     "summary": {"files": 3, "functions": 2, "handlers": 2, "findings": 1,
                 "by_severity": {"error": 0, "warning": 1, "info": 0}, "exit_code": 1}}

Paths are relative to the current directory when below it.
"""

from __future__ import annotations

import json

from lambdalint import __version__
from lambdalint.report import ReportContext


def render_json(ctx: ReportContext) -> str:
    r = ctx.result
    items = []
    for f in ctx.findings():
        path = ctx.display_path(f.location.path)
        loc = f.location
        items.append(
            {
                "rule": f.rule_id,
                "name": ctx.rule_name(f.rule_id),
                "severity": str(f.severity),
                "message": f.message,
                "path": path,
                "line": loc.line,
                "column": loc.col,
                "end_line": loc.end_line or loc.line,
                "end_column": loc.end_col or loc.col,
                "logical": f.logical,
                "fingerprint": ctx.fingerprint(f),
                "fixable": f.fixable or f.fix is not None,
                "suppressed": f.suppressed,
                "related": [
                    {"path": ctx.display_path(rl.path), "line": rl.line, "column": rl.col, "message": note}
                    for rl, note in f.related
                ],
            }
        )
    by_sev = {"error": 0, "warning": 0, "info": 0}
    for f in ctx.findings():
        if not f.suppressed:
            by_sev[str(f.severity)] += 1
    doc = {
        "version": 1,
        "tool": {"name": "lambdalint", "version": __version__},
        "findings": items,
        "summary": {
            "files": r.files,
            "functions": len(r.project.functions),
            "handlers": r.handlers,
            "findings": sum(by_sev.values()),
            "by_severity": by_sev,
            "exit_code": ctx.exit_code,
        },
    }
    # one finding per line: readable, diffable, and written by json's C encoder (an indented
    # dump of thousands of findings goes through its pure-Python one, ten times slower)
    placeholder = "\x00findings\x00"
    doc["findings"] = placeholder
    head, tail = json.dumps(doc, indent=2, ensure_ascii=False).split(json.dumps(placeholder), 1)
    if not items:
        return head + "[]" + tail + "\n"
    lines = ",\n".join("    " + json.dumps(item, ensure_ascii=False) for item in items)
    return head + "[\n" + lines + "\n  ]" + tail + "\n"
