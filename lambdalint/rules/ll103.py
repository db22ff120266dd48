"""LL103: a secret reaches print/logging."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

import libcst as cst

from lambdalint.code.context import CodeContext, keyword, positional, string_value
from lambdalint.code.module import PyModule, import_bindings, walk_code
from lambdalint.code.taint import Flow, log_sink
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
