"""Terraform folders into the project model.

Every ``.tf`` file of a folder belongs to one Terraform module, so a folder is loaded as a
whole: references between resources, ``locals`` and ``variable`` defaults resolve across its
files, and each function is reported in the file that defines it.

Parsing uses python-hcl2's lark grammar and parser (``hcl2.api.parses_to_tree``), whose raw
parse tree keeps every token with its line and column. python-hcl2's own dict output turns
every expression back into a string (``"${var.x}"``, ``jsonencode({...})``) and drops
positions, so lambdalint evaluates the raw tree itself; hcl2 is imported only when a ``.tf``
file exists. The parser is python-hcl2's without lark's position propagation (see ``_parser``):
a node's position is its first token's, found only for the nodes that are located.

Evaluation is static and conservative. Resolved: literals, string templates, heredocs,
``locals``, ``variable`` defaults (and ``terraform.tfvars`` / ``*.auto.tfvars``) in a root
module, arguments written on resources and data sources of the folder
(``aws_lambda_function.api.function_name``), and pure functions (``jsonencode``, ``merge``,
``concat``, ``format``, ``lookup``, ``try``, ``coalesce``...). Everything else — computed
attributes (``.arn``), module outputs, ``for`` expressions, splats, template directives,
``file()`` — is UNKNOWN, but keeps the references it mentions, so ``aws_sqs_queue.jobs.arn``
still links an event source mapping to that queue.

Root or child module: a reusable module's variables are inputs its callers set, so their
defaults are not what gets deployed. A folder counts as a root module (defaults apply) when it
has a ``provider`` block, a backend/cloud block, a ``.terraform.lock.hcl`` or a tfvars file,
or declares no variables; in any other folder ``var.x`` is UNKNOWN.

Modules: only ``terraform-aws-modules/lambda/aws`` is understood (from the registry, git, or a
local copy of it); its inputs map onto one function with the defaults of the module's
``variables.tf``. Other modules are not followed.

Lines: a function is located at its ``resource``/``module`` header; a value at the attribute
that sets it, or where it is written when it comes from a local or a variable default; list
items (IAM actions, layers) and map keys (environment variables) at their own line.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalint.loaders.common import decode_text, parse_error
from lambdalint.model import (
    UNKNOWN,
    EnvVar,
    EventSource,
    Function,
    FunctionUrl,
    Layer,
    Location,
    Permission,
    Project,
    Queue,
    Role,
    Statement,
    TemplateFile,
    Unknown,
    Val,
)

MAX_BYTES = 4 * 1024 * 1024  # larger .tf files are generated: skipped with a note
MAX_DEPTH = 120  # expression nesting the evaluator follows before giving up (UNKNOWN)
ERROR = "<error>"  # V.func of an expression known to fail (a missing key): try() moves on
FORMAT = "terraform"

LAMBDA_MODULE_REGISTRY = re.compile(
    r"^(?:registry\.terraform\.io/)?terraform-aws-modules/lambda/aws$", re.IGNORECASE
)
LAMBDA_MODULE_REPO = re.compile(r"(?:^|[/:])terraform-aws-modules/terraform-aws-lambda(?:\.git)?$", re.IGNORECASE)

# event_source_arn reference type -> event kind
SOURCE_TYPE_KINDS = {
    "aws_sqs_queue": "sqs",
    "aws_kinesis_stream": "kinesis",
    "aws_dynamodb_table": "dynamodb",
    "aws_msk_cluster": "kafka",
    "aws_msk_serverless_cluster": "kafka",
    "aws_mq_broker": "mq",
    "aws_docdb_cluster": "other",
}
ARN_SERVICE_KINDS = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb", "kafka": "kafka", "mq": "mq"}
# aws_lambda_permission principal -> the event it lets in
PRINCIPAL_KINDS = {
    "s3.amazonaws.com": "s3",
    "sns.amazonaws.com": "sns",
    "events.amazonaws.com": "eventbridge",
    "logs.amazonaws.com": "cloudwatch_logs",
    "iot.amazonaws.com": "iot",
    "ses.amazonaws.com": "ses",
    "cognito-idp.amazonaws.com": "cognito",
    "alexa-appkit.amazon.com": "alexa",
    "alexa-connectedhome.amazon.com": "alexa",
    "elasticloadbalancing.amazonaws.com": "alb",
}
LOGS_PRINCIPAL = re.compile(r"^logs\.[a-z0-9-]+\.amazonaws\.com$")
# functions whose result depends on files or the clock: never resolved
FILE_FUNCTIONS = frozenset(
    {"file", "templatefile", "filebase64", "fileexists", "fileset", "filemd5", "filesha1", "filesha256",
     "filesha512", "filebase64sha256", "filebase64sha512", "timestamp", "uuid", "bcrypt", "plantimestamp"}
)
MODULE_FUNCTION_OUTPUT = re.compile(r"^lambda_function_")
MODULE_ROLE_OUTPUT = re.compile(r"^lambda_role_")
MODULE_LAYER_OUTPUT = re.compile(r"^lambda_layer_")
ROOT_MARKERS = (".terraform.lock.hcl", "terraform.tfvars", "terraform.tfvars.json")
MODULE_LOGS_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
XRAY_POLICY = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
ENI_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"


# =========================================================================== values


class V:
    """An evaluated expression: its value, where it is written, and what it references.

    ``value`` is a Python scalar (str/int/float/bool/None), ``list[V]``, ``dict[str, V]`` or
    UNKNOWN. ``refs`` lists the traversals it mentions (``aws_iam_role.r.arn``, ``var.x``),
    the directly referenced one first; indexes are dropped (``aws_x.y[0].arn`` ->
    ``aws_x.y.arn``). ``keys`` locates the keys of a map, ``encoded`` marks ``jsonencode(...)``,
    ``func`` the unresolvable function that produced an UNKNOWN (``file``), ``raw`` the text and
    first line of a heredoc, ``incomplete`` a map of which only some keys are known, ``text``
    a string template (a string even when its value is unknown).
    """

    __slots__ = ("col", "encoded", "func", "incomplete", "keys", "line", "path", "raw", "refs", "text", "value")

    def __init__(
        self,
        value: Any,
        path: Path,
        line: int,
        col: int,
        refs: tuple[str, ...] = (),
        *,
        keys: dict[str, Location] | None = None,
        encoded: bool = False,
        func: str | None = None,
        raw: tuple[str, int] | None = None,
        incomplete: bool = False,
        text: bool = False,
    ) -> None:
        self.value = value
        self.path = path
        self.line = line
        self.col = col
        self.refs = refs
        self.keys = keys
        self.encoded = encoded
        self.func = func
        self.raw = raw
        self.incomplete = incomplete
        self.text = text

    def loc(self) -> Location:
        return Location(self.path, self.line, self.col)

    def key_loc(self, key: str) -> Location:
        return (self.keys or {}).get(key) or self.loc()

    def copy(self, **changes: Any) -> V:
        out = V(self.value, self.path, self.line, self.col, self.refs, keys=self.keys, encoded=self.encoded,
                func=self.func, raw=self.raw, incomplete=self.incomplete, text=self.text)
        for k, v in changes.items():
            setattr(out, k, v)
        return out

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    def plain(self) -> Any:
        """The value as plain Python data, or UNKNOWN when any part of it is unknown."""
        v = self.value
        if isinstance(v, list):
            items = [i.plain() for i in v]
            return UNKNOWN if any(i is UNKNOWN for i in items) else items
        if isinstance(v, dict):
            if self.incomplete:
                return UNKNOWN
            out = {k: i.plain() for k, i in v.items()}
            return UNKNOWN if any(i is UNKNOWN for i in out.values()) else out
        return v

    def __repr__(self) -> str:
        return f"V({self.value!r}, {self.line}:{self.col}, refs={self.refs})"


def address(ref: str) -> str:
    """The resource address a traversal starts with: ``data.t.n``, ``module.m``, ``t.n``."""
    parts = ref.split(".")
    if parts[0] == "data":
        return ".".join(parts[:3])
    if parts[0] in ("module", "var", "local"):
        return ".".join(parts[:2])
    return ".".join(parts[:2])


def _to_str(v: V) -> str | Unknown:
    """A value as Terraform renders it inside a string template."""
    value = v.value
    if v.encoded:
        plain = v.plain()
        return UNKNOWN if plain is UNKNOWN else json.dumps(plain, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return UNKNOWN


def _str_or_none(v: V | None) -> str | Unknown | None:
    if v is None or v.value is None:
        return None
    return _to_str(v)


def _int_or_none(v: V | None) -> int | Unknown | None:
    if v is None or v.value is None:
        return None
    value = v.value
    if isinstance(value, bool):
        return UNKNOWN
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return UNKNOWN
    return UNKNOWN


def _bool_or_none(v: V | None) -> bool | Unknown | None:
    if v is None or v.value is None:
        return None
    if isinstance(v.value, bool):
        return v.value
    if isinstance(v.value, str) and v.value.strip().lower() in ("true", "false"):
        return v.value.strip().lower() == "true"
    return UNKNOWN


def _is_empty_collection(v: V) -> bool:
    return isinstance(v.value, (list, dict)) and not v.value and not v.incomplete


# =========================================================================== HCL structure


@dataclass(slots=True)
class Attr:
    name: str
    expr: Any  # lark Tree of the expression
    path: Path
    line: int
    col: int
    end_line: int

    def loc(self) -> Location:
        return Location(self.path, self.line, self.col)


@dataclass(slots=True)
class Body:
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    body: Body
    path: Path
    line: int
    col: int

    def loc(self) -> Location:
        return Location(self.path, self.line, self.col)


def _is_tree(node: Any) -> bool:
    return not isinstance(node, str) and hasattr(node, "data")


def _trees(node: Any) -> list[Any]:
    """Child trees of a node, without comments and newlines (``_is_tree``, inlined: this runs
    on every node the loader looks at)."""
    return [
        c
        for c in node.children
        if not isinstance(c, str) and getattr(c, "data", "new_line_or_comment") != "new_line_or_comment"
    ]


def _edge_token(node: Any, last: bool) -> Any:
    """The first (or last) token of a parse tree, or None when it holds none.

    The parser is built without lark's ``propagate_positions`` (which stores a start and end
    on every node as it is built, a good part of the parse time) and a node's position is
    found here instead, only for the few nodes that are located. It is the same position:
    every terminal of the grammar is named, so no token is filtered out of the tree, and lark
    places a node at the start of its first token and the end of its last one."""
    children = node.children
    for child in reversed(children) if last else children:
        if child is None:
            continue
        if isinstance(child, str):  # a lark Token
            return child
        found = _edge_token(child, last)
        if found is not None:
            return found
    return None


def _pos(node: Any, default: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    if isinstance(node, str):
        line, col = getattr(node, "line", None), getattr(node, "column", None)
    else:
        token = _edge_token(node, False) if hasattr(node, "children") else None
        line, col = getattr(token, "line", None), getattr(token, "column", None)
    if not isinstance(line, int) or line < 1:
        return default
    return line, col if isinstance(col, int) and col >= 1 else 1


def _end_line(node: Any, default: int) -> int:
    token = _edge_token(node, True) if hasattr(node, "children") else None
    end = getattr(token, "end_line", None)
    return end if isinstance(end, int) and end >= default else default


def _token_text(node: Any) -> str:
    """The text of an identifier/keyword/literal node (or a bare token)."""
    if isinstance(node, str):
        return str(node)
    for c in node.children:
        if isinstance(c, str):
            return str(c)
    return ""


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        s = m.group(1)
        if s in _SIMPLE:
            return _SIMPLE[s]
        if s[0] in "uU" and len(s) > 1:
            try:
                return chr(int(s[1:], 16))
            except ValueError:
                return m.group(0)
        return m.group(0)

    return _ESCAPES.sub(sub, text)


def _label(node: Any) -> str:
    """A block label: an identifier or a quoted string without interpolation."""
    if node.data == "string":
        parts = []
        for sp in _trees(node):
            for c in sp.children:
                parts.append(_unescape(str(c)) if isinstance(c, str) else "${...}")
        return "".join(parts)
    return _token_text(node)


def build_body(node: Any, path: Path) -> Body:
    body = Body()
    for child in _trees(node):
        if child.data == "attribute":
            kids = _trees(child)
            if len(kids) < 2:
                continue
            line, col = _pos(child)
            name = _token_text(kids[0])
            body.attrs[name] = Attr(name, kids[-1], path, line, col, _end_line(child, line))
        elif child.data == "block":
            body.blocks.append(build_block(child, path))
    return body


def build_block(node: Any, path: Path) -> Block:
    kids = _trees(node)
    line, col = _pos(node)
    btype = _token_text(kids[0]) if kids else ""
    labels: list[str] = []
    body = Body()
    for k in kids[1:]:
        if k.data == "body":
            body = build_body(k, path)
        else:
            labels.append(_label(k))
    return Block(btype, labels, body, path, line, col)


# =========================================================================== JSON with lines


_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_WS = re.compile(r"[ \t\n\r]*")


class _JsonParser:
    """A small JSON parser that returns located values (for heredoc policies)."""

    def __init__(self, text: str, path: Path, first_line: int, first_col: int,
                 string_hook: Callable[[str, int, int], V] | None) -> None:
        self.text = text
        self.path = path
        self.first_line = first_line
        self.first_col = first_col
        self.hook = string_hook
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def pos(self, i: int) -> tuple[int, int]:
        n = bisect_right(self.starts, i) - 1
        col = i - self.starts[n] + 1
        return self.first_line + n, col + (self.first_col - 1 if n == 0 else 0)

    def parse(self) -> V:
        i = _WS.match(self.text, 0).end()  # type: ignore[union-attr]
        v, i = self.value(i, 0)
        if _WS.match(self.text, i).end() != len(self.text):  # type: ignore[union-attr]
            raise ValueError("trailing data")
        return v

    def value(self, i: int, depth: int) -> tuple[V, int]:
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        text = self.text
        if i >= len(text):
            raise ValueError("unexpected end")
        line, col = self.pos(i)
        c = text[i]
        if c == "{":
            out: dict[str, V] = {}
            keys: dict[str, Location] = {}
            i = self._ws(i + 1)
            if text.startswith("}", i):
                return V(out, self.path, line, col, keys=keys), i + 1
            while True:
                if not text.startswith('"', i):
                    raise ValueError("expected key")
                kline, kcol = self.pos(i)
                key, i = _scanstring(text, i + 1, False)
                i = self._ws(i)
                if not text.startswith(":", i):
                    raise ValueError("expected :")
                item, i = self.value(self._ws(i + 1), depth + 1)
                out[key] = item
                keys[key] = Location(self.path, kline, kcol)
                i = self._ws(i)
                if text.startswith(",", i):
                    i = self._ws(i + 1)
                    continue
                if text.startswith("}", i):
                    refs = tuple(r for x in out.values() for r in x.refs)
                    return V(out, self.path, line, col, refs, keys=keys), i + 1
                raise ValueError("expected , or }")
        if c == "[":
            items: list[V] = []
            i = self._ws(i + 1)
            if text.startswith("]", i):
                return V(items, self.path, line, col), i + 1
            while True:
                item, i = self.value(i, depth + 1)
                items.append(item)
                i = self._ws(i)
                if text.startswith(",", i):
                    i = self._ws(i + 1)
                    continue
                if text.startswith("]", i):
                    refs = tuple(r for x in items for r in x.refs)
                    return V(items, self.path, line, col, refs), i + 1
                raise ValueError("expected , or ]")
        if c == '"':
            s, end = _scanstring(text, i + 1, False)
            if self.hook is not None and ("${" in s or "%{" in s):
                return self.hook(s, line, col), end
            return V(s, self.path, line, col), end
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return V(value, self.path, line, col), i + len(word)
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            num: int | float = float(m.group(0)) if (m.group(1) or m.group(2)) else int(m.group(0))
            return V(num, self.path, line, col), m.end()
        raise ValueError(f"unexpected {c!r}")

    def _ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]


# =========================================================================== evaluation


class Scope:
    """One Terraform module (a folder): its blocks, and an evaluator for its expressions."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.resources: dict[str, Block] = {}
        self.data: dict[str, Block] = {}
        self.modules: dict[str, Block] = {}
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attr] = {}
        self.tfvars: dict[str, V] = {}
        self.use_defaults = True
        self._attr_cache: dict[int, V] = {}
        self._active: set[int] = set()
        self._depth = 0
        self._text_cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ entry points

    def attr(self, body: Body | Block | None, name: str) -> V | None:
        """The evaluated value of an attribute, None when it is not written."""
        if body is None:
            return None
        if isinstance(body, Block):
            body = body.body
        a = body.attrs.get(name)
        return None if a is None else self.eval_attr(a)

    def eval_attr(self, a: Attr) -> V:
        key = id(a)
        hit = self._attr_cache.get(key)
        if hit is not None:
            return hit
        if key in self._active:  # a reference cycle
            return V(UNKNOWN, a.path, a.line, a.col)
        self._active.add(key)
        try:
            v = self.eval(a.expr, a.path, (a.line, a.col))
        finally:
            self._active.discard(key)
        self._attr_cache[key] = v
        return v

    def eval(self, node: Any, path: Path, at: tuple[int, int] = (1, 1)) -> V:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                line, col = _pos(node, at)
                return V(UNKNOWN, path, line, col)
            return self._eval(node, path, at)
        finally:
            self._depth -= 1

    # ------------------------------------------------------------------ expressions

    def _unknown(self, node: Any, path: Path, at: tuple[int, int], func: str | None = None) -> V:
        line, col = _pos(node, at)
        return V(UNKNOWN, path, line, col, tuple(dict.fromkeys(refs_in(node))), func=func)

    def _eval(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        if isinstance(node, str) or not _is_tree(node):
            return V(UNKNOWN, path, *at)
        line, col = _pos(node, at)
        here = (line, col)
        d = node.data
        if d == "expr_term":
            kids = _trees(node)
            if len(kids) == 1:
                return self.eval(kids[0], path, here)
            return self._unknown(node, path, here)
        if d == "int_lit":
            try:
                return V(int(_token_text(node)), path, line, col)
            except ValueError:
                return V(UNKNOWN, path, line, col)
        if d == "float_lit":
            try:
                return V(float(_token_text(node)), path, line, col)
            except ValueError:
                return V(UNKNOWN, path, line, col)
        if d == "literal_value":
            text = _token_text(node)
            return V({"true": True, "false": False}.get(text), path, line, col)
        if d == "string":
            return self._string(node, path, here)
        if d in ("heredoc_template", "heredoc_template_trim"):
            return self._heredoc(_token_text(node), path, here)
        if d == "tuple":
            items = [self.eval(k, path, here) for k in _trees(node)]
            return V(items, path, line, col, tuple(r for i in items for r in i.refs))
        if d == "object":
            return self._object(node, path, here)
        if d in ("get_attr_expr_term", "index_expr_term"):
            return self._traversal(node, path, here)
        if d == "function_call":
            return self._call(node, path, here)
        if d == "conditional":
            return self._conditional(node, path, here)
        if d == "binary_op":
            return self._binary(node, path, here)
        if d == "unary_op":
            kids = _trees(node)
            op = next((str(c) for c in node.children if isinstance(c, str)), "")
            v = self.eval(kids[0], path, here) if kids else V(UNKNOWN, path, line, col)
            if op == "-" and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
                return V(-v.value, path, line, col, v.refs)
            if op == "!" and isinstance(v.value, bool):
                return V(not v.value, path, line, col, v.refs)
            return V(UNKNOWN, path, line, col, v.refs)
        # identifiers alone (for-expression variables), splats, for expressions, template strings
        return self._unknown(node, path, here)

    def _string(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        parts: list[str] = []
        refs: list[str] = []
        unknown = False
        for sp in _trees(node):
            for c in sp.children:
                if isinstance(c, str):
                    kind = getattr(c, "type", "")
                    if kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                        parts.append(str(c)[1:])
                    else:
                        parts.append(_unescape(str(c)))
                elif c.data == "interpolation":
                    kids = _trees(c)
                    v = self.eval(kids[0], path, at) if kids else V(UNKNOWN, path, *at)
                    refs.extend(v.refs)
                    s = _to_str(v)
                    if s is UNKNOWN:
                        unknown = True
                    else:
                        parts.append(str(s))
                else:  # %{ if } / %{ for } directives
                    unknown = True
                    refs.extend(refs_in(c))
        value: Any = UNKNOWN if unknown else "".join(parts)
        return V(value, path, at[0], at[1], tuple(dict.fromkeys(refs)), text=True)

    def _heredoc(self, token: str, path: Path, at: tuple[int, int]) -> V:
        m = re.match(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n", token)
        if not m:
            return V(UNKNOWN, path, *at)
        rest = token[m.end():]
        rest = re.sub(r"(?:^|(?<=\n))[ \t]*" + re.escape(m.group(2)) + r"\r?\n?$", "", rest)
        text = textwrap.dedent(rest) if m.group(1) else rest
        v = self.template(text, path, at[0] + 1, 1)
        return v.copy(line=at[0], col=at[1], raw=(rest, at[0] + 1))

    def template(self, text: str, path: Path, line: int, col: int) -> V:
        """Text with ``${...}`` interpolations (a heredoc, or a string inside heredoc JSON)."""
        if "${" not in text and "%{" not in text:
            return V(text, path, line, col)
        out: list[str] = []
        refs: list[str] = []
        unknown = False
        i = 0
        n = len(text)
        while i < n:
            if text.startswith("$${", i) or text.startswith("%%{", i):
                out.append(text[i + 1 : i + 3])
                i += 3
            elif text.startswith("${", i) or text.startswith("%{", i):
                end = _closing_brace(text, i + 1)
                if end < 0:
                    unknown = True
                    break
                if text[i] == "%":
                    unknown = True
                else:
                    v = self.eval_text(text[i + 2 : end], path, (line, col))
                    refs.extend(v.refs)
                    s = _to_str(v)
                    if s is UNKNOWN:
                        unknown = True
                    else:
                        out.append(str(s))
                i = end + 1
            else:
                out.append(text[i])
                i += 1
        return V(UNKNOWN if unknown else "".join(out), path, line, col, tuple(dict.fromkeys(refs)), text=True)

    def eval_text(self, expr: str, path: Path, at: tuple[int, int]) -> V:
        """Evaluate an expression written as text (inside a heredoc)."""
        tree = self._text_cache.get(expr)
        if tree is None:
            tree = False
            try:
                parsed = parses_to_tree(f"x = ({expr})\n")
                attrs = [c for c in _trees(_trees(parsed)[0]) if c.data == "attribute"]
                if attrs:
                    tree = _trees(attrs[0])[-1]
            except Exception:
                tree = False
            self._text_cache[expr] = tree
        if tree is False:
            return V(UNKNOWN, path, *at)
        v = self.eval(tree, path, at)
        return v.copy(line=at[0], col=at[1])

    def _object(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        line, col = at
        out: dict[str, V] = {}
        keys: dict[str, Location] = {}
        refs: list[str] = []
        incomplete = False
        for elem in _trees(node):
            if elem.data != "object_elem":
                continue
            kids = _trees(elem)
            if len(kids) < 2:
                continue
            key_node, value_node = kids[0], kids[-1]
            kline, kcol = _pos(key_node, at)
            key = self._object_key(key_node, path, (kline, kcol))
            v = self.eval(value_node, path, (kline, kcol))
            refs.extend(v.refs)
            if not isinstance(key, str):
                incomplete = True
                continue
            out[key] = v
            keys[key] = Location(path, kline, kcol)
        return V(out, path, line, col, tuple(dict.fromkeys(refs)), keys=keys, incomplete=incomplete)

    def _object_key(self, node: Any, path: Path, at: tuple[int, int]) -> str | Unknown:
        inner = node
        while _is_tree(inner) and inner.data in ("object_elem_key", "expr_term"):
            kids = _trees(inner)
            if len(kids) != 1 or (inner.data == "expr_term" and any(isinstance(c, str) and c == "(" for c in inner.children)):
                break
            inner = kids[0]
        if _is_tree(inner) and inner.data in ("identifier", "keyword"):
            return _token_text(inner)  # a bare name is a literal key
        if _is_tree(inner) and inner.data == "literal_value":
            return _token_text(inner)
        v = self.eval(inner, path, at)
        s = _to_str(v)
        return s if isinstance(s, str) else UNKNOWN

    def _conditional(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        kids = _trees(node)
        if len(kids) != 3:
            return self._unknown(node, path, at)
        cond = self.eval(kids[0], path, at)
        if isinstance(cond.value, bool):
            v = self.eval(kids[1] if cond.value else kids[2], path, at)
            return v.copy(refs=tuple(dict.fromkeys((*v.refs, *cond.refs))))
        a, b = self.eval(kids[1], path, at), self.eval(kids[2], path, at)
        refs = tuple(dict.fromkeys((*cond.refs, *a.refs, *b.refs)))
        pa, pb = a.plain(), b.plain()
        if pa is not UNKNOWN and pb is not UNKNOWN and pa == pb:
            return a.copy(refs=refs)
        return V(UNKNOWN, path, at[0], at[1], refs)

    def _binary(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        kids = _trees(node)
        if len(kids) < 2 or kids[1].data != "binary_term":
            return self._unknown(node, path, at)
        left = self.eval(kids[0], path, at)
        term = _trees(kids[1])
        op = _token_text(term[0]).strip() if term else ""
        right = self.eval(term[-1], path, at) if len(term) > 1 else V(UNKNOWN, path, *at)
        refs = tuple(dict.fromkeys((*left.refs, *right.refs)))
        value = _binary_value(op, left, right)
        return V(value, path, at[0], at[1], refs)

    # ------------------------------------------------------------------ references

    def _traversal(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        base, steps = _chain(node)
        line, col = at
        root = _token_text(base) if _is_tree(base) and base.data == "identifier" else None
        if root is None:
            value = self.eval(base, path, at)
            return self._apply(value, steps, path, at)
        attrs = [s[1] for s in steps if s[0] == "attr"]
        ref = ".".join([root, *[str(a) for a in attrs]])
        refs = (ref,)
        if root in ("var", "local"):
            if not steps or steps[0][0] != "attr":
                return V(UNKNOWN, path, line, col, refs)
            name = str(steps[0][1])
            v = self.variable(name) if root == "var" else self.local(name)
            if v is None:
                return V(UNKNOWN, path, line, col, refs)
            out = self._apply(v, steps[1:], path, at)
            return out.copy(refs=tuple(dict.fromkeys((*refs, *out.refs))))
        if root == "path":
            return V(".", path, line, col, refs)
        if root in ("each", "count", "self", "terraform", "module"):
            return V(UNKNOWN, path, line, col, refs)
        # data.TYPE.NAME.attr... / TYPE.NAME.attr...
        if root == "data":
            names, rest = _leading_names(steps, 2)
            if len(names) < 2:
                return V(UNKNOWN, path, line, col, refs)
            block = self.data.get(f"data.{names[0]}.{names[1]}")
        else:
            names, rest = _leading_names(steps, 1)
            if not names:
                return V(UNKNOWN, path, line, col, refs)
            block = self.resources.get(f"{root}.{names[0]}")
        if block is None or not rest or rest[0][0] != "attr":
            return V(UNKNOWN, path, line, col, refs)
        a = block.body.attrs.get(str(rest[0][1]))
        if a is None:
            return V(UNKNOWN, path, line, col, refs)
        out = self._apply(self.eval_attr(a), rest[1:], path, at)
        return out.copy(refs=tuple(dict.fromkeys((*refs, *out.refs))))

    def _apply(self, v: V, steps: list[tuple[str, Any]], path: Path, at: tuple[int, int]) -> V:
        for kind, arg in steps:
            if kind == "attr":
                key: Any = arg
            else:
                if isinstance(arg, int):
                    key = arg
                else:
                    k = self.eval(arg, path, at)
                    key = k.value
                    if key is UNKNOWN:
                        return V(UNKNOWN, path, at[0], at[1], tuple(dict.fromkeys((*v.refs, *k.refs))))
            container = v.value
            if isinstance(container, dict) and isinstance(key, str):
                if key in container:
                    v = container[key]
                    continue
                # a key a known object does not have: an error try() would catch
                return V(UNKNOWN, path, at[0], at[1], v.refs, func=None if v.incomplete else ERROR)
            if isinstance(container, list) and isinstance(key, (int, float)) and not isinstance(key, bool):
                idx = int(key)
                if 0 <= idx < len(container):
                    v = container[idx]
                    continue
                return V(UNKNOWN, path, at[0], at[1], v.refs, func=ERROR)
            if container is None:
                return V(UNKNOWN, path, at[0], at[1], v.refs, func=ERROR)
            return V(UNKNOWN, path, at[0], at[1], v.refs)
        return v

    def variable(self, name: str) -> V | None:
        if name in self.tfvars:
            return self.tfvars[name]
        block = self.variables.get(name)
        if block is None or not self.use_defaults:
            return None
        default = block.body.attrs.get("default")
        if default is None:
            return None
        return self.eval_attr(default)

    def local(self, name: str) -> V | None:
        a = self.locals.get(name)
        return None if a is None else self.eval_attr(a)

    def is_sensitive(self, name: str) -> bool:
        block = self.variables.get(name)
        if block is None:
            return False
        v = self.attr(block, "sensitive")
        return v is not None and v.value is True

    # ------------------------------------------------------------------ functions

    def _call(self, node: Any, path: Path, at: tuple[int, int]) -> V:
        kids = _trees(node)
        idents = [k for k in kids if k.data == "identifier"]
        name = _token_text(idents[0]) if idents else ""
        args_node = next((k for k in kids if k.data == "arguments"), None)
        if len(idents) != 1 or name in FILE_FUNCTIONS:  # provider::ns::fn(), file reads
            return self._unknown(node, path, at, func=name or None)
        if args_node is not None and any(isinstance(c, str) and c == "..." for c in args_node.children):
            return self._unknown(node, path, at, func=name)
        arg_nodes = _trees(args_node) if args_node is not None else []
        impl = _FUNCTIONS.get(name)
        if impl is None:
            return self._unknown(node, path, at, func=name)
        args = [self.eval(a, path, at) for a in arg_nodes]
        refs = tuple(dict.fromkeys(r for a in args for r in a.refs))
        try:
            out = impl(args, path, at)
        except (ValueError, TypeError, IndexError, KeyError, OverflowError, RecursionError):
            out = None
        if out is None:
            return V(UNKNOWN, path, at[0], at[1], refs, func=name)
        return out.copy(refs=tuple(dict.fromkeys((*out.refs, *refs))))


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start`` (quotes and nesting aware), or -1."""
    depth = 0
    i = start
    quote = False
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _chain(node: Any) -> tuple[Any, list[tuple[str, Any]]]:
    """``a.b[0].c`` -> (node of ``a``, [("attr", "b"), ("index", 0), ("attr", "c")])."""
    steps: list[tuple[str, Any]] = []
    while _is_tree(node):
        if node.data == "expr_term":
            kids = _trees(node)
            if len(kids) != 1:
                break
            node = kids[0]
            continue
        if node.data not in ("get_attr_expr_term", "index_expr_term"):
            break
        kids = _trees(node)
        if len(kids) < 2:
            break
        base, op = kids[0], kids[1]
        if node.data == "get_attr_expr_term":
            steps.insert(0, ("attr", _token_text(_trees(op)[0]) if _trees(op) else ""))
        elif op.data == "short_index":
            try:
                steps.insert(0, ("index", int(_token_text(op.children[-1]))))
            except ValueError:
                steps.insert(0, ("index", -1))
        else:
            inner = _trees(op)
            steps.insert(0, ("index", inner[0] if inner else -1))
        node = base
    return node, steps


def _leading_names(steps: list[tuple[str, Any]], count: int) -> tuple[list[str], list[tuple[str, Any]]]:
    """The first ``count`` attribute names of a traversal (a resource address), and the steps
    after them, skipping the ``[0]`` / ``["key"]`` instance index of count/for_each resources."""
    names: list[str] = []
    i = 0
    while i < len(steps) and len(names) < count:
        kind, arg = steps[i]
        if kind != "attr":
            return names, []
        names.append(str(arg))
        i += 1
    while i < len(steps) and steps[i][0] == "index":
        i += 1
    return names, steps[i:]


def refs_in(node: Any) -> list[str]:
    """Every traversal written in an expression (without evaluating it)."""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if not _is_tree(n):
            continue
        if n.data in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"):
            base = n
            names: list[str] = []
            while _is_tree(base) and base.data in (
                "get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term", "expr_term"
            ):
                kids = _trees(base)
                if not kids:
                    break
                if base.data == "get_attr_expr_term" and len(kids) > 1 and _trees(kids[1]):
                    names.insert(0, _token_text(_trees(kids[1])[0]))
                elif base.data in ("attr_splat_expr_term", "full_splat_expr_term"):
                    names = []
                if base.data == "expr_term" and len(kids) != 1:
                    break
                base = kids[0]
            if _is_tree(base) and base.data == "identifier" and names:
                out.append(".".join([_token_text(base), *names]))
        stack.extend(reversed(n.children))
    return out


def _binary_value(op: str, left: V, right: V) -> Any:
    a, b = left.value, right.value
    if op == "&&":
        if a is False or b is False:
            return False
        return True if a is True and b is True else UNKNOWN
    if op == "||":
        if a is True or b is True:
            return True
        return False if a is False and b is False else UNKNOWN
    pa, pb = left.plain(), right.plain()
    if pa is UNKNOWN or pb is UNKNOWN:
        return UNKNOWN
    if op == "==":
        return pa == pb
    if op == "!=":
        return pa != pb
    num = (int, float)
    if not isinstance(pa, num) or not isinstance(pb, num) or isinstance(pa, bool) or isinstance(pb, bool):
        return UNKNOWN
    try:
        if op == "+":
            return pa + pb
        if op == "-":
            return pa - pb
        if op == "*":
            return pa * pb
        if op == "/":
            result = pa / pb
            return int(result) if result.is_integer() else result
        if op == "%":
            return pa % pb
    except (ZeroDivisionError, OverflowError):
        return UNKNOWN
    return {"<": pa < pb, ">": pa > pb, "<=": pa <= pb, ">=": pa >= pb}.get(op, UNKNOWN)


# --------------------------------------------------------------------------- functions

FunctionImpl = Callable[[list[V], Path, tuple[int, int]], "V | None"]


def _first_plain_str(v: V) -> str | None:
    s = _to_str(v)
    return s if isinstance(s, str) else None


def _fn_jsonencode(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1:
        return None
    return args[0].copy(encoded=True)


def _fn_jsondecode(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1 or not isinstance(args[0].value, str):
        return None
    return _JsonParser(args[0].value, path, args[0].line, args[0].col, None).parse()


def _fn_merge(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    out: dict[str, V] = {}
    keys: dict[str, Location] = {}
    incomplete = False
    for a in args:
        if a.value is None:
            continue
        if not isinstance(a.value, dict):
            incomplete = True
            continue
        incomplete = incomplete or a.incomplete
        for k, v in a.value.items():
            out[k] = v
            keys[k] = a.key_loc(k)
    return V(out, path, at[0], at[1], keys=keys, incomplete=incomplete)


def _fn_concat(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    items: list[V] = []
    for a in args:
        if not isinstance(a.value, list):
            return None
        items.extend(a.value)
    return V(items, path, at[0], at[1])


def _fn_identity(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    return args[0] if len(args) == 1 and args[0].known else None


def _fn_tostring(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1:
        return None
    if args[0].value is None:
        return args[0]
    s = _to_str(args[0])
    return None if s is UNKNOWN else args[0].copy(value=s)


def _fn_tonumber(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1:
        return None
    value = args[0].value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return args[0]
    if isinstance(value, str):
        try:
            return args[0].copy(value=int(value))
        except ValueError:
            return args[0].copy(value=float(value))
    return None


def _fn_tobool(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    b = _bool_or_none(args[0]) if len(args) == 1 else UNKNOWN
    return None if b is UNKNOWN else args[0].copy(value=b)


def _fn_tolist(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return None
    return args[0]


def _fn_toset(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return None
    seen: dict[Any, V] = {}
    for item in args[0].value:
        p = item.plain()
        if p is UNKNOWN or isinstance(p, (list, dict)):
            return args[0]
        seen.setdefault(p, item)
    return args[0].copy(value=list(seen.values()))


def _fn_try(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    for a in args:
        if a.known:
            return a
        if a.func != ERROR:  # an unknown that may well succeed: the result is unknown
            return None
    return None


def _fn_coalesce(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    for a in args:
        if a.value is UNKNOWN:
            return None
        if a.value is not None and a.value != "":
            return a
    return None


def _fn_lookup(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) not in (2, 3) or not isinstance(args[1].value, str):
        return None
    mapping = args[0].value
    if not isinstance(mapping, dict):
        return None
    if args[1].value in mapping:
        return mapping[args[1].value]
    if args[0].incomplete:
        return None
    return args[2] if len(args) == 3 else None


def _fn_element(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 2 or not isinstance(args[0].value, list) or not args[0].value:
        return None
    idx = args[1].value
    if not isinstance(idx, int) or isinstance(idx, bool):
        return None
    return args[0].value[idx % len(args[0].value)]


def _string_fn(op: Callable[..., Any]) -> FunctionImpl:
    def impl(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
        texts = [_first_plain_str(a) for a in args]
        if any(t is None for t in texts):
            return None
        return V(op(*texts), path, at[0], at[1])

    return impl


def _fn_format(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if not args or not isinstance(args[0].value, str):
        return None
    fmt = args[0].value
    values = args[1:]
    out: list[str] = []
    i = 0
    n = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        if fmt.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        m = re.match(r"%([sdvq])", fmt[i:])
        if not m or n >= len(values):
            return None
        s = _to_str(values[n])
        if s is UNKNOWN:
            return None
        out.append(json.dumps(s) if m.group(1) == "q" else str(s))
        n += 1
        i += 2
    return V("".join(out), path, at[0], at[1])


def _fn_join(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) < 2 or not isinstance(args[0].value, str):
        return None
    parts: list[str] = []
    for lst in args[1:]:
        if not isinstance(lst.value, list):
            return None
        for item in lst.value:
            s = _to_str(item)
            if s is UNKNOWN:
                return None
            parts.append(str(s))
    return V(args[0].value.join(parts), path, at[0], at[1])


def _fn_split(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 2 or not isinstance(args[0].value, str) or not isinstance(args[1].value, str):
        return None
    return V([V(p, path, *at) for p in args[1].value.split(args[0].value)], path, at[0], at[1])


def _fn_replace(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    texts = [t for t in (_first_plain_str(a) for a in args) if t is not None]
    if len(args) != 3 or len(texts) != 3:
        return None
    s, old, new = texts
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):  # a regular expression
        return None
    return V(s.replace(old, new), path, at[0], at[1])


def _fn_compact(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return None
    items = []
    for item in args[0].value:
        if item.value is UNKNOWN:
            return None
        if item.value is not None and item.value != "":
            items.append(item)
    return args[0].copy(value=items)


def _fn_flatten(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1 or not isinstance(args[0].value, list):
        return None
    items: list[V] = []

    def walk(v: V, depth: int) -> bool:
        if depth > MAX_DEPTH:
            return False
        if isinstance(v.value, list):
            return all(walk(i, depth + 1) for i in v.value)
        if v.value is UNKNOWN:
            return False
        items.append(v)
        return True

    return args[0].copy(value=items) if walk(args[0], 0) else None


def _fn_distinct(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    return _fn_toset(args, path, at)


def _fn_minmax(pick: Callable[..., Any]) -> FunctionImpl:
    def impl(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
        nums = [a.value for a in args]
        if not nums or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in nums):
            return None
        return V(pick(nums), path, at[0], at[1])

    return impl


def _fn_length(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1:
        return None
    value = args[0].value
    if isinstance(value, (list, str)) or (isinstance(value, dict) and not args[0].incomplete):
        return V(len(value), path, at[0], at[1])
    return None


def _fn_keys(args: list[V], path: Path, at: tuple[int, int]) -> V | None:
    if len(args) != 1 or not isinstance(args[0].value, dict) or args[0].incomplete:
        return None
    return V([V(k, path, *at) for k in sorted(args[0].value)], path, at[0], at[1])


_FUNCTIONS: dict[str, FunctionImpl] = {
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "merge": _fn_merge,
    "concat": _fn_concat,
    "tostring": _fn_tostring,
    "tonumber": _fn_tonumber,
    "tobool": _fn_tobool,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": _fn_identity,
    "sensitive": _fn_identity,
    "nonsensitive": _fn_identity,
    "abspath": _fn_identity,
    "try": _fn_try,
    "coalesce": _fn_coalesce,
    "lookup": _fn_lookup,
    "element": _fn_element,
    "lower": _string_fn(str.lower),
    "upper": _string_fn(str.upper),
    "trimspace": _string_fn(str.strip),
    "title": _string_fn(str.title),
    "trimprefix": _string_fn(lambda s, p: s[len(p):] if s.startswith(p) else s),
    "trimsuffix": _string_fn(lambda s, p: s[: -len(p)] if p and s.endswith(p) else s),
    "format": _fn_format,
    "join": _fn_join,
    "split": _fn_split,
    "replace": _fn_replace,
    "compact": _fn_compact,
    "flatten": _fn_flatten,
    "distinct": _fn_distinct,
    "min": _fn_minmax(min),
    "max": _fn_minmax(max),
    "length": _fn_length,
    "keys": _fn_keys,
}


# =========================================================================== parsing


@dataclass(slots=True)
class ParsedFile:
    path: Path
    text: str
    body: Body


_PARSER: Any = None


def _parser() -> Any:
    """python-hcl2's LALR parser without position propagation, built once per process.

    It is python-hcl2's own parser (same grammar, lexer, post-lexer and parse tables, loaded
    from its grammar cache), copied through lark's ``save``/``load`` with the one option
    ``propagate_positions`` left out; positions come from the tokens (``_pos``). The copy is
    kept in a file in the user's cache folder, named after everything it is made from, so that a process loads it instead of loading python-hcl2's and copying it.
    Should the copy fail on some lark version, python-hcl2's parser is used as it is."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _make_parser()
    return _PARSER


def _make_parser() -> Any:
    import io

    import hcl2.parser as hcl2_parser
    from lark import Lark

    saved = _parser_file()
    if saved is not None:
        try:
            with saved.open("rb") as f:
                kept = Lark.load(f)
            if not kept.options.propagate_positions:
                return kept
        except Exception:  # missing, unreadable or truncated: made again below
            pass
    base = hcl2_parser.parser()
    try:
        buf = io.BytesIO()
        base.save(buf, exclude_options=("propagate_positions",))
        fast = Lark.load(io.BytesIO(buf.getvalue()))
    except Exception:
        return base
    if fast.options.propagate_positions:
        return base
    if saved is not None:
        tmp = saved.with_name(f"{saved.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, saved)  # atomic: a concurrent reader sees the old file or the whole new one
        except OSError:
            tmp.unlink(missing_ok=True)
    return fast


def _parser_file() -> Path | None:
    """Where the copy of the parser is kept: the user's cache folder (never the installed
    packages, which may be shared or read-only). The name hashes the lark, python-hcl2 and Python
    versions and python-hcl2's grammar and parser sources, so an upgrade never loads a stale
    copy."""
    try:
        import hashlib

        import hcl2.parser as hcl2_parser
        import lark

        source = Path(hcl2_parser.__file__).parent
        digest = hashlib.sha256()
        versions = (lark.__version__, getattr(sys.modules.get("hcl2"), "__version__", "unknown"), sys.version)
        for part in versions:
            digest.update(str(part).encode() + b"\0")
        for name in ("hcl2.lark", "parser.py", "postlexer.py"):
            digest.update((source / name).read_bytes() + b"\0")
        name = f"hcl2-parser-{digest.hexdigest()[:24]}.bin"
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdalint"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
    except (OSError, RuntimeError, AttributeError, ImportError):
        return None  # not kept: copied in every process, never wrong


def parses_to_tree(text: str) -> Any:
    """The raw lark tree of HCL text, as ``hcl2.api.parses_to_tree`` makes it (a newline is
    appended: the grammar needs one at the end), but without positions on the nodes."""
    return _parser().parse(text + "\n")


def parse_file(path: Path, text: str) -> Body | tuple[str, int, int]:
    """The file's top-level body, or (message, line, column) of its syntax error."""
    from lark.exceptions import (
        LarkError,
        UnexpectedCharacters,
        UnexpectedEOF,
        UnexpectedInput,
        UnexpectedToken,
    )

    last_line = text.count("\n") + 1
    try:
        tree = parses_to_tree(text)
    except UnexpectedInput as exc:
        line = exc.line if isinstance(exc.line, int) and exc.line > 0 else last_line
        col = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
        if (isinstance(exc, UnexpectedToken) and exc.token.type == "$END") or isinstance(exc, UnexpectedEOF):
            expected = getattr(exc, "expected", None) or ()
            what = "unexpected end of file"
            if "RBRACE" in expected:
                opened = _unclosed_brace(text)
                if opened is not None:
                    return f"{what}: the `{{` opened here is never closed", opened[0], opened[1]
                what += " (a block or object is not closed with '}')"
            elif "DBLQUOTE" in expected:
                what += " (a string is not closed)"
            return what, min(line, last_line), col
        if isinstance(exc, UnexpectedToken):
            shown = str(exc.token).split("\n", 1)[0].strip()[:40] or repr(str(exc.token)[:10])
            return f"unexpected `{shown}`", line, col
        if isinstance(exc, UnexpectedCharacters):
            return f"unexpected character {exc.char!r}", line, col
        return "syntax error", line, col
    except RecursionError:
        return "nested too deeply to parse", 1, 1
    except (LarkError, RuntimeError, ValueError) as exc:
        return f"could not be parsed ({type(exc).__name__})", 1, 1
    kids = _trees(tree)
    body = kids[0] if kids and kids[0].data == "body" else tree
    try:
        return build_body(body, path)
    except RecursionError:
        return "blocks nested too deeply to load", 1, 1


def _unclosed_brace(text: str) -> tuple[int, int] | None:
    """(line, column) of the innermost ``{`` never closed, skipping strings, comments and
    heredocs; None when the braces balance."""
    stack: list[tuple[int, int]] = []
    line, line_start, i, n = 1, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            line_start = i + 1
        elif c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            chunk = text[i : n if end < 0 else end + 2]
            line += chunk.count("\n")
            if "\n" in chunk:
                line_start = i + chunk.rfind("\n") + 1
            i = n if end < 0 else end + 2
            continue
        elif c == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif text.startswith("<<", i):
            m = re.match(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n", text[i:])
            if m:
                closing = re.compile(r"^[ \t]*" + re.escape(m.group(1)) + r"\r?$", re.M).search(text, i + m.end())
                stop = n if closing is None else closing.end()
                line += text.count("\n", i, stop)
                line_start = text.rfind("\n", 0, stop) + 1
                i = stop
                continue
        elif c == "{":
            stack.append((line, i - line_start + 1))
        elif c == "}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


# =========================================================================== the loader


def load_dir(folder: Path, project: Project) -> None:
    """Load every ``.tf`` file of ``folder`` (one Terraform module) into ``project``."""
    try:
        import hcl2.api  # heavy: only imported when Terraform files exist
    except ImportError:
        project.notes.append(f"{folder}: Terraform files skipped: python-hcl2 is not installed")
        return
    if not hasattr(hcl2.api, "parses_to_tree"):  # the 8.x grammar and API
        project.notes.append(f"{folder}: Terraform files skipped: python-hcl2 >= 8 is required")
        return
    _grammar_cache()
    FolderLoader(folder, project).run()


_GRAMMAR_CACHE_CHECKED = False


def _grammar_cache() -> None:
    """python-hcl2 caches its compiled grammar next to its own code (building it takes
    seconds); where that folder is read-only (a system or container install) and no cache
    exists yet, point it at the user's cache folder instead, once per process."""
    global _GRAMMAR_CACHE_CHECKED
    if _GRAMMAR_CACHE_CHECKED:
        return
    _GRAMMAR_CACHE_CHECKED = True
    try:
        import hcl2.parser as hcl2_parser

        default = Path(hcl2_parser.PARSER_FILE)
        if default.exists() or os.access(default.parent, os.W_OK):
            return
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "lambdalint"
        folder.mkdir(parents=True, exist_ok=True)
        version = getattr(sys.modules.get("hcl2"), "__version__", "unknown")
        hcl2_parser.PARSER_FILE = folder / f"hcl2-{version}-grammar.bin"
    except (OSError, RuntimeError, AttributeError, ImportError):
        return  # no cache: slower, never wrong


@dataclass(slots=True)
class _ModuleFn:
    """What the terraform-aws-modules/lambda module call makes: a function or a layer."""

    block: Block
    fn: Function | None = None
    role: Role | None = None
    role_key: str | None = None
    layer_content: Path | Unknown | None = None
    package_content: Path | Unknown | None = None


class FolderLoader:
    def __init__(self, folder: Path, project: Project) -> None:
        self.folder = folder
        self.project = project
        self.scope = Scope(folder)
        self.files: list[ParsedFile] = []
        self.functions: dict[str, Function] = {}
        self.roles: dict[str, Role] = {}  # address -> role
        self.queues: dict[str, Queue] = {}  # address -> queue
        self.queue_files: dict[str, Path] = {}
        self.lambda_modules: dict[str, _ModuleFn] = {}
        self._policy_cache: dict[str, tuple[list[Statement], list[Val[str]]]] = {}
        self._policy_active: set[str] = set()
        self._module_source_cache: dict[Path, bool] = {}

    # ------------------------------------------------------------------ files

    def run(self) -> None:
        self._read_files()
        if not self.files:
            return
        self._index()
        for addr, block in self._resources("aws_iam_role"):
            self._iam_role(addr, block)
        for addr, block in self._resources("aws_sqs_queue"):
            self._queue(addr, block)
        self._redrive_policies()
        for addr, block in self._all_modules():
            self._lambda_module_layer(addr, block)
        for addr, block in self._resources("aws_lambda_function"):
            self._lambda_function(addr, block)
        for addr, mod in self.lambda_modules.items():
            if mod.layer_content is None and mod.package_content is None:
                self._lambda_module_function(addr, mod)
        self._link_roles()
        self._role_policies()
        self._attachments()
        self._event_sources()
        self._register()

    def _read_files(self) -> None:
        try:
            paths = sorted(p for p in self.folder.iterdir() if p.suffix == ".tf" and p.is_file() and self._inside(p))
        except OSError as exc:
            self.project.findings.append(parse_error(self.folder, f"folder could not be read: {exc.strerror or exc}"))
            return
        for path in paths:
            parsed = self._read(path)
            if parsed is not None:
                self.files.append(parsed)

    def _inside(self, path: Path) -> bool:
        """A file symlink is followed only when it points inside the project."""
        if not path.is_symlink():
            return True
        try:
            target = path.resolve()
            root = self.project.root.resolve()
        except (OSError, RuntimeError):
            return False
        return target == root or root in target.parents

    def _read(self, path: Path) -> ParsedFile | None:
        try:
            if path.stat().st_size > MAX_BYTES:
                self.project.notes.append(f"{path}: skipped: larger than {MAX_BYTES // (1024 * 1024)} MB")
                return None
            data = path.read_bytes()
        except OSError as exc:
            self.project.findings.append(parse_error(path, f"file could not be read: {exc.strerror or exc}"))
            return None
        try:
            text = decode_text(data)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - data.rfind(b"\n", 0, exc.start)
            self.project.findings.append(
                parse_error(path, f"Terraform file is not valid UTF-8 (byte {exc.start})", line, col)
            )
            return None
        if "\x00" in text:
            self.project.findings.append(parse_error(path, "Terraform file is binary (contains NUL bytes)"))
            return None
        self.project.texts[path] = text
        result = parse_file(path, text)
        if isinstance(result, tuple):
            message, line, col = result
            self.project.findings.append(parse_error(path, f"Terraform file could not be parsed: {message}", line, col))
            return None
        return ParsedFile(path, text, result)

    def _index(self) -> None:
        s = self.scope
        root_marker = any((self.folder / m).exists() for m in ROOT_MARKERS) or any(self.folder.glob("*.auto.tfvars"))
        for f in self.files:
            for block in f.body.blocks:
                labels = block.labels
                if block.type == "resource" and len(labels) == 2:
                    s.resources[f"{labels[0]}.{labels[1]}"] = block
                elif block.type == "data" and len(labels) == 2:
                    s.data[f"data.{labels[0]}.{labels[1]}"] = block
                elif block.type == "module" and len(labels) == 1:
                    s.modules[f"module.{labels[0]}"] = block
                elif block.type == "variable" and len(labels) == 1:
                    s.variables[labels[0]] = block
                elif block.type == "locals":
                    s.locals.update(block.body.attrs)
                elif block.type == "provider" or (block.type == "terraform" and any(b.type in ("backend", "cloud") for b in block.body.blocks)):
                    root_marker = True
        s.use_defaults = root_marker or not s.variables
        if s.use_defaults:
            self._tfvars()

    def _tfvars(self) -> None:
        """Values ``terraform plan`` reads by itself: terraform.tfvars, then *.auto.tfvars."""
        names = ["terraform.tfvars", *sorted(p.name for p in self.folder.glob("*.auto.tfvars"))]
        for name in names:
            path = self.folder / name
            if not path.is_file():
                continue
            parsed = self._read(path)
            if parsed is None:
                continue
            for attr in parsed.body.attrs.values():
                self.scope.tfvars[attr.name] = self.scope.eval_attr(attr)

    def _resources(self, rtype: str) -> Iterator[tuple[str, Block]]:
        prefix = rtype + "."
        for addr, block in self.scope.resources.items():
            if addr.startswith(prefix) and self._exists(block):
                yield addr, block

    def _data(self, dtype: str) -> Iterator[tuple[str, Block]]:
        prefix = f"data.{dtype}."
        for addr, block in self.scope.data.items():
            if addr.startswith(prefix) and self._exists(block):
                yield addr, block

    def _all_modules(self) -> Iterator[tuple[str, Block]]:
        for addr, block in self.scope.modules.items():
            if self._exists(block):
                yield addr, block

    def _exists(self, block: Block) -> bool:
        """False only when ``count`` / ``for_each`` are known to create no instance."""
        count = self.scope.attr(block, "count")
        if count is not None and _int_or_none(count) == 0:
            return False
        for_each = self.scope.attr(block, "for_each")
        return not (for_each is not None and _is_empty_collection(for_each))

    # ------------------------------------------------------------------ helpers

    def _where(self, body: Body | Block, name: str, v: V | None, fallback: Location) -> Location:
        """Where a value is written: at its attribute, or where a local/variable sets it."""
        if isinstance(body, Block):
            body = body.body
        a = body.attrs.get(name)
        if a is None:
            return fallback
        if v is None or (v.path == a.path and a.line <= v.line <= a.end_line):
            return a.loc()
        return v.loc()

    def _field(self, fn: Function, body: Body | Block, name: str, field_name: str) -> V | None:
        v = self.scope.attr(body, name)
        if v is not None:
            fn.locs[field_name] = self._where(body, name, v, fn.loc)
        return v

    def _sub_blocks(self, body: Body, name: str) -> list[tuple[Body, Location, bool]]:
        """Nested blocks ``name {}``, including ``dynamic "name"`` ones that may exist
        (the flag says whether the block certainly exists)."""
        out: list[tuple[Body, Location, bool]] = []
        for blk in body.blocks:
            if blk.type == name:
                out.append((blk.body, blk.loc(), True))
            elif blk.type == "dynamic" and blk.labels[:1] == [name]:
                fe = self.scope.attr(blk, "for_each")
                if fe is not None and _is_empty_collection(fe):
                    continue
                certain = fe is not None and isinstance(fe.value, (list, dict)) and bool(fe.value)
                for content in blk.body.blocks:
                    if content.type == "content":
                        out.append((content.body, blk.loc(), certain))
        return out

    def _str_list(self, v: V | None) -> list[Val[str]] | Unknown:
        if v is None or v.value is None:
            return []
        if isinstance(v.value, str) or (v.text and v.value is UNKNOWN):
            return [Val(v.value, v.loc())]  # type: ignore[arg-type]  # Val items may be UNKNOWN
        if not isinstance(v.value, list):
            return UNKNOWN
        out: list[Val[str]] = []
        for item in v.value:
            s = _to_str(item)
            out.append(Val(s, item.loc()))  # type: ignore[arg-type]
        return out

    def _resolve_path(self, text: str) -> Path | Unknown:
        if "://" in text or text.startswith("~") or not text.strip():
            return UNKNOWN
        p = Path(text)
        return (p if p.is_absolute() else self.folder / p).resolve()

    def _primary(self, v: V | None, prefixes: tuple[str, ...] = ()) -> str | None:
        """The first resource address an expression references (optionally of given types)."""
        if v is None:
            return None
        for ref in v.refs:
            addr = address(ref)
            head = addr.split(".")[0]
            if head in ("var", "local", "path", "each", "count", "self", "terraform"):
                continue
            if not prefixes or addr.startswith(prefixes):
                return addr
        return None

    def _target(self, v: V | None) -> str | Unknown | None:
        """A destination (DLQ, on-failure): ``resource:<address>`` or the literal ARN."""
        if v is None or (v.value is None and not v.refs):
            return None
        addr = self._primary(v)
        if addr is not None:
            return f"resource:{addr}"
        s = _to_str(v)
        return s if isinstance(s, str) and s else UNKNOWN

    # ------------------------------------------------------------------ code

    def _code_from(self, v: V | None) -> Path | Unknown | None:
        """The local code a ``filename`` (or layer/module package) points at: the source of
        the ``archive_file`` that builds it, else the zip itself."""
        if v is None or (v.value is None and not v.refs):
            return None
        for ref in v.refs:
            addr = address(ref)
            if addr.startswith(("data.archive_file.", "archive_file.")):
                block = self.scope.data.get(addr) or self.scope.resources.get(addr)
                if block is not None:
                    return self._archive_source(block)
            mod = self.lambda_modules.get(addr)
            if mod is not None and ref.endswith(".local_filename"):
                return mod.package_content or mod.layer_content or UNKNOWN
        if isinstance(v.value, str):
            path = self._resolve_path(v.value)
            archive = self._archive_writing(path) if isinstance(path, Path) else None
            return self._archive_source(archive) if archive is not None else path
        return UNKNOWN

    def _archive_writing(self, path: Path) -> Block | None:
        """The archive_file whose ``output_path`` is ``path`` (``filename`` written literally)."""
        for block in (*self.scope.data.values(), *self.scope.resources.values()):
            if block.labels[:1] != ["archive_file"]:
                continue
            out = self.scope.attr(block, "output_path")
            if out is not None and isinstance(out.value, str) and self._resolve_path(out.value) == path:
                return block
        return None

    def _archive_source(self, block: Block) -> Path | Unknown:
        src_dir = self.scope.attr(block, "source_dir")
        if src_dir is not None:
            return self._resolve_path(src_dir.value) if isinstance(src_dir.value, str) else UNKNOWN
        src_file = self.scope.attr(block, "source_file")
        if src_file is not None:
            p = self._resolve_path(src_file.value) if isinstance(src_file.value, str) else UNKNOWN
            return p.parent if isinstance(p, Path) else UNKNOWN
        return UNKNOWN  # inline `source { content }` blocks

    def _archive_excludes(self, v: V | None) -> list[str] | None:
        if v is None:
            return None
        for ref in v.refs:
            addr = address(ref)
            if addr.startswith(("data.archive_file.", "archive_file.")):
                block = self.scope.data.get(addr) or self.scope.resources.get(addr)
                ex = self.scope.attr(block, "excludes") if block is not None else None
                if ex is not None and isinstance(ex.value, list):
                    return [s for s in (_to_str(i) for i in ex.value) if isinstance(s, str)]
        return None

    def _source_path(self, v: V, handler: Any, layer: bool = False) -> Path | Unknown:
        """``source_path`` of the lambda module: a path, a list of paths/objects with ``path``.
        A layer's sources may sit under ``prefix_in_zip = "python"`` (the layer layout)."""
        entries: list[V] = v.value if isinstance(v.value, list) else [v]
        paths: list[Path] = []
        for entry in entries:
            target = entry
            if isinstance(entry.value, dict):
                prefix = entry.value.get("prefix_in_zip")
                if prefix is not None and prefix.value not in (None, "") and not (layer and prefix.value == "python"):
                    continue  # lands in a sub-folder of the package, not at its root
                if "path" not in entry.value:
                    continue
                target = entry.value["path"]
            if not isinstance(target.value, str):
                return UNKNOWN
            p = self._resolve_path(target.value)
            if not isinstance(p, Path):
                return UNKNOWN
            paths.append(p.parent if p.is_file() or (not p.exists() and p.suffix in (".py", ".js", ".mjs", ".ts")) else p)
        if not paths:
            return UNKNOWN
        if len(paths) == 1:
            return paths[0]
        # several sources merged into one package: the one holding the handler's module
        module = handler.rpartition(".")[0].replace(".", "/") if isinstance(handler, str) else ""
        if module:
            for p in paths:
                if (p / f"{module}.py").is_file() or (p / module / "__init__.py").is_file():
                    return p
        return UNKNOWN

    # ------------------------------------------------------------------ functions

    def _lambda_function(self, addr: str, block: Block) -> None:
        s = self.scope
        b = block.body
        fn = Function(id=addr, format=FORMAT, template=block.path, loc=block.loc())
        fn.runtime = _str_or_none(self._field(fn, b, "runtime", "runtime"))
        fn.handler = _str_or_none(self._field(fn, b, "handler", "handler"))
        fn.name = _str_or_none(self._field(fn, b, "function_name", "name"))
        fn.timeout = _int_or_none(self._field(fn, b, "timeout", "timeout"))
        fn.memory = _int_or_none(self._field(fn, b, "memory_size", "memory"))
        rc = _int_or_none(self._field(fn, b, "reserved_concurrent_executions", "reserved_concurrency"))
        fn.reserved_concurrency = None if rc == -1 else rc
        for eph, where, certain in self._sub_blocks(b, "ephemeral_storage"):
            size = s.attr(eph, "size")
            fn.ephemeral_storage = _int_or_none(size) if certain else UNKNOWN
            fn.locs["ephemeral_storage"] = self._where(eph, "size", size, where)
        pt = s.attr(b, "package_type")
        if (pt is not None and pt.value == "Image") or ((pt is None or not pt.known) and "image_uri" in b.attrs):
            fn.package_type = "Image"
        arch = s.attr(b, "architectures")
        if arch is not None:
            values = self._str_list(arch)
            fn.architectures = [x.value for x in values if isinstance(x.value, str)] if isinstance(values, list) else UNKNOWN
        self._function_code(fn, b)
        env_blocks = self._sub_blocks(b, "environment")
        for env, where, certain in env_blocks:
            fn.locs["environment"] = where
            if not certain:
                fn.environment_unknown = True
            variables = s.attr(env, "variables")
            if variables is not None:
                fn.locs["environment"] = self._where(env, "variables", variables, where)
                self._fill_environment(fn, variables)
        layers = self._field(fn, b, "layers", "layers")
        if layers is not None:
            fn.layers = self._layers(layers)
        for tc, where, certain in self._sub_blocks(b, "tracing_config"):
            mode = s.attr(tc, "mode")
            fn.tracing = _str_or_none(mode) if certain else UNKNOWN
            fn.locs["tracing"] = self._where(tc, "mode", mode, where)
        for dl, where, certain in self._sub_blocks(b, "dead_letter_config"):
            target = s.attr(dl, "target_arn")
            fn.dead_letter = (self._target(target) if certain else UNKNOWN) if target is not None else UNKNOWN
            fn.locs["dead_letter"] = self._where(dl, "target_arn", target, where)
        for lc, _where, _certain in self._sub_blocks(b, "logging_config"):
            group = s.attr(lc, "log_group")
            if group is not None and (group.value is not None or group.refs):
                fn.extra["_log_group"] = group  # matched to a log group resource in _log_groups
        if self._sub_blocks(b, "capacity_provider_config"):
            fn.extra["managed_instances"] = True
        role = self._field(fn, b, "role", "role")
        fn.extra["_role_expr"] = role
        self.functions[addr] = fn

    def _function_code(self, fn: Function, b: Body) -> None:
        s = self.scope
        if fn.package_type == "Image":
            fn.code_path = UNKNOWN
            if "image_uri" in b.attrs:
                fn.locs["code"] = b.attrs["image_uri"].loc()
            return
        filename = s.attr(b, "filename")
        if filename is not None:
            fn.locs["code"] = b.attrs["filename"].loc()
            fn.upload = "direct"
            fn.code_path = self._code_from(filename)
            code_hash = s.attr(b, "source_code_hash")
            archive = self._primary(code_hash, ("data.archive_file.", "archive_file."))
            if archive is not None and not (isinstance(fn.code_path, Path) and fn.code_path.is_dir()):
                # `filename = "out.zip"` + `source_code_hash = data.archive_file.x.output_base64sha256`
                block = s.data.get(archive) or s.resources.get(archive)
                if block is not None:
                    fn.code_path = self._archive_source(block)
                    filename = code_hash
            excludes = self._archive_excludes(filename)
            if excludes:
                fn.extra["package"] = {"excludes": excludes}
            return
        if "s3_bucket" in b.attrs or "s3_key" in b.attrs:
            fn.locs["code"] = b.attrs.get("s3_key", b.attrs.get("s3_bucket")).loc()  # type: ignore[union-attr]
            fn.upload = "s3"
        fn.code_path = self._package_of(b)

    def _package_of(self, b: Body | Block) -> Path | Unknown | None:
        """The local code of a function or layer version: its ``filename``, or the local file an
        ``aws_s3_object`` named by its ``s3_key`` uploads."""
        s = self.scope
        filename = s.attr(b, "filename")
        if filename is not None:
            return self._code_from(filename)
        key = s.attr(b, "s3_key")
        obj = self._primary(key, ("aws_s3_object.", "aws_s3_bucket_object."))
        source = s.attr(s.resources.get(obj) if obj else None, "source")
        return self._code_from(source) if source is not None else UNKNOWN

    def _fill_environment(self, fn: Function, variables: V) -> None:
        if variables.value is None:
            return
        if not isinstance(variables.value, dict):
            fn.environment_unknown = True
            return
        if variables.incomplete:
            fn.environment_unknown = True
        for key, item in variables.value.items():
            fn.environment[key] = self._env_var(key, item, variables.key_loc(key))

    def _env_var(self, key: str, v: V, where: Location) -> EnvVar:
        s = self.scope
        first_source: str | None = None
        for ref in v.refs:
            addr = address(ref)
            head = addr.split(".")[0]
            rtype = addr.split(".")[1] if head == "data" else head
            if rtype in ("aws_ssm_parameter",):
                return EnvVar(key, UNKNOWN, where, "ssm")
            if rtype in ("aws_secretsmanager_secret_version", "aws_secretsmanager_secret"):
                return EnvVar(key, UNKNOWN, where, "secretsmanager")
            if head == "var":
                name = addr.split(".")[1]
                if s.is_sensitive(name):
                    return EnvVar(key, UNKNOWN, where, "noecho-parameter")
                first_source = first_source or "parameter"
            elif head not in ("local", "path", "each", "count", "self", "terraform"):
                first_source = first_source or f"resource:{addr}"
        literal = _to_str(v) if v.value is not None else UNKNOWN
        return EnvVar(key, literal, where, first_source)

    def _layers(self, v: V) -> list[Layer] | Unknown:
        if v.value is None:
            return []
        if not isinstance(v.value, list):
            return UNKNOWN
        out: list[Layer] = []
        for item in v.value:
            where = item.loc()
            addr = self._primary(item)
            if addr is not None and addr.startswith("aws_lambda_layer_version."):
                block = self.scope.resources.get(addr)
                content: Path | Unknown | None = UNKNOWN
                if block is not None:
                    content = self._package_of(block)
                out.append(Layer(addr, where, content))
            elif addr is not None and addr in self.lambda_modules and self.lambda_modules[addr].layer_content is not None:
                out.append(Layer(addr, where, self.lambda_modules[addr].layer_content))
            else:
                s = _to_str(item)
                out.append(Layer(s if isinstance(s, str) else UNKNOWN, where, None))
        return out

    # ------------------------------------------------------------------ roles and policies

    def _iam_role(self, addr: str, block: Block) -> None:
        role = Role(id=addr, loc=block.loc())
        for pol, where, certain in self._sub_blocks(block.body, "inline_policy"):
            policy = self.scope.attr(pol, "policy")
            if policy is None:
                continue
            if not certain:
                role.opaque_policies.append(Val("dynamic inline_policy", where))
                continue
            self._add_policy(role, policy, self._where(pol, "policy", policy, where))
        arns = self.scope.attr(block, "managed_policy_arns")
        if arns is not None:
            self._add_managed_list(role, arns, self._where(block, "managed_policy_arns", arns, role.loc))
        self.roles[addr] = role

    def _add_managed_list(self, role: Role, arns: V, where: Location) -> None:
        if isinstance(arns.value, list):
            for item in arns.value:
                self._add_managed(role, item, item.loc())
        elif arns.value is not None:
            role.opaque_policies.append(Val("managed_policy_arns", where))

    def _add_managed(self, role: Role, arn: V, where: Location) -> None:
        policy = self._primary(arn, ("aws_iam_policy.",))
        if policy is not None and policy in self.scope.resources:
            statements, opaque = self._policy_of_resource(policy)
            role.statements.extend(statements)
            role.opaque_policies.extend(opaque)
            return
        data = self._primary(arn, ("data.aws_iam_policy.",))
        if data is not None:
            arn_v = self.scope.attr(self.scope.data.get(data), "arn")
            if arn_v is not None and isinstance(arn_v.value, str):
                role.managed_policies.append(Val(arn_v.value, where))
                return
        s = _to_str(arn)
        if isinstance(s, str) and s:
            role.managed_policies.append(Val(s, where))
        else:
            role.opaque_policies.append(Val("policy_arn", where))

    def _policy_of_resource(self, addr: str) -> tuple[list[Statement], list[Val[str]]]:
        block = self.scope.resources[addr]
        policy = self.scope.attr(block, "policy")
        if policy is None:
            return [], [Val(addr, block.loc())]
        return self._policy(policy, self._where(block, "policy", policy, block.loc()), f"res:{addr}")

    def _add_policy(self, role: Role, policy: V, where: Location) -> None:
        statements, opaque = self._policy(policy, where)
        role.statements.extend(statements)
        role.opaque_policies.extend(opaque)

    def _policy(self, v: V, where: Location, cache_key: str | None = None) -> tuple[list[Statement], list[Val[str]]]:
        """The statements of a policy value: a policy document data source, ``jsonencode``,
        JSON text (heredoc or string), or another aws_iam_policy; opaque otherwise."""
        if cache_key is not None:
            if cache_key in self._policy_cache:
                return self._policy_cache[cache_key]
            if cache_key in self._policy_active:
                return [], [Val("policy (reference cycle)", where)]
            self._policy_active.add(cache_key)
        try:
            result = self._policy_uncached(v, where)
        finally:
            if cache_key is not None:
                self._policy_active.discard(cache_key)
        if cache_key is not None:
            self._policy_cache[cache_key] = result
        return result

    def _policy_uncached(self, v: V, where: Location) -> tuple[list[Statement], list[Val[str]]]:
        if v.value is None and not v.refs:
            return [], []
        if not v.encoded and v.refs:
            addr = address(v.refs[0])
            if addr.startswith("data.aws_iam_policy_document.") and addr in self.scope.data:
                return self._policy_document(addr)
            if addr.startswith("aws_iam_policy.") and addr in self.scope.resources:
                return self._policy_of_resource(addr)
        if v.encoded and isinstance(v.value, dict):
            return self._json_policy(v, where)
        if v.raw is not None:
            raw, first_line = v.raw
            try:
                doc = _JsonParser(raw, v.path, first_line, 1, self._json_string_hook(v.path)).parse()
            except (ValueError, IndexError):
                doc = None
            if doc is not None and isinstance(doc.value, dict):
                return self._json_policy(doc, where)
        if isinstance(v.value, str) and v.value.lstrip().startswith("{"):
            # a resolved heredoc whose raw text was not JSON, or a JSON string literal
            first_line, first_col = (v.raw[1], 1) if v.raw is not None else (v.line, v.col)
            try:
                doc = _JsonParser(v.value, v.path, first_line, first_col, None).parse()
            except (ValueError, IndexError):
                doc = None
            if doc is not None and isinstance(doc.value, dict):
                located = _relocate(doc, v.path, v.line, v.col) if v.raw is None else doc
                return self._json_policy(located, where)
        label = f"{v.func}(...)" if v.func else "policy"
        return [], [Val(label, where)]

    def _json_string_hook(self, path: Path) -> Callable[[str, int, int], V]:
        def hook(text: str, line: int, col: int) -> V:
            return self.scope.template(text, path, line, col)

        return hook

    def _json_policy(self, doc: V, where: Location) -> tuple[list[Statement], list[Val[str]]]:
        d = doc.value
        if not isinstance(d, dict):
            return [], [Val("policy", where)]
        stm = d.get("Statement")
        if stm is None:
            return [], []
        items = stm.value if isinstance(stm.value, list) else [stm]
        statements: list[Statement] = []
        opaque: list[Val[str]] = []
        if stm.value is UNKNOWN:  # built by a for expression, a variable...
            return [], [Val("Statement", doc.key_loc("Statement"))]
        if doc.incomplete:
            opaque.append(Val("Statement", doc.key_loc("Statement")))
        for item in items:
            if isinstance(item.value, dict):
                statements.append(self._json_statement(item))
            elif item.value is not None:
                opaque.append(Val("Statement", item.loc()))
        return statements, opaque

    def _json_statement(self, s: V) -> Statement:
        d: dict[str, V] = s.value
        effect = d.get("Effect")
        st = Statement(
            effect=effect.value if effect is not None and isinstance(effect.value, str) else UNKNOWN,
            loc=s.loc(),
            has_condition="Condition" in d or s.incomplete,
        )
        for key, attr in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                          ("NotResource", "not_resources")):
            if key in d:
                st.locs[attr] = s.key_loc(key)
                setattr(st, attr, self._str_list(d[key]))
        return st

    def _policy_document(self, addr: str) -> tuple[list[Statement], list[Val[str]]]:
        if addr in self._policy_cache:
            return self._policy_cache[addr]
        if addr in self._policy_active:
            return [], [Val(addr, self.scope.data[addr].loc())]
        self._policy_active.add(addr)
        try:
            result = self._policy_document_uncached(self.scope.data[addr])
        finally:
            self._policy_active.discard(addr)
        self._policy_cache[addr] = result
        return result

    def _policy_document_uncached(self, block: Block) -> tuple[list[Statement], list[Val[str]]]:
        s = self.scope
        statements: list[Statement] = []
        opaque: list[Val[str]] = []
        for key in ("source_policy_documents", "source_json", "override_policy_documents", "override_json"):
            v = s.attr(block, key)
            if v is None or v.value is None:
                continue
            docs = v.value if isinstance(v.value, list) and not v.encoded else [v]
            for doc in docs:
                found, op = self._policy(doc, self._where(block, key, doc, block.loc()))
                statements.extend(found)
                opaque.extend(op)
        for sb, where, certain in self._sub_blocks(block.body, "statement"):
            if not certain:
                opaque.append(Val("dynamic statement", where))
                continue
            effect = s.attr(sb, "effect")
            st = Statement(
                effect="Allow" if effect is None or effect.value is None else (
                    effect.value if isinstance(effect.value, str) else UNKNOWN),
                loc=where,
                has_condition=bool(self._sub_blocks(sb, "condition")),
            )
            for key, attr in (("actions", "actions"), ("not_actions", "not_actions"), ("resources", "resources"),
                              ("not_resources", "not_resources")):
                v = s.attr(sb, key)
                if v is not None:
                    st.locs[attr] = self._where(sb, key, v, where)
                    setattr(st, attr, self._str_list(v))
            statements.append(st)
        return statements, opaque

    def _role_policies(self) -> None:
        for _addr, block in self._resources("aws_iam_role_policy"):
            policy = self.scope.attr(block, "policy")
            if policy is None:
                continue
            where = self._where(block, "policy", policy, block.loc())
            for role in self._roles_for(self.scope.attr(block, "role")):
                self._add_policy(role, policy, where)

    def _attachments(self) -> None:
        s = self.scope
        for _addr, block in self._resources("aws_iam_role_policy_attachment"):
            arn = s.attr(block, "policy_arn")
            if arn is None:
                continue
            for role in self._roles_for(s.attr(block, "role")):
                self._add_managed(role, arn, self._where(block, "policy_arn", arn, block.loc()))
        for _addr, block in self._resources("aws_iam_policy_attachment"):
            arn = s.attr(block, "policy_arn")
            roles = s.attr(block, "roles")
            if arn is None or roles is None or not isinstance(roles.value, list):
                continue
            for item in roles.value:
                for role in self._roles_for(item):
                    self._add_managed(role, arn, self._where(block, "policy_arn", arn, block.loc()))
        for _addr, block in self._resources("aws_iam_role_policy_attachments_exclusive"):
            arns = s.attr(block, "policy_arns")
            if arns is None:
                continue
            for role in self._roles_for(s.attr(block, "role_name")):
                self._add_managed_list(role, arns, self._where(block, "policy_arns", arns, block.loc()))

    def _roles_for(self, v: V | None) -> list[Role]:
        """The roles of this module an expression names (``aws_iam_role.r.name``, a literal
        name, the lambda module's ``lambda_role_name`` output)."""
        if v is None:
            return []
        for ref in v.refs:
            addr = address(ref)
            if addr in self.roles:
                return [self.roles[addr]]
            mod = self.lambda_modules.get(addr)
            output = ref.split(".")[2] if ref.count(".") >= 2 else ""
            if mod is not None and mod.role is not None and MODULE_ROLE_OUTPUT.match(output):
                return [mod.role]
        name = _to_str(v)
        if isinstance(name, str) and name:
            short = name.rsplit("/", 1)[-1]
            return [r for a, r in self.roles.items() if self._role_name(a) == short]
        return []

    def _role_name(self, addr: str) -> str | None:
        v = self.scope.attr(self.scope.resources.get(addr), "name")
        return v.value if v is not None and isinstance(v.value, str) else None

    def _link_roles(self) -> None:
        for fn in self.functions.values():
            if "_role_expr" not in fn.extra:
                continue
            v: V | None = fn.extra.pop("_role_expr")
            if v is None:
                continue
            fn.role, fn.role_shared_key = self._role_for(v)

    def _role_for(self, v: V) -> tuple[Role | Unknown | None, str | None]:
        for ref in v.refs:
            addr = address(ref)
            if addr in self.roles:
                return self.roles[addr], f"{self.folder}#{addr}"
            mod = self.lambda_modules.get(addr)
            output = ref.split(".")[2] if ref.count(".") >= 2 else ""
            if mod is not None and mod.role is not None and MODULE_ROLE_OUTPUT.match(output):
                return mod.role, mod.role_key
        literal = _to_str(v)
        if isinstance(literal, str) and literal:
            short = literal.rsplit("/", 1)[-1]
            for a, role in self.roles.items():
                if self._role_name(a) == short:
                    return role, f"{self.folder}#{a}"
            return UNKNOWN, literal
        if v.value is None and not v.refs:
            return None, None
        primary = next((r for r in v.refs if address(r).split(".")[0] not in ("path", "each", "count", "self")), None)
        if primary is None:
            return UNKNOWN, None
        # the same module output / variable / resource means the same role
        key = primary if primary.startswith("module.") else address(primary)
        return UNKNOWN, f"{self.folder}#{key}"

    # ------------------------------------------------------------------ queues

    def _queue(self, addr: str, block: Block) -> None:
        s = self.scope
        q = Queue(id=addr, loc=block.loc())
        vt = s.attr(block, "visibility_timeout_seconds")
        if vt is not None:
            q.visibility_timeout = _int_or_none(vt)
            q.locs["visibility_timeout"] = self._where(block, "visibility_timeout_seconds", vt, q.loc)
        name = s.attr(block, "name")
        if name is not None:
            q.name = _str_or_none(name)
        elif "name_prefix" in block.body.attrs:
            q.name = UNKNOWN
        redrive = s.attr(block, "redrive_policy")
        if redrive is not None:
            if redrive.value is None or redrive.value == "":
                q.redrive = False
            elif redrive.value is UNKNOWN and not redrive.encoded:
                q.redrive = UNKNOWN
            else:
                q.redrive = True
            q.locs["redrive"] = self._where(block, "redrive_policy", redrive, q.loc)
        self.queues[addr] = q
        self.queue_files[addr] = block.path

    def _redrive_policies(self) -> None:
        for _addr, block in self._resources("aws_sqs_queue_redrive_policy"):
            queue = self._primary(self.scope.attr(block, "queue_url"), ("aws_sqs_queue.",))
            if queue in self.queues:
                self.queues[queue].redrive = True

    # ------------------------------------------------------------------ the lambda module

    def _is_lambda_module(self, block: Block) -> bool:
        src = self.scope.attr(block, "source")
        if src is None or not isinstance(src.value, str):
            return False
        source = src.value.strip()
        base, subdir = _split_subdir(source)
        if subdir.strip("/.") != "":
            return False  # a submodule (alias, deploy, docker-build)
        if LAMBDA_MODULE_REGISTRY.match(base):
            return True
        bare = re.sub(r"^(?:git::|github\.com/)", "", base.split("?", 1)[0])
        bare = re.sub(r"^(?:https?|ssh|git)://(?:[^@/]+@)?", "", bare)
        bare = re.sub(r"^git@github\.com:", "github.com/", bare)
        if LAMBDA_MODULE_REPO.search(bare.removesuffix("/")):
            return True
        if base.startswith(("./", "../")) or base in (".", ".."):
            return self._local_lambda_module((self.folder / base).resolve())
        return False

    def _local_lambda_module(self, path: Path) -> bool:
        """A local copy of terraform-aws-modules/terraform-aws-lambda (recognised by its inputs)."""
        if path in self._module_source_cache:
            return self._module_source_cache[path]
        found = False
        try:
            variables = path / "variables.tf"
            if variables.is_file() and variables.stat().st_size < MAX_BYTES:
                text = variables.read_text(encoding="utf-8", errors="replace")
                found = all(f'variable "{n}"' in text for n in ("source_path", "attach_policy_statements", "create_layer"))
        except OSError:
            found = False
        self._module_source_cache[path] = found
        return found

    def _lambda_module_layer(self, addr: str, block: Block) -> None:
        """First pass over modules: remember lambda modules, and the layers they build."""
        if not self._is_lambda_module(block):
            return
        s = self.scope
        mod = _ModuleFn(block)
        create = _flag(s.attr(block, "create"), True)
        if create is False:
            return
        if _flag(s.attr(block, "create_layer"), False) is True:
            mod.layer_content = self._module_package(block, None, layer=True)[0] or UNKNOWN
        elif _flag(s.attr(block, "create_function"), True) is False:
            # only builds a package (another module deploys its `local_filename`)
            mod.package_content = self._module_package(block, None)[0] or UNKNOWN
        self.lambda_modules[addr] = mod

    def _module_package(
        self, block: Block, handler: Any, layer: bool = False
    ) -> tuple[Path | Unknown | None, str | Unknown]:
        """(code path, upload) of a lambda module call, with the module's packaging rules."""
        s = self.scope
        local_pkg = s.attr(block, "local_existing_package")
        s3_pkg = s.attr(block, "s3_existing_package")
        for pkg in (local_pkg, s3_pkg):
            if pkg is not None and pkg.value is UNKNOWN and self._primary(pkg) is None:
                return UNKNOWN, UNKNOWN  # a variable or try(...) that may be null
        if local_pkg is not None and (local_pkg.value is not None or local_pkg.refs):
            return self._code_from(local_pkg), "direct"
        if s3_pkg is not None and (s3_pkg.value is not None or s3_pkg.refs):
            return UNKNOWN, "s3"
        store = _flag(s.attr(block, "store_on_s3"), False)
        upload: str | Unknown = "s3" if store is True else "direct" if store is False else UNKNOWN
        if _flag(s.attr(block, "create_package"), True) is False:
            return UNKNOWN, upload
        source = s.attr(block, "source_path")
        if source is None or source.value is None:
            return UNKNOWN, upload
        return self._source_path(source, handler, layer), upload

    def _lambda_module_function(self, addr: str, mod: _ModuleFn) -> None:
        s = self.scope
        block = mod.block
        b = block.body
        fn = Function(id=addr, format=FORMAT, template=block.path, loc=block.loc())
        fn.extra["module"] = "terraform-aws-modules/lambda/aws"
        pt = self._field(fn, b, "package_type", "package_type")
        fn.package_type = "Image" if pt is not None and pt.value == "Image" else "Zip"
        if fn.package_type == "Zip":
            fn.runtime = _str_or_none(self._field(fn, b, "runtime", "runtime"))
            fn.handler = _str_or_none(self._field(fn, b, "handler", "handler"))
        fn.name = _str_or_none(self._field(fn, b, "function_name", "name"))
        fn.timeout = _int_or_none(self._field(fn, b, "timeout", "timeout"))
        fn.memory = _int_or_none(self._field(fn, b, "memory_size", "memory"))
        fn.ephemeral_storage = _int_or_none(self._field(fn, b, "ephemeral_storage_size", "ephemeral_storage"))
        rc = _int_or_none(self._field(fn, b, "reserved_concurrent_executions", "reserved_concurrency"))
        fn.reserved_concurrency = None if rc == -1 else rc
        arch = s.attr(b, "architectures")
        if arch is not None and arch.value is not None:
            values = self._str_list(arch)
            fn.architectures = [x.value for x in values if isinstance(x.value, str)] if isinstance(values, list) else UNKNOWN
        if fn.package_type == "Image":
            fn.code_path = UNKNOWN
        else:
            fn.code_path, fn.upload = self._module_package(block, fn.handler)
            for key in ("local_existing_package", "source_path"):
                if key in b.attrs:
                    fn.locs["code"] = b.attrs[key].loc()
                    break
            patterns = self._module_patterns(s.attr(b, "source_path"))
            if patterns:
                fn.extra["package"] = {"patterns": patterns}
        env = self._field(fn, b, "environment_variables", "environment")
        if env is not None:
            self._fill_environment(fn, env)
        layers = self._field(fn, b, "layers", "layers")
        if layers is not None:
            fn.layers = self._layers(layers)
        tracing = self._field(fn, b, "tracing_mode", "tracing")
        fn.tracing = _str_or_none(tracing)
        dlq = self._field(fn, b, "dead_letter_target_arn", "dead_letter")
        fn.dead_letter = self._target(dlq)
        if s.attr(b, "managed_instances_capacity_provider_arn") is not None:
            fn.extra["managed_instances"] = True
        # async invoke config: only created with create_async_event_config = true
        async_cfg = _flag(s.attr(b, "create_async_event_config"), False)
        if async_cfg is not False:
            on_failure = self._field(fn, b, "destination_on_failure", "on_failure")
            retries = s.attr(b, "maximum_retry_attempts")
            if async_cfg is True:
                fn.on_failure = self._target(on_failure)
                fn.async_max_retries = _int_or_none(retries)
            else:
                fn.on_failure = UNKNOWN if on_failure is not None else None
                fn.async_max_retries = UNKNOWN if retries is not None else None
        # CloudWatch log group: created by the module unless use_existing_cloudwatch_log_group
        existing = _flag(s.attr(b, "use_existing_cloudwatch_log_group"), False)
        if existing is False:
            fn.log_group_managed = True
            retention = self._field(fn, b, "cloudwatch_logs_retention_in_days", "log_retention")
            days = _int_or_none(retention)
            fn.log_retention = None if days == 0 else days
        else:  # an existing group: its retention is set where it is defined
            fn.log_retention = UNKNOWN
            group = s.attr(b, "logging_log_group")
            if group is not None and (group.value is not None or group.refs):
                fn.extra["_log_group"] = group
        # Function URL (authorization_type defaults to NONE in the module)
        url_flag = _flag(s.attr(b, "create_lambda_function_url"), False)
        if url_flag is not False:
            auth = s.attr(b, "authorization_type")
            where = self._where(b, "authorization_type", auth, b.attrs["create_lambda_function_url"].loc()) if auth else (
                b.attrs["create_lambda_function_url"].loc())
            if url_flag is True:
                fn.url = FunctionUrl(loc=where, auth_type="NONE" if auth is None else _str_or_none(auth) or UNKNOWN)
                fn.locs["url"] = where
                fn.events.append(EventSource("function_url", where, f"{addr}.lambda_function_url", payload_format="2.0"))
        # execution role
        create_role = _flag(s.attr(b, "create_role"), True)
        if create_role is False:
            role_v = s.attr(b, "lambda_role")
            if role_v is not None:
                fn.locs["role"] = self._where(b, "lambda_role", role_v, fn.loc)
                fn.extra["_role_expr"] = role_v
        elif create_role is True:
            mod.role = self._module_role(addr, block, fn)
            mod.role_key = f"{self.folder}#{addr}.aws_iam_role.lambda"
            fn.role = mod.role
            fn.role_shared_key = mod.role_key
        else:
            fn.role = UNKNOWN
        mod.fn = fn
        self.functions[addr] = fn

    def _module_patterns(self, v: V | None) -> list[str] | None:
        if v is None or not isinstance(v.value, list):
            return None
        out: list[str] = []
        for entry in v.value:
            if isinstance(entry.value, dict) and "patterns" in entry.value:
                pv = entry.value["patterns"]
                if isinstance(pv.value, list):
                    out.extend(s for s in (_to_str(i) for i in pv.value) if isinstance(s, str))
                elif isinstance(pv.value, str):
                    out.extend(line.strip() for line in pv.value.splitlines() if line.strip())
        return out or None

    def _module_role(self, addr: str, block: Block, fn: Function) -> Role:
        """The role the module generates, with the policies its inputs attach."""
        s = self.scope
        b = block.body
        role = Role(id=f"{addr}.aws_iam_role.lambda", loc=block.loc(), generated=True)

        def flag(name: str, default: bool) -> bool | Unknown:
            return _flag(s.attr(b, name), default)

        def at(name: str) -> Location:
            return b.attrs[name].loc() if name in b.attrs else block.loc()

        existing_group = flag("use_existing_cloudwatch_log_group", False)
        if flag("attach_cloudwatch_logs_policy", True) is not False:
            actions = list(MODULE_LOGS_ACTIONS)
            if existing_group is False and flag("attach_create_log_group_permission", True) is not False:
                actions.insert(0, "logs:CreateLogGroup")
            where = at("attach_cloudwatch_logs_policy")
            role.statements.append(Statement("Allow", [Val(a, where) for a in actions], resources=UNKNOWN, loc=where))
        if flag("attach_dead_letter_policy", False) is True:
            where = at("attach_dead_letter_policy")
            target = s.attr(b, "dead_letter_target_arn")
            res = self._str_list(target) if target is not None else UNKNOWN
            role.statements.append(Statement("Allow", [Val("sns:Publish", where), Val("sqs:SendMessage", where)],
                                             resources=res, loc=where))
        if flag("attach_async_event_policy", False) is True:
            where = at("attach_async_event_policy")
            resources: list[Val[str]] | Unknown = []
            for key in ("destination_on_failure", "destination_on_success"):
                v = s.attr(b, key)
                if v is not None and v.value is not None:
                    items = self._str_list(v)
                    resources = [*resources, *items] if isinstance(items, list) and isinstance(resources, list) else UNKNOWN
            actions = ["sns:Publish", "sqs:SendMessage", "events:PutEvents", "lambda:InvokeFunction"]
            role.statements.append(Statement("Allow", [Val(a, where) for a in actions], resources=resources, loc=where))
        for name, arn in (("attach_tracing_policy", XRAY_POLICY), ("attach_network_policy", ENI_POLICY)):
            f = flag(name, False)
            if f is True:
                role.managed_policies.append(Val(arn, at(name)))
            elif f is UNKNOWN:
                role.opaque_policies.append(Val(name, at(name)))
        self._module_policy_inputs(role, block, flag, at)
        return role

    def _module_policy_inputs(self, role: Role, block: Block, flag: Callable[[str, bool], bool | Unknown],
                              at: Callable[[str], Location]) -> None:
        s = self.scope
        b = block.body
        inputs = (
            ("attach_policy_json", "policy_json"),
            ("attach_policy_jsons", "policy_jsons"),
            ("attach_policy", "policy"),
            ("attach_policies", "policies"),
            ("attach_policy_statements", "policy_statements"),
        )
        for switch, name in inputs:
            value = s.attr(b, name)
            on = flag(switch, False)
            if on is False or value is None or value.value is None:
                continue
            if on is UNKNOWN:
                role.opaque_policies.append(Val(name, at(name)))
                continue
            where = self._where(b, name, value, at(name))
            if name == "policy_json":
                self._add_policy(role, value, where)
            elif name == "policy_jsons":
                items = value.value if isinstance(value.value, list) else None
                if items is None:
                    role.opaque_policies.append(Val(name, where))
                for item in items or []:
                    self._add_policy(role, item, item.loc())
            elif name == "policy":
                self._add_managed(role, value, where)
            elif name == "policies":
                self._add_managed_list(role, value, where)
            else:
                self._module_statements(role, value, where)

    def _module_statements(self, role: Role, value: V, where: Location) -> None:
        """``policy_statements = { name = { effect, actions, resources, condition... } }``."""
        if not isinstance(value.value, dict):
            role.opaque_policies.append(Val("policy_statements", where))
            return
        if value.incomplete:
            role.opaque_policies.append(Val("policy_statements", where))
        for key, entry in value.value.items():
            kloc = value.key_loc(key)
            if not isinstance(entry.value, dict):
                role.opaque_policies.append(Val(f"policy_statements.{key}", kloc))
                continue
            d: dict[str, V] = entry.value
            effect = d.get("effect")
            st = Statement(
                effect="Allow" if effect is None or effect.value is None else (
                    effect.value if isinstance(effect.value, str) else UNKNOWN),
                loc=kloc,
                has_condition=bool(d.get("condition") is not None and d["condition"].value not in (None, {}, [])),
            )
            for k, attr in (("actions", "actions"), ("not_actions", "not_actions"), ("resources", "resources"),
                            ("not_resources", "not_resources")):
                if k in d:
                    st.locs[attr] = entry.key_loc(k)
                    setattr(st, attr, self._str_list(d[k]))
            role.statements.append(st)

    # ------------------------------------------------------------------ linking to functions

    def _function_for(self, v: V | None, depth: int = 0) -> Function | None:
        """The function of this module an expression points at (a reference to the function,
        an alias of it, the lambda module's outputs, or its literal name/ARN)."""
        if v is None or depth > 4:
            return None
        for ref in v.refs:
            addr = address(ref)
            if addr.startswith("aws_lambda_function.") and addr in self.functions:
                return self.functions[addr]
            if addr.startswith("module.") and addr in self.functions:
                output = ref.split(".")[2] if ref.count(".") >= 2 else ""
                if not output or MODULE_FUNCTION_OUTPUT.match(output):
                    return self.functions[addr]
            if addr.startswith("aws_lambda_alias."):
                alias = self.scope.resources.get(addr)
                fn = self._function_for(self.scope.attr(alias, "function_name"), depth + 1) if alias else None
                if fn is not None:
                    return fn
        literal = _to_str(v) if v.value is not None else UNKNOWN
        if isinstance(literal, str) and literal:
            name = literal
            if ":function:" in literal:
                name = literal.split(":function:", 1)[1].split(":", 1)[0]
            for fn in self.functions.values():
                if isinstance(fn.name, str) and fn.name == name:
                    return fn
        return None

    def _event_sources(self) -> None:
        s = self.scope
        for addr, block in self._resources("aws_lambda_event_source_mapping"):
            fn = self._function_for(s.attr(block, "function_name"))
            if fn is not None:
                fn.events.append(self._mapping(addr, block.body, block.loc(), block.path))
        for addr, mod in self.lambda_modules.items():
            if mod.fn is not None:
                self._module_mappings(addr, mod)
        for addr, block in self._resources("aws_s3_bucket_notification"):
            self._bucket_notification(addr, block)
        for addr, block in self._resources("aws_sns_topic_subscription"):
            protocol = s.attr(block, "protocol")
            if protocol is None or not isinstance(protocol.value, str) or protocol.value.lower() != "lambda":
                continue
            fn = self._function_for(s.attr(block, "endpoint"))
            if fn is not None:
                topic = s.attr(block, "topic_arn")
                ev = EventSource("sns", block.loc(), addr, target=self._target_id(topic))
                fn.events.append(ev)
        for addr, block in self._resources("aws_cloudwatch_event_target"):
            fn = self._function_for(s.attr(block, "arn"))
            if fn is not None:
                rule_v = s.attr(block, "rule")
                rule = self._event_rule(rule_v)
                kind = "schedule" if rule is not None and "schedule_expression" in rule[1].body.attrs else "eventbridge"
                fn.events.append(EventSource(kind, block.loc(), addr, target=rule[0] if rule else UNKNOWN))
        for addr, block in self._resources("aws_scheduler_schedule"):
            for tb, where, _ in self._sub_blocks(block.body, "target"):
                fn = self._function_for(s.attr(tb, "arn"))
                if fn is not None:
                    fn.events.append(EventSource("schedule", where, addr, target=addr))
        for addr, block in self._resources("aws_cloudwatch_log_subscription_filter"):
            fn = self._function_for(s.attr(block, "destination_arn"))
            if fn is not None:
                fn.events.append(EventSource("cloudwatch_logs", block.loc(), addr, target=self._target_id(s.attr(block, "log_group_name"))))
        for addr, block in self._resources("aws_iot_topic_rule"):
            for lb, where, _ in self._sub_blocks(block.body, "lambda"):
                fn = self._function_for(s.attr(lb, "function_arn"))
                if fn is not None:
                    fn.events.append(EventSource("iot", where, addr, target=addr))
        for addr, block in self._resources("aws_api_gateway_integration"):
            fn = self._function_for(s.attr(block, "uri"))
            if fn is not None:
                fn.events.append(EventSource("api", block.loc(), addr, target=self._target_id(s.attr(block, "rest_api_id")),
                                             payload_format="1.0"))
        for addr, block in self._resources("aws_apigatewayv2_integration"):
            fn = self._function_for(s.attr(block, "integration_uri"))
            if fn is not None:
                fn.events.append(self._http_api_event(addr, block))
        for rtype in ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment"):
            for addr, block in self._resources(rtype):
                fn = self._function_for(s.attr(block, "target_id"))
                if fn is not None:
                    fn.events.append(EventSource("alb", block.loc(), addr, target=self._target_id(s.attr(block, "target_group_arn")),
                                                 payload_format="1.0"))
        for addr, block in self._resources("aws_lambda_function_url"):
            fn = self._function_for(s.attr(block, "function_name"))
            if fn is None:
                continue
            auth = s.attr(block, "authorization_type")
            where = self._where(block, "authorization_type", auth, block.loc()) if auth is not None else block.loc()
            fn.url = FunctionUrl(loc=where, auth_type=_str_or_none(auth) or UNKNOWN)
            fn.locs["url"] = where
            fn.events.append(EventSource("function_url", block.loc(), addr, payload_format="2.0"))
        for _addr, block in self._resources("aws_lambda_function_event_invoke_config"):
            fn = self._function_for(s.attr(block, "function_name"))
            if fn is not None:
                self._invoke_config(fn, block)
        # permissions last: the event a permission lets in is added only when no event source
        # above already describes it
        for addr, block in self._resources("aws_lambda_permission"):
            fn = self._function_for(s.attr(block, "function_name"))
            if fn is not None:
                self._permission(fn, addr, block)
        for addr, mod in self.lambda_modules.items():
            if mod.fn is not None:
                self._module_permissions(addr, mod)
        self._log_groups()

    def _target_id(self, v: V | None) -> str | Unknown | None:
        """The same-module resource an expression references (the event's ``target``)."""
        if v is None:
            return None
        addr = self._primary(v)
        return addr if addr is not None else UNKNOWN

    def _source_kind(self, v: V | None, body: Body) -> tuple[str, str | Unknown | None]:
        """(event kind, target address) of an event source mapping's ``event_source_arn``."""
        kafka = self._sub_blocks(body, "self_managed_event_source")
        if any(certain for _, _, certain in kafka):
            return "kafka", UNKNOWN
        if kafka:  # a dynamic block that may or may not exist
            return "other", UNKNOWN
        addr = self._primary(v)
        if addr is not None:
            rtype = addr.split(".")[1] if addr.startswith("data.") else addr.split(".")[0]
            return SOURCE_TYPE_KINDS.get(rtype, "other"), addr
        literal = _to_str(v) if v is not None and v.value is not None else UNKNOWN
        if isinstance(literal, str) and literal.startswith("arn:") and literal.count(":") >= 5:
            return ARN_SERVICE_KINDS.get(literal.split(":")[2], "other"), UNKNOWN
        return "other", UNKNOWN if v is not None else None

    def _mapping(self, name: str, body: Body, where: Location, path: Path) -> EventSource:
        s = self.scope
        arn = s.attr(body, "event_source_arn")
        kind, target = self._source_kind(arn, body)
        ev = EventSource(kind, where, name, target=target)
        if arn is not None:
            lit = _to_str(arn) if arn.value is not None else UNKNOWN
            ev.target_name = lit if isinstance(lit, str) else UNKNOWN
        for dc, _dwhere, certain in self._sub_blocks(body, "destination_config"):
            for of, owhere, certain2 in self._sub_blocks(dc, "on_failure"):
                dest = s.attr(of, "destination_arn")
                ev.on_failure = self._target(dest) if certain and certain2 else UNKNOWN
                ev.locs["on_failure"] = self._where(of, "destination_arn", dest, owhere)
            if not certain and ev.on_failure is None:
                ev.on_failure = UNKNOWN
        ev.bisect_on_error = _bool_or_none(s.attr(body, "bisect_batch_on_function_error"))
        ev.maximum_retry_attempts = _int_or_none(s.attr(body, "maximum_retry_attempts"))
        ev.maximum_record_age = _int_or_none(s.attr(body, "maximum_record_age_in_seconds"))
        frt = s.attr(body, "function_response_types")
        if frt is not None and frt.value is not None:
            items = self._str_list(frt)
            ev.function_response_types = (
                [i.value for i in items if isinstance(i.value, str)] if isinstance(items, list) else UNKNOWN
            )
        for key, field_name in (("maximum_retry_attempts", "maximum_retry_attempts"),
                                ("bisect_batch_on_function_error", "bisect_on_error"),
                                ("maximum_record_age_in_seconds", "maximum_record_age")):
            if key in body.attrs:
                ev.locs[field_name] = body.attrs[key].loc()
        return ev

    def _module_mappings(self, addr: str, mod: _ModuleFn) -> None:
        fn = mod.fn
        assert fn is not None
        esm = self.scope.attr(mod.block, "event_source_mapping")
        if esm is not None and isinstance(esm.value, dict):
            for key, entry in esm.value.items():
                where = esm.key_loc(key)
                fn.events.append(self._module_mapping(f"{addr}.event_source_mapping.{key}", entry, where))

    def _module_permissions(self, addr: str, mod: _ModuleFn) -> None:
        fn = mod.fn
        assert fn is not None
        triggers = self.scope.attr(mod.block, "allowed_triggers")
        if triggers is not None and isinstance(triggers.value, dict):
            for key, entry in triggers.value.items():
                if isinstance(entry.value, dict):
                    self._module_permission(fn, f"{addr}.allowed_triggers.{key}", entry, triggers.key_loc(key))

    def _module_mapping(self, name: str, entry: V, where: Location) -> EventSource:
        d: dict[str, V] = entry.value if isinstance(entry.value, dict) else {}
        arn = d.get("event_source_arn")
        target: str | Unknown | None
        if "self_managed_event_source" in d:
            kind, target = "kafka", UNKNOWN
        else:
            kind, target = self._source_kind(arn, Body())
        if kind == "other" and "queues" in d:
            kind = "mq"
        ev = EventSource(kind, where, name, target=target)
        if arn is not None:
            lit = _to_str(arn) if arn.value is not None else UNKNOWN
            ev.target_name = lit if isinstance(lit, str) else UNKNOWN
        if not isinstance(entry.value, dict):
            ev.on_failure = UNKNOWN
            ev.bisect_on_error = UNKNOWN
            ev.maximum_retry_attempts = UNKNOWN
            return ev
        dest = d.get("destination_arn_on_failure")
        ev.on_failure = self._target(dest) if dest is not None else None
        ev.bisect_on_error = _bool_or_none(d.get("bisect_batch_on_function_error"))
        ev.maximum_retry_attempts = _int_or_none(d.get("maximum_retry_attempts"))
        ev.maximum_record_age = _int_or_none(d.get("maximum_record_age_in_seconds"))
        frt = d.get("function_response_types")
        if frt is not None and frt.value is not None:
            items = self._str_list(frt)
            ev.function_response_types = (
                [i.value for i in items if isinstance(i.value, str)] if isinstance(items, list) else UNKNOWN
            )
        for key, field_name in (("maximum_retry_attempts", "maximum_retry_attempts"),
                                ("bisect_batch_on_function_error", "bisect_on_error"),
                                ("maximum_record_age_in_seconds", "maximum_record_age"),
                                ("destination_arn_on_failure", "on_failure")):
            if key in d:
                ev.locs[field_name] = entry.key_loc(key)
        if entry.incomplete and ev.on_failure is None:
            ev.on_failure = UNKNOWN
        return ev

    def _module_permission(self, fn: Function, pid: str, entry: V, where: Location) -> None:
        d: dict[str, V] = entry.value
        principal_v = d.get("principal")
        service_v = d.get("service")
        if principal_v is not None:
            principal = _str_or_none(principal_v) or UNKNOWN
        elif service_v is not None:
            service = _str_or_none(service_v)
            principal = f"{service}.amazonaws.com" if isinstance(service, str) else UNKNOWN
        else:
            principal = UNKNOWN
        action = d.get("action")
        perm = Permission(
            id=pid,
            loc=where,
            principal=principal,
            action=(_str_or_none(action) or UNKNOWN) if action is not None else "lambda:InvokeFunction",
            source_arn=self._opt_target(d.get("source_arn")),
            source_account=self._opt_target(d.get("source_account")),
            principal_org_id=self._opt_target(d.get("principal_org_id")),
            function_url_auth_type=self._opt_target(d.get("function_url_auth_type")),
            event_source_token=self._opt_target(d.get("event_source_token")),
        )
        for key, name in (("principal", "Principal"), ("service", "Principal"), ("source_arn", "SourceArn"),
                          ("source_account", "SourceAccount"), ("function_url_auth_type", "FunctionUrlAuthType")):
            if key in d:
                perm.locs[name] = entry.key_loc(key)
        fn.permissions.append(perm)
        self._permission_event(fn, perm, d.get("source_arn"))

    def _opt_target(self, v: V | None) -> str | Unknown | None:
        if v is None or (v.value is None and not v.refs):
            return None
        addr = self._primary(v)
        literal = _to_str(v)
        if isinstance(literal, str):
            return literal
        return f"resource:{addr}" if addr is not None else UNKNOWN

    def _permission(self, fn: Function, addr: str, block: Block) -> None:
        s = self.scope
        b = block.body
        principal = s.attr(b, "principal")
        action = s.attr(b, "action")
        perm = Permission(
            id=addr,
            loc=block.loc(),
            principal=(_str_or_none(principal) or UNKNOWN) if principal is not None else UNKNOWN,
            action=(_str_or_none(action) or UNKNOWN) if action is not None else "lambda:InvokeFunction",
            source_arn=self._opt_target(s.attr(b, "source_arn")),
            source_account=self._opt_target(s.attr(b, "source_account")),
            principal_org_id=self._opt_target(s.attr(b, "principal_org_id")),
            function_url_auth_type=self._opt_target(s.attr(b, "function_url_auth_type")),
            event_source_token=self._opt_target(s.attr(b, "event_source_token")),
        )
        for key, name in (("principal", "Principal"), ("source_arn", "SourceArn"), ("source_account", "SourceAccount"),
                          ("function_url_auth_type", "FunctionUrlAuthType"), ("action", "Action")):
            if key in b.attrs:
                perm.locs[name] = b.attrs[key].loc()
        fn.permissions.append(perm)
        self._permission_event(fn, perm, s.attr(b, "source_arn"))

    def _permission_event(self, fn: Function, perm: Permission, source_arn: V | None) -> None:
        """The event a permission lets in, unless an event source already describes it."""
        principal = perm.principal
        if not isinstance(principal, str):
            return
        p = principal.strip().lower()
        target = self._primary(source_arn)
        kind = PRINCIPAL_KINDS.get(p) or ("cloudwatch_logs" if LOGS_PRINCIPAL.match(p) else None)
        payload: str | None = None
        if p == "apigateway.amazonaws.com":
            rtype = target.split(".")[0] if target else ""
            if rtype == "module" and target is not None:  # terraform-aws-modules/apigateway-v2 and co
                src = self.scope.attr(self.scope.modules.get(target), "source")
                name = src.value if src is not None and isinstance(src.value, str) else ""
                rtype = "aws_apigatewayv2_" if "apigateway-v2" in name else ""
            if rtype.startswith("aws_api_gateway_"):
                kind, payload = "api", "1.0"
            elif rtype.startswith("aws_apigatewayv2_"):
                kind = "http_api"
            else:
                rest = any(a.startswith("aws_api_gateway_rest_api.") for a in self.scope.resources)
                http = any(a.startswith("aws_apigatewayv2_api.") for a in self.scope.resources)
                kind = "api" if rest and not http else "http_api" if http and not rest else None
                payload = "1.0" if kind == "api" else None
            if kind == "http_api":
                payload = UNKNOWN  # type: ignore[assignment]
        if kind == "eventbridge" and target is not None and target.startswith("aws_cloudwatch_event_rule."):
            rule = self.scope.resources.get(target)
            if rule is not None and "schedule_expression" in rule.body.attrs:
                kind = "schedule"
        if kind is None:
            return
        for ev in fn.events:
            if ev.kind == kind and (target is None or ev.target in (target, UNKNOWN, None) or kind in ("api", "http_api")):
                return
        ev = EventSource(kind, perm.loc, perm.id, target=target if target else UNKNOWN)
        if payload is not None:
            ev.payload_format = payload
        fn.events.append(ev)

    def _event_rule(self, v: V | None) -> tuple[str, Block] | None:
        if v is None:
            return None
        addr = self._primary(v, ("aws_cloudwatch_event_rule.",))
        if addr is not None and addr in self.scope.resources:
            return addr, self.scope.resources[addr]
        name = _to_str(v) if v.value is not None else UNKNOWN
        if isinstance(name, str):
            for a, block in self._resources("aws_cloudwatch_event_rule"):
                n = self.scope.attr(block, "name")
                if n is not None and n.value == name:
                    return a, block
        return None

    def _http_api_event(self, addr: str, block: Block) -> EventSource:
        s = self.scope
        api = self._primary(s.attr(block, "api_id"), ("aws_apigatewayv2_api.",))
        api_block = s.resources.get(api) if api else None
        protocol = s.attr(api_block, "protocol_type") if api_block is not None else None
        kind = "other" if protocol is not None and protocol.value == "WEBSOCKET" else "http_api"
        pfv = s.attr(block, "payload_format_version")
        payload: str | Unknown = "1.0" if pfv is None else (_str_or_none(pfv) or UNKNOWN)  # provider default: 1.0
        return EventSource(kind, block.loc(), addr, target=api if api else UNKNOWN, payload_format=payload)

    def _bucket_notification(self, addr: str, block: Block) -> None:
        s = self.scope
        bucket = s.attr(block, "bucket")
        target = self._target_id(bucket)
        name = _to_str(bucket) if bucket is not None and bucket.value is not None else UNKNOWN
        for lb, where, _certain in self._sub_blocks(block.body, "lambda_function"):
            fn = self._function_for(s.attr(lb, "lambda_function_arn"))
            if fn is None:
                continue
            ev = EventSource("s3", where, addr, target=target)
            ev.target_name = name if isinstance(name, str) else UNKNOWN
            prefix = s.attr(lb, "filter_prefix")
            suffix = s.attr(lb, "filter_suffix")
            ev.filter_prefix = _str_or_none(prefix)
            ev.filter_suffix = _str_or_none(suffix)
            fn.events.append(ev)

    def _invoke_config(self, fn: Function, block: Block) -> None:
        s = self.scope
        for dc, _where, certain in self._sub_blocks(block.body, "destination_config"):
            for of, owhere, certain2 in self._sub_blocks(dc, "on_failure"):
                dest = s.attr(of, "destination")
                fn.on_failure = self._target(dest) if certain and certain2 and dest is not None else UNKNOWN
                fn.locs["on_failure"] = self._where(of, "destination", dest, owhere)
        retries = s.attr(block, "maximum_retry_attempts")
        if retries is not None:
            fn.async_max_retries = _int_or_none(retries)
            fn.locs["async_max_retries"] = self._where(block, "maximum_retry_attempts", retries, block.loc())

    def _log_groups(self) -> None:
        """Match ``aws_cloudwatch_log_group`` resources to functions: the group a function's
        ``logging_config.log_group`` names, else ``/aws/lambda/<function name>``."""
        s = self.scope
        custom: dict[str, V] = {a: fn.extra.pop("_log_group") for a, fn in self.functions.items() if "_log_group" in fn.extra}
        for addr, block in self._resources("aws_cloudwatch_log_group"):
            name = s.attr(block, "name")
            for fn in self._log_group_owners(addr, name, custom):
                fn.log_group_managed = True
                retention = s.attr(block, "retention_in_days")
                days = _int_or_none(retention)
                fn.log_retention = None if days == 0 else days
                fn.locs["log_retention"] = self._where(block, "retention_in_days", retention, block.loc())
                if fn.id in custom:
                    fn.extra["log_group_ref"] = addr
        for fid in custom:
            fn = self.functions[fid]
            if not fn.log_group_managed:
                fn.extra["log_group_ref"] = UNKNOWN  # a group this module does not define

    def _log_group_owners(self, addr: str, name: V | None, custom: dict[str, V]) -> list[Function]:
        literal = _to_str(name) if name is not None and name.value is not None else UNKNOWN
        out: list[Function] = []
        for fid, fn in self.functions.items():
            if fid in custom:
                group = custom[fid]
                if self._primary(group, ("aws_cloudwatch_log_group.",)) == addr or (
                    isinstance(literal, str) and _to_str(group) == literal
                ):
                    out.append(fn)
                continue
            if fn.log_group_managed or name is None:
                continue
            if isinstance(literal, str) and literal.startswith("/aws/lambda/"):
                if isinstance(fn.name, str) and literal[len("/aws/lambda/"):] == fn.name:
                    out.append(fn)
                continue
            # "/aws/lambda/${aws_lambda_function.x.function_name}" with an unresolved name
            refs = {address(r) for r in name.refs}
            if fid in refs and literal is UNKNOWN:
                out.append(fn)
        return out

    # ------------------------------------------------------------------ output

    def _register(self) -> None:
        by_file: dict[Path, list[Function]] = {}
        for fn in self.functions.values():
            fn.extra.pop("_role_expr", None)
            by_file.setdefault(fn.template, []).append(fn)
        for addr, role in self.roles.items():
            self.project.roles[f"{self.folder}#{addr}"] = role
        for mod in self.lambda_modules.values():
            if mod.role is not None and mod.role_key is not None:
                self.project.roles[mod.role_key] = mod.role
        # a queue is keyed by every file of its module, so a rule can find it from any function
        # of the folder as f"{fn.template}#{address}" (the event's target is the address)
        for addr, q in self.queues.items():
            for f in self.files:
                self.project.queues[f"{f.path}#{addr}"] = q
        for f in self.files:
            self.project.add(TemplateFile(path=f.path, format=FORMAT, functions=by_file.get(f.path, [])))


def _flag(v: V | None, default: bool) -> bool | Unknown:
    """A module's boolean input: its default when not set (or null), UNKNOWN when unresolved."""
    if v is None or v.value is None:
        return default
    b = _bool_or_none(v)
    return UNKNOWN if b is None else b


def _split_subdir(source: str) -> tuple[str, str]:
    """``git::https://host/repo.git//sub/dir?ref=v1`` -> (``git::https://host/repo.git?ref=v1``, ``sub/dir``)."""
    query = ""
    if "?" in source:
        source, query = source.split("?", 1)
        query = "?" + query
    start = source.find("://")
    start = start + 3 if start >= 0 else 0
    idx = source.find("//", start)
    if idx < 0:
        return source + query, ""
    return source[:idx] + query, source[idx + 2:]


def _relocate(v: V, path: Path, line: int, col: int) -> V:
    """A value parsed from a one-line string: every part located at the string."""
    value = v.value
    if isinstance(value, list):
        value = [_relocate(i, path, line, col) for i in value]
    elif isinstance(value, dict):
        value = {k: _relocate(i, path, line, col) for k, i in value.items()}
    keys = {k: Location(path, line, col) for k in v.keys} if v.keys else v.keys
    return v.copy(value=value, path=path, line=line, col=col, keys=keys)


def iter_blocks(body: Body) -> Iterable[Block]:
    """Every block of a body, depth first (for tests and tools)."""
    for b in body.blocks:
        yield b
        yield from iter_blocks(b.body)


__all__ = ["Block", "Body", "Scope", "V", "address", "load_dir", "parse_file", "refs_in"]
