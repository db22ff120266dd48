"""Rule documentation, rendered from the registry: ``rules/LLxxx.md``, ``lambdalint rule``,
SARIF help. ``python -m lambdalint.docs`` rewrites ``rules/`` (a test fails when it is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

from lambdalint.registry import Example, all_rules

RULES_URL = "https://github.com/lambdalint/lambdalint/tree/main/rules"
DOCS_DIR = Path(__file__).resolve().parent.parent / "rules"


def _lang(name: str) -> str:
    if name.endswith(".py"):
        return "python"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".tf"):
        return "hcl"
    return ""


def _examples(title: str, examples: tuple[Example, ...]) -> list[str]:
    if not examples:
        return []
    out = [f"## {title}", ""]
    for ex in examples:
        if ex.note:
            out += [f"*{ex.note}*", ""]
        for name, text in ex.files.items():
            if len(ex.files) > 1 or not name.endswith(".py"):
                out.append(f"`{name}`:")
            out += [f"```{_lang(name)}", text.rstrip("\n"), "```", ""]
    return out


def render_markdown(rule_id: str) -> str:
    meta = all_rules()[rule_id].meta()
    lines = [
        f"# {meta.id} {meta.name}",
        "",
        f"{meta.summary}",
        "",
        "| | |",
        "| --- | --- |",
        f"| Family | {meta.family} |",
        f"| Default severity | {meta.severity} |",
        f"| Enabled by default | {'yes' if meta.default_enabled else 'no (select it to enable)'} |",
        f"| Precision | {meta.precision} |",
        f"| Autofix | {'yes (`--fix`)' if meta.fixable else 'no'} |",
    ]
    if meta.tags:
        lines.append(f"| Tags | {', '.join(meta.tags)} |")
    lines.append("")
    if meta.doc:
        lines += [meta.doc, ""]
    if meta.options:
        lines += ["## Options", "", f"Set in `[tool.lambdalint.{meta.id}]`:", "", "| option | default |", "| --- | --- |"]
        for k, v in meta.options.items():
            shown = str(v).lower() if isinstance(v, bool) else repr(v) if isinstance(v, str) else str(v)
            lines.append(f"| `{k}` | `{shown}` |")
        lines.append("")
    lines += _examples("Reported", meta.invalid)
    lines += _examples("Not reported", meta.valid)
    if meta.references:
        lines += ["## References", ""] + [f"- <{ref}>" for ref in meta.references] + [""]
    lines += [
        "## Suppressing",
        "",
        f"`# lambdalint: ignore[{meta.id}]` on the reported line (or the line above), "
        f"`ignore = [\"{meta.id}\"]` in `[tool.lambdalint]`, or for a CloudFormation resource "
        f"`Metadata: {{lambdalint: {{ignore: [{meta.id}]}}}}`.",
        "",
    ]
    return "\n".join(lines)


def render_index() -> str:
    lines = [
        "# lambdalint rules",
        "",
        "Generated from the rule registry (`python -m lambdalint.docs`); do not edit by hand.",
        "",
        "| id | name | family | severity | summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rid, cls in all_rules().items():
        lines.append(f"| [{rid}]({rid}.md) | {cls.name} | {cls.family} | {cls.severity} | {cls.summary} |")
    return "\n".join(lines) + "\n"


def expected_files() -> dict[str, str]:
    files = {f"{rid}.md": render_markdown(rid) for rid in all_rules()}
    files["README.md"] = render_index()
    return files


def write(folder: Path = DOCS_DIR) -> list[str]:
    folder.mkdir(exist_ok=True)
    changed = []
    expected = expected_files()
    for name, text in expected.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
    for stale in folder.glob("LL*.md"):
        if stale.name not in expected:
            stale.unlink()
            changed.append(stale.name)
    return changed


if __name__ == "__main__":
    changed = write()
    print("\n".join(changed) if changed else "rules/ is up to date", file=sys.stderr)
