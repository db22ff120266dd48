"""LL101: SDK client or connection created inside the handler."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import libcst as cst

from lambdalint.code.context import (
    CodeContext,
    Handler,
    HandlerLink,
    decorator_names,
    keyword,
    positional,
    string_value,
)
from lambdalint.code.module import PyModule, import_bindings, walk, walk_code
from lambdalint.code.sketch import Sketch
from lambdalint.model import Finding, Fix, Severity
from lambdalint.registry import CodeRule, Example, register

# qualified factory -> what it makes
FACTORIES: dict[str, str] = {
    "boto3.client": "boto3 client",
    "boto3.resource": "boto3 resource",
    "boto3.Session": "boto3 session",
    "boto3.session.Session": "boto3 session",
    "aioboto3.Session": "aioboto3 session",
    "botocore.session.get_session": "botocore session",
    "botocore.session.Session": "botocore session",
    "requests.Session": "requests session",
    "requests.session": "requests session",
    "requests.sessions.Session": "requests session",
    "httpx.Client": "httpx client",
    "httpx.AsyncClient": "httpx client",
    "urllib3.PoolManager": "urllib3 pool",
    "pymysql.connect": "MySQL connection",
    "pymysql.Connect": "MySQL connection",
    "MySQLdb.connect": "MySQL connection",
    "mysql.connector.connect": "MySQL connection",
    "psycopg2.connect": "PostgreSQL connection",
    "psycopg.connect": "PostgreSQL connection",
    "pg8000.connect": "PostgreSQL connection",
    "pg8000.native.Connection": "PostgreSQL connection",
    "sqlalchemy.create_engine": "SQLAlchemy engine",
    "redis.Redis": "Redis client",
    "redis.StrictRedis": "Redis client",
    "redis.from_url": "Redis client",
    "redis.Redis.from_url": "Redis client",
    "redis.cluster.RedisCluster": "Redis client",
    "pymongo.MongoClient": "MongoDB client",
    "motor.motor_asyncio.AsyncIOMotorClient": "MongoDB client",
    "elasticsearch.Elasticsearch": "Elasticsearch client",
    "opensearchpy.OpenSearch": "OpenSearch client",
    "pika.BlockingConnection": "RabbitMQ connection",
    "cx_Oracle.connect": "Oracle connection",
    "oracledb.connect": "Oracle connection",
    "pyodbc.connect": "ODBC connection",
    "snowflake.connector.connect": "Snowflake connection",
    "kafka.KafkaProducer": "Kafka producer",
    "confluent_kafka.Producer": "Kafka producer",
    "neo4j.GraphDatabase.driver": "Neo4j driver",
    "cassandra.cluster.Cluster": "Cassandra cluster",
    "pymemcache.client.base.Client": "memcached client",
}
SESSION_FACTORIES = {"boto3.Session", "boto3.session.Session", "aioboto3.Session"}
CACHE_DECORATORS = {
    "functools.cache",
    "functools.lru_cache",
    "functools.cached_property",
    "cachetools.cached",
    "cachetools.func.ttl_cache",
    "cachetools.func.lru_cache",
}


@dataclass
class Creation:
    call: cst.Call
    what: str
    path: list[str]  # handler -> ... -> function holding the call


def describe(call: cst.Call, qual: str) -> str:
    if qual in ("boto3.client", "boto3.resource") or qual.endswith((".client", ".resource")):
        arg = positional(call, 0) or keyword(call, "service_name")
        service = string_value(arg.value) if arg else None
        short = "client" if qual.endswith("client") else "resource"
        prefix = "boto3" if qual.startswith("boto3.") else qual.rsplit(".", 1)[0]
        return f"{prefix}.{short}({service!r})" if service else f"{prefix}.{short}(...)"
    return f"{qual}()"


def _names(node: cst.CSTNode) -> set[str]:
    out = {n.value for n in walk(node) if isinstance(n, cst.Name)}
    if isinstance(node, cst.Name):
        out.add(node.value)
    return out


class Finder:
    """Walks a handler and the same-module helpers it calls, tracking lazy-init guards."""

    def __init__(self, mod: PyModule) -> None:
        self.mod = mod
        self.found: list[Creation] = []
        self.seen: set[cst.FunctionDef] = set()

    def function(self, fn: cst.FunctionDef, path: list[str], depth: int = 0) -> None:
        if fn in self.seen or depth > 3:
            return
        self.seen.add(fn)
        if any(d in CACHE_DECORATORS for d in decorator_names(self.mod, fn)):
            return  # a cached factory creates its client once
        globals_: set[str] = set()
        for node in walk(fn.body, skip_nested=True):
            if isinstance(node, cst.Global):
                globals_.update(n.name.value for n in node.names)
        self.block(fn, fn.body, frozenset(), globals_, path, depth)

    def block(self, fn: cst.FunctionDef, suite: cst.BaseSuite, guards: frozenset[str], globals_: set[str], path: list[str], depth: int) -> None:
        stmts: Sequence[cst.CSTNode] = (
            suite.body if isinstance(suite, cst.IndentedBlock)
            else [cst.SimpleStatementLine(body=cast(Sequence[cst.BaseSmallStatement], suite.body))]
        )
        for stmt in stmts:
            self.statement(fn, stmt, guards, globals_, path, depth)

    def statement(self, fn: cst.FunctionDef, stmt: cst.CSTNode, guards: frozenset[str], globals_: set[str], path: list[str], depth: int) -> None:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(stmt, cst.If):
            g = guards | _names(stmt.test)
            self.calls(fn, stmt.test, None, guards, globals_, path, depth)
            self.block(fn, stmt.body, g, globals_, path, depth)
            if stmt.orelse is not None:
                if isinstance(stmt.orelse, cst.If):
                    self.statement(fn, stmt.orelse, g, globals_, path, depth)
                else:
                    self.block(fn, stmt.orelse.body, g, globals_, path, depth)
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    targets = [small.target]
                self.calls(fn, small, targets, guards, globals_, path, depth)
            return
        # other compound statements: headers and bodies
        for child in stmt.children:
            if isinstance(child, cst.BaseSuite):
                self.block(fn, child, guards, globals_, path, depth)
            elif isinstance(child, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Else, cst.Finally)):
                self.block(fn, child.body, guards, globals_, path, depth)
            elif isinstance(child, (cst.MatchCase,)):
                self.block(fn, child.body, guards, globals_, path, depth)
            elif isinstance(child, cst.CSTNode):
                self.calls(fn, child, None, guards, globals_, path, depth)

    def _lazy(self, targets: list[cst.BaseExpression] | None, guards: frozenset[str], globals_: set[str]) -> bool:
        """An assignment that keeps the object across invocations, behind an `if` on it."""
        for t in targets or []:
            if isinstance(t, cst.Name) and t.value in globals_ and t.value in guards:
                return True
            if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name):
                container = t.value.value
                if container in self.mod.assignments and container in guards:
                    return True
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value in guards:
                return True  # cache objects / module attributes: `if not cache.client: cache.client = ...`
        return False

    def calls(self, fn: cst.FunctionDef, node: cst.CSTNode, targets: list[cst.BaseExpression] | None, guards: frozenset[str], globals_: set[str], path: list[str], depth: int) -> None:
        lazy = self._lazy(targets, guards, globals_)
        nodes = [node, *walk(node, skip_nested=True)] if isinstance(node, cst.Call) else walk(node, skip_nested=True)
        for sub in nodes:
            if not isinstance(sub, cst.Call):
                continue
            qual = self.mod.call_name(sub, fn)
            if qual is None:
                if isinstance(sub.func, cst.Attribute) and sub.func.attr.value in ("client", "resource"):
                    if self._is_session(sub.func.value, fn) and not lazy:
                        self.found.append(Creation(sub, describe(sub, "session." + sub.func.attr.value), path))
                continue
            if qual in FACTORIES:
                if not lazy:
                    self.found.append(Creation(sub, describe(sub, qual), path))
            elif isinstance(sub.func, cst.Attribute) and sub.func.attr.value in ("client", "resource") and self._is_session(sub.func.value, fn):
                if not lazy:
                    self.found.append(Creation(sub, describe(sub, qual), path))
            elif isinstance(sub.func, cst.Name) and sub.func.value in self.mod.functions and not lazy:
                callee = self.mod.functions[sub.func.value]
                self.function(callee, [*path, callee.name.value], depth + 1)

    def _is_session(self, expr: cst.BaseExpression, fn: cst.FunctionDef) -> bool:
        """``boto3.Session()`` itself, or a name assigned from it (module level or in ``fn``)."""
        if isinstance(expr, cst.Call):
            return self.mod.call_name(expr, fn) in SESSION_FACTORIES
        if isinstance(expr, cst.Name):
            value = self.mod.assignments.get(expr.value)
            if isinstance(value, cst.Call) and self.mod.call_name(value) in SESSION_FACTORIES:
                return True
            for node in walk(fn.body, skip_nested=True):
                if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                    if any(isinstance(t.target, cst.Name) and t.target.value == expr.value for t in node.targets):
                        if self.mod.call_name(node.value, fn) in SESSION_FACTORIES:
                            return True
        return False


@register
class ClientInHandler(CodeRule):
    id = "LL101"
    name = "client-in-handler"
    reads = "reach"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    fixable = True
    tags = ("performance", "cold-start")
    needles = ("boto", "requests", "httpx", "urllib3", "connect", "Redis", "redis", "Mongo", "create_engine",
               "Session", "session", "Elasticsearch", "OpenSearch", "Connection", "Kafka", "Producer", "driver", "Cluster", "Client")
    summary = "SDK client or connection created inside the handler, on every invocation."
    doc = """
## What it does
Finds SDK clients, HTTP sessions and database/cache connections created while the handler
runs: in the handler itself or in a same-module function it calls (followed a few levels
deep). Covered: `boto3.client/resource/Session`, `session.client(...)`, botocore sessions,
`requests.Session`, `httpx.Client`, `urllib3.PoolManager`, and the usual MySQL, PostgreSQL,
SQLAlchemy, Redis, MongoDB, Elasticsearch/OpenSearch, RabbitMQ, Kafka, Oracle, ODBC and
Snowflake connections. Imports and aliases are followed (`import boto3 as b`,
`from boto3 import client`, `from boto3.session import Session`).

Lazy initialisation is fine and not reported: assigning to a `global` (or a module-level
cache dict or attribute) inside an `if` that tests it, or creating the client in a
function decorated with `functools.cache`/`lru_cache`.

## Why it matters
Lambda keeps the execution environment, and everything at module scope, between
invocations. A client created in the handler is rebuilt on every request: credentials are
resolved again, endpoints re-discovered and TLS/database connections re-opened, which adds
tens to hundreds of milliseconds per invocation and can exhaust database connection limits
under load. Created once at module scope, it is reused by every warm invocation.

## Example
```python
import boto3

def lambda_handler(event, context):
    s3 = boto3.client("s3")          # LL101: a new client on every invocation
    return s3.list_buckets()
```
Use instead:
```python
import boto3

s3 = boto3.client("s3")              # created once per execution environment

def lambda_handler(event, context):
    return s3.list_buckets()
```
or, when the client must not be created at import time:
```python
_s3 = None

def get_s3():
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3
```

## How to fix
Move the creation to module scope (after the imports), or initialise lazily as above.
`lambdalint --fix` does the first for you when the call's arguments are literals,
module-level names or environment lookups: it creates the client once after the imports
under a new, unique name (`S3_CLIENT`) and makes the function use it. `--diff` shows the
change without writing it. Creations used as context managers, inside `try` blocks or
depending on per-invocation values are reported with the reason there is no automatic fix.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code",)
    invalid = (
        Example.code(
            "import boto3\n\ndef lambda_handler(event, context):\n"
            "    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"
        ),
        Example.code(
            "from boto3 import resource as mk\n\ndef table():\n    return mk('dynamodb').Table('t')\n\n"
            "def handler(event, context):\n    return table().get_item(Key={'id': event['id']})\n",
            note="created in a helper the handler calls, through an aliased import",
        ),
    )
    valid = (
        Example.code(
            "import boto3\n\ns3 = boto3.client('s3')\n\ndef lambda_handler(event, context):\n"
            "    return s3.list_buckets()\n"
        ),
        Example.code(
            "import boto3\n\n_s3 = None\n\ndef lambda_handler(event, context):\n    global _s3\n"
            "    if _s3 is None:\n        _s3 = boto3.client('s3')\n    return _s3.list_buckets()\n",
            note="lazy global initialisation",
        ),
        Example.code(
            "import functools\nimport boto3\n\n@functools.lru_cache(maxsize=None)\ndef client(name):\n"
            "    return boto3.client(name)\n\ndef lambda_handler(event, context):\n"
            "    return client('s3').list_buckets()\n",
            note="cached factory",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # Sound: every Creation is a call Finder meets in a handler or a same-module function
        # it calls (sketch.reach is a superset: any depth, nested code, no stop at cached
        # factories), and is either a call whose name resolves to a FACTORIES key (sketch.quals
        # is a superset of call_name in any scope) or `.client(...)`/`.resource(...)` on a
        # session. That session is a session-factory call (`boto3.Session().client(...)`: the
        # receiver, itself a FACTORIES call in the same function, is found), or a name bound by
        # some `name = <session factory>(...)` (Finder reads module-level and in-function
        # assignments; we take every one). Lazy guards only remove findings: ignored.
        # (A name chain resolves to a dotted FACTORIES key only through an import, or as an
        # attribute named like a factory's last part: the cheap test before sketch.quals.)
        wanted: list[ast.Call] = []
        sessions: set[str] | None = None
        for call in sketch.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute):
                if func.attr in _LAST_NAMES and sketch.quals(func) & _FACTORY_NAMES:
                    wanted.append(call)
                elif func.attr in ("client", "resource") and isinstance(func.value, ast.Name):
                    if sessions is None:
                        sessions = _session_names(sketch)
                    if func.value.id in sessions:
                        wanted.append(call)
            elif isinstance(func, ast.Name) and func.id in sketch.imports and sketch.quals(func) & _FACTORY_NAMES:
                wanted.append(call)
        if not wanted:
            return False
        return any(True for _ in sketch.reached(wanted, (h.name for h in handlers)))

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        if not _may_create(ctx.mod):
            return
        reported: set[cst.Call] = set()
        for handler in ctx.handlers:
            finder = Finder(ctx.mod)
            finder.function(handler.node, [handler.name])
            for c in finder.found:
                if c.call in reported:
                    continue
                reported.add(c.call)
                fix, why_not, fixable = fix_for(ctx, c)
                message = self.message(handler, c) + (f" ({why_not})" if why_not else "")
                finding = ctx.finding(c.call, message, logical=".".join(c.path), fix=fix)
                finding.fixable = fixable
                yield finding

    @staticmethod
    def message(handler: Handler, c: Creation) -> str:
        where = f"in handler `{handler.name}`"
        if len(c.path) > 1:
            where = f"in `{c.path[-1]}`, called from handler `{handler.name}` ({' -> '.join(c.path)})"
        return (
            f"{c.what} is created on every invocation {where}; create it once at module scope "
            "(or lazily into a global) so warm invocations reuse it"
        )


# --------------------------------------------------------------------------- autofix

# the last name of every call Finder can report (``boto3.client`` -> ``client``)
_LAST_NAMES = frozenset({q.rsplit(".", 1)[-1] for q in FACTORIES} | {"client", "resource"})


def _may_create(mod: PyModule) -> bool:
    """Whether a top-level function calls anything that could be a factory Finder reports:
    a call whose last name is a factory's (``client``, ``connect``, ``Redis``...), or a name
    imported from one (``from boto3 import client as mk``). A cheap test before the walk."""
    nodes = list(walk_code(mod.module))
    inside = [n for fn in mod.functions.values() for n in walk_code(fn.body)]  # Finder looks only there
    names = set(_LAST_NAMES)
    for node in nodes:
        if type(node) is cst.Import or type(node) is cst.ImportFrom:
            for local, full in import_bindings(node).items():
                if full.rsplit(".", 1)[-1] in _LAST_NAMES:
                    names.add(local)
    for node in inside:
        if type(node) is cst.Call:
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in names:
                return True
            if isinstance(func, cst.Name) and func.value in names:
                return True
    return False


def _session_names(sketch: Sketch) -> set[str]:
    """Names any assignment in the module binds to a call that may be a session factory."""
    out: set[str] = set()
    for node in sketch.nodes(ast.Assign):
        if isinstance(node.value, ast.Call) and sketch.quals(node.value.func) & SESSION_FACTORIES:
            out.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for ann in sketch.nodes(ast.AnnAssign):
        if isinstance(ann.value, ast.Call) and isinstance(ann.target, ast.Name) and sketch.quals(ann.value.func) & SESSION_FACTORIES:
            out.add(ann.target.id)
    return out


_FACTORY_NAMES = frozenset(FACTORIES)


SAFE_CALLS = {"os.getenv", "os.environ.get", "botocore.config.Config", "str", "int", "float", "bool"}


class NotFixable(Exception):
    """Why a creation cannot be hoisted automatically (shown in the finding)."""


def _top_level_index(mod: PyModule, fn_name: str) -> int:
    for i, stmt in enumerate(mod.module.body):
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == fn_name:
            return i
    raise NotFixable(f"`{fn_name}` is not a top-level function")


def _defined_at(mod: PyModule, name: str) -> int | None:
    """Index of the last top-level statement binding ``name`` (import or assignment)."""
    found = None
    for i, stmt in enumerate(mod.module.body):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                names: set[str] = set()
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    names = set(import_bindings(small))
                elif isinstance(small, cst.Assign):
                    names = {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    names = {small.target.value}
                if name in names:
                    found = i
        elif isinstance(stmt, (cst.If, cst.Try)) and name in mod.imports:
            found = i
    return found


def _check_args(mod: PyModule, call: cst.Call, fn: cst.FunctionDef) -> set[str]:
    """Module-level names the call needs; raises NotFixable when it depends on anything else."""
    local = set(mod.local_imports(fn))
    if isinstance(call.func, (cst.Name, cst.Attribute)):
        base: cst.BaseExpression = call.func
        while isinstance(base, cst.Attribute):
            base = base.value
        if isinstance(base, cst.Name) and base.value in local:
            raise NotFixable(f"`{base.value}` is imported inside `{fn.name.value}`")
    needed: set[str] = set()
    for node in walk(call):
        if isinstance(node, cst.Call) and node is not call:
            qual = mod.call_name(node, fn)
            if qual not in SAFE_CALLS:
                raise NotFixable(f"its arguments call `{qual or 'a function'}`")
        if isinstance(node, (cst.Lambda, cst.Await, cst.Yield, cst.NamedExpr)):
            raise NotFixable("its arguments are not simple values")
    for node in [call.func, *walk(call.func)] if isinstance(call.func, cst.Name) else walk(call):
        if isinstance(node, cst.Name) and not _is_attr_or_keyword(call, node):
            needed.add(node.value)
    if isinstance(call.func, cst.Name):
        needed.add(call.func.value)
    for name in needed:
        if name in {"True", "False", "None", "str", "int", "float", "bool"}:
            continue
        if name in local or (name not in mod.imports and name not in mod.assignments):
            raise NotFixable(f"it uses `{name}`, which is not a module-level name")
    return needed - {"True", "False", "None", "str", "int", "float", "bool"}


def _is_attr_or_keyword(call: cst.Call, name: cst.Name) -> bool:
    """Attribute names (``x.attr``) and keyword names (``f(k=...)``) are not variables."""
    for node in [call, *walk(call)]:
        if isinstance(node, cst.Attribute) and node.attr is name:
            return True
        if isinstance(node, cst.Arg) and node.keyword is name:
            return True
    return False


def _new_name(mod: PyModule, what: str) -> str:
    import re

    base = re.sub(r"[^A-Za-z0-9]+", "_", what.split("(")[0] + "_" + (what.split("'")[1] if "'" in what else "")).strip("_")
    parts = base.upper().split("_")
    if parts and parts[0] in ("BOTO3", "SESSION"):
        parts = parts[1:]
    kind = parts[0] if parts else "CLIENT"
    rest = parts[1:]
    name = "_".join([*rest, kind]) if rest else (kind if kind != "CLIENT" else "SDK_CLIENT")
    name = re.sub(r"^(\d)", r"_\1", name) or "SDK_CLIENT"
    taken = set(mod.imports) | set(mod.assignments) | set(mod.functions) | set(mod.classes)
    taken |= {n.value for n in walk(mod.module) if isinstance(n, cst.Name)}
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name}_{i}", i + 1
    return candidate


def hoist(mod: PyModule, c: Creation, build: bool = True) -> tuple[str, str]:
    """New source with the creation hoisted to module scope, and a description. With
    ``build=False`` only checks that it can be done (cheap; raises NotFixable)."""
    fn_name = c.path[-1]
    fn = mod.functions.get(fn_name)
    if fn is None:
        raise NotFixable(f"`{fn_name}` is not a top-level function")
    for node in walk(fn.body, skip_nested=True):
        if isinstance(node, cst.WithItem) and (node.item is c.call or c.call in set(walk(node.item))):
            raise NotFixable("it is used as a context manager, which closes it after the block")
        if isinstance(node, (cst.Try, cst.TryStar)) and c.call in set(walk(node.body)):
            raise NotFixable("it is created inside a `try` block that handles its errors")
    needed = _check_args(mod, c.call, fn)
    def_index = _top_level_index(mod, fn_name)
    after = [i for i in (_defined_at(mod, n) for n in needed) if i is not None]
    imports_end = max((i for i, s in enumerate(mod.module.body[:def_index])
                       if isinstance(s, cst.SimpleStatementLine) and any(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body)),
                      default=-1)
    insert_at = max([imports_end, *after]) + 1
    if insert_at > def_index:
        raise NotFixable("a name it needs is defined after the function")
    if not build:
        return "", ""
    name = _new_name(mod, c.what)
    new_stmt = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=c.call)],
        leading_lines=[cst.EmptyLine()] if insert_at > 0 and insert_at - 1 == imports_end else [],
    )
    replaced = mod.module.deep_replace(c.call, cst.Name(name))
    assert isinstance(replaced, cst.Module)
    body = list(replaced.body)
    body.insert(insert_at, new_stmt)
    new_code = replaced.with_changes(body=body).code
    cst.parse_module(new_code)  # the result must parse
    return new_code, f"create {c.what} once at module scope as `{name}`"


def fix_for(ctx: CodeContext, c: Creation) -> tuple[Fix | None, str, bool]:
    """(fix when asked for, why there is none, whether one exists)."""
    try:
        new_code, description = hoist(ctx.mod, c, build=ctx.want_fixes)
    except NotFixable as reason:
        return None, f"no automatic fix: {reason}", False
    except Exception as exc:  # never let a fix attempt cost the finding
        return None, f"no automatic fix ({type(exc).__name__})", False
    if not ctx.want_fixes:
        return None, "", True
    return Fix(ctx.mod.path, ctx.mod.text, new_code, description), "", True
