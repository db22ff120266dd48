"""LL103: a secret reaches print/logging."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator, Sequence
from functools import cached_property

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, keyword, positional, string_value
from lambdalint.code.module import PyModule, import_bindings, walk_code
from lambdalint.code.sketch import (
    Sketch,
    bind_arguments,
    bound_names,
    call_args,
    dotted,
    may_be_log_sink,
    statements,
)
from lambdalint.code.taint import (
    DEFAULT_PROPAGATE,
    LOG_METHODS,
    OPAQUE_METHODS,
    PRINT_FUNCTIONS,
    STREAM_WRITES,
    STRING_BUILDERS,
    Flow,
    log_sink,
)
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

ENV_GETTERS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop", "os.getenvb"}
# calls :meth:`SecretLogged.source` may take for a secret (whatever their arguments)
SECRET_METHODS = frozenset(
    {
        "get_secret_value", "get_secret_string", "get_secret_binary", "get_parameter", "get_parameters",
        "get_parameters_by_path", "get_parameters_by_name", "decrypt", "get_secret", "get_secrets_by_name",
    }
)
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "cookies", "x-api-key", "authorizationtoken", "x-auth-token"}
# response fields that name or describe a secret rather than hold it, and the non-secret
# fields of a database secret (RDS/Secrets Manager layout)
CLEAN_KEYS = (
    "ARN", "Name", "VersionId", "VersionStages", "CreatedDate", "ResponseMetadata", "LastModifiedDate",
    "Version", "Type", "KeyId", "EncryptionAlgorithm", "DataType", "Selector", "HTTPStatusCode",
    "username", "user", "host", "hostname", "port", "dbname", "database", "engine", "dbInstanceIdentifier",
    "dbClusterIdentifier", "region", "endpoint",
)
DEFAULT_SECRET_NAMES = [
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY",
    "CREDENTIAL", "AUTH",
]
# env var names that hold an identifier of a secret, not the secret itself
DEFAULT_NOT_SECRET = [
    "ARN", "NAME", "ID", "IDS", "PATH", "PARAM", "PARAMETER", "TABLE", "BUCKET", "URL", "URI", "ENDPOINT",
    "HOST", "REGION", "TTL", "EXPIRY", "EXPIRATION", "TIMEOUT", "LENGTH", "HEADER", "ISSUER", "AUDIENCE",
    "TYPE", "MODE", "ENABLED", "DISABLED", "FILE", "LOCATION", "QUEUE", "TOPIC", "STREAM", "VERSION",
    "FUNCTION", "POOL", "USER", "USERNAME", "PROVIDER", "DOMAIN", "SCOPE", "SCOPES", "METHOD", "SERVICE",
    "STAGE", "ALIAS", "PREFIX", "KEY_ID", "PORT", "FLAG", "LEVEL", "SECONDS", "MINUTES", "DAYS", "HOURS",
    "SSM", "KMS", "KMS_KEY", "HASH", "FIELD",
]
DEFAULT_REDACTION = [
    "mask", "redact", "hash", "sha1", "sha256", "sha512", "md5", "blake2", "hmac", "digest",
    "obfuscate", "anonymi", "sanitiz", "scrub", "censor", "fingerprint",
]


class SecretNames:
    """Is an environment variable name secret-named (and not a secret's name/ARN/path)?"""

    def __init__(self, words: list[str], not_secret: list[str]) -> None:
        alternatives = "|".join(re.escape(w.upper()) for w in words)
        self.pattern = re.compile(rf"(?:^|_|O)(?:{alternatives})(?:$|_|S$|S_|ORIZATION|ORISATION)")
        self.excluded = tuple(f"_{s.upper()}" for s in not_secret)
        self.excluded_start = tuple(f"{s.upper()}_" for s in ("NO", "SKIP", "USE", "ENABLE", "DISABLE", "IS", "HAS"))

    def __call__(self, name: str) -> bool:
        upper = name.upper().replace("-", "_")
        if not self.pattern.search(upper):
            return False
        return not upper.endswith(self.excluded) and not upper.startswith(self.excluded_start)


@register
class SecretLogged(CodeRule):
    id = "LL103"
    name = "secret-logged"
    family = "code"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "secrets", "logging")
    security_severity = 7.5
    needles = (
        "environ", "getenv", "get_secret", "get_parameter", "decrypt", "uthorization", "UTHORIZATION",
        "ookie", "OOKIE", "pi-key", "PI-KEY", "Api-Key", "uth-token", "uth-Token",
    )
    options = {
        "secret-names": DEFAULT_SECRET_NAMES,
        "not-secret-suffixes": DEFAULT_NOT_SECRET,
        "redaction-functions": DEFAULT_REDACTION,
    }
    summary = "A secret (secret-named env var, Secrets Manager, SSM SecureString, KMS plaintext, auth header) reaches print or logging."
    doc = """
## What it does
Follows values from secret sources to log sinks, inside each function of a handler module
(and into the same-module helpers it calls with a secret argument).

Sources: environment variables with secret-like names read through `os.environ[...]`,
`os.environ.get` or `os.getenv` (names containing PASSWORD, PASSWD, SECRET, TOKEN, API_KEY,
APIKEY, PRIVATE_KEY, CREDENTIAL or AUTH -- but not names of a secret such as `SECRET_ARN`,
`DB_PASSWORD_PARAM` or `TOKEN_TABLE`), Secrets Manager `get_secret_value` responses (and
the caching client's `get_secret_string`), SSM
`get_parameter(s)` with `WithDecryption=True`, KMS `decrypt` plaintext, the `Authorization`,
`Cookie` and `X-Api-Key` request headers (and an authorizer's `authorizationToken`),
Powertools `parameters.get_secret`, and the whole `os.environ` (in Lambda it holds the
execution role's `AWS_SESSION_TOKEN` and secret access key).

The value is followed through assignments, subscripts, attributes, f-strings, `%`,
`.format`, concatenation, `json.dumps`/`json.loads`/`str`, containers and same-module helper
functions. Sinks: `print`, `logging.*`, any `logger.*`/`log.*` call (Powertools `Logger`
included, and its `append_keys`), `sys.stdout.write`/`sys.stderr.write`.

A value passed through a redaction or hash function (`mask_token(t)`,
`hashlib.sha256(...)`; names configurable), reduced to a slice (`token[:4]`), a length, a
boolean or a comparison is clean, and so are the parts of a response or secret that are not
the secret: `resp["ARN"]`, `resp["VersionId"]`, and a database secret's `username`, `host`,
`port` and `dbname`. Module-level values are seen from the functions that use them, and
`self.x` attributes from the other methods of the class.

## Why it matters
Everything a Lambda function prints goes to CloudWatch Logs, kept for the log group's
retention (forever by default), readable by anyone with `logs:GetLogEvents` or Logs Insights
access, and often shipped on to third-party log tools. A secret written there is no longer a
secret: whoever can read the logs can now call the database or the API with it, and rotating
it is the only fix.

## Example
```python
import os
import logging

logger = logging.getLogger()
API_TOKEN = os.environ["API_TOKEN"]

def lambda_handler(event, context):
    logger.info(f"calling partner API with token {API_TOKEN}")   # LL103
```
Use instead:
```python
def lambda_handler(event, context):
    logger.info("calling partner API (token set: %s)", bool(API_TOKEN))
```

## How to fix
Do not log the secret. Log that it is present, its length, a hash, or the last characters
through a redaction helper; log the secret's *name* or ARN instead of its value.
"""
    references = (
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
        "https://cwe.mitre.org/data/definitions/532.html",
    )
    invalid = (
        Example.code(
            "import os\nimport logging\n\nlogger = logging.getLogger()\nAPI_TOKEN = os.environ['API_TOKEN']\n\n"
            "def lambda_handler(event, context):\n    logger.info(f'calling partner API with token {API_TOKEN}')\n"
            "    return {'statusCode': 200}\n"
        ),
        Example.code(
            "import json\nimport boto3\n\nsm = boto3.client('secretsmanager')\n\n"
            "def lambda_handler(event, context):\n"
            "    resp = sm.get_secret_value(SecretId='prod/db')\n"
            "    creds = json.loads(resp['SecretString'])\n"
            "    print('db credentials: %s' % creds)\n",
            note="a Secrets Manager secret printed after parsing",
        ),
        Example.code(
            "from aws_lambda_powertools import Logger\n\nlogger = Logger()\n\n"
            "def handler(event, context):\n    auth = event['headers'].get('Authorization')\n"
            "    logger.info({'auth': auth, 'path': event['path']})\n",
            note="the Authorization header in a Powertools log entry",
        ),
    )
    valid = (
        Example.code(
            "import os\nimport logging\n\nlogger = logging.getLogger()\n"
            "SECRET_ARN = os.environ['DB_SECRET_ARN']\nAPI_TOKEN = os.environ['API_TOKEN']\n\n"
            "def lambda_handler(event, context):\n"
            "    logger.info('fetching secret %s', SECRET_ARN)\n"
            "    logger.info('token set: %s, length %d', bool(API_TOKEN), len(API_TOKEN))\n",
            note="the secret's ARN, and facts about the token, are not the secret",
        ),
        Example.code(
            "import hashlib\nimport logging\n\nlog = logging.getLogger(__name__)\n\n"
            "def mask(value):\n    return value[:2] + '***'\n\n"
            "def handler(event, context):\n    token = event['headers']['authorization']\n"
            "    log.info('token %s', mask(token))\n"
            "    log.info('token hash %s', hashlib.sha256(token.encode()).hexdigest())\n",
            note="redacted and hashed values are clean",
        ),
    )

    @cached_property
    def secret_name(self) -> SecretNames:
        return SecretNames(list(self.opts["secret-names"]), list(self.opts["not-secret-suffixes"]))

    def is_clean(self, name: str) -> bool:
        low = name.lower().rsplit(".", 1)[-1] if "." in name and not name.startswith("hashlib") else name.lower()
        return any(word in low for word in self.opts["redaction-functions"])

    # ------------------------------------------------------------------ sources

    def source(self, expr: cst.BaseExpression, flow: Flow) -> str | None:
        mod = flow.mod
        if isinstance(expr, cst.Subscript):
            key = _subscript_key(expr)
            if key is None:
                return None
            if key.lower() in SECRET_HEADERS:
                return _header_label(key)
            if mod.qualname(expr.value, flow.scope) == "os.environ":
                return f"env var `{key}`" if self.secret_name(key) else ""
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            if mod.qualname(expr, flow.scope) == "os.environ":
                return "the whole environment (`os.environ`, which holds the role's session token)"
            return None
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func
        qual = mod.call_name(expr, flow.scope) or ""
        method = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if qual in ENV_GETTERS:
            arg = positional(expr, 0) or keyword(expr, "key")
            name = string_value(arg.value) if arg else None
            if name and self.secret_name(name):
                return f"env var `{name}`"
            return ""
        if method == "get" and isinstance(func, cst.Attribute):
            arg = positional(expr, 0)
            name = string_value(arg.value) if arg else None
            if name and name.lower() in SECRET_HEADERS:
                return _header_label(name)
            return None
        if method in ("get_secret_value", "get_secret_string", "get_secret_binary"):
            return f"a Secrets Manager secret (`{method}`)"
        if method in ("get_parameter", "get_parameters", "get_parameters_by_path", "get_parameters_by_name"):
            if _true(keyword(expr, "WithDecryption")) or _true(keyword(expr, "decrypt")):
                return f"a decrypted SSM parameter (`{method}`)"
            return None
        if method == "decrypt" and keyword(expr, "CiphertextBlob") is not None:
            return "KMS `decrypt` plaintext"
        if method in ("get_secret", "get_secrets_by_name"):
            if isinstance(func, cst.Name) and func.value in mod.functions:
                return None  # a same-module helper: followed by the flow instead
            return f"a secret (`{method}`)"
        return None

    def may_have_source(self, mod: PyModule) -> bool:
        """Whether any expression of the module could be one :meth:`source` labels. Every
        secret the flows find starts at one, so a module without any needs no flow at all.
        Deliberately broader than ``source`` (no import resolution, no keyword checks)."""
        nodes = list(walk_code(mod.module))
        harmless: set[int] = set()  # `environ` nodes read with a literal, non-secret name
        environ_names = {"environ"}
        for node in nodes:
            tp = type(node)
            if tp is cst.Subscript:
                key = _subscript_key(node)  # type: ignore[arg-type]
                if key is None:
                    continue  # os.environ[name]: left to the `environ` test below
                if key.lower() in SECRET_HEADERS or self.secret_name(key):
                    return True
                harmless.add(id(node.value))  # type: ignore[attr-defined]
            elif tp is cst.Call:
                func = node.func  # type: ignore[attr-defined]
                method = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
                if method in SECRET_METHODS:
                    return True
                if method in ("get", "getenv", "getenvb", "setdefault", "pop"):
                    arg = positional(node, 0) or keyword(node, "key")  # type: ignore[arg-type]
                    name = string_value(arg.value) if arg else None
                    if name is not None and (name.lower() in SECRET_HEADERS or self.secret_name(name)):
                        return True
                    if isinstance(func, cst.Attribute):
                        harmless.add(id(func.value))
            elif tp is cst.ImportFrom or tp is cst.Import:
                harmless.update(id(n) for n in walk_code(node))
                if tp is cst.ImportFrom:  # from os import environ as env
                    environ_names.update(local for local, full in import_bindings(node).items() if full == "os.environ")  # type: ignore[arg-type]
        # `os.environ` is an Attribute whose `attr` is a Name: that Name is not a read of its own
        harmless.update(id(node.attr) for node in nodes if type(node) is cst.Attribute)
        for node in nodes:
            tp = type(node)
            if (tp is cst.Name and node.value in environ_names) or (tp is cst.Attribute and node.attr.value == "environ"):  # type: ignore[attr-defined]
                if id(node) not in harmless:
                    return True
        return False

    # ------------------------------------------------------------------ screen

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        """Sound because check reports only a call ``log_sink`` names (``print``-like by its
        qualified name, or a ``LOG_METHODS`` attribute call) with an argument whose taint starts
        at an expression :meth:`source` labels (the flows have no other origin of taint): the
        module needs both, see :func:`_may_log` and :meth:`_may_have_source_ast`; then
        :class:`_SecretFlows` over-approximates the flows themselves."""
        return _may_log(sketch) and self._may_have_source_ast(sketch) and _SecretFlows(self, sketch).logs_secret()

    def _may_have_source_ast(self, sketch: Sketch) -> bool:
        """Whether some expression of the module may be one :meth:`source` gives a (non-empty)
        label, read from ``ast``. Each branch of ``source`` that labels, over-approximated:
        ``sketch.quals`` stands for ``qualname`` in any scope, and an ``os.environ`` expression
        is harmless only where ``source`` always answers for its parent (``os.environ["NAME"]``
        and ``os.environ.get/setdefault/pop(...)``: the flow never looks below them)."""
        harmless: set[int] = set()
        for sub in sketch.nodes(ast.Subscript):
            key = _ast_key(sub.slice, loose=True)
            if key is not None:
                if key.lower() in SECRET_HEADERS:
                    return True
                if self.secret_name(key) and "os.environ" in sketch.quals(sub.value):
                    return True
            if _ast_key(sub.slice, loose=False) is not None:
                harmless.add(id(sub.value))
        for call in sketch.nodes(ast.Call):
            func = call.func
            method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if method in ("get_secret_value", "get_secret_string", "get_secret_binary"):
                return True
            if method in ("get_parameter", "get_parameters", "get_parameters_by_path", "get_parameters_by_name"):
                if any(kw.arg in ("WithDecryption", "decrypt") and _ast_true(kw.value) for kw in call.keywords):
                    return True
            elif method == "decrypt":
                if any(kw.arg == "CiphertextBlob" for kw in call.keywords):
                    return True
            elif method in ("get_secret", "get_secrets_by_name"):
                if not (isinstance(func, ast.Name) and func.id in sketch.functions):
                    return True
            if _may_be_env_getter(sketch, func, method):
                for arg in _ast_name_args(call):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and self.secret_name(arg.value):
                        return True
            if method in ("get", "setdefault", "pop") and isinstance(func, ast.Attribute):
                if method == "get":
                    first = [a for a in call.args if not isinstance(a, ast.Starred)][:1]
                    if first and isinstance(first[0], ast.Constant) and isinstance(first[0].value, str):
                        if first[0].value.lower() in SECRET_HEADERS:
                            return True
                # when its receiver is os.environ, the call is one of ENV_GETTERS: ``source``
                # answers for the call and the flow never looks at the receiver alone
                harmless.add(id(func.value))
        environ_names = {name for name, full in sketch.imports.items() if "os.environ" in full}
        for attr in sketch.nodes(ast.Attribute):
            if attr.attr == "environ" and id(attr) not in harmless and "os.environ" in sketch.quals(attr):
                return True
        if environ_names:
            for name in sketch.nodes(ast.Name):
                if name.id in environ_names and id(name) not in harmless:
                    return True
        return False

    # ------------------------------------------------------------------ check

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        mod = ctx.mod
        if not self.may_have_source(mod):
            return
        reported: dict[cst.Call, str] = {}

        def sinks(unit: cst.CSTNode, flow: Flow) -> None:
            nodes = [unit, *walk_code(unit, skip_nested=True)]
            for node in nodes:
                # exact type test: fast, and libcst has no subclass of Call
                if type(node) is not cst.Call or node in reported:
                    continue
                assert isinstance(node, cst.Call)
                sink = log_sink(mod, node, flow.scope)
                if sink is None:
                    continue
                args = node.args[1:] if sink.endswith(".log") else node.args
                for arg in args:
                    if arg.keyword is not None and arg.keyword.value in ("exc_info", "stack_info", "stacklevel", "level", "file", "sep", "end", "flush"):
                        continue
                    label = flow.taint(arg.value)
                    if label:
                        where = f" in `{flow.scope.name.value}`" if flow.scope is not None else " at module level"
                        reported[node] = (
                            f"{label} is written to the logs by `{sink}`{where}; anyone who can read "
                            "the CloudWatch log group gets the secret: log a redacted form, a hash, or nothing"
                        )
                        break

        def new_flow(scope: cst.FunctionDef | None) -> Flow:
            return Flow(mod, scope, source=self.source, on_unit=sinks, is_clean=self.is_clean, clean_keys=CLEAN_KEYS, follow=2)

        top = new_flow(None)
        top.run(_module_without_main(mod))
        for fn in mod.functions.values():
            new_flow(fn).globals_from(top.env).run()
        for methods in _classes(mod):
            # `self.token = get_secret(...)` in one method, logged in another
            attrs: dict[str, str] = {}
            for fn in methods:
                flow = new_flow(fn).globals_from(top.env).run()
                attrs.update({k: v for k, v in flow.env.items() if k.startswith("self.")})
            if attrs:
                for fn in methods:
                    new_flow(fn).globals_from({**top.env, **attrs}).run()
        for call, message in reported.items():
            yield ctx.finding(call, message)


SINK_SKIPPED_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "level", "file", "sep", "end", "flush"})
# a whole string literal that is one plain word, as written (not implicitly concatenated)
_ONE_LITERAL = re.compile(r"[rRuU]?(['\"])(\w+)\1")


class _SecretFlows:
    """The flows of :meth:`SecretLogged.check`, over-approximated from ``ast``.

    The check runs one flow over the module body, one per top-level function (with the
    module's tainted names as globals) and one per method of each top-level class (with the
    ``self.x`` names any method taints), and follows same-module functions a call passes
    tainted arguments to. Taint starts only where ``source`` labels an expression. Here each
    of those bodies is one scope (a class: all its methods together; a function: everything
    in it, nested scopes included) holding the names (and dotted ``a.b``) that may be
    tainted anywhere in it, plus the module scope's; the scopes, the parameters that calls
    may bind to tainted arguments and the functions that may return a tainted value grow
    to a fixed point. Every ``Flow.taint`` rule is mirrored or widened (``is_clean`` only
    when every name the callee may stand for is a redaction, clean keys only for a single
    plain literal)."""

    def __init__(self, rule: SecretLogged, sketch: Sketch) -> None:
        self.rule = rule
        self.sketch = sketch
        self.clean_keys = frozenset(k.lower() for k in CLEAN_KEYS)
        self.module: set[str] = set()
        # ``self.x`` names tainted in a method: the methods' flows and the functions they
        # follow see them as globals
        self.attrs: set[str] = set()
        self.returning: set[int] = set()
        self.harmless = _harmless_environ(sketch)
        self._lines: list[bytes] | None = None
        self._sources: dict[int, bool] = {}
        self._clean: dict[str, bool] = {}
        # (scope, expression) pairs found tainted: the sets only grow, so they stay tainted
        self._tainted: set[tuple[int, int]] = set()
        # scopes: (function id or 0, names tainted in it, is a class); the first is the module's
        self.scopes: list[tuple[int, set[str], bool]] = [(0, self.module, False)]
        self.scope_of: dict[int, set[str]] = {}
        # the lines each top-level function and class spans, to sort the sketch's nodes into
        # scopes without walking the tree again (they never share a line with module code)
        spans: list[tuple[int, int, int]] = []
        for fn in sketch.functions.values():
            names: set[str] = set()
            spans.append((fn.lineno, fn.end_lineno or fn.lineno, len(self.scopes)))
            self.scopes.append((id(fn), names, False))
            self.scope_of[id(fn)] = names
        for stmt in statements(sketch.tree.body):
            if isinstance(stmt, ast.ClassDef):
                spans.append((stmt.lineno, stmt.end_lineno or stmt.lineno, len(self.scopes)))
                self.scopes.append((0, set(), True))
        spans.sort()
        self.starts = [start for start, _end, _i in spans]
        self.spans = spans

    def scope_index(self, node: ast.AST) -> int:
        """The scope a node belongs to: the function or class whose lines hold it, else the
        module (decorators land there: the flows never evaluate them, any scope over-reads)."""
        line = getattr(node, "lineno", 0)
        i = bisect.bisect_right(self.starts, line) - 1
        if i >= 0:
            start, end, index = self.spans[i]
            if start <= line <= end:
                return index
        return 0

    def logs_secret(self) -> bool:
        count = len(self.scopes)
        binds: list[list[tuple[list[ast.expr], ast.expr, bool]]] = [[] for _ in range(count)]
        calls: list[list[ast.Call]] = [[] for _ in range(count)]
        returns: list[list[ast.expr]] = [[] for _ in range(count)]
        sketch = self.sketch
        where = self.scope_index
        for call in sketch.nodes(ast.Call):
            calls[where(call)].append(call)
        for assign in sketch.nodes(ast.Assign):
            binds[where(assign)].append((assign.targets, assign.value, False))
        for ann in sketch.nodes(ast.AnnAssign):
            if ann.value is not None:
                binds[where(ann)].append(([ann.target], ann.value, False))
        for aug in sketch.nodes(ast.AugAssign):
            binds[where(aug)].append(([aug.target], aug.value, True))
        for walrus in sketch.nodes(ast.NamedExpr):
            binds[where(walrus)].append(([walrus.target], walrus.value, False))
        for loop in [*sketch.nodes(ast.For), *sketch.nodes(ast.AsyncFor)]:
            binds[where(loop)].append(([loop.target], loop.iter, False))  # type: ignore[attr-defined]
        for block in [*sketch.nodes(ast.With), *sketch.nodes(ast.AsyncWith)]:
            for item in block.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    binds[where(block)].append(([item.optional_vars], item.context_expr, False))
        for ret in sketch.nodes(ast.Return):
            if ret.value is not None:
                returns[where(ret)].append(ret.value)
        units = [(fn_id, names, is_class, binds[i], calls[i], returns[i]) for i, (fn_id, names, is_class) in enumerate(self.scopes)]
        functions = self.sketch.functions
        changed = True
        while changed:
            changed = False
            for fn_id, names, is_class, unit_binds, unit_calls, unit_returns in units:
                for targets, value, augmented in unit_binds:
                    if self.may(value, names) or (augmented and self.may(targets[0], names)):
                        for target in targets:
                            for bound in bound_names(target):
                                if bound not in names:
                                    names.add(bound)
                                    changed = True
                                if is_class and "." in bound:
                                    self.attrs.add(bound)
                for call in unit_calls:
                    func = call.func
                    if isinstance(func, ast.Name) and func.id in functions:
                        callee = functions[func.id]
                        into = self.scope_of[id(callee)]
                        for param, arg in bind_arguments(callee, call):
                            if param not in into and self.may(arg, names):
                                into.add(param)
                                changed = True
                if fn_id and fn_id not in self.returning and any(self.may(v, names) for v in unit_returns):
                    self.returning.add(fn_id)
                    changed = True
        for _fn_id, names, _is_class, _binds, unit_calls, _returns in units:
            for call in unit_calls:
                if may_be_log_sink(self.sketch, call) and any(self.may(a, names) for a in call_args(call, SINK_SKIPPED_KEYWORDS)):
                    return True
        return False

    def has(self, key: str, names: set[str]) -> bool:
        return key in names or key in self.module or key in self.attrs

    def may(self, expr: ast.expr | None, names: set[str]) -> bool:
        """Could ``Flow.taint`` find ``expr`` tainted, when only ``names`` (and the module's
        tainted names) may be?"""
        if expr is None:
            return False
        key = (id(names), id(expr))
        if key in self._tainted:
            return True
        if self._may(expr, names):
            self._tainted.add(key)
            return True
        return False

    def _may(self, expr: ast.expr, names: set[str]) -> bool:
        found = self._sources.get(id(expr))
        if found is None:
            found = self._sources[id(expr)] = self.source(expr)
        if found:
            return True
        tp = type(expr)
        if tp is ast.Name:
            return self.has(expr.id, names)  # type: ignore[attr-defined]
        if tp is ast.Attribute:
            name = dotted(expr)
            return (name is not None and self.has(name, names)) or self.may(expr.value, names)  # type: ignore[attr-defined]
        if tp is ast.Subscript:
            index = expr.slice  # type: ignore[attr-defined]
            if isinstance(index, ast.Slice) or (isinstance(index, ast.Tuple) and any(isinstance(e, ast.Slice) for e in index.elts)):
                return False  # token[:4]
            if self._clean_literal(index):
                return False
            return self.may(expr.value, names)  # type: ignore[attr-defined]
        if tp is ast.JoinedStr:
            return any(type(v) is ast.FormattedValue and self.may(v.value, names) for v in expr.values)  # type: ignore[attr-defined]
        if tp is ast.BinOp:
            return self.may(expr.left, names) or self.may(expr.right, names)  # type: ignore[attr-defined]
        if tp is ast.BoolOp:
            return any(self.may(v, names) for v in expr.values)  # type: ignore[attr-defined]
        if tp is ast.IfExp:
            return self.may(expr.body, names) or self.may(expr.orelse, names)  # type: ignore[attr-defined]
        if tp is ast.Dict:
            return any(self.may(v, names) for v in [*expr.keys, *expr.values])  # type: ignore[attr-defined]
        if tp is ast.List or tp is ast.Tuple or tp is ast.Set:
            return any(self.may(v, names) for v in expr.elts)  # type: ignore[attr-defined]
        if tp is ast.Starred or tp is ast.Await or tp is ast.NamedExpr:
            return self.may(expr.value, names)  # type: ignore[attr-defined]
        if tp is ast.ListComp or tp is ast.SetComp or tp is ast.GeneratorExp or tp is ast.DictComp:
            return any(self.may(g.iter, names) for g in expr.generators)  # type: ignore[attr-defined]
        if tp is ast.Call:
            assert isinstance(expr, ast.Call)
            return self._call(expr, names)
        return False  # literals, comparisons, unary operations, lambdas...

    def _call(self, call: ast.Call, names: set[str]) -> bool:
        func = call.func
        quals = self.sketch.quals(func)
        is_clean = self.is_clean
        if quals and all(is_clean(q) for q in quals):
            return False
        if isinstance(func, ast.Attribute) and is_clean(func.attr):
            return False
        args = call_args(call)
        if quals & DEFAULT_PROPAGATE and any(self.may(a, names) for a in args):
            return True
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in STRING_BUILDERS and any(self.may(a, names) for a in args):
                return True
            if method not in OPAQUE_METHODS:
                if method == "get" and call.args and self._clean_literal(call.args[0]):
                    return False
                return self.may(func.value, names)
            return False
        if isinstance(func, ast.Name) and func.id in self.sketch.functions:
            return id(self.sketch.functions[func.id]) in self.returning
        return False

    def is_clean(self, name: str) -> bool:
        found = self._clean.get(name)
        if found is None:
            found = self._clean[name] = self.rule.is_clean(name)
        return found

    def _clean_literal(self, node: ast.expr) -> bool:
        """A single plain string literal naming a clean key (``secret["host"]``)."""
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in self.clean_keys):
            return False
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            return False
        if self._lines is None:
            self._lines = self.sketch.text.encode("utf-8", "surrogatepass").split(b"\n")
        if not 0 < node.lineno <= len(self._lines):
            return False
        segment = self._lines[node.lineno - 1][node.col_offset : node.end_col_offset].decode("utf-8", "replace")
        m = _ONE_LITERAL.fullmatch(segment)
        return m is not None and m.group(2) == node.value

    def source(self, expr: ast.expr) -> bool:
        """Could ``SecretLogged.source`` give ``expr`` a (non-empty) label?"""
        tp = type(expr)
        sketch = self.sketch
        if tp is ast.Subscript:
            key = _ast_key(expr.slice, loose=True)  # type: ignore[attr-defined]
            if key is None:
                return False
            return key.lower() in SECRET_HEADERS or (
                bool(self.rule.secret_name(key)) and "os.environ" in sketch.quals(expr.value)  # type: ignore[attr-defined]
            )
        if tp is ast.Name or tp is ast.Attribute:
            return id(expr) not in self.harmless and "os.environ" in sketch.quals(expr)
        if tp is not ast.Call:
            return False
        assert isinstance(expr, ast.Call)
        func = expr.func
        method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if _may_be_env_getter(sketch, func, method):
            for arg in _ast_name_args(expr):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and self.rule.secret_name(arg.value):
                    return True
        if method == "get" and isinstance(func, ast.Attribute):
            first = [a for a in expr.args if not isinstance(a, ast.Starred)][:1]
            return bool(first) and isinstance(first[0], ast.Constant) and str(first[0].value).lower() in SECRET_HEADERS
        if method in ("get_secret_value", "get_secret_string", "get_secret_binary"):
            return True
        if method in ("get_parameter", "get_parameters", "get_parameters_by_path", "get_parameters_by_name"):
            return any(kw.arg in ("WithDecryption", "decrypt") and _ast_true(kw.value) for kw in expr.keywords)
        if method == "decrypt":
            return any(kw.arg == "CiphertextBlob" for kw in expr.keywords)
        if method in ("get_secret", "get_secrets_by_name"):
            return not (isinstance(func, ast.Name) and func.id in sketch.functions)
        return False


def _harmless_environ(sketch: Sketch) -> set[int]:
    """``os.environ`` expressions :meth:`SecretLogged.source` never labels as the whole
    environment: the value of a string subscript and the receiver of ``get``/``setdefault``/
    ``pop`` (when they are ``os.environ``, ``source`` answers for the parent expression)."""
    out: set[int] = set()
    for sub in sketch.nodes(ast.Subscript):
        if _ast_key(sub.slice, loose=False) is not None:
            out.add(id(sub.value))
    for call in sketch.nodes(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault", "pop"):
            out.add(id(func.value))
    return out


def _may_log(sketch: Sketch) -> bool:
    """Whether some call of the module may be one ``log_sink`` names (``qualname`` is among
    ``sketch.quals``; any logger-method call counts, whatever its receiver)."""
    sinks = PRINT_FUNCTIONS | STREAM_WRITES
    for call in sketch.nodes(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
            return True
        if sketch.quals(func) & sinks:
            return True
    return False


def _may_be_env_getter(sketch: Sketch, func: ast.expr, method: str) -> bool:
    """Whether the call's name may be one of ENV_GETTERS (``sketch.quals`` only when it can:
    each name ends with ``method``, or is a plain name bound by an import)."""
    if isinstance(func, ast.Name):
        if func.id not in sketch.imports:
            return False
    elif method in ("get", "setdefault", "pop"):
        # os.environ.get: the receiver must be a `.environ` or an imported name
        receiver = func.value  # type: ignore[attr-defined]
        if not (isinstance(receiver, ast.Attribute) and receiver.attr == "environ") and not (
            isinstance(receiver, ast.Name) and receiver.id in sketch.imports
        ):
            return False
    elif method not in ("getenv", "getenvb"):
        return False
    return bool(sketch.quals(func) & ENV_GETTERS)


def _ast_key(index: ast.expr, loose: bool) -> str | None:
    """``_subscript_key`` from ``ast``: a string index. ``x["a",]`` is one index for libcst but
    a tuple for ``ast``: taken only when ``loose`` (where over-reading is the safe side)."""
    if loose and isinstance(index, ast.Tuple) and len(index.elts) == 1:
        index = index.elts[0]
    if isinstance(index, ast.Constant) and isinstance(index.value, str):
        return index.value
    return None


def _ast_name_args(call: ast.Call) -> list[ast.expr]:
    """What ``positional(call, 0) or keyword(call, "key")`` may be."""
    out: list[ast.expr] = [a for a in call.args if not isinstance(a, ast.Starred)][:1]
    out.extend(kw.value for kw in call.keywords if kw.arg == "key")
    return out


def _ast_true(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def _header_label(key: str) -> str:
    if key.lower() == "authorizationtoken":
        return "the authorizer's bearer token (`authorizationToken`)"
    if key.lower() == "cookies":
        return "the request cookies (`cookies`)"
    return f"the `{key}` request header"


def _subscript_key(expr: cst.Subscript) -> str | None:
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    return string_value(expr.slice[0].slice.value)


def _true(arg: cst.Arg | None) -> bool:
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True"


def _is_main_guard(stmt: cst.CSTNode) -> bool:
    if not isinstance(stmt, cst.If) or not isinstance(stmt.test, cst.Comparison):
        return False
    return isinstance(stmt.test.left, cst.Name) and stmt.test.left.value == "__name__"


def _module_without_main(mod: PyModule) -> cst.IndentedBlock:
    """The module's statements, minus an ``if __name__ == "__main__":`` block (not deployed)."""
    return cst.IndentedBlock(body=[s for s in mod.module.body if not _is_main_guard(s)])


def _classes(mod: PyModule) -> Iterator[list[cst.FunctionDef]]:
    """The methods of each top-level class."""
    for cls in mod.classes.values():
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        yield [stmt for stmt in body if isinstance(stmt, cst.FunctionDef)]
