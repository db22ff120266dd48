"""The format-neutral project model.

Loaders (SAM/CloudFormation, Terraform, serverless.yml) turn templates into these objects;
template rules read only these objects and never know which format a value came from.

Conventions every loader follows:
- A value the loader could not resolve statically is ``UNKNOWN``; rules stay quiet on it.
- ``None`` means "not set" (the AWS default applies).
- Every value a rule may report on has a ``Location`` where it is written: scalar fields in
  ``locs[field]`` of their object, list items as ``Val(value, loc)``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Generic, Literal, TypeVar


class _Unknown:
    """A value that could not be resolved statically (intrinsic, variable, condition...)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # an unknown value is never "set and truthy" by accident
        return False

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
Unknown = _Unknown


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file. Lines and columns are 1-based; columns count code points."""

    path: Path
    line: int
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Val(Generic[T]):
    """A list item with the location where it is written."""

    value: T
    loc: Location


@dataclass(slots=True)
class Fix:
    """A whole-file replacement produced by an autofix (applied atomically by --fix)."""

    path: Path
    original: str
    replacement: str
    description: str


@dataclass(slots=True)
class Finding:
    rule_id: str
    message: str
    location: Location
    severity: Severity = Severity.WARNING
    # what the finding is about, independent of line numbers: resource id, function qualname...
    logical: str = ""
    related: list[tuple[Location, str]] = field(default_factory=list)
    fix: Fix | None = None
    fixable: bool = False  # an automatic fix exists (computed only when --fix/--diff/SARIF ask)
    # rules ignored by the enclosing resource's Metadata (CloudFormation/SAM), applied by suppress
    resource_ignores: frozenset[str] = frozenset()
    suppressed: str | None = None  # justification when suppressed

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path.as_posix(), loc.line, loc.col, self.rule_id, self.message)


# --------------------------------------------------------------------------- IAM


@dataclass(slots=True)
class Statement:
    effect: str | Unknown  # "Allow" / "Deny"
    actions: list[Val[str]] | Unknown = field(default_factory=list)
    not_actions: list[Val[str]] | Unknown = field(default_factory=list)
    resources: list[Val[str]] | Unknown = field(default_factory=list)
    not_resources: list[Val[str]] | Unknown = field(default_factory=list)
    has_condition: bool = False
    loc: Location | None = None
    locs: dict[str, Location] = field(default_factory=dict)


@dataclass(slots=True)
class Role:
    """An execution role (explicit resource, or the one SAM/serverless generate)."""

    id: str  # logical id / terraform address / "provider" for serverless
    loc: Location
    statements: list[Statement] = field(default_factory=list)
    managed_policies: list[Val[str]] = field(default_factory=list)  # ARNs or SAM managed names
    # policies we could not read (SAM policy templates without aws-sam-translator, intrinsics)
    opaque_policies: list[Val[str]] = field(default_factory=list)
    generated: bool = False  # created implicitly for one function (SAM) or provider (serverless)
    ignores: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- events

EventKind = Literal[
    "api",  # API Gateway REST API (29 s limit, payload 1.0)
    "http_api",  # API Gateway HTTP API (30 s limit, payload 2.0 by default)
    "function_url",
    "alb",
    "s3",
    "sns",
    "sqs",
    "kinesis",
    "dynamodb",
    "kafka",
    "mq",
    "eventbridge",
    "schedule",
    "cloudwatch_logs",
    "ses",
    "iot",
    "cognito",
    "alexa",
    "other",
]

ASYNC_EVENT_KINDS: Final = frozenset(
    {"s3", "sns", "eventbridge", "schedule", "ses", "iot", "cloudwatch_logs"}
)
STREAM_EVENT_KINDS: Final = frozenset({"kinesis", "dynamodb", "kafka", "mq"})
HTTP_EVENT_KINDS: Final = frozenset({"api", "http_api", "function_url", "alb"})


@dataclass(slots=True)
class EventSource:
    kind: str  # one of EventKind
    loc: Location
    name: str = ""  # event key (SAM) / resource address
    # the resource that triggers the function: same-project id (queue/bucket/topic) when resolved
    target: str | Unknown | None = None
    target_name: str | Unknown | None = None  # physical name when written literally
    # streams/queues (event source mappings)
    on_failure: str | Unknown | None = None
    bisect_on_error: bool | Unknown | None = None
    maximum_retry_attempts: int | Unknown | None = None
    maximum_record_age: int | Unknown | None = None
    function_response_types: list[str] | Unknown = field(default_factory=list)
    # HTTP
    payload_format: str | Unknown | None = None  # "1.0" / "2.0"
    # API Gateway integration timeout in milliseconds when written (None: the API's default)
    integration_timeout_ms: int | Unknown | None = None
    # S3 notification filter
    filter_prefix: str | Unknown | None = None
    filter_suffix: str | Unknown | None = None
    # S3 notification event types ("s3:ObjectCreated:*"...); None when the loader did not read them
    s3_events: list[str] | Unknown | None = None
    locs: dict[str, Location] = field(default_factory=dict)

    @property
    def is_async(self) -> bool:
        return self.kind in ASYNC_EVENT_KINDS


@dataclass(slots=True)
class Permission:
    """A resource-based policy statement allowing someone to invoke a function."""

    id: str
    loc: Location
    principal: str | Unknown
    action: str | Unknown = "lambda:InvokeFunction"
    source_arn: str | Unknown | None = None
    source_account: str | Unknown | None = None
    principal_org_id: str | Unknown | None = None
    function_url_auth_type: str | Unknown | None = None
    # InvokedViaFunctionUrl: the permission only allows invocations through the function's URL
    invoked_via_function_url: bool | Unknown | None = None
    event_source_token: str | Unknown | None = None  # Alexa skill id (instead of SourceArn)
    locs: dict[str, Location] = field(default_factory=dict)
    ignores: frozenset[str] = frozenset()


@dataclass(slots=True)
class FunctionUrl:
    loc: Location
    auth_type: str | Unknown  # "NONE" / "AWS_IAM"
    locs: dict[str, Location] = field(default_factory=dict)
    ignores: frozenset[str] = frozenset()


@dataclass(slots=True)
class Queue:
    id: str
    loc: Location
    name: str | Unknown | None = None
    visibility_timeout: int | Unknown | None = None  # None: AWS default (30 s)
    redrive: bool | Unknown = False
    # queues (ids) whose redrive policy sends their failed messages here: this is their DLQ
    dead_letter_for: list[str] = field(default_factory=list)
    locs: dict[str, Location] = field(default_factory=dict)
    ignores: frozenset[str] = frozenset()


@dataclass(slots=True)
class Layer:
    ref: str | Unknown  # ARN or same-project layer id
    loc: Location
    content_path: Path | Unknown | None = None  # local folder/zip when the layer is built here


@dataclass(slots=True)
class EnvVar:
    name: str
    value: str | Unknown  # literal value (numbers and booleans as text) or UNKNOWN
    loc: Location
    # where the value comes from when it is a reference: "ssm", "secretsmanager", "resolve",
    # "noecho-parameter", "parameter", "resource:<id>"...
    source: str | None = None


# --------------------------------------------------------------------------- functions

FunctionFormat = Literal["sam", "cloudformation", "terraform", "serverless"]


@dataclass(slots=True)
class Function:
    id: str  # logical id / terraform address / serverless function key
    format: str  # one of FunctionFormat
    template: Path  # the file that defines it
    loc: Location  # the function's header
    name: str | Unknown | None = None  # physical FunctionName
    runtime: str | Unknown | None = None
    handler: str | Unknown | None = None
    package_type: str = "Zip"  # "Zip" / "Image"
    # local code: folder or zip on disk (resolved absolute path); UNKNOWN when unresolvable
    code_path: Path | Unknown | None = None
    code_inline: str | None = None  # CloudFormation Code.ZipFile
    upload: str | Unknown = UNKNOWN  # "direct" (50 MB zipped limit applies) / "s3"
    timeout: int | Unknown | None = None
    memory: int | Unknown | None = None
    ephemeral_storage: int | Unknown | None = None
    reserved_concurrency: int | Unknown | None = None
    environment: dict[str, EnvVar] = field(default_factory=dict)
    environment_unknown: bool = False  # part of the environment could not be resolved
    role: Role | Unknown | None = None
    role_shared_key: str | None = None  # functions with equal keys share one execution role
    events: list[EventSource] = field(default_factory=list)
    dead_letter: str | Unknown | None = None
    on_failure: str | Unknown | None = None  # async on-failure destination
    async_max_retries: int | Unknown | None = None
    url: FunctionUrl | None = None
    permissions: list[Permission] = field(default_factory=list)
    layers: list[Layer] | Unknown = field(default_factory=list)
    tracing: str | Unknown | None = None  # "Active" / "PassThrough"
    log_retention: int | Unknown | None = None  # days; None: never expires
    log_group_managed: bool = False  # a log group resource for this function exists
    architectures: list[str] | Unknown = field(default_factory=list)
    locs: dict[str, Location] = field(default_factory=dict)
    ignores: frozenset[str] = frozenset()  # resource Metadata suppressions
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_python(self) -> bool:
        return isinstance(self.runtime, str) and self.runtime.startswith("python")

    def loc_of(self, field_name: str) -> Location:
        """Where a field is written, else the function's header."""
        return self.locs.get(field_name, self.loc)

    def finding(
        self, rule_id: str, message: str, field_name: str | None = None, loc: Location | None = None
    ) -> Finding:
        where = loc or (self.loc_of(field_name) if field_name else self.loc)
        return Finding(
            rule_id=rule_id,
            message=message,
            location=where,
            logical=self.id,
            resource_ignores=self.ignores,
        )

    def handler_target(self) -> tuple[str, str] | None:
        """``("pkg/mod", "func")`` for a Python handler string ``pkg.mod.func``."""
        if not isinstance(self.handler, str) or "." not in self.handler:
            return None
        module, _, func = self.handler.rpartition(".")
        if not module or not func:
            return None
        return module.replace(".", "/"), func


@dataclass(slots=True)
class TemplateFile:
    path: Path
    format: str
    functions: list[Function] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. macros skipped


@dataclass(slots=True)
class Project:
    root: Path
    templates: list[TemplateFile] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # LL002 from loaders
    texts: dict[Path, str] = field(default_factory=dict)  # template texts, for suppression comments
    notes: list[str] = field(default_factory=list)

    def add(self, template: TemplateFile) -> None:
        self.templates.append(template)
        self.functions.extend(template.functions)
        self.notes.extend(template.notes)

    def merge(self, other: Project) -> None:
        """Add what a loader put into a separate project (one template, loaded or cached)."""
        self.templates.extend(other.templates)
        self.functions.extend(other.functions)
        self.roles.update(other.roles)
        self.queues.update(other.queues)
        self.findings.extend(other.findings)
        self.texts.update(other.texts)
        self.notes.extend(other.notes)

    def iter_python_handlers(self) -> Iterator[tuple[Function, Path, str]]:
        """(function, module file, function name) for every resolvable Python handler."""
        for fn in self.functions:
            if fn.runtime is not UNKNOWN and fn.runtime is not None and not fn.is_python:
                continue
            target = fn.handler_target()
            if target is None or not isinstance(fn.code_path, Path):
                continue
            module, func = target
            yield fn, fn.code_path / f"{module}.py", func
