"""LL105: hard-coded secret in Python source."""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any, TypeGuard

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, is_test_file, string_value
from lambdalint.code.module import walk_code
from lambdalint.code.sketch import Sketch
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

# cheap look before paying for detect-secrets: prefixes of the token formats it recognises
TOKEN_HINT = re.compile(
    r"A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA|PRIVATE KEY|xox[abposr]-|hooks\.slack\.com|[rs]k_live_|gh[pousr]_|github_pat_"
    r"|glpat-|eyJ[A-Za-z0-9_-]{8,}\.|SG\.[\w-]{16}|npm_[A-Za-z0-9]{30}|pypi-AgE|T3BlbkFJ"
)
# what may stand between `=` (or `:`) and the string a secret name is bound to: blanks, opening
# parentheses, backslash line continuations and comments (matched whole: `*+` gives nothing
# back, and no two of these start with the same character, so a failed match stays linear)
GAP = r"(?:\s|\(|\\\r?\n|#[^\n]*+)*"
# a literal that every match of TOKEN_HINT contains: a text holding none of them has no match,
# and looking for them with ``in`` is about three times faster than the regex over a file
TOKEN_LITERALS = (
    "A3T", "ABIA", "ACCA", "AKIA", "ASIA", "PRIVATE KEY", "xox", "hooks.slack.com", "k_live_",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "eyJ", "SG.", "npm_", "pypi-AgE",
    "T3BlbkFJ",
)


def has_token_hint(text: str) -> bool:
    """``TOKEN_HINT.search(text)``, answered first by the literals when none is there."""
    return any(literal in text for literal in TOKEN_LITERALS) and TOKEN_HINT.search(text) is not None


DETECTORS = (
    ("aws", "AWSKeyDetector", "AWS access key"),
    ("private_key", "PrivateKeyDetector", "private key"),
    ("slack", "SlackDetector", "Slack token"),
    ("stripe", "StripeDetector", "Stripe key"),
    ("github_token", "GitHubTokenDetector", "GitHub token"),
    ("gitlab_token", "GitLabTokenDetector", "GitLab token"),
    ("jwt", "JwtTokenDetector", "JSON Web Token"),
    ("sendgrid", "SendGridDetector", "SendGrid key"),
    ("npm", "NpmDetector", "npm token"),
    ("pypi_token", "PypiTokenDetector", "PyPI token"),
    ("openai", "OpenAIDetector", "OpenAI key"),
)
_detectors: list[tuple[Any, str]] | None = None

DEFAULT_SECRET_NAMES = [
    "PASSWORD", "PASSWD", "PWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY",
    "CREDENTIAL", "CREDENTIALS", "AUTHORIZATION", "ACCESS_KEY", "SIGNING_KEY", "ENCRYPTION_KEY", "MASTER_KEY",
]
DEFAULT_NOT_SECRET = [
    "ARN", "NAME", "ID", "IDS", "PATH", "PARAM", "PARAMETER", "TABLE", "BUCKET", "URL", "URI", "ENDPOINT",
    "HOST", "REGION", "TTL", "EXPIRY", "EXPIRATION", "TIMEOUT", "LENGTH", "HEADER", "ISSUER", "AUDIENCE",
    "TYPE", "MODE", "ENABLED", "DISABLED", "FILE", "LOCATION", "QUEUE", "TOPIC", "STREAM", "VERSION",
    "FUNCTION", "POOL", "USER", "USERNAME", "PROVIDER", "DOMAIN", "SCOPE", "SCOPES", "METHOD", "SERVICE",
    "STAGE", "ALIAS", "PREFIX", "KEY_ID", "KEY_NAME", "PORT", "FIELD", "PROMPT", "MESSAGE", "MSG", "ERROR", "LABEL",
    "PATTERN", "REGEX", "FORMAT", "POLICY", "HINT", "TEXT", "TITLE", "DESCRIPTION", "ENV", "VAR", "SOURCE",
    "STORE", "CACHE", "TEMPLATE", "KIND", "ATTRIBUTE", "COLUMN", "PROPERTY", "ROLE", "ALGORITHM", "ALG",
    "ENCODING", "CHARSET", "DIR", "FOLDER", "REF", "REFERENCE", "SSM", "KMS", "HASH", "HASHED", "DIGEST",
    "ALPHABET", "CHARS", "CHARACTERS", "POSITION", "USED", "CHANGED", "ROTATION", "STATUS", "STATE", "COUNT",
    "DATE", "TIME", "TIMESTAMP", "AT", "EXPRESSION",
    # tokens that are not credentials: pagination, idempotency, optimistic locking
    "NEXT_TOKEN", "INPUT_TOKEN", "OUTPUT_TOKEN", "CONTINUATION_TOKEN", "PAGINATION_TOKEN",
    "IDEMPOTENCY_TOKEN", "UPDATE_TOKEN", "CHANGE_TOKEN", "SYNC_TOKEN", "RESUMPTION_TOKEN", "CANCELLATION_TOKEN",
    # not CLIENT_TOKEN, PAGE_TOKEN nor VERIFICATION_TOKEN: Vault's client tokens, Facebook's page
    # access tokens and Slack's verification tokens are credentials
]
PLACEHOLDER_WORDS = (
    "changeme", "change-me", "change_me", "replace", "example", "placeholder", "dummy", "sample", "fake",
    "xxx", "todo", "tbd", "your", "insert", "redacted", "notasecret", "not-a-secret", "secret-here", "mock",
)
PLACEHOLDER = re.compile(
    r"^(?:<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)[sd]|\{[\w.]*\}|\$[A-Z_][A-Z0-9_]*|(.)\1{3,}|none|null|nil|true|false|"
    r"test|testing|secret|password|token|pass|string|undefined|n/?a|\*+|\.+|-+)$",
    re.IGNORECASE,
)
# references to a secret, not secrets: ARNs, paths, dynamic references, URLs without credentials...
# and API Gateway's mapping and selection expressions (`$request.header.x-api-key`,
# `method.request.header.Authorization`, `$util.escapeJavaScript(...)`), which name where a
# request carries the key or compute it from the request
REFERENCE = re.compile(
    r"^(?:arn:|/|\{\{resolve:|ssm:|secretsmanager:|https?://(?![^/@\s]+:[^/@\s]+@)|s3://|file:|env:|\.|"
    r"\$(?:request|context|input|stageVariables|util)\.[A-Za-z]|(?:method|integration|route)\.(?:request|response)\.)"
)
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
URL_CREDENTIALS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@/\s]+)@[^@\s]+$")
REGEX_LIKE = re.compile(r"\(\?|\[[^\]]*-[^\]]*\]|\\[dwsbWSDB]|\{\d+(?:,\d*)?\}|\.[*+]|^\^|\$$")
SCHEME = re.compile(r"^(?:Bearer|Basic|Token|Bot|ApiKey|Digest)\s+", re.IGNORECASE)
SECRET_KEY_SHAPE = re.compile(r"(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9/+]{40}")
WORDY = re.compile(r"[A-Za-z][A-Za-z_.-]*[0-9]*|[0-9]+")
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
IDENTIFIER = re.compile(r"_*[a-z]+(?:_[a-z]+)+_*")  # "not_supported", "next_marker", "__internal__"
# documentation: the value of `Field(examples=[...])`, `Body(example=...)`, or of an "example(s)"
# entry of a JSON schema (`json_schema_extra={"examples": [...]}`) shows what data looks like
EXAMPLE_KEYWORDS = frozenset({"example", "examples", "openapi_examples"})
EXAMPLE_KEYS = frozenset({"example", "examples"})


def detectors() -> list[tuple[Any, str]]:
    """detect-secrets' token-format plugins, imported on first use only."""
    global _detectors
    if _detectors is None:
        import importlib

        found = []
        for module, cls, what in DETECTORS:
            try:
                plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)
            except (ImportError, AttributeError):
                continue
            found.append((plugin(), what))
        _detectors = found
    return _detectors


def token_kind(value: str) -> tuple[str, str] | None:
    """What kind of known token ``value`` contains (by detect-secrets' format plugins), and the
    token itself."""
    if not TOKEN_HINT.search(value):
        return None
    for plugin, what in detectors():
        for match in plugin.analyze_string(value):
            if "EXAMPLE" not in match.upper() and "EXAMPLE" not in value:
                return what, match
    return None


def normalise(name: str) -> str:
    return CAMEL.sub("_", name).upper().replace("-", "_").replace(".", "_").strip("_")


@register
class HardcodedSecret(CodeRule):
    id = "LL105"
    name = "hardcoded-secret"
    family = "code"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "secrets")
    security_severity = 8.5
    handlers_only = False
    needles = (
        "assword", "ASSWORD", "asswd", "ASSWD", "pwd", "PWD", "Pwd", "ecret", "ECRET", "oken", "OKEN",
        "pi_key", "PI_KEY", "piKey", "pikey", "PIKEY", "pi-key", "PI-KEY", "pi-Key", "rivate", "RIVATE",
        "redential", "REDENTIAL", "uthorization", "UTHORIZATION", "ccess_key", "CCESS_KEY", "ccessKey",
        "assphrase", "ASSPHRASE", "igning", "IGNING", "ncryption", "NCRYPTION", "aster_key", "ASTER_KEY",
        "AKIA", "ASIA", "A3T", "ABIA", "ACCA", "PRIVATE KEY", "xox", "k_live_", "ghp_", "gho_", "ghu_", "ghs_",
        "ghr_", "github_pat_", "glpat-", "eyJ", "SG.",
        "npm_", "pypi-", "T3BlbkFJ",
    )
    options = {
        "include-tests": False,
        "secret-names": DEFAULT_SECRET_NAMES,
        "not-secret-suffixes": DEFAULT_NOT_SECRET,
    }
    summary = "A secret (AWS key, private key, API token, password) is written literally in the source."
    doc = """
## What it does
Looks at every string literal of every Python file (not only handlers) and reports:

- known token formats, recognised by `detect-secrets`' plugins: AWS access key ids
  (`AKIA...`/`ASIA...`), PEM private key blocks, Slack, Stripe, GitHub, GitLab, SendGrid,
  npm, PyPI and OpenAI tokens, JSON Web Tokens;
- a literal bound to a secret-named variable, attribute, keyword argument, parameter
  default or dict key (`password`, `DB_PASSWORD`, `api_key`, `client_secret`,
  `aws_secret_access_key`, `"Authorization": "Bearer ..."`);
- a password written into a connection URL (`postgresql://app:S3cr3t@db/orders`).

Left alone:

- documentation: docstrings and other bare string statements, and literals inside an
  `example=`, `examples=` or `openapi_examples=` argument (pydantic's
  `Field(examples=[...])`) or an `"example"`/`"examples"` entry of a JSON schema, as far as
  secret-named values and connection URLs go. A known token format is reported even there:
  a real key in a docstring, in code commented out with triple quotes or in an example is
  leaked all the same;
- empty strings and obvious placeholders (`"changeme"`, `"<token>"`, `"${TOKEN}"`, `"xxx"`,
  `"your-api-key"`, AWS's documented `...EXAMPLE` keys);
- values that name a secret rather than hold it (`SECRET_ARN = "arn:..."`,
  `PASSWORD_PARAM = "/prod/db/password"`, `TOKEN_ENV = "API_TOKEN"`,
  `"secret_name": "prod/db"`), or say where a request carries it: API Gateway's mapping and
  selection expressions (`api_key_selection_expression="$request.header.x-api-key"`,
  `{"token": "method.request.header.Authorization"}`);
- identifiers: single plain words that are modes or names (`token_use = "access"`,
  `token_type = "Bearer"`), `snake_case` values (`password_last_used = "not_supported"`; a
  passphrase written in `snake_case` is missed, as one written with spaces is), qualified
  names (`"AWS::SecretsManager::Secret"`), and a constant or enum member whose value spells its
  own name (`v1Token = "v1Token"`);
- names whose last word says they are not the secret itself (`..._ALPHABET`, `..._POSITION`,
  `..._STATUS`, `..._USED`, `..._AT`, `..._EXPRESSION`... see `not-secret-suffixes`), including tokens that are
  not credentials: pagination, idempotency and optimistic-locking tokens (`next_token`,
  `input_token`, `idempotency_token`, `update_token`...);
- regular expressions (`TOKEN_PATTERN = r"[a-z0-9]{32}"`), messages with spaces, and test
  files (unless `include-tests` is set).

## Why it matters
A secret in source code is in every clone, fork, CI log, build artifact and deployment
package, and in the Lambda console's code view for anyone with `lambda:GetFunction`. It
cannot be rotated without a code change and a deploy, and git history keeps it after it is
removed. Leaked AWS keys are found and abused by scanners within minutes of a push.

## Example
```python
import pymysql

conn = pymysql.connect(host="db.internal", user="app", password="S3cr3t!pass")   # LL105
```
Use instead:
```python
import json
import boto3
import pymysql

secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId="prod/db")["SecretString"])
conn = pymysql.connect(host="db.internal", user=secret["username"], password=secret["password"])
```

## How to fix
Rotate the secret first (it is already exposed), then read it at init time from Secrets
Manager or an SSM SecureString parameter (the Powertools `parameters` utility caches it), or
use IAM authentication instead of a password where the service supports it. For AWS access
keys, use the function's execution role: never put keys in a Lambda function at all.
"""
    references = (
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
        "https://cwe.mitre.org/data/definitions/798.html",
    )
    invalid = (
        Example.code(
            "import pymysql\n\nconn = pymysql.connect(host='db.internal', user='app', password='S3cr3t!pass')\n\n"
            "def lambda_handler(event, context):\n    return conn.ping()\n"
        ),
        Example.code(
            # a made-up key, the example this rule must report  # lambdalint: ignore[LL105]
            "import boto3\n\ns3 = boto3.client('s3', aws_access_key_id='AKIAQWERTYUIOPASDFGH',\n"
            "                  aws_secret_access_key='wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLQ1')\n",
            note="AWS keys in a client constructor",
        ),
        Example.code("API_KEY = 'f3a9c2e1b7d84c0f9e6a5b3d2c1e0f9a'\n", note="any Python file, handler or not"),
    )
    valid = (
        Example.code(
            "import os\n\nSECRET_ARN = os.environ['SECRET_ARN']\nPASSWORD_PARAM = '/prod/db/password'\n"
            "TOKEN_ENV = 'API_TOKEN'\nDEFAULT_PASSWORD = ''\n"
            "headers = {'Authorization': f\"Bearer {os.environ['TOKEN']}\"}\n"
            "config = {'password': '<set me>', 'api_key': '${API_KEY}', 'secret_name': 'prod/db'}\n"
        ),
        Example.code(
            "from pydantic import BaseModel, Field\n\n\nclass Request(BaseModel):\n"
            "    headers: dict[str, str] = Field(examples=[{'authorization': 'Bearer token123'}])\n",
            note="documentation examples",
        ),
        Example(
            {"tests/test_auth.py": "API_KEY = 'f3a9c2e1b7d84c0f9e6a5b3d2c1e0f9a'\n"},
            note="test files are skipped unless `include-tests = true`",
        ),
    )

    @cached_property
    def secret_name(self) -> re.Pattern[str]:
        words = "|".join(re.escape(normalise(w)) for w in self.opts["secret-names"])
        return re.compile(rf"(?:^|_)(?:{words})S?(?:$|_)")

    @cached_property
    def not_secret(self) -> tuple[str, ...]:
        return tuple(f"_{normalise(s)}" for s in self.opts["not-secret-suffixes"])

    @cached_property
    def text_hint(self) -> re.Pattern[str]:
        """A textual look for a secret-named binding to a string literal (a pre-filter)."""
        words = "|".join(re.escape(normalise(w)).replace("_", "[_-]?") for w in self.opts["secret-names"])
        return re.compile(rf"(?:{words})[^\n]{{0,60}}?[:=]{GAP}[rbuRBU]{{0,2}}['\"]", re.IGNORECASE)

    @cached_property
    def ascii_text_hint(self) -> re.Pattern[str] | None:
        """:attr:`text_hint` for lower-cased ASCII text: the same matches (ASCII has no case
        folding subtleties), found about eight times faster than with ``re.IGNORECASE``.
        None when a configured name is not ASCII itself."""
        names = [normalise(w) for w in self.opts["secret-names"]]
        if not all(n.isascii() for n in names):
            return None
        words = "|".join(re.escape(n.lower()).replace("_", "[_-]?") for n in names)
        return re.compile(rf"(?:{words})[^\n]{{0,60}}?[:=]{GAP}[rbu]{{0,2}}['\"]")

    def has_text_hint(self, text: str) -> bool:
        fast = self.ascii_text_hint
        if fast is not None and text.isascii():
            return fast.search(text.lower()) is not None
        return self.text_hint.search(text) is not None

    def is_secret_name(self, name: str) -> bool:
        norm = normalise(name)
        if not self.secret_name.search(norm):
            return False
        if f"_{norm}".endswith(self.not_secret) or norm.startswith(("NO_", "IS_", "HAS_", "USE_", "SKIP_", "ENABLE_", "MIN_", "MAX_")):
            return False
        return True

    def plausible_value(self, value: str, name: str | None = None) -> bool:
        """Could ``value``, bound to ``name``, be a real secret (not a placeholder, reference,
        identifier or message)?"""
        v = SCHEME.sub("", value.strip())
        if len(v) < 4 or any(c.isspace() for c in v):
            return False
        if name is not None and _words(v) == _words(name):
            return False  # an enum member or a constant naming itself: v1Token = "v1Token"
        if IDENTIFIER.fullmatch(v):
            return False  # an identifier: "no_information", "__internal_call__"
        low = v.lower()
        if PLACEHOLDER.match(v) or any(word in low for word in PLACEHOLDER_WORDS):
            return False
        if REFERENCE.match(v) or ENV_NAME.match(v) or REGEX_LIKE.search(v):
            return False  # a reference, an env var name, a pattern
        if SECRET_KEY_SHAPE.fullmatch(v):
            return True
        if "/" in v and all(WORDY.fullmatch(part) for part in v.split("/")):
            return False  # a secret's name or path: prod/db/password
        if v.count("::") >= 2 and all(WORDY.fullmatch(part) for part in v.split("::")):
            return False  # a qualified name: AWS::SecretsManager::Secret
        if self.secret_name.search(normalise(v)) and re.fullmatch(r"[A-Za-z_.-]+", v):
            return False  # a key name used as a value: "access_token", "X-Api-Key"
        if re.fullmatch(r"[a-z]+|[A-Z]+|[A-Z][a-z]+", v) and len(v) < 16:
            return False  # one plain word ("access", "Bearer", "postgres"): a mode or a name, not a secret
        return True

    def wants(self, text: str, rel_path: str) -> bool:
        """Cheap textual pre-check (no parse needed): could this file hold a finding?
        The engine may call it to skip parsing files without handlers."""
        if not self.opts["include-tests"] and is_test_file(rel_path):
            return False
        return has_token_hint(text) or self.has_text_hint(text)

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        """Sound because every literal check looks at is a string constant of the ``ast``
        (an implicitly concatenated literal is one constant holding all its pieces), and:
        a token needs ``TOKEN_HINT`` in the literal, and a password in a URL needs ``://`` and
        ``@`` in it (both plain searches: a piece that has them gives a whole that has them);
        a secret-named binding is tested exactly as check tests it, on the same bindings
        (:func:`_ast_bindings`, whose names ``ast`` gives in NFKC form, as :func:`_ident` does)
        and the same whole value; and documentation is the same subtrees in both trees
        (:func:`_ast_documentation`)."""
        docs = _ast_documentation(sketch)
        for const in sketch.nodes(ast.Constant):
            value = const.value
            if isinstance(value, str):
                if TOKEN_HINT.search(value) or ("://" in value and "@" in value and id(const) not in docs):
                    return True
        for name, const in _ast_bindings(sketch):
            if id(const) not in docs and self.is_secret_name(name) and self.plausible_value(_text(const), name):
                return True
        return False

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        if not self.wants(ctx.mod.text, ctx.rel_path):
            return
        seen: set[cst.CSTNode] = set()
        for _node, name, literal, documented in self._bindings(ctx.mod.module):
            if literal in seen:
                continue
            value = string_value(literal)
            if value is None:
                continue
            kind: str | None = None
            shown = value
            token = token_kind(value)  # a real token is leaked wherever it is, documentation too
            if token is not None:
                kind, shown = token
            elif documented:
                continue
            elif name is not None and self.is_secret_name(name) and self.plausible_value(value, name):
                kind = "secret"
            elif "://" in value:
                creds = URL_CREDENTIALS.match(value.strip())
                if creds and self.plausible_value(creds.group(1)):
                    kind = "password in a connection URL"
            if kind is None:
                continue
            seen.add(literal)
            seen.update(n for n in walk_code(literal) if isinstance(n, (cst.SimpleString, cst.ConcatenatedString)))
            bound = f" bound to `{name}`" if name else ""
            yield ctx.finding(
                literal,
                f"hard-coded {kind}{bound} ({_redact(shown)}); anyone with the code or the deployment "
                "package has it: rotate it and read it from Secrets Manager or an SSM SecureString "
                "(or use the execution role for AWS access)",
            )

    def _bindings(self, module: cst.Module) -> Iterator[tuple[cst.CSTNode, str | None, cst.BaseExpression, bool]]:
        """(node, bound name or None, string literal, in documentation) for every string literal
        worth a look; inside documentation (:func:`_documentation`) only the literals themselves,
        without names."""
        docs: set[int] = set()  # ids of the nodes inside documentation (pre-order: seen before them)
        for node in walk_code(module):
            if type(node) not in _BINDING_TYPES:
                continue  # the cheap exact-type test first: most nodes are none of these
            if id(node) in docs:
                if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
                    yield node, None, node, True
                continue
            doc = _documentation(node)
            if doc is not None:
                docs.add(id(doc))
                docs.update(id(n) for n in walk_code(doc))
                continue
            if isinstance(node, cst.Expr):
                continue
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                if node.value is not None and _is_str(node.value):
                    for t in targets:
                        yield node, _target_name(t), node.value, False
            elif isinstance(node, cst.Arg):
                if node.keyword is not None and _is_str(node.value):
                    yield node, _ident(node.keyword.value), node.value, False
            elif isinstance(node, cst.DictElement):
                if _is_str(node.value):
                    yield node, string_value(node.key), node.value, False
            elif isinstance(node, cst.Param):
                if node.default is not None and _is_str(node.default):
                    yield node, _ident(node.name.value), node.default, False
            elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
                yield node, None, node, False


# the node types _bindings looks at (libcst has no subclasses of them, so an exact type test
# is equivalent to isinstance, which is slow against libcst's abstract node classes)
_BINDING_TYPES: frozenset[type] = frozenset(
    {cst.Assign, cst.AnnAssign, cst.Arg, cst.DictElement, cst.Param, cst.SimpleString, cst.ConcatenatedString, cst.Expr}
)


def _documentation(node: cst.CSTNode) -> cst.BaseExpression | None:
    """What in ``node`` is documentation, not data the program uses: the string of a docstring
    or of any other bare string statement, the value of an ``example(s)=`` argument or of an
    ``"example(s)"`` dict entry."""
    if isinstance(node, cst.Expr):
        return node.value if _is_str(node.value) else None
    if isinstance(node, cst.Arg) and node.keyword is not None and _ident(node.keyword.value) in EXAMPLE_KEYWORDS:
        return node.value
    if isinstance(node, cst.DictElement) and string_value(node.key) in EXAMPLE_KEYS:
        return node.value
    return None


def _ast_documentation(sketch: Sketch) -> set[int]:
    """Ids of the ``ast`` nodes inside documentation (as :func:`_documentation`)."""
    roots: list[ast.AST] = [kw.value for kw in sketch.nodes(ast.keyword) if kw.arg in EXAMPLE_KEYWORDS]
    roots.extend(e.value for e in sketch.nodes(ast.Expr) if _ast_str(e.value))
    for d in sketch.nodes(ast.Dict):
        roots.extend(v for k, v in zip(d.keys, d.values, strict=True) if k is not None and _ast_str(k) and _text(k) in EXAMPLE_KEYS)
    return {id(n) for root in roots for n in ast.walk(root)}


def _ast_bindings(sketch: Sketch) -> Iterator[tuple[str, ast.Constant]]:
    """(bound name, string constant) for each binding ``_bindings`` gives a name, from ``ast``:
    an assignment to a name, attribute or string subscript, a keyword argument, a dict entry
    with a string key, a parameter default. libcst's ``x["k",]`` has a one-string index that
    ``ast`` sees as a tuple: taken as the key too."""
    for node in sketch.nodes(ast.Assign):
        if _ast_str(node.value):
            for target in node.targets:
                name = _ast_target_name(target)
                if name is not None:
                    yield name, node.value
    for ann in sketch.nodes(ast.AnnAssign):
        if ann.value is not None and _ast_str(ann.value):
            name = _ast_target_name(ann.target)
            if name is not None:
                yield name, ann.value
    for kw in sketch.nodes(ast.keyword):
        if kw.arg is not None and _ast_str(kw.value):
            yield kw.arg, kw.value
    for d in sketch.nodes(ast.Dict):
        for key, value in zip(d.keys, d.values, strict=True):
            if key is not None and _ast_str(key) and _ast_str(value):
                yield _text(key), value
    for args in sketch.nodes(ast.arguments):
        positional = [*args.posonlyargs, *args.args]
        pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
        pairs.extend((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None)
        for arg, default in pairs:
            if _ast_str(default):
                yield arg.arg, default


def _ast_str(node: ast.expr) -> TypeGuard[ast.Constant]:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _text(node: ast.Constant) -> str:
    """The string of a constant :func:`_ast_str` accepted."""
    value = node.value
    assert isinstance(value, str)
    return value


def _ast_target_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        index = target.slice
        if isinstance(index, ast.Tuple) and len(index.elts) == 1:
            index = index.elts[0]
        if _ast_str(index):
            return _text(index)
    return None


def _is_str(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString))


def _ident(name: str) -> str:
    """An identifier as Python (and ``ast``) reads it: NFKC-normalised (a fullwidth
    ``example`` is ``example``); libcst keeps it as written."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def _target_name(target: cst.BaseExpression) -> str | None:
    if isinstance(target, cst.Name):
        return _ident(target.value)
    if isinstance(target, cst.Attribute):
        return _ident(target.attr.value)
    if isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
        return string_value(target.slice[0].slice.value)
    return None


def _words(text: str) -> str:
    """``text`` as upper-case words joined by one ``_`` (:func:`normalise`, with any other
    separator too): "v1Token", "V1_TOKEN" and "AWS::SecretsManager::Secret" /
    "AWS_SecretsManager_Secret" compare equal."""
    return re.sub(r"[^A-Z0-9]+", "_", normalise(text)).strip("_")


def _redact(value: str) -> str:
    v = SCHEME.sub("", value.strip())
    if "://" in v:
        return f"`{v.split('://', 1)[0]}://...`"
    if "PRIVATE KEY" in v:
        return "a PEM block"
    return f"`{v[:4]}...`" if len(v) > 8 else "value hidden"
