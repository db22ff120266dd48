"""LL112: data from the event formatted into an SQL string (SQL injection)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from lambdalint.code.context import CodeContext, keyword, positional, string_value
from lambdalint.code.module import PyModule, walk_code
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register
from lambdalint.rules.ll111 import Builds, FunctionTaint, sinks, where

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


@register
class SqlInjection(CodeRule):
    id = "LL112"
    name = "sql-injection"
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

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        for call, what, handler, path in sinks(ctx, sql_sink, sql_shape):
            yield ctx.finding(
                call,
                f"event data is formatted into SQL passed to {what} {where(handler, path)}: a crafted value "
                "can read or change any data the function's database user can; pass it as a query parameter "
                "(placeholders), or check identifiers against an allow-list",
                logical=".".join(path),
            )
