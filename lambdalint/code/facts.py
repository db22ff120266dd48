"""Per-file code facts for the template <-> code rules (LL502, LL503).

Collected with the standard library's ``ast`` (C speed, real line numbers), for handler files
and for the same-folder modules they import. Everything here is picklable (the per-file result
is cached): plain strings, ints and tuples.

What is collected:
- environment reads: ``os.environ["X"]`` (raises KeyError when unset) and the optional forms
  (``os.environ.get("X")``, ``os.getenv("X")``), with the scope they run in and whether a
  guard (``if "X" in os.environ``, ``try/except KeyError``) protects them;
- environment writes (``os.environ["X"] = ...``, ``setdefault``, ``update``);
- top-level names, imports and, per function, the names it refers to (a small call graph,
  followed across same-folder modules by :func:`reached_scopes`);
- writes to S3 / SQS / SNS with the bucket / queue / topic argument resolved to an environment
  variable, a literal or the triggering S3 event's bucket, and the written key's literal
  prefix/suffix.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lambdalint.code.module import ParseFailure, decode_source

if TYPE_CHECKING:
    from lambdalint.model import Project

ENV_QUALS = {"os.environ"}
GETENV_QUALS = {"os.getenv", "os.environ.get", "os.environb.get"}
KEYERROR_CATCHERS = {"KeyError", "LookupError", "Exception", "BaseException"}
MAX_RESOLVE_DEPTH = 4
TRY_TYPES = (ast.Try, ast.TryStar)
# every method name _write recognises: anything else is not a write
WRITE_METHODS = frozenset(
    {"put_object", "copy_object", "upload_file", "upload_fileobj", "copy", "put", "copy_from", "send_message", "send_message_batch", "publish"}
)
INSTANCE_HOOKS = frozenset({"__init__", "__post_init__", "__new__", "__call__", "__enter__", "__exit__"})


@dataclass(frozen=True)
class EnvRead:
    name: str
    line: int
    col: int
    scope: str  # "" module level, "func", "Class.method"
    guarded: bool  # under a membership test / optional read of the same name, or try/except KeyError
    optional: bool  # .get / getenv: never raises


@dataclass(frozen=True)
class Write:
    """A call that writes to an S3 bucket, SQS queue or SNS topic."""

    service: str  # "s3" / "sqs" / "sns"
    method: str  # put_object, send_message, publish...
    target_kind: str  # "env" / "literal" / "event"
    target: str  # env var name / literal name, ARN or URL / "" for event
    key_prefix: str | None  # literal start of the written S3 key, None when unknown
    key_suffix: str | None
    line: int
    col: int
    scope: str


@dataclass(frozen=True)
class CodeFacts:
    names: frozenset[str]  # names bound at module level (defs, classes, assignments, imports)
    dynamic_names: bool  # `from x import *` or a module-level __getattr__
    imports: tuple[tuple[str, int], ...]  # (module, level) of every import statement
    bindings: tuple[tuple[str, str, int], ...]  # (local name, dotted target, level)
    functions: frozenset[str]  # scope keys of defs: "f", "Class.method"
    classes: tuple[tuple[str, tuple[str, ...]], ...]  # class -> its method scope keys
    refs: tuple[tuple[str, tuple[str, ...]], ...]  # scope key ("" module) -> names/chains used
    reads: tuple[EnvRead, ...]
    sets: frozenset[str]  # env vars the code sets itself
    sets_dynamic: bool  # os.environ.update(<unknown>) / os.environ[<unknown>] = ...
    writes: tuple[Write, ...]
    # literal key checks (`key.startswith("thumbs/")`, `"-small" in key`): (scope, kind, literal)
    key_checks: tuple[tuple[str, str, str], ...] = ()


def collect_facts(data: bytes, parsed: tuple[str, ast.Module] | None = None) -> CodeFacts | None:
    """Facts for one Python file, or None when it does not parse (LL001 reports that).
    ``parsed``: its text and ``ast`` tree, when the caller has them already."""
    if parsed is not None:
        text, tree = parsed
    else:
        try:
            text, _ = decode_source(data)
            tree = ast.parse(text)
        except (ParseFailure, SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError):
            return None
    try:
        return _Collector(text, tree).run()
    except RecursionError:
        return None


# --------------------------------------------------------------------------- collection


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    return any(isinstance(p, ast.Name) and p.id == "__name__" for p in parts) and any(
        isinstance(p, ast.Constant) and p.value == "__main__" for p in parts
    )


def _catches_keyerror(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = t.attr if isinstance(t, ast.Attribute) else t.id if isinstance(t, ast.Name) else ""
        if name in KEYERROR_CATCHERS:
            return True
    return False


@dataclass
class _Scope:
    key: str
    nodes: list[ast.AST] = field(default_factory=list)  # statements that run in this scope
    cls: str | None = None
    refs: set[str] = field(default_factory=set)  # names and chains used (filled by the scan)
    _flat: list[ast.AST] | None = None

    def flat(self) -> list[ast.AST]:
        """Every node below the scope's statements, walked once and shared by each pass."""
        if self._flat is None:
            self._flat = _walk_all(self.nodes)
        return self._flat


class _Collector:
    def __init__(self, text: str, tree: ast.Module) -> None:
        self.lines = text.splitlines()
        self.tree = tree
        self.bindings: dict[str, tuple[str, int]] = {}  # local -> (dotted, level)
        self.imports: list[tuple[str, int]] = []
        self.names: set[str] = set()
        self.dynamic = False
        self.env_aliases: set[str] = set()
        self.constants: dict[str, str] = {}
        self.module_assign: dict[str, list[ast.expr]] = {}
        self.scopes: dict[str, _Scope] = {"": _Scope("")}
        self.classes: dict[str, list[str]] = {}
        self.reads: list[EnvRead] = []
        self.sets: set[str] = set()
        self.sets_dynamic = False
        self.writes: list[Write] = []
        self.key_checks: list[tuple[str, str, str]] = []
        self.guarded_stmts: set[int] = set()  # module-level statements inside try/except KeyError
        # cheap textual pre-checks: without these words (ASCII source, so no NFKC-normalised
        # identifiers) no node can read or set the environment, or load a .env file
        ascii_text = text.isascii()
        self.may_touch_env = not ascii_text or "environ" in text or "getenv" in text
        self.may_load_dotenv = not ascii_text or "putenv" in text or "load_dotenv" in text

    # -- positions ------------------------------------------------------------------

    def pos(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        col = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
        return line, col + 1

    # -- structure ------------------------------------------------------------------

    def run(self) -> CodeFacts:
        import_nodes = _import_nodes(self.tree)
        for node in import_nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.append((alias.name, 0))
            elif isinstance(node, ast.ImportFrom):
                self.imports.append((node.module or "", node.level))
                for alias in node.names:
                    if alias.name != "*":
                        self.imports.append((f"{node.module}.{alias.name}" if node.module else alias.name, node.level))
        self._structure(self.tree.body, None)
        for binding_node in import_nodes:  # imports anywhere bind names for resolution
            self._bind(binding_node, top=False)
        for scope in self.scopes.values():
            self._scan_scope(scope)
        refs = tuple((key, tuple(sorted(scope.refs))) for key, scope in self.scopes.items())
        return CodeFacts(
            names=frozenset(self.names),
            dynamic_names=self.dynamic,
            imports=tuple(dict.fromkeys(self.imports)),
            bindings=tuple((k, v, lvl) for k, (v, lvl) in self.bindings.items()),
            functions=frozenset(k for k in self.scopes if k),
            classes=tuple((c, tuple(m)) for c, m in self.classes.items()),
            refs=refs,
            reads=tuple(self.reads),
            sets=frozenset(self.sets),
            sets_dynamic=self.sets_dynamic,
            writes=tuple(self.writes),
            key_checks=tuple(self.key_checks),
        )

    def _bind(self, node: ast.Import | ast.ImportFrom, top: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.bindings.setdefault(alias.asname, (alias.name, 0))
                    if top:
                        self.names.add(alias.asname)
                else:
                    first = alias.name.split(".")[0]
                    self.bindings.setdefault(first, (first, 0))
                    if top:
                        self.names.add(first)
            return
        for alias in node.names:
            if alias.name == "*":
                if top:
                    self.dynamic = True
                continue
            local = alias.asname or alias.name
            target = f"{node.module}.{alias.name}" if node.module else alias.name
            self.bindings.setdefault(local, (target, node.level))
            if top:
                self.names.add(local)

    def _structure(self, body: list[ast.stmt], cls: str | None) -> None:
        """Sort module-level statements into scopes; look inside if/try/with blocks."""
        for stmt in body:
            if _is_main_guard(stmt):
                continue  # runs only as a script, never in Lambda
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                key = f"{cls}.{stmt.name}" if cls else stmt.name
                if not cls:
                    self.names.add(stmt.name)
                    if stmt.name == "__getattr__":
                        self.dynamic = True
                else:
                    self.classes[cls].append(key)
                self.scopes.setdefault(key, _Scope(key, cls=cls)).nodes.append(stmt)
                # decorators and defaults run at import
                self.scopes[""].nodes.extend([*stmt.decorator_list, *stmt.args.defaults, *[d for d in stmt.args.kw_defaults if d]])
            elif isinstance(stmt, ast.ClassDef):
                if cls is None:
                    self.names.add(stmt.name)
                    self.classes.setdefault(stmt.name, [])
                    self.scopes[""].nodes.extend([*stmt.decorator_list, *stmt.bases, *stmt.keywords])
                    self._structure(stmt.body, stmt.name)
                else:
                    self.scopes[""].nodes.append(stmt)  # nested class body runs at import
            elif isinstance(stmt, (ast.If, ast.With, ast.AsyncWith, *TRY_TYPES)):
                # the header runs at import; the blocks are structured like the module body
                if isinstance(stmt, ast.If):
                    self.scopes[""].nodes.append(stmt.test)
                    self._structure(stmt.body, cls)
                    self._structure(stmt.orelse, cls)
                elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                    self.scopes[""].nodes.extend(item.context_expr for item in stmt.items)
                    self._structure(stmt.body, cls)
                else:
                    if any(_catches_keyerror(h) for h in stmt.handlers):
                        self.guarded_stmts.update(id(s) for s in stmt.body)
                    self._structure(stmt.body, cls)
                    for h in stmt.handlers:
                        self._structure(h.body, cls)
                    self._structure(stmt.orelse, cls)
                    self._structure(stmt.finalbody, cls)
            else:
                self.scopes[""].nodes.append(stmt)
                if cls is None:
                    self._module_level(stmt)

    def _module_level(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self._bind(stmt, top=True)
            return
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            targets = [stmt.target]
        for t in targets:
            for name in _target_names(t):
                self.names.add(name)
                if value is not None and isinstance(t, ast.Name):
                    self.module_assign.setdefault(name, []).append(value)
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        self.constants[name] = value.value
                    if self.qual(value) in ENV_QUALS:
                        self.env_aliases.add(name)

    # -- names ----------------------------------------------------------------------

    def qual(self, expr: ast.AST) -> str | None:
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = node.id
        if base in self.bindings:
            target, level = self.bindings[base]
            base = target if level == 0 else "." * level + target
        return ".".join([base, *reversed(parts)])

    def is_environ(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name) and expr.id in self.env_aliases:
            return True
        return self.qual(expr) in ENV_QUALS

    def string(self, expr: ast.AST | None) -> str | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name) and expr.id in self.constants:
            return self.constants[expr.id]
        return None

    def env_read(self, node: ast.AST) -> tuple[str, bool] | None:
        """(name, optional) when ``node`` reads an environment variable."""
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and self.is_environ(node.value):
            name = self.string(node.slice)
            return (name, False) if name is not None else None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            is_get = (isinstance(func, ast.Attribute) and func.attr == "get" and self.is_environ(func.value)) or self.qual(func) in GETENV_QUALS
            if is_get:
                name = self.string(node.args[0])
                return (name, True) if name is not None else None
        return None

    # -- per scope ------------------------------------------------------------------

    def _scan_scope(self, scope: _Scope) -> None:
        """One pass over the scope's nodes for the names it uses, the membership tests,
        environment writes and key checks; then the S3 / SQS / SNS writes (which need the scope's assignments) and
        the environment reads (which need every tested name of the scope)."""
        tested: set[str] = set()
        env = self.may_touch_env
        dotenv = self.may_load_dotenv
        has_read = False
        write_calls: list[ast.Call] = []
        refs = scope.refs
        heads = {*self.bindings, *self.classes, "self", "cls"}  # complete before any scope is scanned
        Name, Attribute, Load = ast.Name, ast.Attribute, ast.Load
        for node in scope.flat():
            tp = type(node)
            # the names and chains the scope uses (its edges in the call graph)
            if tp is Name:
                if type(node.ctx) is Load:  # type: ignore[attr-defined]
                    refs.add(node.id)  # type: ignore[attr-defined]
                continue
            if tp is Attribute:
                if type(node.ctx) is Load:  # type: ignore[attr-defined]
                    refs.add("." + node.attr)  # type: ignore[attr-defined]  # a method called on some instance: `repo.save()`
                    chain = _chain(node)  # type: ignore[arg-type]
                    if chain and chain.split(".")[0] in heads:
                        refs.add(chain)
                continue
            if isinstance(node, ast.Call):
                if env:
                    read = self.env_read(node)
                    if read is not None:
                        has_read = True
                        if read[1]:
                            tested.add(read[0])
                if env or dotenv:
                    self._env_sets(node)
                if isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_METHODS:
                    write_calls.append(node)
                self._key_check(node, scope.key)
            elif isinstance(node, ast.Compare):
                if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
                    if env and any(self.is_environ(c) for c in node.comparators):
                        name = self.string(node.left)
                        if name is not None:
                            tested.add(name)
                    lit = self.string(node.left)
                    if lit:
                        self.key_checks.append((scope.key, "in", lit))
            elif isinstance(node, ast.Subscript) and env:
                if not has_read and self.env_read(node) is not None:
                    has_read = True
                self._env_sets(node)
        if write_calls:
            assigns = self._assignments(scope)
            for call in write_calls:
                self._write(call, scope, assigns)
        if has_read:  # _reads visits a part of the nodes seen here: nothing to find otherwise
            for stmt in scope.nodes:
                self._reads(stmt, scope.key, tested, id(stmt) in self.guarded_stmts)

    def _env_sets(self, node: ast.AST) -> None:
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) and self.is_environ(node.value):
            name = self.string(node.slice)
            if name is None:
                self.sets_dynamic = True
            else:
                self.sets.add(name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and self.is_environ(node.func.value):
            if node.func.attr == "setdefault" and node.args:
                name = self.string(node.args[0])
                if name is None:
                    self.sets_dynamic = True
                else:
                    self.sets.add(name)
            elif node.func.attr == "update":
                for arg in node.args:
                    if isinstance(arg, ast.Dict) and all(self.string(k) is not None for k in arg.keys):
                        self.sets.update(str(self.string(k)) for k in arg.keys)
                    else:
                        self.sets_dynamic = True
                self.sets.update(kw.arg for kw in node.keywords if kw.arg)
                if any(kw.arg is None for kw in node.keywords):
                    self.sets_dynamic = True
        elif isinstance(node, ast.Call) and self.qual(node.func) in ("os.putenv", "dotenv.load_dotenv", "load_dotenv"):
            self.sets_dynamic = True  # a .env file or putenv: anything may be set

    def _reads(self, root: ast.AST, scope: str, tested: set[str], in_try: bool) -> None:
        """Environment reads below ``root`` in source order (pre-order, iteratively), each
        marked guarded under a try/except KeyError, ``contextlib.suppress`` or a membership test."""
        stack: list[tuple[ast.AST, bool]] = [(root, in_try)]
        while stack:
            node, in_try = stack.pop()
            tp = type(node)
            if tp is ast.Lambda and not scope:
                continue  # a module-level lambda's body runs when it is called, not at import
            if tp in TRY_TYPES:
                guarded = any(_catches_keyerror(h) for h in node.handlers)  # type: ignore[attr-defined]
                todo = [(child, in_try or guarded) for child in node.body]  # type: ignore[attr-defined]
                todo.extend((child, in_try) for h in node.handlers for child in h.body)  # type: ignore[attr-defined]
                todo.extend((child, in_try) for child in [*node.orelse, *node.finalbody])  # type: ignore[attr-defined]
                todo.reverse()
                stack.extend(todo)
                continue
            if tp in (ast.With, ast.AsyncWith) and any(
                isinstance(i.context_expr, ast.Call) and self.qual(i.context_expr.func) in ("contextlib.suppress", "suppress")
                for i in node.items  # type: ignore[attr-defined]
            ):
                in_try = True
            if tp is ast.Subscript or tp is ast.Call:
                read = self.env_read(node)
                if read is not None:
                    name, optional = read
                    line, col = self.pos(node)
                    self.reads.append(EnvRead(name, line, col, scope, in_try or name in tested, optional))
            kids = _children(node)
            kids.reverse()
            stack.extend((kid, in_try) for kid in kids)

    def _assignments(self, scope: _Scope) -> dict[str, list[ast.expr]]:
        out: dict[str, list[ast.expr]] = {}
        if not scope.key:
            return self.module_assign
        for node in scope.flat():
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        out.setdefault(t.id, []).append(node.value)
            elif (
                isinstance(node, (ast.AnnAssign, ast.NamedExpr))
                and node.value is not None
                and isinstance(node.target, ast.Name)
            ):
                out.setdefault(node.target.id, []).append(node.value)
        return out

    # -- S3 / SQS / SNS writes --------------------------------------------------------

    def _resolve(self, expr: ast.AST | None, assigns: dict[str, list[ast.expr]], depth: int = 0) -> ast.AST | None:
        """Follow a name to the one value assigned to it (in the function, else the module)."""
        while isinstance(expr, ast.Name) and depth < MAX_RESOLVE_DEPTH:
            values = assigns.get(expr.id) or self.module_assign.get(expr.id)
            if not values or len(values) != 1:
                return expr
            expr = values[0]
            depth += 1
        return expr

    def _target(self, expr: ast.AST | None, assigns: dict[str, list[ast.expr]]) -> tuple[str, str] | None:
        expr = self._resolve(expr, assigns)
        if expr is None:
            return None
        read = self.env_read(expr)
        if read is not None:
            return "env", read[0]
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return "literal", expr.value
        if isinstance(expr, ast.Subscript):
            keys = []
            node: ast.AST = expr
            while isinstance(node, ast.Subscript):
                key = self.string(node.slice)
                keys.append(key)
                node = node.value
            keys.reverse()
            if keys[-2:] == ["bucket", "name"] and "s3" in keys:
                return "event", ""
        return None

    def _affixes(self, expr: ast.AST | None, assigns: dict[str, list[ast.expr]], depth: int = 0) -> tuple[str | None, str | None]:
        """The literal start and end of a string expression (None when unknown)."""
        if depth > MAX_RESOLVE_DEPTH:
            return None, None
        expr = self._resolve(expr, assigns)
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value, expr.value
        if isinstance(expr, ast.JoinedStr):
            values = expr.values
            prefix = "".join(_const_run(values))
            suffix = "".join(reversed(list(_const_run(list(reversed(values))))))
            return prefix or None, suffix or None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            lp, ls = self._affixes(expr.left, assigns, depth + 1)
            rp, rs = self._affixes(expr.right, assigns, depth + 1)
            left_whole = lp is not None and lp == ls and isinstance(self._resolve(expr.left, assigns), ast.Constant)
            right_whole = rp is not None and rp == rs and isinstance(self._resolve(expr.right, assigns), ast.Constant)
            start: str | None = lp + (rp or "") if left_whole and lp is not None else lp
            end: str | None = ls + rs if right_whole and ls is not None and rs is not None else rs
            return start, end
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            fmt = self.string(expr.func.value)
            if expr.func.attr == "format" and fmt is not None:
                head = fmt.split("{", 1)[0]
                tail = fmt.rsplit("}", 1)[-1] if "}" in fmt else fmt
                return head or None, tail or None
            if expr.func.attr == "join" and self.qual(expr.func) in ("os.path.join", "posixpath.join") and expr.args:
                first, _ = self._affixes(expr.args[0], assigns, depth + 1)
                _, last = self._affixes(expr.args[-1], assigns, depth + 1)
                if first is not None and len(expr.args) > 1 and not first.endswith("/"):
                    first += "/"
                return first, last
            if expr.func.attr == "join" and fmt is not None and expr.args and isinstance(expr.args[0], (ast.List, ast.Tuple)):
                elts = expr.args[0].elts
                if elts:
                    first, _ = self._affixes(elts[0], assigns, depth + 1)
                    _, last = self._affixes(elts[-1], assigns, depth + 1)
                    return (first + fmt if first is not None and len(elts) > 1 else first), last
        return None, None

    def _receiver(self, expr: ast.AST, assigns: dict[str, list[ast.expr]]) -> ast.Call | None:
        """The resource factory call a method is invoked on (``s3.Bucket(name)``)."""
        resolved = self._resolve(expr, assigns)
        return resolved if isinstance(resolved, ast.Call) and isinstance(resolved.func, ast.Attribute) else None

    def _key_check(self, call: ast.Call, scope: str) -> None:
        """``x.startswith("out/")`` / ``x.endswith((".json", ".txt"))``: a loop guard on keys."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in ("startswith", "endswith") or not call.args:
            return
        arg = call.args[0]
        items = arg.elts if isinstance(arg, ast.Tuple) else [arg]
        for item in items:
            lit = self.string(item)
            if lit:
                self.key_checks.append((scope, "prefix" if func.attr == "startswith" else "suffix", lit))

    def _write(self, call: ast.Call, scope: _Scope, assigns: dict[str, list[ast.expr]]) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        if method not in WRITE_METHODS:
            return
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        args = call.args
        service: str | None = None
        target_expr: ast.AST | None = None
        key_expr: ast.AST | None = None
        recv = self._receiver(func.value, assigns)
        recv_kind = recv.func.attr if recv is not None and isinstance(recv.func, ast.Attribute) else None
        if method in ("put_object", "copy_object") and "Bucket" in kw:
            service, target_expr, key_expr = "s3", kw["Bucket"], kw.get("Key")
        elif method in ("upload_file", "upload_fileobj", "copy") and recv_kind not in ("Bucket", "Object"):
            if "Bucket" in kw or len(args) >= 2:
                service = "s3"
                target_expr = kw.get("Bucket", args[1] if len(args) >= 2 else None)
                key_expr = kw.get("Key", args[2] if len(args) >= 3 else None)
        elif recv_kind == "Bucket" and method in ("put_object", "upload_file", "upload_fileobj", "copy") and recv is not None:
            service = "s3"
            target_expr = recv.args[0] if recv.args else _kw(recv, "name")
            key_expr = kw.get("Key", args[1] if method != "put_object" and len(args) >= 2 else None)
        elif recv_kind == "Object" and method in ("put", "upload_file", "upload_fileobj", "copy_from") and recv is not None:
            service = "s3"
            inner = self._receiver(recv.func.value, assigns)  # type: ignore[attr-defined]
            if inner is not None and isinstance(inner.func, ast.Attribute) and inner.func.attr == "Bucket":
                target_expr = inner.args[0] if inner.args else _kw(inner, "name")
                key_expr = recv.args[0] if recv.args else _kw(recv, "key")
            else:
                target_expr = recv.args[0] if recv.args else _kw(recv, "bucket_name")
                key_expr = recv.args[1] if len(recv.args) > 1 else _kw(recv, "key")
        elif method in ("send_message", "send_message_batch"):
            service = "sqs"
            if "QueueUrl" in kw:
                target_expr = kw["QueueUrl"]
            elif recv_kind == "Queue" and recv is not None:
                target_expr = recv.args[0] if recv.args else _kw(recv, "url")
            elif recv_kind == "get_queue_by_name" and recv is not None:
                target_expr = _kw(recv, "QueueName")
            else:
                return
        elif method == "publish":
            service = "sns"
            if "TopicArn" in kw or "TargetArn" in kw:
                target_expr = kw.get("TopicArn", kw.get("TargetArn"))
            elif recv_kind == "Topic" and recv is not None:
                target_expr = recv.args[0] if recv.args else _kw(recv, "arn")
            else:
                return
        if service is None:
            return
        target = self._target(target_expr, assigns)
        if target is None:
            return
        prefix, suffix = self._affixes(key_expr, assigns) if service == "s3" and key_expr is not None else (None, None)
        line, col = self.pos(call)
        self.writes.append(Write(service, method, target[0], target[1], prefix, suffix, line, col, scope.key))


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def _const_run(values: list[ast.expr]) -> Iterator[str]:
    for v in values:
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            yield v.value
        else:
            return


def _chain(node: ast.Attribute) -> str | None:
    parts: list[str] = []
    cur: ast.AST = node
    while isinstance(cur, ast.Attribute):
        parts.append(cur.attr)
        cur = cur.value
    if not isinstance(cur, ast.Name):
        return None
    return ".".join([cur.id, *reversed(parts)])


def _target_names(t: ast.AST) -> Iterator[str]:
    if isinstance(t, ast.Name):
        yield t.id
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            yield from _target_names(e)
    elif isinstance(t, ast.Starred):
        yield from _target_names(t.value)


# fields not followed by walks: expression contexts (Load/Store/Del) and operators, leaves
# nothing looks at through a walk, and the fields that only ever hold identifiers, numbers or
# flags (a walk would only fetch them to find they are not nodes)
_LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "name", "asname", "module", "level", "kind", "type_comment", "conversion", "is_async"}
)
_AST_FIELDS: dict[type, tuple[str, ...]] = {}


def _ast_fields(tp: type) -> tuple[str, ...]:
    fields = _AST_FIELDS.get(tp)
    if fields is None:
        leaves = _LEAF_FIELDS | {"value"} if tp is ast.Constant or tp is ast.MatchSingleton else _LEAF_FIELDS
        fields = _AST_FIELDS[tp] = tuple(f for f in getattr(tp, "_fields", ()) if f not in leaves)
    return fields


def _children(node: ast.AST) -> list[ast.AST]:
    """The child nodes of ``node`` in ``ast.iter_child_nodes`` order, without the leaves
    in :data:`_LEAF_FIELDS`."""
    tp = type(node)
    fields = _AST_FIELDS.get(tp)
    if fields is None:
        fields = _ast_fields(tp)
    kids: list[ast.AST] = []
    AST = ast.AST
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for v in value:
                if isinstance(v, AST):
                    kids.append(v)
        elif isinstance(value, AST):
            kids.append(value)
    return kids


def _walk_all(nodes: Iterable[ast.AST]) -> list[ast.AST]:
    """``ast.walk`` over several roots in pre-order, as a list, iteratively and without
    ``ast.iter_child_nodes``' generator overhead (this runs on every handler module).
    Expression contexts and operators (:data:`_LEAF_FIELDS`) are not included."""
    out: list[ast.AST] = []
    append = out.append
    stack = list(nodes)
    stack.reverse()
    pop = stack.pop
    fields_of = _AST_FIELDS.get
    AST = ast.AST
    while stack:
        node = pop()
        append(node)
        tp = type(node)
        kids: list[ast.AST] = []  # _children(node), inlined: this loop runs on every node
        fields = fields_of(tp)
        if fields is None:
            fields = _ast_fields(tp)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for v in value:
                    if isinstance(v, AST):
                        kids.append(v)
            elif isinstance(value, AST):
                kids.append(value)
        kids.reverse()
        stack.extend(kids)
    return out


# the fields that hold statements (or the handlers and match cases that hold them), in the
# order ``ast`` lists them on every node that has several (try: body, handlers, orelse,
# finalbody; for, while, if: body, orelse)
_BLOCK_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")


def _import_nodes(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree``, in ``ast.walk``'s pre-order. Expressions never
    contain statements, so the walk only follows blocks of statements."""
    out: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    Import, ImportFrom = ast.Import, ast.ImportFrom
    while stack:
        node = stack.pop()
        tp = type(node)
        if tp is Import or tp is ImportFrom:
            out.append(node)  # type: ignore[arg-type]
            continue
        kids: list[ast.AST] = []
        for name in _BLOCK_FIELDS:
            block = getattr(node, name, None)
            if type(block) is list:
                kids.extend(block)
        kids.reverse()
        stack.extend(kids)
    return out


# --------------------------------------------------------------------------- across modules


def module_file(root: Path, importer: Path, module: str, level: int) -> Path | None:
    """The file a (possibly relative) import points to inside the code folder ``root``."""
    if level:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
    else:
        base = root
    parts = [p for p in module.split(".") if p]
    target = base.joinpath(*parts) if parts else base
    candidates = [target.with_name(target.name + ".py"), target / "__init__.py"] if parts else [target / "__init__.py"]
    for c in candidates:
        try:
            if c.is_file() and (c == root or root in c.parents):
                return c
        except OSError:
            continue
    return None


def vendored_packages(root: Path) -> frozenset[str]:
    """Top-level package names installed into the code folder (``pip install -t``)."""
    names: set[str] = set()
    try:
        with os.scandir(root) as it:
            for entry in it:
                if entry.name.endswith((".dist-info", ".egg-info")):
                    names.add(entry.name.split("-")[0].lower().replace("-", "_"))
    except OSError:
        pass
    return frozenset(names)


FactsOf = Callable[[Path], "CodeFacts | None"]


class Reach:
    """Which scopes of which files run when a handler runs: the handler module's top level and
    the handler, the same-folder modules imported from it (their top level), and the
    functions and methods referred to from anything reached."""

    def __init__(self, root: Path, facts_of: FactsOf) -> None:
        self.root = root
        self.facts_of = facts_of
        self.vendored = vendored_packages(root)
        self._files: dict[tuple[Path | None, str, int], Path | None] = {}
        self._entries: frozenset[str] | None = None
        # (file, scope) -> the (file, scope) pairs it leads to: the same for every handler
        self._edges: dict[tuple[Path, str], list[tuple[Path, str]]] = {}
        self._scopes: dict[tuple[Path, str], dict[Path, set[str]]] = {}
        self._refs: dict[Path, dict[str, tuple[str, ...]]] = {}
        self._bindings: dict[Path, dict[str, list[tuple[str, int]]]] = {}
        self._heads: dict[Path, frozenset[str]] = {}
        self._classes: dict[Path, dict[str, tuple[str, ...]]] = {}
        self._targets: dict[Path, list[Path]] = {}

    def _file(self, importer: Path, module: str, level: int) -> Path | None:
        """Import resolution, remembered: many handlers import the same modules."""
        if not level and module.split(".")[0].lower() in self.vendored:
            return None
        key = (importer.parent if level else None, module, level)
        if key not in self._files:
            top = module.split(".")[0]
            if not level and top and top not in self._top_names() and f"{top}.py" not in self._top_names():
                self._files[key] = None  # not in the code folder: a library (json, boto3...)
            else:
                self._files[key] = module_file(self.root, importer, module, level)
        return self._files[key]

    def _top_names(self) -> frozenset[str]:
        if self._entries is None:
            try:
                self._entries = frozenset(os.listdir(self.root))
            except OSError:
                self._entries = frozenset()
        return self._entries

    def scopes(self, handler_file: Path, handler: str) -> dict[Path, set[str]]:
        """Reached scopes per file; remembered per (file, handler), so treat it as read-only."""
        memo = self._scopes.get((handler_file, handler))
        if memo is not None:
            return memo
        seen: dict[Path, set[str]] = {}
        todo: list[tuple[Path, str]] = [(handler_file, ""), (handler_file, handler)]
        while todo:
            path, scope = todo.pop()
            done = seen.get(path)
            if done is not None and scope in done:
                continue
            edges = self._edges_of(path, scope)
            if edges is None:
                continue
            if done is None:
                seen[path] = {scope}
            else:
                done.add(scope)
            todo.extend(edges)
        self._scopes[(handler_file, handler)] = seen
        return seen

    def _edges_of(self, path: Path, scope: str) -> list[tuple[Path, str]] | None:
        """What running ``scope`` of ``path`` leads to; None when the file has no facts."""
        key = (path, scope)
        edges = self._edges.get(key)
        if edges is not None:
            return edges
        facts = self.facts_of(path)
        if facts is None:
            return None
        edges = []
        if scope == "":
            edges.extend((target, "") for target in self._imported(path, facts))
        heads = self._heads_of(path, facts)
        for ref in self._refs_of(path, facts, scope):
            if ref.partition(".")[0] in heads:  # other names (locals, builtins...) lead nowhere
                edges.extend(self._resolve_ref(path, facts, scope, ref))
        self._edges[key] = edges
        return edges

    def _heads_of(self, path: Path, facts: CodeFacts) -> frozenset[str]:
        """First names of a reference that :meth:`_resolve_ref` can resolve to something."""
        heads = self._heads.get(path)
        if heads is None:
            names = {"self", "cls", *self._bindings_of(path, facts)}
            names.update(cls for cls, _ in facts.classes)
            names.update(f.split(".", 1)[0] for f in facts.functions)
            heads = self._heads[path] = frozenset(names)
        return heads

    def _refs_of(self, path: Path, facts: CodeFacts, scope: str) -> tuple[str, ...]:
        refs = self._refs.get(path)
        if refs is None:
            refs = {}
            for key, names in facts.refs:
                refs.setdefault(key, names)  # a scope listed twice: the first entry wins
            self._refs[path] = refs
        return refs.get(scope, ())

    def _bindings_of(self, path: Path, facts: CodeFacts) -> dict[str, list[tuple[str, int]]]:
        index = self._bindings.get(path)
        if index is None:
            index = {}
            for local, target, level in facts.bindings:
                index.setdefault(local, []).append((target, level))
            self._bindings[path] = index
        return index

    def _methods_of(self, path: Path, facts: CodeFacts, cls: str) -> tuple[str, ...]:
        index = self._classes.get(path)
        if index is None:
            index = {}
            for name, methods in facts.classes:
                index.setdefault(name, methods)  # a class defined twice: the first entry wins
            self._classes[path] = index
        return index.get(cls, ())

    def _imported(self, path: Path, facts: CodeFacts) -> list[Path]:
        """The code-folder files ``path``'s import statements point to, in order."""
        targets = self._targets.get(path)
        if targets is None:
            targets = []
            for module, level in facts.imports:
                target = self._file(path, module, level)
                if target is not None:
                    targets.append(target)
            self._targets[path] = targets
        return targets

    def _local_top(self, top: str) -> bool:
        """Whether an absolute import whose first name is ``top`` can be a file of the code
        folder (what :meth:`_file` checks first)."""
        if top.lower() in self.vendored:
            return False
        names = self._top_names()
        return top in names or f"{top}.py" in names

    def _resolve_ref(self, path: Path, facts: CodeFacts, scope: str, ref: str) -> list[tuple[Path, str]]:
        parts = ref.split(".")
        head = parts[0]
        if head in ("self", "cls") and "." in scope and len(parts) >= 2:
            key = f"{scope.split('.')[0]}.{parts[1]}"
            return [(path, key)] if key in facts.functions else []
        if len(parts) == 1 and head in facts.functions:
            return [(path, head)]
        if len(parts) == 1 and self._methods_of(path, facts, head):
            return [(path, m) for m in self._used_methods(self._methods_of(path, facts, head), self._refs_of(path, facts, scope))]
        if len(parts) == 2 and f"{head}.{parts[1]}" in facts.functions:
            return [(path, f"{head}.{parts[1]}")]  # Class.method() on a class of this module
        for target, level in self._bindings_of(path, facts).get(head, ()):
            dotted = ".".join([target, *parts[1:]]).split(".")
            if not level and dotted[0] and not self._local_top(dotted[0]):
                continue  # a library (json, boto3...): no prefix of it is a file of the code folder
            # the longest prefix that is a module file; the next name is a def in it
            for cut in range(len(dotted), -1, -1):
                module = ".".join(dotted[:cut])
                if not module and not level:
                    continue
                file = self._file(path, module, level)
                if file is None:
                    continue
                if cut == len(dotted):
                    return [(file, "")]
                other = self.facts_of(file)
                name = dotted[cut]
                if other is None:
                    return [(file, "")]
                if name in other.functions:
                    return [(file, ""), (file, name)]
                if cut + 2 == len(dotted) and f"{name}.{dotted[-1]}" in other.functions:
                    return [(file, ""), (file, f"{name}.{dotted[-1]}")]
                methods = self._used_methods(self._methods_of(file, other, name), self._refs_of(path, facts, scope))
                return [(file, ""), *((file, m) for m in methods)]
        return []

    @staticmethod
    def _used_methods(methods: tuple[str, ...], refs: tuple[str, ...]) -> list[str]:
        """Methods of a class the code uses: the ones that run on creation or call, and the
        ones whose name the referring code calls on something (``repo.save()``)."""
        used = set(refs)
        return [m for m in methods if m.split(".", 1)[1] in INSTANCE_HOOKS or "." + m.split(".", 1)[1] in used]

    def files(self, handler_file: Path) -> set[Path]:
        """Same-folder modules the handler module imports (transitively), facts or not."""
        out: set[Path] = set()
        todo = [handler_file]
        while todo:
            path = todo.pop()
            if path in out:
                continue
            out.add(path)
            facts = self.facts_of(path)
            if facts is None:
                continue
            todo.extend(target for target in self._imported(path, facts) if target not in out)
        return out


def imported_files(project: Project, facts_of: FactsOf) -> set[Path]:
    """Every same-folder module imported (transitively) by a template-linked Python handler."""
    out: set[Path] = set()
    reaches: dict[Path, Reach] = {}
    for fn, module_path, _ in project.iter_python_handlers():
        root = fn.code_path
        if not isinstance(root, Path):
            continue
        if root not in reaches:
            reaches[root] = Reach(root, facts_of)
        out |= reaches[root].files(module_path)
    return out
