"""Human-readable output: ``path:line:col: LL101 [warning] message``."""

from __future__ import annotations

from collections import Counter

from lambdalint.model import Severity
from lambdalint.report import ReportContext

COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def render_text(ctx: ReportContext) -> str:
    r = ctx.result
    findings = ctx.findings()
    out: list[str] = []

    def c(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if ctx.color else text

    for f in findings:
        loc = f.location
        label = f"[{f.severity}]"
        suffix = " (suppressed)" if f.suppressed else ""
        out.append(
            f"{c(BOLD, ctx.display_path(loc.path))}:{loc.line}:{loc.col}: "
            f"{c(COLORS[f.severity], f.rule_id)} {c(COLORS[f.severity], label)} {f.message}{suffix}"
        )
        for rel_loc, note in f.related:
            out.append(f"    {c(DIM, 'see')} {ctx.display_path(rel_loc.path)}:{rel_loc.line}:{rel_loc.col}: {note}")
        if ctx.show_source:
            line = ctx.source_line(loc.path, loc.line)
            if line:
                gutter = f"{loc.line:>5} | "
                out.append(c(DIM, gutter) + line.replace("\t", " "))
                width = max(1, (loc.end_col - loc.col) if loc.end_line == loc.line and loc.end_col else 1)
                out.append(" " * len(gutter) + " " * (loc.col - 1) + c(COLORS[f.severity], "^" * min(width, max(1, len(line) - loc.col + 1))))
    if ctx.statistics and findings:
        if out:
            out.append("")
        counts = Counter(f.rule_id for f in findings)
        for rid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            name = ctx.rule_name(rid)
            out.append(f"{n:>6}  {rid}  {name}")
    if ctx.quiet:
        return "".join(line + "\n" for line in out)
    sev = Counter(f.severity for f in findings)
    fixable = sum(1 for f in findings if f.fixable or f.fix is not None)
    if out:
        out.append("")
    if findings:
        parts = [f"{sev[s]} {s!s}{'' if sev[s] == 1 or s == Severity.INFO else 's'}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if sev[s]]
        tail = f"; {fixable} fixable with --fix" if fixable else ""
        out.append(
            f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) "
            f"in {r.files} file{'s' if r.files != 1 else ''}{tail}."
        )
    else:
        out.append(
            f"All checks passed: {r.files} file{'s' if r.files != 1 else ''}, "
            f"{len(r.project.functions)} function{'s' if len(r.project.functions) != 1 else ''}, "
            f"{r.handlers} handler{'s' if r.handlers != 1 else ''}."
        )
    return "\n".join(out) + "\n"
