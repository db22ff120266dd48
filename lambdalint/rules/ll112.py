"""LL112: data from the event formatted into an SQL string (SQL injection)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, keyword, positional, string_value
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import FunctionNode, Sketch
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register
from lambdalint.rules.ll111 import (
    Builds,
    FunctionTaint,
    names_in,
    reach_sinks,
    sinks,
    sketch_argument,
    where,
)

# DB-API / SQLAlchemy / pandas methods whose first argument is SQL text
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql", "mogrify", "read_sql", "read_sql_query", "raw"}
SQL_FUNCTIONS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "pandas.read_sql", "pandas.read_sql_query"}
# AWS query APIs that take SQL-like text by keyword: RDS Data API, Redshift Data API,
# DynamoDB PartiQL, Athena, Timestream
SQL_KEYWORDS = {
    "execute_statement": ("sql", "Sql", "Statement"),
    "batch_execute_statement": ("sql", "Sql", "Statement"),
    "start_query_execution": ("QueryString",),
    "query": ("QueryString",),
}


def sql_argument(taint: FunctionTaint, call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
    """(sink name, SQL argument) when ``call`` runs or prepares SQL text."""
    qual = taint.mod.call_name(call, taint.fn) or ""
    if qual in SQL_FUNCTIONS:
        arg = positional(call, 0) or keyword(call, "text") or keyword(call, "sql")
        return (f"`{qual}`", arg.value) if arg is not None else None
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method in SQL_METHODS:
        arg = positional(call, 0) or keyword(call, "operation") or keyword(call, "sql") or keyword(call, "statement") or keyword(call, "query")
        if arg is None:
            return None
        if method == "raw" and not _looks_like_sql(arg.value):
            return None
        return f"`{method}`", arg.value
    for kw in SQL_KEYWORDS.get(method, ()):
        arg = keyword(call, kw)
        if arg is not None:
            return f"`{method}({kw}=...)`", arg.value
    return None


def _looks_like_sql(expr: cst.BaseExpression) -> bool:
    text = ""
    for node in [expr, *walk_code(expr)]:
        if isinstance(node, cst.SimpleString):
            text += string_value(node) or ""
        elif isinstance(node, cst.FormattedStringText):
            text += node.value
    return any(word in text.upper() for word in ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "FROM "))


def sql_shape(mod: PyModule, fn: cst.FunctionDef, call: cst.Call) -> bool:
    """A call that :func:`sql_argument` could take for SQL, whatever its arguments."""
    func = call.func
    if isinstance(func, cst.Attribute) and (func.attr.value in SQL_METHODS or func.attr.value in SQL_KEYWORDS):
        return True
    return (mod.call_name(call, fn) or "") in SQL_FUNCTIONS


def sql_sink(taint: FunctionTaint, call: cst.Call) -> str | None:
    found = sql_argument(taint, call)
    if found is None:
        return None
    sink, arg = found
    how = Builds(taint).how(arg)
    if how is None:
        return None
    return f"{sink} (built by {how})"


# ---------------------------------------------------------------------- screen (ast sketch)

_SQL_FUNCTION_LAST = {name.rsplit(".", 1)[-1] for name in SQL_FUNCTIONS}
_SQL_ATTRS = SQL_METHODS | SQL_KEYWORDS.keys() | _SQL_FUNCTION_LAST
_CASE_METHODS = ("strip", "lower", "upper", "replace", "rstrip", "lstrip")


def _sql_arguments(sketch: Sketch, call: ast.Call) -> list[ast.expr]:
    """Every expression :func:`sql_argument` may take for the SQL text of ``call`` (each branch
    it could take, since ``sketch.quals`` over-approximates ``call_name``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        last = func.attr
        if last not in _SQL_ATTRS:
            return []  # every dotted name it may stand for ends with this attribute
    elif isinstance(func, ast.Name) and func.id in sketch.imports:
        last = ""  # SQL_FUNCTIONS are dotted: a bare name matches only through an import
    else:
        return []
    out = []
    if (not last or last in _SQL_FUNCTION_LAST) and sketch.quals(func) & SQL_FUNCTIONS:
        arg = sketch_argument(call, 0, ("text", "sql"))
        if arg is not None:
            out.append(arg)
    if last in SQL_METHODS:
        arg = sketch_argument(call, 0, ("operation", "sql", "statement", "query"))
        if arg is not None:
            out.append(arg)
    elif last in SQL_KEYWORDS:
        names = SQL_KEYWORDS[last]
        out.extend(kw.value for kw in call.keywords if kw.arg in names)
    return out


def _stringish(expr: ast.expr) -> bool:
    """``ll111._stringish`` (a string literal, implicit concatenation or f-string) in ast."""
    return isinstance(expr, ast.JoinedStr) or (isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)))


class _MayBuild:
    """Whether ``Builds.how`` could find string building in an expression of one function,
    whatever is tainted: an over-approximation of ``how`` with every taint test taken as true."""

    def __init__(self, sketch: Sketch, fn: FunctionNode) -> None:
        self.sketch = sketch
        a = fn.args
        # names Builds may see as built by a caller: EventTaint.arguments yields parameter
        # names and the keyword names of plain-name calls of same-module functions (any
        # keyword, whether the callee has such a parameter or not)
        self.built = {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
        self.built.update(p.arg for p in (a.vararg, a.kwarg) if p is not None)
        for call in sketch.nodes(ast.Call):
            if call.keywords and isinstance(call.func, ast.Name) and call.func.id in sketch.functions:
                self.built.update(kw.arg for kw in call.keywords if kw.arg)
        # Builds.assigned, from the whole function (nested scopes too: a superset)
        self.assigned: dict[str, list[ast.expr]] = {}
        self.appended: set[str] = set()  # q += ...: a concatenation
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        self.assigned.setdefault(t.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
                self.assigned.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                if isinstance(node.op, ast.Add):
                    self.appended.add(node.target.id)
                else:
                    self.assigned.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "extend", "insert"):
                for name in _target_names(node.func.value):
                    # libcst's call.args: positional (a star's value) and keyword values
                    self.assigned.setdefault(name, []).extend(_unstar(a) for a in node.args)
                    self.assigned[name].extend(kw.value for kw in node.keywords)
        self.seen: set[str] = set()

    def __call__(self, expr: ast.expr) -> bool:
        # a taint test is true only through a name (see ll111.names_in)
        if isinstance(expr, ast.JoinedStr):
            return any(isinstance(v, ast.FormattedValue) and names_in(v.value) for v in expr.values)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.Mod):
                return _stringish(expr.left) and names_in(expr.right)
            return isinstance(expr.op, ast.Add)
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute):
                if func.attr in ("SQL", "Composed"):  # sql.SQL(f"..."): how(first argument)
                    return any(self(_unstar(a)) for a in expr.args) or any(self(kw.value) for kw in expr.keywords)
                if func.attr == "format":
                    return True
                if func.attr == "join":
                    return _stringish(func.value)
                if func.attr in _CASE_METHODS:
                    return self(func.value)
                return False
            return isinstance(func, ast.Name) and func.id in self.sketch.functions  # a helper's result
        if isinstance(expr, ast.Name):
            name = expr.id
            if name in self.built or name in self.appended:
                return True
            if name in self.seen:
                return False  # its values are being looked at already
            self.seen.add(name)
            return any(self(value) for value in self.assigned.get(name, ()))
        if isinstance(expr, (ast.List, ast.Tuple)):
            return any(self(_unstar(el)) for el in expr.elts)
        return False


def _unstar(expr: ast.expr) -> ast.expr:
    return expr.value if isinstance(expr, ast.Starred) else expr


def _target_names(target: ast.expr) -> Iterator[str]:
    """``ll111.target_names`` in ast."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for el in target.elts:
            yield from _target_names(el)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)
    elif isinstance(target, (ast.Subscript, ast.Attribute)):
        base: ast.expr = target
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            yield base.id


@register
class SqlInjection(CodeRule):
    id = "LL112"
    name = "sql-injection"
    reads = "reach"
    family = "code"
    severity = Severity.ERROR
    precision = "high"
    security_severity = 8.8
    tags = ("security", "injection")
    needles = ("execute", "text", "read_sql", "query", "raw")
    summary = "Data from the event is formatted into an SQL string instead of being passed as a parameter."
    doc = """
## What it does
Follows data derived from the handler's `event` (assignments, method calls, loops over
records; into same-module helpers through their arguments) into SQL text built with an
f-string, `%` formatting, `.format`, `+` / `+=` concatenation or `str.join`, and passed to:

- DB-API cursors and connections: `execute`, `executemany`, `executescript`, `mogrify`;
  SQLAlchemy `text(...)`, `exec_driver_sql`; pandas `read_sql`;
- AWS query APIs: RDS Data API `execute_statement(sql=...)`, Redshift Data API
  `execute_statement(Sql=...)`, DynamoDB PartiQL `execute_statement(Statement=...)`, Athena
  `start_query_execution(QueryString=...)`.

Not reported: parameterised queries (`cursor.execute("... WHERE id = %s", (id,))`,
`:name` parameters, the Data API's `parameters=`), psycopg's `sql.SQL(...).format(
sql.Identifier(...))` composition (an f-string inside `sql.SQL(...)` is still reported), values converted with `int(...)` or passed through a
function named like a sanitiser/validator, names checked against an allow-list
(`if table not in TABLES: ...`) or a pattern, values looked up in a fixed table, and
functions the template triggers only by schedules.
Executing SQL text taken verbatim from the event (a deliberate query runner) is not this
rule's business.

## Why it matters
Everything in the event can be chosen by whoever triggers the function: API callers, queue
message senders, uploaders. Formatted into SQL, `' OR '1'='1` reads every row and
`'; DROP TABLE users; --` destroys data, with the function's database credentials.

## Example
```python
def lambda_handler(event, context):
    user_id = event["pathParameters"]["id"]
    cursor.execute(f"SELECT * FROM users WHERE id = '{user_id}'")      # LL112
```
Use instead:
```python
def lambda_handler(event, context):
    user_id = event["pathParameters"]["id"]
    cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))
```

## How to fix
Pass values as query parameters (`%s` / `?` / `:name` placeholders with a separate
argument; the Data APIs' `parameters=`). Table or column names cannot be parameters:
check them against an allow-list, or compose them with `psycopg.sql.Identifier`.
"""
    references = (
        "https://owasp.org/www-community/attacks/SQL_Injection",
        "https://peps.python.org/pep-0249/#id15",
        "https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html",
    )
    invalid = (
        Example.code(
            "import pymysql\n\nconn = pymysql.connect(host='db')\n\ndef lambda_handler(event, context):\n"
            "    user_id = event['pathParameters']['id']\n    with conn.cursor() as cur:\n"
            "        cur.execute(f\"SELECT * FROM users WHERE id = '{user_id}'\")\n        return cur.fetchall()\n"
        ),
        Example.code(
            "import boto3\n\nrds = boto3.client('rds-data')\n\ndef find(name):\n"
            "    sql = \"SELECT * FROM t WHERE name = '%s'\" % name\n"
            "    return rds.execute_statement(resourceArn='arn', secretArn='arn', sql=sql)\n\n"
            "def handler(event, context):\n    return find(event['queryStringParameters']['name'])\n",
            note="RDS Data API, through a helper",
        ),
    )
    valid = (
        Example.code(
            "import pymysql\n\nconn = pymysql.connect(host='db')\n\ndef lambda_handler(event, context):\n"
            "    user_id = event['pathParameters']['id']\n    with conn.cursor() as cur:\n"
            "        cur.execute('SELECT * FROM users WHERE id = %s', (user_id,))\n        return cur.fetchall()\n",
            note="a parameterised query",
        ),
        Example.code(
            "TABLES = {'orders': 'orders_v2', 'users': 'users'}\n\ndef lambda_handler(event, context):\n"
            "    table = TABLES[event['kind']]\n    cursor.execute(f'SELECT count(*) FROM {table}')\n",
            note="the table name comes from a fixed allow-list",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # sound: check reports only calls sql_argument takes for SQL (over-approximated by
        # _sql_arguments) whose SQL text Builds.how finds built from event data (_MayBuild:
        # how with every taint test true), in functions a non-schedule handler reaches
        # (reach_sinks). So a parameterised query with literal SQL text is ruled out.
        imports = sketch.imports
        found = [
            (call, args)
            for call in sketch.nodes(ast.Call)
            # the cheap part of _sql_arguments first, inline
            if (isinstance(call.func, ast.Attribute) and call.func.attr in _SQL_ATTRS)
            or (isinstance(call.func, ast.Name) and call.func.id in imports)
            if (args := _sql_arguments(sketch, call))
        ]
        if not found:
            return False
        args_of = {id(call): args for call, args in found}
        builds: dict[int, _MayBuild] = {}
        for call, fn in reach_sinks(sketch, handlers, [call for call, _ in found]):
            may = builds.get(id(fn))
            if may is None:
                may = builds[id(fn)] = _MayBuild(sketch, fn)
            may.seen.clear()
            if any(may(arg) for arg in args_of[id(call)]):
                return True
        return False

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        for call, what, handler, path in sinks(ctx, sql_sink, sql_shape):
            yield ctx.finding(
                call,
                f"event data is formatted into SQL passed to {what} {where(handler, path)}: a crafted value "
                "can read or change any data the function's database user can; pass it as a query parameter "
                "(placeholders), or check identifiers against an allow-list",
                logical=".".join(path),
            )
