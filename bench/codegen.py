"""Synthesis of realistic Python source for the benchmark corpus.

Everything here is driven by a ``random.Random`` handed in by the caller, so the same seed
always yields the same text.  The code is valid Python (the generator checks nothing at run
time; ``bench/README.md`` explains how to verify), shaped like real Lambda handlers: module
level boto3 clients, logging, try/except, requests calls, dataclasses, type hints, f-strings,
decorators and Powertools.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

DOMAINS = [
    "orders",
    "billing",
    "payments",
    "inventory",
    "users",
    "notifications",
    "shipping",
    "catalog",
    "search",
    "reports",
    "auth",
    "media",
    "analytics",
    "audit",
    "invoices",
    "subscriptions",
    "reviews",
    "carts",
    "returns",
    "loyalty",
    "pricing",
    "fraud",
    "messaging",
    "ledger",
    "identity",
    "documents",
    "scheduling",
    "telemetry",
    "onboarding",
    "compliance",
]
NOUNS = [
    "order",
    "invoice",
    "item",
    "customer",
    "account",
    "event",
    "record",
    "batch",
    "report",
    "image",
    "message",
    "payment",
    "token",
    "session",
    "product",
    "shipment",
    "refund",
    "coupon",
    "profile",
    "document",
    "device",
    "metric",
    "alert",
    "ticket",
    "upload",
    "export",
    "job",
    "webhook",
    "tenant",
    "quote",
]
VERBS = [
    "create",
    "get",
    "update",
    "delete",
    "list",
    "process",
    "sync",
    "export",
    "import",
    "validate",
    "resize",
    "notify",
    "reconcile",
    "archive",
    "enrich",
    "publish",
    "index",
    "transform",
    "aggregate",
    "refresh",
    "dispatch",
    "ingest",
    "score",
    "audit",
    "backfill",
    "expire",
    "rotate",
    "compact",
    "render",
    "route",
]
ADJECTIVES = [
    "pending",
    "active",
    "failed",
    "archived",
    "daily",
    "hourly",
    "priority",
    "legacy",
    "external",
    "internal",
    "partner",
    "regional",
    "cached",
    "signed",
    "encrypted",
    "raw",
    "normalized",
    "stale",
    "primary",
    "secondary",
]
FIELD_TYPES = (
    ("str", '""'),
    ("int", "0"),
    ("bool", "False"),
    ("Decimal", 'Decimal("0")'),
    ("str | None", "None"),
    ("list[str]", "field(default_factory=list)"),
    ("dict[str, Any]", "field(default_factory=dict)"),
)

EVENT_KINDS = ("api", "httpapi", "sqs", "s3", "schedule", "sns", "stream")

STDLIB = {
    "base64",
    "functools",
    "hashlib",
    "json",
    "logging",
    "os",
    "re",
    "sqlite3",
    "subprocess",
    "time",
    "urllib.parse",
    "uuid",
}


def camel(*words: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words)


@dataclass
class Helper:
    """A generated function the handler may call: ``call`` has ``{s}`` / ``{d}`` slots."""

    call: str


@dataclass
class Module:
    """State collected while one Python module is being synthesised."""

    rng: random.Random
    domain: str
    noun: str
    powertools: bool = False
    imports: set[str] = field(default_factory=set)  # "import x" / "from x import y" lines
    setup: list[str] = field(default_factory=list)  # module-level statements, in order
    setup_keys: set[str] = field(default_factory=set)
    env_vars: list[str] = field(default_factory=list)
    helpers: list[Helper] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    blocks: list[list[str]] = field(default_factory=list)

    # -- naming -------------------------------------------------------------------------
    def fresh(self, base: str) -> str:
        name, i = base, 2
        while name in self.names:
            name, i = f"{base}_{i}", i + 1
        self.names.add(name)
        return name

    def pick(self, seq: tuple[str, ...] | list[str]) -> str:
        return self.rng.choice(seq)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- module-level resources ---------------------------------------------------------
    def imp(self, line: str) -> None:
        self.imports.add(line)

    def add_setup(self, key: str, lines: list[str]) -> None:
        if key not in self.setup_keys:
            self.setup_keys.add(key)
            self.setup.extend(lines)

    def env(self, name: str, default: str | None = None) -> str:
        """A module-level constant read from an environment variable; returns its name."""
        self.imp("import os")
        if name not in self.env_vars:
            self.env_vars.append(name)
        read = (
            f'os.environ["{name}"]' if default is None else f'os.environ.get("{name}", "{default}")'
        )
        self.add_setup(f"env:{name}", [f"{name} = {read}"])
        return name

    def logger(self) -> None:
        if self.powertools:
            self.imp("from aws_lambda_powertools import Logger, Tracer")
            self.add_setup(
                "logger",
                [
                    f'logger = Logger(service="{self.domain}")',
                    f'tracer = Tracer(service="{self.domain}")',
                ],
            )
        else:
            self.imp("import logging")
            self.add_setup(
                "logger",
                [
                    "logger = logging.getLogger()",
                    f"logger.setLevel({self.env('LOG_LEVEL', 'INFO')})",
                ],
            )

    def client(self, service: str) -> str:
        self.imp("import boto3")
        var = {"dynamodb": "dynamodb", "secretsmanager": "secrets_client"}.get(
            service, f"{service.replace('-', '_')}_client"
        )
        if service == "dynamodb":
            self.add_setup("dynamodb", ['dynamodb = boto3.resource("dynamodb")'])
        else:
            self.add_setup(var, [f'{var} = boto3.client("{service}")'])
        return var

    def table(self) -> str:
        self.client("dynamodb")
        self.add_setup("table", [f"table = dynamodb.Table({self.env('TABLE_NAME')})"])
        return "table"

    def client_error(self) -> None:
        self.imp("from botocore.exceptions import ClientError")

    def typing(self, *names: str) -> None:
        for n in names:
            self.imp(f"from typing import {n}")

    # -- rendering ----------------------------------------------------------------------
    def render(self, docstring: str, handler: list[str] | None) -> str:
        std: list[str] = []
        third: list[str] = []
        froms: dict[str, set[str]] = {}
        for line in self.imports:
            if line.startswith("from "):
                mod, _, names = line[5:].partition(" import ")
                froms.setdefault(mod, set()).update(n.strip() for n in names.split(","))
        plain = sorted(x for x in self.imports if x.startswith("import "))
        for line in plain:
            mod = line[7:].split(" ")[0]
            (std if mod in STDLIB else third).append(line)
        for mod in sorted(froms):
            line = f"from {mod} import {', '.join(sorted(froms[mod]))}"
            top = mod.split(".")[0]
            (
                std
                if top in STDLIB
                or top in {"typing", "dataclasses", "datetime", "decimal", "enum", "collections"}
                else third
            ).append(line)
        out = [f'"""{docstring}"""', "", "from __future__ import annotations", ""]
        out += std
        if third:
            out += ["", *third]
        out += ["", ""]
        if self.setup:
            out += [*self.setup, "", ""]
        for block in self.blocks:
            out += [*block, "", ""]
        if handler:
            out += handler
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Helper snippets. Each appends one block to the module (and usually a Helper).
# ---------------------------------------------------------------------------------------


def snip_dataclass(m: Module) -> None:
    m.imp("from dataclasses import dataclass, field")
    m.imp("from typing import Any")
    cls = m.fresh(camel(m.pick(ADJECTIVES), m.noun, "Record"))
    n = m.rng.randint(3, 8)
    fields = [
        m.fresh(f"{m.pick(NOUNS)}_{m.pick(('id', 'name', 'status', 'count', 'ref'))}")
        for _ in range(n)
    ]
    lines = [
        "@dataclass",
        f"class {cls}:",
        f'    """A {m.noun} as stored by the {m.domain} service."""',
        "",
    ]
    typed: list[tuple[str, str]] = []
    for i, f in enumerate(fields):
        t, default = FIELD_TYPES[0] if i < 2 else m.rng.choice(FIELD_TYPES)
        if "Decimal" in t:
            m.imp("from decimal import Decimal")
        if i < 2:
            lines.append(f"    {f}: {t}")
        else:
            lines.append(f"    {f}: {t} = {default}")
        typed.append((f, t))
    if m.chance(0.6):
        m.imp("from datetime import datetime, timezone")
        lines.append(
            "    created_at: str = field(default_factory=lambda: "
            "datetime.now(timezone.utc).isoformat())"
        )
    lines += ["", "    def to_item(self) -> dict[str, Any]:", "        return {"]
    lines.append(f'            "pk": f"{m.noun.upper()}#{{self.{fields[0]}}}",')
    for f, _ in typed[1:]:
        lines.append(f'            "{f}": self.{f},')
    lines += [
        "        }",
        "",
        "    @classmethod",
        f"    def from_item(cls, item: dict[str, Any]) -> {cls}:",
    ]
    lines.append("        return cls(")
    lines.append(f'            {fields[0]}=str(item["pk"]).split("#", 1)[-1],')
    for f, _ in typed[1:2]:
        lines.append(f'            {f}=item["{f}"],')
    lines.append("        )")
    if m.chance(0.5):
        lines += [
            "",
            "    @property",
            "    def is_complete(self) -> bool:",
            f"        return all(getattr(self, name) for name in ({', '.join(repr(f) for f in fields[:3])}))",
        ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f'{cls}({fields[0]}={{s}}, {fields[1]}="x").to_item()'))


def snip_enum(m: Module) -> None:
    m.imp("from enum import Enum")
    cls = m.fresh(camel(m.noun, "Status"))
    members = m.rng.sample(ADJECTIVES, m.rng.randint(3, 7))
    lines = [f"class {cls}(str, Enum):"]
    lines += [f'    {x.upper()} = "{x}"' for x in members]
    lines += [
        "",
        "    @classmethod",
        f"    def parse(cls, value: str) -> {cls}:",
        "        try:",
        "            return cls(value.lower())",
        "        except ValueError:",
        f"            return cls.{members[0].upper()}",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{cls}.parse({{s}}).value"))


def snip_ddb_get(m: Module) -> None:
    m.logger()
    tbl = m.table()
    m.client_error()
    m.imp("from typing import Any")
    fn = m.fresh(f"get_{m.noun}")
    lines = [
        f"def {fn}({m.noun}_id: str) -> dict[str, Any] | None:",
        f'    """Fetch one {m.noun} by id, or None when it does not exist."""',
        "    try:",
        f'        response = {tbl}.get_item(Key={{"pk": f"{m.noun.upper()}#{{{m.noun}_id}}"}}, ConsistentRead=True)',
        "    except ClientError as exc:",
        f'        logger.error("get_item failed for %s: %s", {m.noun}_id, exc.response["Error"]["Code"])',
        "        raise",
        '    item = response.get("Item")',
        "    if item is None:",
        f'        logger.info("{m.noun} %s not found", {m.noun}_id)',
        "    return item",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}({{s}})"))


def snip_ddb_query(m: Module) -> None:
    m.logger()
    tbl = m.table()
    m.imp("from boto3.dynamodb.conditions import Key")
    m.imp("from typing import Any")
    fn = m.fresh(f"list_{m.noun}s_for_{m.pick(NOUNS)}")
    limit = m.rng.choice((25, 50, 100, 500))
    lines = [
        f"def {fn}(owner_id: str, limit: int = {limit}) -> list[dict[str, Any]]:",
        '    """Query every item of one owner, following pagination."""',
        "    items: list[dict[str, Any]] = []",
        "    kwargs: dict[str, Any] = {",
        '        "IndexName": "gsi1",',
        '        "KeyConditionExpression": Key("gsi1pk").eq(f"OWNER#{owner_id}"),',
        '        "Limit": limit,',
        "    }",
        "    while True:",
        f"        page = {tbl}.query(**kwargs)",
        '        items.extend(page.get("Items", []))',
        '        last_key = page.get("LastEvaluatedKey")',
        "        if not last_key or len(items) >= limit:",
        "            break",
        '        kwargs["ExclusiveStartKey"] = last_key',
        '    logger.debug("query for %s returned %d items", owner_id, len(items))',
        "    return items[:limit]",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}({{s}})"))


def snip_ddb_put(m: Module) -> None:
    m.logger()
    tbl = m.table()
    m.client_error()
    m.imp("from typing import Any")
    m.imp("import uuid")
    m.imp("from datetime import datetime, timezone")
    fn = m.fresh(f"save_{m.noun}")
    lines = [
        f"def {fn}(data: dict[str, Any]) -> str:",
        f'    """Insert a new {m.noun}; refuses to overwrite an existing one."""',
        f'    {m.noun}_id = str(data.get("id") or uuid.uuid4())',
        "    item = {",
        f'        "pk": f"{m.noun.upper()}#{{{m.noun}_id}}",',
        '        "created_at": datetime.now(timezone.utc).isoformat(),',
        '        **{k: v for k, v in data.items() if v is not None and k != "id"},',
        "    }",
        "    try:",
        f'        {tbl}.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")',
        "    except ClientError as exc:",
        '        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":',
        f'            raise ValueError(f"{m.noun} {{{m.noun}_id}} already exists") from exc',
        "        raise",
        f'    logger.info("saved {m.noun} %s", {m.noun}_id)',
        f"    return {m.noun}_id",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}({{d}})"))


def snip_http(m: Module) -> None:
    m.logger()
    m.imp("import requests")
    m.imp("from typing import Any")
    fn = m.fresh(f"fetch_{m.pick(ADJECTIVES)}_{m.noun}")
    base = m.env(f"{m.pick(('PARTNER', 'UPSTREAM', 'PRICING', 'CRM', 'GEO'))}_API_URL")
    method = m.pick(("get", "post"))
    timeout = "" if m.chance(0.25) else f", timeout={m.rng.choice((3, 5, 10, (3.05, 27)))}"
    call_args = "params={'id': ref}" if method == "get" else "json={'id': ref}"
    lines = [
        f"def {fn}(ref: str) -> dict[str, Any]:",
        '    """Call the upstream API and return its JSON payload."""',
        f'    url = f"{{{base}}}/v1/{m.noun}s"',
        f"    response = requests.{method}(url, {call_args}{timeout})",
        "    if response.status_code == 404:",
        "        return {}",
        "    response.raise_for_status()",
        "    data = response.json()",
        '    logger.debug("upstream returned %d keys for %s", len(data), ref)',
        "    return data",
    ]
    if m.chance(0.3):
        lines[3:3] = [
            "    headers = {",
            f'        "X-Api-Key": {m.env("API_KEY_PARAM", "")},',
            '        "Accept": "application/json",',
            "    }",
        ]
        lines[7] = lines[7].replace(call_args, call_args + ", headers=headers")
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}({{s}})"))


def snip_s3(m: Module) -> None:
    m.logger()
    s3 = m.client("s3")
    m.imp("import json")
    m.imp("from typing import Any")
    bucket = m.env(m.pick(("BUCKET_NAME", "DATA_BUCKET", "EXPORT_BUCKET", "ARCHIVE_BUCKET")))
    get_fn = m.fresh(f"load_{m.noun}_document")
    put_fn = m.fresh(f"store_{m.noun}_document")
    lines = [
        f"def {get_fn}(key: str) -> dict[str, Any]:",
        f"    obj = {s3}.get_object(Bucket={bucket}, Key=key)",
        '    return json.loads(obj["Body"].read().decode("utf-8"))',
        "",
        "",
        f"def {put_fn}(key: str, document: dict[str, Any]) -> str:",
        '    body = json.dumps(document, default=str, separators=(",", ":")).encode("utf-8")',
        f"    {s3}.put_object(",
        f"        Bucket={bucket},",
        f'        Key=f"{m.noun}s/{{key}}.json",',
        "        Body=body,",
        '        ContentType="application/json",',
        '        ServerSideEncryption="aws:kms",',
        "    )",
        '    logger.info("wrote %d bytes to %s", len(body), key)',
        f'    return f"s3://{{{bucket}}}/{m.noun}s/{{key}}.json"',
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{put_fn}({{s}}, {{d}})"))


def snip_sqs(m: Module) -> None:
    m.logger()
    sqs = m.client("sqs")
    m.imp("import json")
    m.imp("import uuid")
    m.imp("from typing import Any")
    fn = m.fresh(f"enqueue_{m.noun}s")
    queue = m.env(m.pick(("QUEUE_URL", "OUTBOX_QUEUE_URL", "WORK_QUEUE_URL")))
    lines = [
        f"def {fn}(messages: list[dict[str, Any]]) -> int:",
        '    """Send messages in batches of ten; returns how many failed."""',
        "    failed = 0",
        "    for start in range(0, len(messages), 10):",
        "        entries = [",
        '            {"Id": str(uuid.uuid4()), "MessageBody": json.dumps(msg, default=str)}',
        "            for msg in messages[start : start + 10]",
        "        ]",
        f"        result = {sqs}.send_message_batch(QueueUrl={queue}, Entries=entries)",
        '        for failure in result.get("Failed", []):',
        '            logger.warning("message %s failed: %s", failure["Id"], failure.get("Message"))',
        "            failed += 1",
        "    return failed",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}([{{d}}])"))


def snip_sns(m: Module) -> None:
    sns = m.client("sns")
    m.imp("import json")
    m.imp("from typing import Any")
    fn = m.fresh(f"publish_{m.noun}_{m.pick(('created', 'updated', 'failed', 'expired'))}")
    topic = m.env("TOPIC_ARN")
    lines = [
        f"def {fn}(detail: dict[str, Any]) -> str:",
        f"    response = {sns}.publish(",
        f"        TopicArn={topic},",
        "        Message=json.dumps(detail, default=str),",
        "        MessageAttributes={",
        f'            "event_type": {{"DataType": "String", "StringValue": "{fn[8:]}"}},',
        "        },",
        "    )",
        '    return response["MessageId"]',
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}({{d}})"))


def snip_validate(m: Module) -> None:
    m.imp("from typing import Any")
    fn = m.fresh(f"validate_{m.noun}_payload")
    req = m.rng.sample(NOUNS, m.rng.randint(3, 7))
    lines = [
        f"def {fn}(payload: dict[str, Any]) -> list[str]:",
        '    """Return a list of human readable problems; empty when the payload is valid."""',
        "    errors: list[str] = []",
        f"    for name in ({', '.join(repr(r + '_id') for r in req)}):",
        "        if not payload.get(name):",
        '            errors.append(f"{name} is required")',
    ]
    for r in m.rng.sample(req, min(len(req), m.rng.randint(1, 4))):
        kind = m.rng.randint(0, 2)
        if kind == 0:
            lines += [
                f'    if len(str(payload.get("{r}_id", ""))) > 64:',
                f'        errors.append("{r}_id is too long")',
            ]
        elif kind == 1:
            m.imp("import re")
            lines += [
                f'    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(payload.get("{r}_id", "x"))):',
                f'        errors.append("{r}_id has invalid characters")',
            ]
        else:
            lines += [
                f'    quantity = payload.get("{r}_count", 0)',
                "    if not isinstance(quantity, int) or quantity < 0:",
                f'        errors.append(f"{r}_count must be a positive integer, got {{quantity!r}}")',
            ]
    lines.append("    return errors")
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}({{d}})"))


def snip_transform(m: Module) -> None:
    m.imp("from collections import defaultdict")
    m.imp("from typing import Any")
    fn = m.fresh(f"{m.pick(('group', 'summarise', 'aggregate', 'bucket'))}_{m.noun}s")
    key = m.pick(NOUNS)
    lines = [
        f"def {fn}(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:",
        "    grouped: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)",
        "    for row in rows:",
        f'        grouped[str(row.get("{key}_id", "unknown"))].append(row)',
        "    summary: dict[str, dict[str, Any]] = {}",
        "    for group, members in sorted(grouped.items()):",
        '        amounts = [float(r.get("amount", 0) or 0) for r in members]',
        "        summary[group] = {",
        '            "count": len(members),',
        '            "total": round(sum(amounts), 2),',
        '            "max": max(amounts, default=0.0),',
        f'            "{m.pick(ADJECTIVES)}": [r for r in members if r.get("status") == "{m.pick(ADJECTIVES)}"][:5],',
        "        }",
        "    return summary",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{fn}([{{d}}])"))


def snip_retry(m: Module) -> None:
    if "retry" in m.names:
        snip_validate(m)
        return
    m.names.add("retry")
    m.logger()
    m.imp("import functools")
    m.imp("import time")
    m.typing("Any", "Callable", "TypeVar")
    m.add_setup("typevar_t", ['T = TypeVar("T")'])
    attempts = m.rng.randint(2, 5)
    lines = [
        f"def retry(attempts: int = {attempts}, delay: float = 0.2) -> Callable[[Callable[..., T]], Callable[..., T]]:",
        '    """Retry a function on any exception with exponential backoff."""',
        "",
        "    def decorator(func: Callable[..., T]) -> Callable[..., T]:",
        "        @functools.wraps(func)",
        "        def wrapper(*args: Any, **kwargs: Any) -> T:",
        "            for attempt in range(1, attempts + 1):",
        "                try:",
        "                    return func(*args, **kwargs)",
        "                except Exception:",
        "                    if attempt == attempts:",
        "                        raise",
        '                    logger.warning("attempt %d of %s failed", attempt, func.__name__)',
        "                    time.sleep(delay * 2**attempt)",
        '            raise AssertionError("unreachable")',
        "",
        "        return wrapper",
        "",
        "    return decorator",
    ]
    m.blocks.append(lines)
    fn = m.fresh(f"compute_{m.noun}_checksum")
    m.imp("import hashlib")
    m.imp("import json")
    m.blocks.append(
        [
            "@retry()",
            f"def {fn}(payload: dict[str, Any]) -> str:",
            "    canonical = json.dumps(payload, sort_keys=True, default=str)",
            '    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()',
        ]
    )
    m.helpers.append(Helper(f"{fn}({{d}})"))


def snip_secret(m: Module) -> None:
    m.imp("import functools")
    m.imp("import json")
    sm = m.client("secretsmanager")
    fn = m.fresh(f"get_{m.pick(('db', 'api', 'partner', 'signing'))}_credentials")
    lines = [
        "@functools.lru_cache(maxsize=1)",
        f"def {fn}() -> dict[str, str]:",
        '    """Secrets Manager lookup, cached for the lifetime of the execution environment."""',
        f"    response = {sm}.get_secret_value(SecretId={m.env('SECRET_ARN')})",
        '    return json.loads(response["SecretString"])',
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"len({fn}()) + len({{s}})"))


def snip_service_class(m: Module) -> None:
    m.logger()
    m.imp("from typing import Any")
    cls = m.fresh(camel(m.noun, m.pick(("Service", "Repository", "Gateway", "Processor"))))
    n_methods = m.rng.randint(2, 6)
    lines = [
        f"class {cls}:",
        f'    """Business operations on {m.noun}s, kept separate from the handler for testing."""',
        "",
        "    def __init__(self, store: Any, *, dry_run: bool = False) -> None:",
        "        self._store = store",
        "        self._dry_run = dry_run",
        "        self._seen: set[str] = set()",
    ]
    methods: list[str] = []
    for _ in range(n_methods):
        name = m.fresh(f"{m.pick(VERBS)}_{m.pick(NOUNS)}")
        methods.append(name)
        body_kind = m.rng.randint(0, 2)
        lines += ["", f"    def {name}(self, ref: str, **options: Any) -> dict[str, Any]:"]
        if body_kind == 0:
            lines += [
                "        if ref in self._seen:",
                '            return {"ref": ref, "skipped": True}',
                "        self._seen.add(ref)",
                "        if self._dry_run:",
                f'            logger.info("dry run: would {name.replace("_", " ")} %s", ref)',
                '            return {"ref": ref, "dry_run": True}',
                '        return {"ref": ref, "result": self._store.get(ref), **options}',
            ]
        elif body_kind == 1:
            lines += [
                '        attempts = int(options.pop("attempts", 1))',
                "        last_error: Exception | None = None",
                "        for _ in range(attempts):",
                "            try:",
                '                return {"ref": ref, "value": self._store[ref]}',
                "            except KeyError as exc:",
                "                last_error = exc",
                f'        logger.warning("{name} gave up on %s: %s", ref, last_error)',
                '        return {"ref": ref, "error": str(last_error)}',
            ]
        else:
            lines += [
                f'        values = [v for k, v in sorted(options.items()) if k.startswith("{m.pick(NOUNS)}")]',
                '        return {"ref": ref, "values": values, "count": len(values)}',
            ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"{cls}({{{{}}}}).{methods[0]}({{s}})"))


def snip_typeddict(m: Module) -> None:
    m.typing("TypedDict", "NotRequired")
    cls = m.fresh(camel(m.noun, "Payload"))
    keys = m.rng.sample(NOUNS, m.rng.randint(3, 8))
    lines = [f"class {cls}(TypedDict):"]
    for i, k in enumerate(keys):
        t = m.pick(("str", "int", "float", "bool", "list[str]"))
        lines.append(
            f"    {k}_{m.pick(('id', 'name', 'count', 'total'))}: {t if i < 2 else f'NotRequired[{t}]'}"
        )
    m.blocks.append(lines)


def snip_parse_event(m: Module) -> None:
    m.imp("import base64")
    m.imp("import json")
    m.imp("from typing import Any")
    fn = m.fresh("parse_body")
    lines = [
        f"def {fn}(event: dict[str, Any]) -> dict[str, Any]:",
        '    """Decode an API Gateway body (possibly base64) into a dict."""',
        '    raw = event.get("body") or "{}"',
        '    if event.get("isBase64Encoded"):',
        '        raw = base64.b64decode(raw).decode("utf-8")',
        "    try:",
        "        parsed = json.loads(raw)",
        "    except json.JSONDecodeError as exc:",
        '        raise ValueError(f"body is not valid JSON: {exc.msg}") from exc',
        "    if not isinstance(parsed, dict):",
        '        raise ValueError("body must be a JSON object")',
        "    return parsed",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f'{fn}({{{{"body": json.dumps({{d}})}}}})'))


def snip_metrics(m: Module) -> None:
    m.imp("import json")
    m.imp("import time")
    fn = m.fresh(f"emit_{m.noun}_metric")
    ns = camel(m.domain)
    lines = [
        f'def {fn}(name: str, value: float, unit: str = "Count") -> None:',
        '    """Write an Embedded Metric Format record to stdout."""',
        "    record = {",
        '        "_aws": {',
        '            "Timestamp": int(time.time() * 1000),',
        '            "CloudWatchMetrics": [',
        f'                {{"Namespace": "{ns}", "Dimensions": [["Service"]], "Metrics": [{{"Name": name, "Unit": unit}}]}}',
        "            ],",
        "        },",
        f'        "Service": "{m.domain}",',
        "        name: value,",
        "    }",
        "    print(json.dumps(record))",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f'{fn}("{m.noun}_processed", len({{s}}))'))


def snip_time(m: Module) -> None:
    m.imp("from datetime import datetime, timedelta, timezone")
    fn = m.fresh(f"{m.pick(ADJECTIVES)}_window")
    days = m.rng.randint(1, 90)
    lines = [
        f"def {fn}(now: datetime | None = None, days: int = {days}) -> tuple[str, str]:",
        '    """Start and end of the reporting window as ISO-8601 strings."""',
        "    end = (now or datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0)",
        "    start = end - timedelta(days=days)",
        "    return start.isoformat(), end.isoformat()",
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f'"/".join({fn}()) + {{s}}'))


def snip_s3_list(m: Module) -> None:
    s3 = m.client("s3")
    m.imp("from collections.abc import Iterator")
    fn = m.fresh(f"iter_{m.noun}_keys")
    lines = [
        f"def {fn}(bucket: str, prefix: str) -> Iterator[str]:",
        f'    paginator = {s3}.get_paginator("list_objects_v2")',
        "    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):",
        '        for obj in page.get("Contents", []):',
        '            if not obj["Key"].endswith("/"):',
        '                yield obj["Key"]',
    ]
    m.blocks.append(lines)
    m.helpers.append(Helper(f'sum(1 for _ in {fn}("bucket", {{s}}))'))


def snip_constants(m: Module) -> None:
    name = m.fresh(f"{m.pick(ADJECTIVES).upper()}_{m.noun.upper()}_FIELDS")
    vals = m.rng.sample(NOUNS, m.rng.randint(4, 10))
    lines = [f"{name} = frozenset(", "    {"]
    lines += [f'        "{v}_{m.pick(("id", "name", "at", "by"))}",' for v in vals]
    lines += ["    }", ")"]
    m.blocks.append(lines)
    m.helpers.append(Helper(f"sorted({name})[:3] + [{{s}}]"))


AWS_SNIPPETS: tuple[Callable[[Module], None], ...] = (
    snip_dataclass,
    snip_enum,
    snip_ddb_get,
    snip_ddb_query,
    snip_ddb_put,
    snip_http,
    snip_s3,
    snip_sqs,
    snip_sns,
    snip_validate,
    snip_transform,
    snip_retry,
    snip_secret,
    snip_service_class,
    snip_typeddict,
    snip_parse_event,
    snip_metrics,
    snip_time,
    snip_s3_list,
    snip_constants,
)
AWS_WEIGHTS = (8, 3, 7, 5, 6, 6, 6, 4, 3, 8, 6, 2, 2, 7, 3, 2, 3, 4, 2, 3)
LIB_SNIPPETS: tuple[Callable[[Module], None], ...] = (
    snip_dataclass,
    snip_enum,
    snip_validate,
    snip_transform,
    snip_service_class,
    snip_typeddict,
    snip_time,
    snip_constants,
)


def fill(
    m: Module,
    target_lines: int,
    snippets: tuple[Callable[[Module], None], ...],
    weights: tuple[int, ...] | None = None,
    reserve: int = 0,
) -> None:
    """Append snippets until the module body is roughly ``target_lines - reserve`` long."""

    def size() -> int:
        return sum(len(b) + 2 for b in m.blocks) + len(m.setup) + len(m.imports) + 8

    own_noun = m.noun
    while size() < target_lines - reserve:
        # Most helpers in a module are about its own noun; the rest about related ones.
        m.noun = own_noun if m.chance(0.4) else m.pick(NOUNS)
        m.rng.choices(snippets, weights=weights)[0](m)
    m.noun = own_noun


# ---------------------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------------------


@dataclass
class HandlerSpec:
    """What a template needs to know about one generated handler module."""

    function: str
    event: str
    text: str
    env_vars: list[str]
    lines: int


def _call(m: Module, s_expr: str, d_expr: str) -> str:
    if not m.helpers:
        return f"{{'ref': {s_expr}}}"
    h = m.rng.choice(m.helpers)
    return (
        h.call.replace("{s}", s_expr).replace("{d}", d_expr).replace("{{", "{").replace("}}", "}")
    )


def _response_helper(m: Module) -> str:
    m.imp("import json")
    m.imp("from typing import Any")
    if "_response" not in m.names:
        m.names.add("_response")
        cors = m.chance(0.5)
        lines = [
            "def _response(status: int, body: Any) -> dict[str, Any]:",
            "    return {",
            '        "statusCode": status,',
            '        "headers": {',
            '            "Content-Type": "application/json",',
        ]
        if cors:
            lines.append(
                f'            "Access-Control-Allow-Origin": {m.env("ALLOWED_ORIGIN", "*")},'
            )
        lines += ["        },", '        "body": json.dumps(body, default=str),', "    }"]
        m.blocks.append(lines)
    return "_response"


def _signature(m: Module, name: str) -> list[str]:
    deco: list[str] = []
    if m.powertools:
        m.imp("from aws_lambda_powertools.utilities.typing import LambdaContext")
        m.imp("from typing import Any")
        deco = [
            "@logger.inject_lambda_context" + ("(log_event=True)" if m.chance(0.05) else ""),
            "@tracer.capture_lambda_handler",
        ]
        return [*deco, f"def {name}(event: dict[str, Any], context: LambdaContext) -> Any:"]
    if m.chance(0.5):
        m.imp("from typing import Any")
        return [f"def {name}(event: dict[str, Any], context: Any) -> Any:"]
    return [f"def {name}(event, context):"]


def _faults(m: Module, body: list[str], indent: str) -> None:
    """Sprinkle the anti-patterns lambdalint looks for, at realistic (low) rates."""
    if m.chance(0.12):
        m.imp("import boto3")
        svc = m.pick(("s3", "dynamodb", "sqs", "ssm", "events"))
        body.append(f'{indent}local_client = boto3.client("{svc}")')
        body.append(f'{indent}logger.debug("client endpoint %s", local_client.meta.endpoint_url)')
    if m.chance(0.04):
        body.append(f'{indent}logger.info("received event: %s", event)')
    if m.chance(0.03):
        m.imp("import time")
        body.append(f"{indent}time.sleep({m.rng.choice((0.5, 1, 2))})")
    if m.chance(0.03):
        m.imp("import json")
        fn = m.env("DOWNSTREAM_FUNCTION")
        lam = m.client("lambda")
        body.append(f'{indent}{lam}.invoke(FunctionName={fn}, InvocationType="RequestResponse",')
        body.append(f'{indent}    Payload=json.dumps({{"source": "{m.domain}"}}))')


def make_handler(
    rng: random.Random,
    *,
    domain: str,
    noun: str,
    event: str,
    function: str,
    target_lines: int,
    powertools: bool,
) -> HandlerSpec:
    """Synthesise one handler module of roughly ``target_lines`` lines."""
    m = Module(rng=rng, domain=domain, noun=noun, powertools=powertools)
    m.names.add(function)
    m.logger()
    monolith = target_lines >= 300 and m.chance(0.5)
    handler_size = 25 if not monolith else min(40 + target_lines // 6, 220)
    fill(m, target_lines, AWS_SNIPPETS, AWS_WEIGHTS, reserve=handler_size)
    if m.chance(0.05):
        m.imp("from typing import Any")
        m.add_setup("cache", [f"_{noun}_cache: list[Any] = []"])
    sig = _signature(m, function)
    doc = f'    """Entry point: {event} event for the {domain} {noun} flow."""'
    body: list[str] = []
    if event in ("api", "httpapi"):
        body = _api_body(m, monolith, handler_size)
    elif event == "sqs":
        body = _records_body(m, 'json.loads(record["body"])', 'record["messageId"]', partial=True)
    elif event == "sns":
        body = _records_body(
            m, 'json.loads(record["Sns"]["Message"])', 'record["Sns"]["MessageId"]', partial=False
        )
    elif event == "stream":
        body = _records_body(
            m, 'record["dynamodb"].get("NewImage", {})', 'record["eventID"]', partial=True
        )
    elif event == "s3":
        body = _s3_body(m)
    else:
        body = _schedule_body(m)
    text = m.render(
        f"{camel(domain)} {noun} handler ({event} trigger).\n\nOwned by the "
        f"{domain} team. Do not import from other services.\n",
        [*sig, doc, *body],
    )
    return HandlerSpec(
        function=function, event=event, text=text, env_vars=list(m.env_vars), lines=text.count("\n")
    )


def _api_body(m: Module, monolith: bool, size: int) -> list[str]:
    m.imp("import json")
    resp = _response_helper(m)
    body = [
        '    method = event.get("httpMethod") or event.get("requestContext", {}).get("http", {}).get("method", "GET")',
        '    path = event.get("path") or event.get("rawPath", "/")',
        '    logger.info("%s %s", method, path)',
    ]
    _faults(m, body, "    ")
    body += [
        "    try:",
        '        payload = json.loads(event.get("body") or "{}")',
        "    except json.JSONDecodeError:",
        f'        return {resp}(400, {{"message": "invalid JSON body"}})',
        '    ref = str((event.get("pathParameters") or {}).get("id", payload.get("id", "")))',
    ]
    if m.chance(0.07):
        body += [
            "    try:",
            f"        result = {_call(m, 'ref', 'payload')}",
            "    except Exception:",
            "        result = None",
        ]
    if not monolith:
        body += ["    try:"]
        for i in range(m.rng.randint(1, 4)):
            body.append(f"        step_{i} = {_call(m, 'ref', 'payload')}")
        body += [
            "    except ValueError as exc:",
            f'        return {resp}(400, {{"message": str(exc)}})',
            "    except Exception:",
            '        logger.exception("unhandled error")',
            f'        return {resp}(500, {{"message": "internal error"}})',
        ]
        if m.chance(0.04):
            body.append('    return {"statusCode": 200, "body": {"ok": True, "step": step_0}}')
        elif m.chance(0.3):
            body += [
                "    return {",
                '        "statusCode": 200,',
                '        "headers": {"Content-Type": "application/json"},',
                '        "body": json.dumps({"ok": True, "result": step_0}, default=str),',
                "    }",
            ]
        else:
            body.append(f'    return {resp}(200, {{"ok": True, "result": step_0}})')
        return body
    # A monolithic router: many routes in one function.
    body.append("    try:")
    first = True
    while len(body) < size:
        verb = m.pick(("GET", "POST", "PUT", "DELETE", "PATCH"))
        route = f"/{m.pick(NOUNS)}s" + m.pick(("", "/{id}", "/{id}/" + m.pick(NOUNS)))
        kw = "if" if first else "elif"
        first = False
        prefix = route.split("{")[0]
        body.append(f'        {kw} method == "{verb}" and path.startswith("{prefix}"):')
        for _ in range(m.rng.randint(1, 4)):
            body.append(f"            result = {_call(m, 'ref', 'payload')}")
        if m.chance(0.3):
            body += [
                "            if not result:",
                f'                return {resp}(404, {{"message": "not found"}})',
            ]
        body.append(
            f'            return {resp}({200 if verb != "POST" else 201}, {{"result": result}})'
        )
    body += [
        f'        return {resp}(404, {{"message": f"no route for {{method}} {{path}}"}})',
        "    except ValueError as exc:",
        f'        return {resp}(400, {{"message": str(exc)}})',
    ]
    return body


def _records_body(m: Module, decode: str, ident: str, *, partial: bool) -> list[str]:
    m.imp("import json")
    body = ["    failures: list[dict[str, str]] = []", "    processed = 0"]
    _faults(m, body, "    ")
    body += [
        '    for record in event.get("Records", []):',
        f"        message_id = {ident}",
        "        try:",
        f"            message = {decode}",
    ]
    for _ in range(m.rng.randint(1, 4)):
        body.append(f"            {_call(m, 'str(message_id)', 'message')}")
    body.append("            processed += 1")
    if "_" + m.noun + "_cache" in " ".join(m.setup):
        body.append(f"            _{m.noun}_cache.append(message)")
    swallow = m.chance(0.08)
    body += [
        "        except Exception:" if not swallow else "        except Exception:  # keep going",
        '            logger.exception("failed to process %s", message_id)'
        if not swallow
        else "            pass",
    ]
    if partial and not swallow:
        body.append('            failures.append({"itemIdentifier": message_id})')
    body.append('    logger.info("processed %d records, %d failed", processed, len(failures))')
    body.append(
        '    return {"batchItemFailures": failures}'
        if partial
        else '    return {"processed": processed}'
    )
    return body


def _s3_body(m: Module) -> list[str]:
    m.imp("import urllib.parse")
    body: list[str] = ["    results = []"]
    _faults(m, body, "    ")
    body += [
        '    for record in event["Records"]:',
        '        bucket = record["s3"]["bucket"]["name"]',
        '        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"], encoding="utf-8")',
        '        size = record["s3"]["object"].get("size", 0)',
        '        if not key.endswith((".json", ".csv", ".jpg", ".png")):',
        '            logger.info("skipping %s", key)',
        "            continue",
        "        try:",
    ]
    location = '{"bucket": bucket, "size": size}'
    for _ in range(m.rng.randint(1, 3)):
        body.append(f"            results.append({_call(m, 'key', location)})")
    body += [
        "        except Exception as exc:",
        '            logger.error("failed on s3://%s/%s: %s", bucket, key, exc)',
        "            raise",
        '    return {"processed": len(results)}',
    ]
    return body


def _schedule_body(m: Module) -> list[str]:
    body = [
        '    started = event.get("time", "")',
        '    logger.info("scheduled run started at %s", started)',
    ]
    _faults(m, body, "    ")
    body.append("    summary = {}")
    for i in range(m.rng.randint(2, 5)):
        body.append(f'    summary["step_{i}"] = {_call(m, "started", "event")}')
    body += [
        '    logger.info("scheduled run finished: %d steps", len(summary))',
        "    return summary",
    ]
    return body


# ---------------------------------------------------------------------------------------
# Non-handler Python: libraries, tests, CDK, vendored packages
# ---------------------------------------------------------------------------------------


def make_library_module(rng: random.Random, *, domain: str, target_lines: int, aws: bool) -> str:
    m = Module(rng=rng, domain=domain, noun=rng.choice(NOUNS))
    if aws:
        m.logger()
        fill(m, target_lines, AWS_SNIPPETS, AWS_WEIGHTS)
    else:
        fill(m, target_lines, LIB_SNIPPETS)
    return m.render(f"{camel(domain)} shared utilities.", None)


def make_test_module(
    rng: random.Random, *, import_path: str, function: str, event: str, env_vars: list[str]
) -> str:
    module = import_path.rsplit(".", 1)[-1]
    envs = "\n".join(
        f'os.environ.setdefault("{e}", "test-{e.lower().replace("_", "-")}")' for e in env_vars
    )
    event_body = {
        "api": '{"httpMethod": "POST", "path": "/items", "body": json.dumps({"id": "abc-123", "name": "widget"}),\n'
        '            "headers": {"Content-Type": "application/json"}, "pathParameters": {"id": "abc-123"},\n'
        '            "requestContext": {"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "stage": "prod"}}',
        "sqs": '{"Records": [{"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "body": json.dumps({"id": "1"}),\n'
        '            "eventSource": "aws:sqs", "awsRegion": "us-east-1"}]}',
        "s3": '{"Records": [{"s3": {"bucket": {"name": "example-bucket"},\n'
        '            "object": {"key": "uploads/file.json", "size": 1024}}}]}',
    }.get(
        event if event != "httpapi" else "api",
        '{"time": "2024-01-01T00:00:00Z", "detail-type": "Scheduled Event", "source": "aws.events"}',
    )
    cases = []
    for i in range(rng.randint(2, 6)):
        name = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{rng.choice(ADJECTIVES)}"
        cases.append(
            f"def test_{name}_{i}(sample_event: dict, monkeypatch: pytest.MonkeyPatch) -> None:\n"
            f'    monkeypatch.setenv("STAGE", "test")\n'
            f'    with mock.patch.object({module}, "logger"):\n'
            f"        try:\n"
            f"            result = {module}.{function}(sample_event, mock.MagicMock())\n"
            f"        except Exception as exc:  # external services are not mocked here\n"
            f'            pytest.skip(f"needs AWS: {{exc}}")\n'
            f"    assert result is not None\n"
        )
    return (
        f'"""Unit tests for {import_path}."""\n\n'
        "import json\nimport os\nfrom unittest import mock\n\nimport pytest\n\n"
        f"{envs}\n\n"
        f"from {import_path.rsplit('.', 1)[0]} import {module}  # noqa: E402\n\n\n"
        "@pytest.fixture()\n"
        "def sample_event() -> dict:\n"
        f"    return {event_body}\n\n\n" + "\n\n".join(cases)
    )


def make_cdk_stack(rng: random.Random, *, cls: str, functions: list[tuple[str, str, str]]) -> str:
    """A CDK stack module; ``functions`` is (construct id, asset dir, handler)."""
    lines = [
        f'"""{cls}: infrastructure as code (AWS CDK v2). Not Lambda handler code."""',
        "",
        "from aws_cdk import Duration, RemovalPolicy, Stack",
        "from aws_cdk import aws_dynamodb as dynamodb",
        "from aws_cdk import aws_iam as iam",
        "from aws_cdk import aws_lambda as _lambda",
        "from aws_cdk import aws_lambda_event_sources as sources",
        "from aws_cdk import aws_logs as logs",
        "from aws_cdk import aws_sqs as sqs",
        "from constructs import Construct",
        "",
        "",
        f"class {cls}(Stack):",
        '    def __init__(self, scope: Construct, construct_id: str, *, stage: str = "dev", **kwargs) -> None:',
        "        super().__init__(scope, construct_id, **kwargs)",
        "",
        '        table = dynamodb.Table(self, "Table",',
        '            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),',
        "            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,",
        "            removal_policy=RemovalPolicy.RETAIN,",
        "        )",
        '        dlq = sqs.Queue(self, "DeadLetters", retention_period=Duration.days(14))',
        f'        queue = sqs.Queue(self, "Work", visibility_timeout=Duration.seconds({rng.choice((60, 180, 360))}),',
        "            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=dlq))",
    ]
    for cid, asset, handler in functions:
        var = cid.lower()
        lines += [
            "",
            f'        {var} = _lambda.Function(self, "{cid}",',
            f"            runtime=_lambda.Runtime.{rng.choice(('PYTHON_3_11', 'PYTHON_3_12', 'PYTHON_3_9'))},",
            f'            handler="{handler}",',
            f'            code=_lambda.Code.from_asset("{asset}"),',
            f"            timeout=Duration.seconds({rng.choice((10, 30, 60))}),",
            f"            memory_size={rng.choice((128, 256, 512, 1024))},",
            "            tracing=_lambda.Tracing.ACTIVE,",
            "            log_retention=logs.RetentionDays.TWO_WEEKS,",
            '            environment={"TABLE_NAME": table.table_name, "STAGE": stage},',
            "        )",
            f"        table.grant_read_write_data({var})",
        ]
        if rng.random() < 0.4:
            lines.append(
                f"        {var}.add_event_source(sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True))"
            )
        if rng.random() < 0.3:
            lines += [
                f"        {var}.add_to_role_policy(iam.PolicyStatement(",
                '            actions=["ssm:GetParameter", "ssm:GetParametersByPath"],',
                '            resources=[f"arn:aws:ssm:{self.region}:{self.account}:parameter/{stage}/*"],',
                "        ))",
            ]
    return "\n".join(lines) + "\n"


def make_vendored_module(rng: random.Random, *, package: str, target_lines: int) -> str:
    m = Module(rng=rng, domain=package, noun=rng.choice(NOUNS))
    fill(m, target_lines, LIB_SNIPPETS)
    return m.render(
        f"{package}: vendored third-party code (installed by pip into the package).", None
    )
