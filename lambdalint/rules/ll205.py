"""LL205: plaintext secret in function environment variables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lambdalint.iam import name_functions
from lambdalint.model import UNKNOWN, EnvVar, Finding, Function, Project, Severity
from lambdalint.registry import Example, ProjectRule, register

# where a value comes from when the loader saw a reference: none of these is written in the template
SAFE_SOURCES = frozenset({"ssm", "secretsmanager", "resolve", "noecho-parameter"})

# detect-secrets plugins that recognise a token by its own format. Left out: the entropy
# plugins and KeywordDetector (names are judged below), IPPublicDetector (an address is no
# secret), and the detectors that key on words in the surrounding line (Artifactory's loose
# "AP..." password shape, IBM, Cloudant, SoftLayer).
TOKEN_DETECTORS = (
    ("aws", "AWSKeyDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"),
    ("basic_auth", "BasicAuthDetector"),
    ("discord", "DiscordBotTokenDetector"),
    ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"),
    ("jwt", "JwtTokenDetector"),
    ("mailchimp", "MailchimpDetector"),
    ("npm", "NpmDetector"),
    ("openai", "OpenAIDetector"),
    ("private_key", "PrivateKeyDetector"),
    ("pypi_token", "PypiTokenDetector"),
    ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"),
    ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"),
    ("telegram_token", "TelegramBotTokenDetector"),
    ("twilio", "TwilioKeyDetector"),
)

# the last word of a name that makes the value itself a secret
SECRET_NOUNS = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "credentials", "creds"}
)
SHORT_SECRET_NOUNS = frozenset({"pass", "pwd", "pw"})  # only with a qualifier: DB_PASS, not PWD
KEY_QUALIFIERS = frozenset(
    {
        "api", "secret", "private", "access", "auth", "signing", "encryption", "master", "license",
        "licence", "client", "app", "webhook", "hmac", "jwt", "session", "service", "subscription",
        "admin", "integration", "ingest", "write",
    }
)  # fmt: skip
# words that say a value is meant to be public (Supabase anon key, Stripe publishable key)
PUBLIC_WORDS = frozenset({"public", "publishable", "anon", "pub"})

PLACEHOLDERS = frozenset(
    {
        "changeme", "change-me", "change_me", "changeit", "todo", "tbd", "fixme", "dummy", "example", "sample",
        "test", "testing", "none", "null", "nil", "undefined", "placeholder", "secret", "password", "passwd",
        "token", "apikey", "api-key", "api_key", "redacted", "default", "value", "string", "empty", "unset",
        "notset", "not-set", "n/a", "na", "fake", "mock", "local", "dev", "prod", "staging", "stage", "true",
        "false", "yes", "no", "on", "off", "enabled", "disabled",
    }
)  # fmt: skip
PLACEHOLDER_PARTS = ("example", "changeme", "change_me", "change-me", "placeholder", "dummy", "your_", "your-",
                     "yourpassword", "yoursecret", "replace", "xxxx", "fixme", "todo", "insert", "<", ">")  # fmt: skip
REFERENCE = re.compile(
    r"""^(?:
        arn:[^\s]+                                # an ARN
      | /[^\s]*                                   # an SSM parameter path or a file path
      | (?:ssm|secretsmanager|kms|s3)://?[^\s]*   # a scheme-like reference
      | [a-z0-9][a-z0-9_.-]*(?:/[a-z0-9_.-]+)+/?  # a lower-case path-like name: prod/db/credentials
      | [A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+             # another variable's NAME
      | [\w./-]+\.(?:pem|key|crt|cer|der|p12|pfx|jks|json|ya?ml|txt|env|properties)  # a file name
      | [+-]?\d+(?:\.\d+)?                        # a number
    )$""",
    re.VERBOSE,
)
RESOURCE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$")  # my-app-db-secret
# secret nouns that also name a Secrets Manager secret (which has a name of its own)
CONTAINER_NOUNS = frozenset({"secret", "credential", "credentials", "creds"})
URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
MIN_SECRET_LENGTH = 4


def name_words(name: str) -> list[str]:
    """``dbPassword`` / ``DB_PASSWORD`` / ``db-password`` -> ``["db", "password"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def secret_name(name: str) -> bool:
    """The variable's value is, by its name, the secret itself (not its name, ARN, table...)."""
    words = name_words(name)
    if not words or PUBLIC_WORDS & set(words):
        return False
    last = words[-1]
    if last in SECRET_NOUNS:
        return True
    if last in SHORT_SECRET_NOUNS:
        return len(words) >= 2
    if last == "key" and len(words) >= 2:
        return words[-2] in KEY_QUALIFIERS
    return False


def placeholder(value: str) -> bool:
    v = value.strip()
    low = v.lower()
    if not v or low in PLACEHOLDERS or "${" in v or "{{" in v or "$(" in v:
        return True
    if any(part in low for part in PLACEHOLDER_PARTS):
        return True
    if len(set(low)) <= 2:  # "********", "xxx", "000000", "abab"
        return True
    if _sequential(v):  # "abc123", "123456", "abcdef"
        return True
    return v.startswith(("$", "%")) or (v.startswith("__") and v.endswith("__"))


def _sequential(value: str) -> bool:
    """Keyboard-walk stand-ins: at most two runs (letters, digits), each one in sequence."""
    from detect_secrets.filters.heuristic import is_sequential_string

    runs = re.findall(r"[A-Za-z]+|[0-9]+", value)
    if not runs or len(runs) > 2 or "".join(runs) != value:
        return False
    return all(is_sequential_string(run) for run in runs)


def reference_like(name: str, value: str) -> bool:
    """The value names or points to a secret instead of being one (ARN, path, name, URL)."""
    v = value.strip()
    if REFERENCE.match(v):
        return True
    if URL.match(v):
        return "@" not in v.split("://", 1)[1].split("/", 1)[0]
    if RESOURCE_NAME.match(v):
        # "my-app-db-secret": under DB_SECRET that is the name of a Secrets Manager secret, and
        # a value that spells out a secret word ("my-api-key") is a stand-in; but under
        # DB_PASSWORD, "hunter2-prod" is the password
        words = set(name_words(v))
        return name_words(name)[-1] in CONTAINER_NOUNS or bool(words & (SECRET_NOUNS | {"key", "pass", "pwd"}))
    return False


@lru_cache(maxsize=1)
def _detectors() -> tuple[Any, ...]:
    import importlib

    out = []
    for module, cls in TOKEN_DETECTORS:
        try:
            out.append(getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)())
        except (ImportError, AttributeError):  # an older/newer detect-secrets without that plugin
            continue
    return tuple(out)


def token_kind(name: str, value: str) -> str | None:
    """The kind of token when detect-secrets recognises a known format in the value."""
    if placeholder(value):  # AKIAIOSFODNN7EXAMPLE, ghp_xxxxxxxx..., https://u:p@db.example.com
        return None
    # AWSKeyDetector also recognises a secret access key by the variable's name, so give it the
    # assignment as it reads in a file
    line = f'{name}: "{value}"'
    for det in _detectors():
        for match in det.analyze_string(line):
            # the match is the secret, or for some detectors only part of it (the password of
            # a URL, a token's prefix): a placeholder password still makes a placeholder URL
            text = match if isinstance(match, str) else str(match)
            if text and not placeholder(text):
                return str(det.secret_type)
    return None


@dataclass(frozen=True)
class Hit:
    var: EnvVar
    why: str  # "holds a value in AWS Access Key format (...)" / "is set to a literal value (...)"


def judge(var: EnvVar) -> Hit | None:
    """Is this environment variable a plaintext secret?"""
    value = var.value
    if value is UNKNOWN or not isinstance(value, str) or var.source in SAFE_SOURCES:
        return None
    if "{{resolve:" in value or not value.strip():
        return None
    if PUBLIC_WORDS & set(name_words(var.name)):
        return None
    token = token_kind(var.name, value)
    if token is not None:
        return Hit(var, f"holds a value in {token} format ({redact(value)})")
    if var.source is not None:  # a parameter's default: only a recognised token format counts
        return None
    if not secret_name(var.name) or len(value.strip()) < MIN_SECRET_LENGTH:
        return None
    if placeholder(value) or reference_like(var.name, value):
        return None
    return Hit(var, f"is set to a literal value ({redact(value)})")


def redact(value: str) -> str:
    """Enough of a secret to find it, not enough to use it."""
    v = value.strip().replace("\n", " ")
    shown = 4 if len(v) >= 16 else 2 if len(v) >= 8 else 1
    return f"'{v[:shown]}…', {len(v)} characters"


@register
class PlaintextSecretEnv(ProjectRule):
    id = "LL205"
    reads = "model"
    name = "plaintext-secret-env"
    family = "secrets"
    severity = Severity.ERROR
    security_severity = 7.5
    precision = "high"
    tags = ("security", "secrets")
    summary = "A function's environment variable holds a plaintext secret written in the template."
    doc = """
## What it does
Reports environment variables whose value is written in the template (or in SAM `Globals`,
serverless `provider.environment`, Terraform locals and variable defaults) and is a secret:

- a **known token format**, whatever the variable is called: AWS access keys, private key
  blocks, credentials in a URL (`postgres://app:S3cret@db/...`), Slack, Stripe, GitHub,
  GitLab, npm, PyPI, SendGrid, Twilio, Mailchimp, OpenAI, Discord, Telegram, Azure storage
  keys and JWTs. Recognition is `detect-secrets`' own plugins (no entropy guessing);
- **a literal under a secret-like name**: the name's *last* word is `PASSWORD`, `PASSWD`,
  `PASSPHRASE`, `SECRET`, `TOKEN`, `APIKEY`, `CREDENTIALS`, `DB_PASS`/`DB_PWD`, or `KEY`
  after `API`, `SECRET`, `PRIVATE`, `ACCESS`, `SIGNING`, `ENCRYPTION`, `CLIENT`... (also in
  camelCase: `dbPassword`, `apiKey`).

Not reported, to keep false alarms out:

- values that come from elsewhere: `{{resolve:secretsmanager:...}}`/`{{resolve:ssm-secure:...}}`,
  a `Ref` to a `NoEcho` parameter or to an `AWS::SSM::Parameter::Value<...>` parameter,
  serverless `${ssm:...}`, Terraform references; unresolved values;
- names where the secret word is not last: the variable then holds something *about* the
  secret (`SECRET_NAME`, `SECRET_ARN`, `PASSWORD_PARAM`, `API_KEY_PARAMETER`, `TOKEN_TABLE`,
  `ACCESS_KEY_ID`, `TOKEN_URL`, `MAX_TOKENS`);
- values that name or point to a secret: ARNs, parameter paths (`/app/key`), lower-case
  resource names and paths (`prod/db`, `my-app-db-secret`), file names (`private.pem`),
  another variable's NAME, URLs without credentials, numbers;
- placeholders: empty, `changeme`, `<...>`, `${...}`, `xxx`, `TODO`, `dummy`, values
  containing `example`, `********`, stage names and booleans;
- names that say the value is public (`SUPABASE_ANON_KEY`, `STRIPE_PUBLISHABLE_KEY`);
- a non-`NoEcho` parameter's default is only reported when it is a recognised token format.

The message shows only the first characters of the value and its length, so the report does
not spread the secret further.

## Why it matters
Environment variables are not a secret store: the value sits in the template and its git
history, in every deployment artifact, and in the Lambda console and
`lambda:GetFunctionConfiguration` output for anyone with read access to the function. A
leaked template leaks the credential, and rotating it means redeploying every function.

## Example
```yaml
      Environment:
        Variables:
          DB_PASSWORD: hunter2-prod      # LL205: anyone who can read the template has it
```
Use instead:
```yaml
      Environment:
        Variables:
          DB_SECRET_ARN: !Ref DbSecret   # read it at runtime (Parameters and Secrets extension, boto3)
```

## How to fix
Store the secret in AWS Secrets Manager or SSM Parameter Store (SecureString), pass its
name or ARN in the environment, and read it at runtime (cache it outside the handler). For
values that must be resolved at deploy time use `{{resolve:secretsmanager:...}}` or a
`NoEcho` parameter. Then rotate the exposed credential: it is in your git history.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption",
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html",
        "https://github.com/Yelp/detect-secrets",
    )
    invalid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Resources:\n"
                    "  Api:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Environment:\n"
                    "        Variables:\n"
                    "          DB_PASSWORD: hunter2-prod\n"
                )
            }
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"  # lambdalint: ignore[LL105]  (a made-up key: the example LL205 must report)
                    "Resources:\n"
                    "  Sync:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Environment:\n"
                    "        Variables:\n"
                    "          UPSTREAM: AKIAZ3MSJV4WPQ7KXB2N\n"
                )
            },
            note="an AWS access key id, whatever the variable is called",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\n"
                    "Parameters:\n"
                    "  ApiToken:\n"
                    "    Type: String\n"
                    "    NoEcho: true\n"
                    "Resources:\n"
                    "  Api:\n"
                    "    Type: AWS::Serverless::Function\n"
                    "    Properties:\n"
                    "      Handler: app.handler\n"
                    "      Runtime: python3.12\n"
                    "      Environment:\n"
                    "        Variables:\n"
                    "          DB_PASSWORD: '{{resolve:secretsmanager:prod/db:SecretString:password}}'\n"
                    "          API_TOKEN: !Ref ApiToken\n"
                    "          SECRET_NAME: prod/db\n"
                    "          API_KEY_PARAMETER: /app/key\n"
                    "          TOKEN_TABLE: tokens\n"
                    "          JWT_SECRET: changeme\n"
                )
            },
            note="dynamic references, NoEcho parameters, names of secrets, placeholders",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        # a variable from SAM Globals or serverless provider.environment is written once and
        # shared by several functions: report it once, where it is written
        users: dict[tuple[object, str], tuple[EnvVar, list[Function]]] = {}
        for fn in project.functions:
            for var in fn.environment.values():
                users.setdefault((var.loc, var.name), (var, []))[1].append(fn)
        for var, fns in users.values():
            hit = judge(var)
            if hit is None:
                continue
            ignores = frozenset.intersection(*(fn.ignores for fn in fns))
            yield Finding(
                rule_id=self.id,
                message=(
                    f"environment variable {var.name} of {name_functions(fns)} {hit.why}: a plaintext "
                    "secret in the template; keep it in Secrets Manager or SSM SecureString and read it "
                    "at runtime, or use a {{resolve:secretsmanager:...}} reference"
                ),
                location=var.loc,
                severity=self.severity,
                logical=f"{fns[0].id}/{var.name}",
                resource_ignores=ignores,
            )
