"""Skeletons: a module's text with the code no rule will read left out, to parse less with libcst.

libcst's parse is the largest cost of a cold run, and it grows with the size of the file. In a
handler module, a good part of that size is often code the remaining rules will not read:
helpers for other entry points, classes used by tests or scripts. When every rule left for a
file (after the screens) reads only its handlers or what they can reach (``CodeRule.reads``)
or says which nodes it needs (``CodeRule.needs``), the file is parsed from its
skeleton instead: the same text, except that the body of each top-level function or class
nothing keeps is one ``pass`` followed by empty lines.

What is kept: all module-level code (including decorators, signatures, default values and
base classes of every definition); each definition holding a node some rule needs (the
handlers, for a rule that reads "handlers"); and, when a rule reads "reach", the handlers and,
at any depth, each top-level function whose name any kept code mentions (a call, and also a
callback, a decorator argument: more than the rules follow). No rule that reads "reach"
enters a class body. Every line keeps its number and every kept line its text, so positions
in the skeleton are positions in the file; rules still get the whole file as ``mod.text``.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Iterable

from lambdalint.code.sketch import _LINE, Sketch, statements

_TOP = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
_INDENT = " \t\f"


def skeleton(sketch: Sketch, handlers: Iterable[str] | None, needed: Iterable[int] = ()) -> str | None:
    """The module's text with the bodies of top-level functions and classes blanked out line
    for line, but for those that hold a ``needed`` line and, unless ``handlers`` is None, the
    handlers and the functions kept code mentions; None when nothing is blanked."""
    lines: list[str] | None = None
    # top-level definitions (through if/try/with, as PyModule.functions finds them) whose body
    # starts on a line of its own, with the lines that body spans
    spans: list[tuple[int, int, Definition]] = []
    kept: list[Definition] = []
    for stmt in statements(sketch.tree.body):
        if not isinstance(stmt, _TOP):
            continue
        body = stmt.body[0]
        # a decorated def or class starts at its first decorator (its own line is the `def`'s)
        first = body.decorator_list[0].lineno if isinstance(body, _TOP) and body.decorator_list else body.lineno
        if lines is None:
            lines = _LINE.findall(sketch.text)
        line = lines[first - 1] if first <= len(lines) else ""
        indent = line[: len(line) - len(line.lstrip(_INDENT))]
        if first > stmt.lineno and len(indent) == body.col_offset:
            spans.append((first, stmt.end_lineno or first, stmt))
        else:
            kept.append(stmt)  # `def f(): return 1`: nothing to gain, kept whole
    if not spans or lines is None:
        return None
    spans.sort(key=lambda s: s[0])
    starts = [first for first, _last, _stmt in spans]
    keep = [False] * len(spans)
    for at in needed:
        i = bisect_right(starts, at) - 1
        if i >= 0 and at <= spans[i][1]:
            keep[i] = True
    if handlers is not None:
        # the names each blankable body mentions, and those the rest of the module mentions
        inside: list[set[str]] = [set() for _ in spans]
        outside: set[str] = set()
        for name in sketch.nodes(ast.Name):
            i = bisect_right(starts, name.lineno) - 1
            if i >= 0 and name.lineno <= spans[i][1]:
                inside[i].add(name.id)
            else:
                outside.add(name.id)
        wanted = outside | set(handlers)
        for stmt in kept:  # their bodies are in `outside` already
            wanted.add(stmt.name)
        for i, needs in enumerate(keep):
            if needs:
                wanted |= inside[i]
        by_name: dict[str, list[int]] = {}
        for i, (_first, _last, stmt) in enumerate(spans):
            if not isinstance(stmt, ast.ClassDef):  # no rule that reads "reach" enters a class body
                by_name.setdefault(stmt.name, []).append(i)
        todo = list(wanted)
        while todo:
            for i in by_name.get(todo.pop(), ()):
                if not keep[i]:
                    keep[i] = True
                    todo.extend(inside[i] - wanted)
                    wanted |= inside[i]
    if all(keep):
        return None
    out = list(lines)
    for i, (first, last, _stmt) in enumerate(spans):
        if keep[i]:
            continue
        line = out[first - 1]
        code = line.lstrip(_INDENT)
        out[first - 1] = line[: len(line) - len(code)] + "pass" + _ending(line)
        for k in range(first, min(last, len(out))):
            out[k] = _ending(out[k])
    return "".join(out)


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""
