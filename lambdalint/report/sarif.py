"""SARIF 2.1.0 for GitHub code scanning and editors (see CONVENTIONS.md)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lambdalint import __version__
from lambdalint.docs import RULES_URL, render_markdown
from lambdalint.model import Finding, Fix, Severity
from lambdalint.registry import all_rules
from lambdalint.report import ReportContext, repo_root

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub reads these for security alerts: CVSS-like scores as strings
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
PRECISION = {"very-high": "very-high", "high": "high", "medium": "medium", "low": "low"}


def _uri(path: Path, root: Path) -> tuple[str, str | None]:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return path.as_uri(), None
    return quote(rel, safe="/"), "%SRCROOT%"


def _location(path: Path, line: int, col: int, end_line: int | None, end_col: int | None, root: Path) -> dict[str, Any]:
    uri, base = _uri(path, root)
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    region: dict[str, Any] = {"startLine": line, "startColumn": col}
    if end_line and end_col and (end_line, end_col) >= (line, col):
        region["endLine"] = end_line
        region["endColumn"] = end_col
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _fix(fix: Fix, root: Path) -> dict[str, Any] | None:
    a, b = fix.original, fix.replacement
    a_lines = a.splitlines(keepends=True)
    b_lines = b.splitlines(keepends=True)
    offsets = [0]
    for line in a_lines:
        offsets.append(offsets[-1] + len(line))
    replacements = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        rep: dict[str, Any] = {"deletedRegion": {"charOffset": offsets[i1], "charLength": offsets[i2] - offsets[i1]}}
        inserted = "".join(b_lines[j1:j2])
        if inserted:
            rep["insertedContent"] = {"text": inserted}
        replacements.append(rep)
    if not replacements:
        return None
    uri, base = _uri(fix.path, root)
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
    }


def rule_descriptor(rid: str) -> dict[str, Any]:
    cls = all_rules()[rid]
    meta = cls.meta()
    tags = list(dict.fromkeys([meta.family, *meta.tags]))
    props: dict[str, Any] = {"tags": tags, "precision": PRECISION[meta.precision]}
    if meta.security_severity is not None:
        props["security-severity"] = f"{meta.security_severity:.1f}"
        if "security" not in props["tags"]:
            props["tags"].append("security")
    first_para = meta.doc.split("\n## ", 2)[1].split("\n", 1)[1].strip() if "\n## " in "\n" + meta.doc else meta.summary
    return {
        "id": rid,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": " ".join(first_para.split())},
        "help": {"text": meta.summary, "markdown": render_markdown(rid)},
        "helpUri": f"{RULES_URL}/{rid}.md",
        "defaultConfiguration": {"level": LEVEL[meta.severity]},
        "properties": props,
    }


def render_sarif(ctx: ReportContext) -> str:
    r = ctx.result
    root = repo_root(r.root)
    rule_ids = sorted(r.enabled | {f.rule_id for f in r.findings})
    index = {rid: i for i, rid in enumerate(rule_ids)}
    results = []
    for f in ctx.findings():
        results.append(_result(ctx, f, index, root))
    notifications = []
    for f in r.parse_failures:
        notifications.append(
            {
                "level": "error",
                "message": {"text": f"{f.rule_id}: {f.message}"},
                "locations": [_location(f.location.path, f.location.line, f.location.col, None, None, root)],
                "descriptor": {"id": f.rule_id},
            }
        )
    for err in r.errors:
        notifications.append({"level": "error", "message": {"text": err.splitlines()[0]}})
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lambdalint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": RULES_URL.rsplit("/tree/", 1)[0],
                        "rules": [rule_descriptor(rid) for rid in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not r.errors,
                        "exitCode": ctx.exit_code,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _result(ctx: ReportContext, f: Finding, index: dict[str, int], root: Path) -> dict[str, Any]:
    loc = f.location
    res: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [_location(loc.path, loc.line, loc.col, loc.end_line, loc.end_col, root)],
        "partialFingerprints": {"lambdalint/v1": ctx.fingerprint(f)},
    }
    if f.logical:
        res["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": f.logical}]
    if f.related:
        res["relatedLocations"] = [
            {"id": i, **_location(rl.path, rl.line, rl.col, None, None, root), "message": {"text": note}}
            for i, (rl, note) in enumerate(f.related, start=1)
        ]
    if f.fix is not None:
        fix = _fix(f.fix, root)
        if fix is not None:
            res["fixes"] = [fix]
    if f.suppressed:
        res["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
    return res
