"""One Python file, parsed once with libcst and shared by every code rule.

Deliberately light: no libcst scope or qualified-name metadata (it costs many times the parse).
Imports and aliases are resolved by a small pass of our own, and positions are computed
lazily, only for files where a rule reports something.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

MAX_BYTES = 1024 * 1024  # larger .py files are generated code: skipped with a note
MAX_NESTING = 100  # bracket depth libcst's native parser handles safely
MAX_CHAIN = 1000  # operators in one logical line (left-nested trees: libcst is quadratic)

_BRACKETS = re.compile(r"[()\[\]{}\n]")
_OPERATORS = re.compile(r"[-+*/%&|^@]|\band\b|\bor\b")


class ParseFailure(Exception):
    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


class TooLarge(Exception):
    """A file skipped because it is generated-size."""


def decode_source(data: bytes) -> tuple[str, str]:
    """Text and encoding per PEP 263 (UTF-8 unless a coding cookie says otherwise; BOM allowed)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "encoding declaration" in str(exc) and b"coding" not in data[:200]:
            encoding = "utf-8"  # non-UTF-8 bytes in the first two lines: reported below
        else:
            raise ParseFailure(f"invalid coding declaration: {exc.msg}", exc.lineno or 1) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = " and has no coding declaration (PEP 263)" if encoding in ("utf-8", "utf-8-sig") else ""
        raise ParseFailure(f"file is not valid {encoding}{hint}: byte 0x{data[exc.start]:02x}", line, col) from None
    except LookupError:
        raise ParseFailure(f"unknown encoding {encoding!r} in coding declaration") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def check_complexity(text: str) -> None:
    """Refuse input that would crash or stall libcst's native parser (deep nesting).

    A cheap scan of brackets and operators flags suspicious files; brackets inside strings
    and comments can fool it, so a flagged file is confirmed with CPython's own parser (C
    speed): it refuses more than 200 nested brackets itself, and a long operator chain is
    then measured on physical lines only."""
    try:
        _scan_complexity(text)
    except ParseFailure as suspicion:
        try:
            ast.parse(text)
        except SyntaxError as err:
            if "too many nested parentheses" in str(err.msg) or "too complex" in str(err.msg):
                raise ParseFailure(f"brackets nested too deep to parse ({err.msg}): not analysed", err.lineno or 1) from None
            raise suspicion from None  # invalid for this Python (or newer syntax): trust the scan
        except (RecursionError, MemoryError, ValueError):
            raise suspicion from None
        if "operators" in suspicion.message:
            for number, physical in enumerate(text.splitlines(), start=1):
                if len(physical) > 4000:
                    _check_chain(physical, number)


def _scan_complexity(text: str) -> None:
    depth = 0
    line = 1
    logical_start = 0
    for m in _BRACKETS.finditer(text):
        ch = m.group()
        if ch == "\n":
            line += 1
            if depth == 0:
                if m.start() - logical_start > 4000:
                    _check_chain(text[logical_start : m.start()], line - 1)
                logical_start = m.end()
        elif ch in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ParseFailure(f"brackets nested more than {MAX_NESTING} deep: not analysed", line)
        elif depth > 0:
            depth -= 1
    if len(text) - logical_start > 4000:
        _check_chain(text[logical_start:], line)


def _check_chain(chunk: str, line: int) -> None:
    if len(_OPERATORS.findall(chunk)) > MAX_CHAIN:
        raise ParseFailure(f"expression with more than {MAX_CHAIN} operators: not analysed", line)


def parse_source(data: bytes, compiled: bool = False, skeleton: str | None = None) -> tuple[cst.Module, str, str]:
    """libcst's tree, the text and its encoding. ``compiled``: the caller has checked that
    the file is within the limits below and that CPython's own parser accepts it (it parsed
    it with ``ast``); then the nesting check is not repeated, and the nodes libcst builds are
    not validated one by one (see :func:`_parse_compiled`). ``skeleton`` (with ``compiled``):
    the tree is that text's, a skeleton of the file (see lambdalint.code.partial)."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"{len(data) // 1024} KiB")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise ParseFailure("file contains null bytes (binary, not Python source)", line)
    text, encoding = decode_source(data)
    if not compiled:
        check_complexity(text)
    try:
        module = _parse_compiled(skeleton or text) if compiled else cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise _syntax_error(text, exc) from None
    except RecursionError:
        raise ParseFailure("too deeply nested to parse") from None
    except (ValueError, SyntaxError) as exc:
        raise ParseFailure(f"could not be parsed: {exc}") from None
    return module, text, encoding


def _skip_validation(self: cst.CSTNode) -> None:
    pass


def _parse_compiled(text: str) -> cst.Module:
    """``cst.parse_module`` without the validation every node runs when it is built
    (``CSTNode.__post_init__``), about a seventh of the parse (libcst's own comment there
    suggests moving it out of parsing). It guards trees built by hand; the parser's tree of
    source that CPython accepts passes it by construction. lambdalint parses in one thread,
    and the check is back in place as soon as the parse returns."""
    base = cst.CSTNode
    validate = base.__dict__["__post_init__"]
    base.__post_init__ = _skip_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        base.__post_init__ = validate  # type: ignore[method-assign]


def _syntax_error(text: str, exc: cst.ParserSyntaxError) -> ParseFailure:
    """CPython's message and position when it agrees the file is invalid (they are clearer)."""
    try:
        ast.parse(text)
    except SyntaxError as err:
        return ParseFailure(f"syntax error: {err.msg}", err.lineno or 1, err.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        pass
    detail = getattr(exc, "message", "") or str(exc).split("\n", 1)[0]
    return ParseFailure(f"syntax error: {detail.strip()}", exc.raw_line, exc.raw_column + 1)


def quick_check(data: bytes) -> ParseFailure | None:
    """Validity of a file no rule needs to analyse: decode and compile to an AST (C speed);
    only when CPython rejects it is libcst asked (it knows newer syntax than this Python)."""
    try:
        if len(data) > MAX_BYTES:
            return None
        if b"\x00" in data:
            line = data.count(b"\n", 0, data.index(b"\x00")) + 1
            return ParseFailure("file contains null bytes (binary, not Python source)", line)
        text, _ = decode_source(data)
        try:
            ast.parse(text)
            return None
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            pass
        parse_source(data)
    except ParseFailure as failure:
        return failure
    return None


@dataclass
class PyModule:
    path: Path
    text: str
    module: cst.Module
    encoding: str = "utf-8"
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)  # top-level defs
    assignments: dict[str, cst.BaseExpression] = field(default_factory=dict)  # module-level name = value
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    _positions: dict[cst.CSTNode, CodeRange] | None = None
    _local_imports: dict[cst.FunctionDef, dict[str, str]] = field(default_factory=dict)
    _body_nodes: dict[cst.FunctionDef, list[cst.CSTNode]] = field(default_factory=dict)

    @classmethod
    def parse(cls, path: Path, data: bytes, compiled: bool = False, skeleton: str | None = None) -> PyModule:
        """``compiled`` and ``skeleton``: see :func:`parse_source`. With a skeleton, ``module``
        holds what it keeps of the file (the same lines, some bodies blanked) and ``text``
        is still the whole file."""
        forget_walks()
        try:
            module, text, encoding = parse_source(data, compiled, skeleton)
        except ParseFailure:
            if skeleton is None:
                raise
            module, text, encoding = parse_source(data, compiled)  # never expected: the file decides
        index_module(module)
        self = cls(path=path, text=text, module=module, encoding=encoding)
        self._index(module)
        return self

    # ------------------------------------------------------------------ indexing

    def _index(self, body: object) -> None:
        """Module-level imports, defs and assignments, looking inside if/try/with blocks."""
        for stmt in _statements(body):
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.ClassDef):
                self.classes[stmt.name.value] = stmt
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        self.imports.update(import_bindings(small))
                    elif isinstance(small, cst.Assign):
                        for target in small.targets:
                            if isinstance(target.target, cst.Name):
                                self.assignments[target.target.value] = small.value
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        if isinstance(small.target, cst.Name):
                            self.assignments[small.target.value] = small.value
            elif isinstance(stmt, (cst.If, cst.Try, cst.With, cst.TryStar)):
                self._index(stmt)

    def local_imports(self, fn: cst.FunctionDef) -> dict[str, str]:
        """Imports written inside a function body (``def h(): import boto3``)."""
        if fn not in self._local_imports:
            found: dict[str, str] = {}
            for node in walk_code(fn.body):
                if isinstance(node, (cst.Import, cst.ImportFrom)):
                    found.update(import_bindings(node))
            self._local_imports[fn] = found
        return self._local_imports[fn]

    def body_nodes(self, fn: cst.FunctionDef) -> list[cst.CSTNode]:
        """``walk_code(fn.body, skip_nested=True)`` as a list, computed once per function and
        shared by every rule that looks at it."""
        nodes = self._body_nodes.get(fn)
        if nodes is None:
            nodes = self._body_nodes[fn] = list(walk_code(fn.body, skip_nested=True))
        return nodes

    # ------------------------------------------------------------------ names

    def qualname(self, expr: cst.BaseExpression, scope: cst.FunctionDef | None = None) -> str | None:
        """Dotted name of ``expr`` with its base resolved through imports.

        ``b.client`` after ``import boto3 as b`` -> ``boto3.client``; a name that is not imported
        stays as written (``logger.info``); anything that is not a name chain -> None.
        """
        parts: list[str] = []
        node = expr
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return None
        base = node.value
        if scope is not None:
            base = self.local_imports(scope).get(base, self.imports.get(base, base))
        else:
            base = self.imports.get(base, base)
        return ".".join([base, *reversed(parts)])

    def call_name(self, call: cst.Call, scope: cst.FunctionDef | None = None) -> str | None:
        return self.qualname(call.func, scope)

    # ------------------------------------------------------------------ positions

    def position(self, node: cst.CSTNode) -> CodeRange:
        """Position of a node, computed only for nodes a rule reports.

        Fast path: the node's code is found in the text of the file, or of the top-level
        ``def``/``class`` that holds it (located by its unique ``def name`` line), exactly as
        many times as the pre-order walk meets nodes of that type with that code, so the n-th
        such node is the n-th occurrence. Otherwise libcst's PositionProvider resolves the
        whole file once (about as costly as a second parse)."""
        if self._positions is None or isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            found = self._find(node)
            if found is not None:
                return found
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        found = self._positions[node]
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            # a def or class is reported at its `def name` / `class name`, not its whole body
            line = self.text.split("\n")[found.start.line - 1]
            m = re.compile(rf"(?:async\s+)?(def|class)\s+{re.escape(node.name.value)}\b").match(line, found.start.column)
            if m is not None:
                return CodeRange(CodePosition(found.start.line, m.start(1)), CodePosition(found.start.line, m.end()))
        return found

    def _find(self, node: cst.CSTNode) -> CodeRange | None:
        text = self.text
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            return None  # old Mac line endings: let libcst count lines
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            start = self._def_offset(node, text)
            if start is None:
                return None
            keyword = "def" if isinstance(node, cst.FunctionDef) else "class"
            end = start + len(keyword) + 1 + len(node.name.value)
            return CodeRange(_code_position(text, start), _code_position(text, end))
        snippet = self._code(node)
        if snippet is None:
            return None
        # a node spanning lines is looked for by its first line: libcst writes the later lines
        # of a node inside an indented block without that block's indentation
        key = snippet.partition("\n")[0]
        start = text.find(key)
        if start < 0:
            return None
        if text.find(key, start + 1) >= 0:
            located = self._find_within_top_level(node, key)
            if located is None:
                return None
            start = located
        if isinstance(node, cst.BaseCompoundStatement) and text[text.rfind("\n", 0, start) + 1 : start].strip():
            return None  # not at the start of its line: an `elif` (whose code libcst writes as `if`)
        if key == snippet:
            return CodeRange(_code_position(text, start), _code_position(text, start + len(snippet)))
        return self._multiline_range(start, snippet)

    def _multiline_range(self, start: int, snippet: str) -> CodeRange | None:
        """Range of a multi-line node whose first line starts at ``start``: its later lines must
        be the file's next lines, up to indentation."""
        text = self.text
        first = _code_position(text, start)
        lines = snippet.split("\n")
        file_lines = text.split("\n")
        last_index = first.line - 1 + len(lines) - 1
        if last_index >= len(file_lines):
            return None
        for k in range(1, len(lines) - 1):
            if file_lines[first.line - 1 + k].strip() != lines[k].strip():
                return None
        last = lines[-1].lstrip()
        line = file_lines[last_index]
        body = line.lstrip()
        if not body.startswith(last):
            return None
        return CodeRange(first, CodePosition(last_index + 1, len(line) - len(body) + len(last)))

    def _code(self, node: cst.CSTNode) -> str | None:
        """The code of ``node`` as its position spans it: without the blank lines and comments
        above a statement and the line break after it; None when that cannot be told."""
        if getattr(node, "lpar", None):
            return None  # its code includes the parentheses, its position does not
        if isinstance(getattr(node, "semicolon", None), cst.Semicolon) or isinstance(getattr(node, "comma", None), cst.Comma):
            return None  # likewise a statement's `;` and an element's `,`
        try:
            if getattr(node, "leading_lines", None):
                node = node.with_changes(leading_lines=())
            snippet = self.module.code_for_node(node)
        except Exception:
            return None
        snippet = snippet.rstrip()
        if not snippet or snippet != snippet.lstrip() or "#" in snippet[snippet.rfind("\n") + 1 :]:
            return None  # (a comment after the node's last line is in its code, not its position)
        return snippet

    @staticmethod
    def _def_offset(node: cst.FunctionDef | cst.ClassDef, text: str) -> int | None:
        """Offset of the ``def``/``class`` keyword of ``node`` when its line is unique in ``text``."""
        keyword = "def" if isinstance(node, cst.FunctionDef) else "class"
        pattern = rf"(?m)^[ \t]*(?:async[ \t]+)?({keyword})[ \t]+{re.escape(node.name.value)}\b"
        hits = [m.start(1) for m in re.finditer(pattern, text)]
        return hits[0] if len(hits) == 1 else None

    def _find_within_top_level(self, node: cst.CSTNode, snippet: str) -> int | None:
        """Offset of ``node``, whose code (its first line: ``snippet``) occurs several times in
        the file, inside the top-level function or class that holds it; None when that cannot
        be told for sure."""
        index = _INDEX
        if index is None:
            return None
        i = index.start.get(id(node))
        if i is None or index.order[i] is not node:
            return None
        top = next(
            (s for s in self.module.body if (j := index.start.get(id(s))) is not None and j <= i < index.ends[j]),
            None,
        )
        if not isinstance(top, (cst.FunctionDef, cst.ClassDef)):
            return None
        def_at = self._def_offset(top, self.text)
        top_code = self.module.code_for_node(top)
        own = self._def_offset(top, top_code)
        if def_at is None or own is None:
            return None
        base = def_at - own
        if self.text[base : base + len(top_code)] != top_code:
            return None
        occurrences = []
        at = top_code.find(snippet)
        while at >= 0:
            occurrences.append(at)
            at = top_code.find(snippet, at + 1)
        same = [n for n in _source_walk(top) if type(n) is type(node) and (self._code(n) or "").partition("\n")[0] == snippet]
        if len(same) != len(occurrences) or not any(n is node for n in same):
            return None  # the text also shows it elsewhere (a string, a comment): not sure
        return base + occurrences[next(k for k, n in enumerate(same) if n is node)]


# fields in the order their code appears in the source, where libcst declares them otherwise
_SOURCE_FIELDS: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Arg: ("keyword", "value"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}


def _source_walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The syntax nodes below ``root`` in the order their code appears in the source."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        cur = stack.pop()
        if cur is not root:
            yield cur
        kids: list[cst.CSTNode] = []
        for name in _SOURCE_FIELDS.get(type(cur)) or _code_fields(type(cur)):
            value = getattr(cur, name, None)
            if isinstance(value, cst.CSTNode):
                kids.append(value)
            elif isinstance(value, (list, tuple)):
                kids.extend(v for v in value if isinstance(v, cst.CSTNode))
        kids.reverse()
        stack.extend(kids)


def _code_position(text: str, offset: int) -> CodePosition:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return CodePosition(line, col)


def import_bindings(node: cst.Import | cst.ImportFrom) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = _dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                out[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                out[top] = top
        return out
    if node.relative or node.module is None:
        return out  # relative imports point into the project itself
    mod = _dotted(node.module)
    if mod is None or isinstance(node.names, cst.ImportStar):
        return out
    for alias in node.names:
        name = _dotted(alias.name)
        if name is None:
            continue
        local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
        out[local] = f"{mod}.{name}"
    return out


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _statements(body: object) -> Iterator[cst.CSTNode]:
    """Statements of a module or compound statement, flattening if/else, try/except/finally."""
    if isinstance(body, cst.Module):
        yield from body.body
        return
    if isinstance(body, (cst.If,)):
        yield from _block(body.body)
        if body.orelse is not None:
            if isinstance(body.orelse, cst.If):
                yield from _statements(body.orelse)
            else:
                yield from _block(body.orelse.body)
        return
    if isinstance(body, (cst.Try, cst.TryStar)):
        yield from _block(body.body)
        for h in body.handlers:
            yield from _block(h.body)
        if body.orelse is not None:
            yield from _block(body.orelse.body)
        if body.finalbody is not None:
            yield from _block(body.finalbody.body)
        return
    if isinstance(body, cst.With):
        yield from _block(body.body)


def _block(block: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    if isinstance(block, cst.IndentedBlock):
        yield from block.body
    elif isinstance(block, cst.SimpleStatementSuite):
        yield cst.SimpleStatementLine(body=block.body)


def walk(node: cst.CSTNode | object, skip_nested: bool = False) -> Iterator[cst.CSTNode]:
    """Every node below ``node`` (iterative, pre-order). With ``skip_nested``, does not enter
    nested function/class/lambda bodies, which do not run when the enclosing code runs."""
    if isinstance(node, cst.CSTNode):
        yield from walk_code(node, skip_nested)


# fields holding only whitespace, comments and punctuation: never looked at by rules
_LAYOUT_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header", "footer",
        "newline", "trailing_whitespace", "colon", "equal", "dot", "lbracket", "rbracket", "lbrace", "rbrace",
        "asynchronous", "whitespace", "indent", "relative", "first_colon", "second_colon", "separator",
        "leading_whitespace",
    }
)
_CODE_FIELDS: dict[type, tuple[str, ...]] = {}


def _code_fields(tp: type) -> tuple[str, ...]:
    fields = _CODE_FIELDS.get(tp)
    if fields is None:
        import dataclasses

        fields = tuple(
            f.name
            for f in dataclasses.fields(tp)
            if f.name not in _LAYOUT_FIELDS and not f.name.startswith("whitespace")
        )
        _CODE_FIELDS[tp] = fields
    return fields


def walk_code(node: cst.CSTNode, skip_nested: bool = False) -> Iterator[cst.CSTNode]:
    """Like :func:`walk` (pre-order, ``node`` itself excluded, same ``skip_nested``), but only
    the syntax nodes: whitespace, comments and punctuation (parentheses, commas, colons...)
    are not visited. About ten times faster than ``walk``, which goes through libcst's
    ``children`` property.

    Rules and the dataflow helper walk the same functions and statements again and again, so
    the module being analysed is walked once, in pre-order, into one list
    (:class:`PreOrder`): the nodes below any node of it are then a slice of that list, and
    skipping nested scopes only cuts their intervals out. Nodes that are not part of the
    module (built by a rule) are walked directly."""
    index = _INDEX
    if index is not None:
        found = index.below(node, skip_nested)
        if found is not None:
            return iter(found)
    key = (id(node), skip_nested)
    hit = _OTHER_WALKS.get(key)
    if hit is not None and hit[0] is node:
        return iter(hit[1])
    out = _walk_list(node, skip_nested)
    if len(_OTHER_WALKS) > 4096:
        _OTHER_WALKS.clear()
    _OTHER_WALKS[key] = (node, out)
    return iter(out)


class PreOrder:
    """Every syntax node of one module in pre-order, with the interval each node spans."""

    def __init__(self, root: cst.CSTNode) -> None:
        order: list[cst.CSTNode] = []
        ends: list[int] = []
        start: dict[int, int] = {}
        nested: list[int] = []  # positions of function, class and lambda nodes (sorted)
        type_info = _TYPE_INFO.get
        value_kind = _VALUE_KIND.get
        # a node to list, or (an int) the position of a node whose subtree is now all listed
        stack: list[Any] = [root]
        pop = stack.pop
        push = stack.append
        append = order.append
        while stack:
            cur = pop()
            if type(cur) is int:
                ends[cur] = len(order)
                continue
            info = type_info(type(cur)) or _type_info(type(cur))
            here = len(order)
            start[id(cur)] = here
            append(cur)
            ends.append(0)
            if info[1]:
                nested.append(here)
            push(here)
            kids: list[cst.CSTNode] = []
            for name in info[0]:
                value = getattr(cur, name)
                kind = value_kind(type(value))
                if kind is None:
                    kind = _value_kind(type(value))
                if kind == 1:
                    kids.append(value)
                elif kind == 2:
                    for v in value:
                        k = value_kind(type(v))
                        if k is None:
                            k = _value_kind(type(v))
                        if k == 1:
                            kids.append(v)
            kids.reverse()
            stack.extend(kids)
        self.order = order
        self.ends = ends
        self.start = start
        self.nested = nested

    def below(self, node: cst.CSTNode, skip_nested: bool) -> list[cst.CSTNode] | None:
        """The nodes below ``node`` (pre-order), or None when ``node`` is not in this module."""
        i = self.start.get(id(node))
        if i is None or self.order[i] is not node:
            return None
        end = self.ends[i]
        order = self.order
        if not skip_nested:
            return order[i + 1 : end]
        nested = self.nested
        k = bisect.bisect_right(nested, i)
        if k == len(nested) or nested[k] >= end:
            return order[i + 1 : end]
        out: list[cst.CSTNode] = []
        pos = i + 1
        while k < len(nested) and nested[k] < end:
            n = nested[k]
            if n >= pos:
                out.extend(order[pos : n + 1])  # the nested scope itself is listed, not its body
                pos = self.ends[n]
            k += 1
        out.extend(order[pos:end])
        return out


# the pre-order index of the module being analysed (one file at a time per process)
_INDEX: PreOrder | None = None
# walks of nodes outside it; the node is kept so that its id stays unique
_OTHER_WALKS: dict[tuple[int, bool], tuple[cst.CSTNode, list[cst.CSTNode]]] = {}


def forget_walks() -> None:
    """Drop the index of the previous module (a new file is being analysed)."""
    global _INDEX
    _INDEX = None
    _OTHER_WALKS.clear()


def index_module(module: cst.Module) -> None:
    global _INDEX
    _INDEX = PreOrder(module)


# per node type: its code fields, and whether it is a nested scope (function, class, lambda).
# ``isinstance`` against libcst's (abstract) node classes is slow; a type lookup is not.
_TYPE_INFO: dict[type, tuple[tuple[str, ...], bool]] = {}
# per field value type: 1 a node, 2 a list/tuple (of nodes or not), 0 anything else
_VALUE_KIND: dict[type, int] = {}
_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _type_info(tp: type) -> tuple[tuple[str, ...], bool]:
    info = _TYPE_INFO.get(tp)
    if info is None:
        info = _TYPE_INFO[tp] = (_code_fields(tp), issubclass(tp, _NESTED))
    return info


def _value_kind(tp: type) -> int:
    kind = _VALUE_KIND.get(tp)
    if kind is None:
        kind = _VALUE_KIND[tp] = 1 if issubclass(tp, cst.CSTNode) else 2 if issubclass(tp, (list, tuple)) else 0
    return kind


def _walk_list(node: cst.CSTNode, skip_nested: bool) -> list[cst.CSTNode]:
    """The walk of a node that is not in the module's index (one a rule built)."""
    found = PreOrder(node).below(node, skip_nested)
    assert found is not None
    return found
