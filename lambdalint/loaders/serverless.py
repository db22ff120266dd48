"""Serverless Framework service files (``serverless.yml`` / ``serverless.yaml``) into the model.

The file is decoded with cfn-lint's YAML loader, which keeps a line/column mark on every string,
mapping and list node and understands the short CloudFormation tags (``!Ref``, ``!GetAtt``...)
that serverless files use in ``resources`` and in ARNs.

Serverless variables (``${self:...}``, ``${opt:...}``, ``${ssm:...}``...) are resolved over the
whole document first (``Variables``). Only what the file alone decides is resolved:
``${self:path}`` to a literal (not ``provider.stage``/``provider.region``, which the CLI
overrides) and literal fallbacks (``${self:custom.x, 'default'}`` when ``custom.x`` is absent).
Everything else (``opt``, ``env``, ``ssm``, ``file``, ``cf``, ``sls``...) becomes an
``Unresolved`` leaf: not a ``str``, so every type check downstream treats it as unknown, and it
remembers its source (``ssm``, ``secretsmanager``, ``env``) for the secret rules.

``resources.Resources`` is CloudFormation: it is read with the CloudFormation loader's
``TemplateLoader`` methods on a synthetic template whose resources also list the logical ids
serverless generates (``<Name>LambdaFunction``, ``IamRoleLambdaExecution``,
``<Name>LambdaLayer``), so ``!GetAtt HelloLambdaFunction.Arn`` in a Permission, an
EventSourceMapping or an EventInvokeConfig reaches function ``hello``.

Defaults recorded for rules: serverless deploys through S3 (``upload = "s3"``); an unset
timeout stays ``None`` with ``extra["default_timeout"] = 6`` (the framework's default), an unset
memory stays ``None`` with ``extra["default_memory"] = 1024``; an unset runtime is ``UNKNOWN``
(the framework's default runtime is a Node.js version that depends on the framework version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdalint.loaders.common import as_bool, as_dict, as_int, as_list, decode_text, parse_error
from lambdalint.model import (
    UNKNOWN,
    EnvVar,
    EventSource,
    Function,
    FunctionUrl,
    Layer,
    Location,
    Project,
    Role,
    TemplateFile,
    Unknown,
    Val,
)

SERVERLESS_DEFAULT_TIMEOUT = 6
SERVERLESS_DEFAULT_MEMORY = 1024
PROVIDER_ROLE_ID = "IamRoleLambdaExecution"  # the logical id serverless gives the shared role
MAX_DEPTH = 24  # nested / chained variable references
MAX_NODES = 400_000  # resolved nodes: bounds `${self:...}` amplification
MAX_STRING = 100_000  # characters in one interpolated string (doubling `${self:a}${self:a}` chains)

# `${source:address}` / `${file(path):key}` / `${self:}`; `${AWS::Region}` and `${Param}` are
# CloudFormation `!Sub` placeholders and are left alone
VARIABLE = re.compile(r"^\s*(?:[A-Za-z][\w-]*(?:\([^)]*\))?:(?!:)|file\s*\()")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

EVENT_KINDS = {
    "http": "api",
    "httpApi": "http_api",
    "websocket": "other",
    "alb": "alb",
    "s3": "s3",
    "sns": "sns",
    "sqs": "sqs",
    "stream": "kinesis",  # refined from `type` / the ARN
    "kafka": "kafka",
    "msk": "kafka",
    "activemq": "mq",
    "rabbitmq": "mq",
    "schedule": "schedule",
    "eventBridge": "eventbridge",
    "cloudwatchEvent": "eventbridge",
    "cloudwatchLog": "cloudwatch_logs",
    "alexaSkill": "alexa",
    "alexaSmartHome": "alexa",
    "iot": "iot",
    "cognitoUserPool": "cognito",
}
# TemplateLoader methods for resources that attach to functions (its `run` second pass)
SECOND_PASS = {
    "AWS::IAM::Policy": "iam_policy",
    "AWS::IAM::ManagedPolicy": "iam_policy",
    "AWS::Lambda::Permission": "permission",
    "AWS::Lambda::EventSourceMapping": "event_source_mapping",
    "AWS::Lambda::EventInvokeConfig": "event_invoke_config",
    "AWS::Lambda::Url": "function_url",
    "AWS::Logs::LogGroup": "log_group",
    "AWS::S3::Bucket": "bucket_notifications",
    "AWS::SNS::Subscription": "sns_subscription",
    "AWS::Events::Rule": "events_rule",
    "AWS::ApiGateway::Method": "rest_api_method",
    "AWS::ApiGatewayV2::Integration": "http_api_integration",
}
WSGI_HANDLERS = ("wsgi_handler.handler", "wsgi.handler")  # written by the serverless-wsgi plugin
INTRINSICS = ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::ImportValue", "Fn::If", "Fn::Select")


@dataclass(frozen=True)
class Unresolved:
    """A value serverless resolves at deploy time (``${opt:stage}``, ``${ssm:/x}``...)."""

    text: str
    source: str | None = None  # "ssm" / "secretsmanager" / "env" / None
    start_mark: Any = None
    end_mark: Any = None


class TooLarge(Exception):
    pass


def normalized_name(name: str) -> str:
    """Serverless's ``getNormalizedFunctionName``: ``my-fn_x`` -> ``MyDashfnUnderscorex``."""
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` at ``start``, or -1."""
    depth = 0
    for i in range(start + 1, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_sources(content: str) -> list[str]:
    """``self:a, 'x, y'`` -> ``["self:a", "'x, y'"]`` (commas inside quotes/parens kept)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    cur: list[str] = []
    for ch in content:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _source_kind(source: str) -> str | None:
    name = re.split(r"[:(]", source, maxsplit=1)[0].strip()
    if name == "ssm":
        return "secretsmanager" if "/aws/reference/secretsmanager/" in source else "ssm"
    if name == "env":
        return "env"
    if name == "secretsmanager":
        return "secretsmanager"
    return None


class Variables:
    """Resolves serverless variables over a decoded document (see the module docstring)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.memo: dict[str, Any] = {}
        self.nodes = 0

    def resolve(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TooLarge
        if isinstance(node, str):
            return self._string(node, depth) if "${" in node else node
        if isinstance(node, dict):
            from cfnlint.decode.node import dict_node

            out = {k: self.resolve(v, depth) for k, v in node.items()}
            return dict_node(
                out, getattr(node, "start_mark", None), getattr(node, "end_mark", None)
            )
        if isinstance(node, list):
            from cfnlint.decode.node import list_node

            items = [self.resolve(v, depth) for v in node]
            return list_node(
                items, getattr(node, "start_mark", None), getattr(node, "end_mark", None)
            )
        return node

    def _string(self, text: str, depth: int) -> Any:
        start, end = getattr(text, "start_mark", None), getattr(text, "end_mark", None)
        pieces: list[Any] = []
        found = 0
        pos = 0
        while True:
            j = text.find("${", pos)
            close = _closing(text, j) if j >= 0 else -1
            if j < 0 or close < 0:
                pieces.append(text[pos:])
                break
            pieces.append(text[pos:j])
            content = text[j + 2 : close]
            if VARIABLE.match(content):
                pieces.append(self._variable(content, depth))
                found += 1
            else:
                pieces.append(text[j : close + 1])
            pos = close + 1
        if not found:
            return text
        if found == 1 and len(pieces) == 3 and pieces[0] == "" and pieces[2] == "":
            value = pieces[1]
            if isinstance(value, Unresolved):
                return Unresolved(str(text), value.source, start, end)
            if isinstance(value, str) and start is not None:
                from cfnlint.decode.node import str_node

                return str_node(value, start, end)
            return value
        out: list[str] = []
        for piece in pieces:
            if isinstance(piece, (Unresolved, dict, list)) or piece is None:
                sources = [p.source for p in pieces if isinstance(p, Unresolved) and p.source]
                return Unresolved(str(text), sources[0] if sources else None, start, end)
            out.append(("true" if piece else "false") if isinstance(piece, bool) else str(piece))
        joined = "".join(out)
        if len(joined) > MAX_STRING:
            return Unresolved(str(text)[:200], None, start, end)
        if start is not None:
            from cfnlint.decode.node import str_node

            return str_node(joined, start, end)
        return joined

    def _variable(self, content: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return Unresolved(content)
        if "${" in content:
            inner = self._string(content, depth + 1)
            if not isinstance(inner, str):
                return inner if isinstance(inner, Unresolved) else Unresolved(content)
            content = inner
        for source in _split_sources(content):
            if len(source) >= 2 and source[0] == source[-1] and source[0] in "'\"":
                return source[1:-1]
            if NUMBER.match(source):
                return float(source) if "." in source else int(source)
            if source in ("true", "false"):
                return source == "true"
            if source.startswith("self:"):
                address = source[len("self:") :].strip()
                if address in ("provider.stage", "provider.region"):
                    return Unresolved(content)  # the CLI's --stage / --region win
                value = self._lookup(address, depth)
                if value is None:
                    continue  # absent: the fallback applies
                return value
            return Unresolved(content, _source_kind(source))
        return Unresolved(content)

    def _lookup(self, address: str, depth: int) -> Any:
        if address in self.memo:
            return self.memo[address]
        self.memo[address] = Unresolved(address)  # a cycle resolves to unknown
        node: Any = self.doc
        for seg in [s for s in address.split(".") if s]:
            if isinstance(node, str) and "${" in node:
                node = self._string(node, depth + 1)
            if isinstance(node, dict):
                node = next((v for k, v in node.items() if str(k) == seg), None)
            elif isinstance(node, list) and seg.isdigit() and int(seg) < len(node):
                node = node[int(seg)]
            elif isinstance(node, Unresolved):
                break
            else:
                node = None
            if node is None:
                break
        value = None if node is None else self.resolve(node, depth + 1)
        self.memo[address] = value
        return value


# --------------------------------------------------------------------------- entry point


def load(path: Path, data: bytes, project: Project) -> None:
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        project.findings.append(
            parse_error(path, f"serverless file is not valid UTF-8 (byte {exc.start})")
        )
        return
    project.texts[path] = text
    from lambdalint.loaders import cfn_decoder  # only when a serverless file exists

    cfn_decoder.load()
    from cfnlint.decode import cfn_yaml

    try:
        doc = cfn_yaml.loads(text, str(path))
    except cfn_yaml.CfnParseError as exc:
        match = exc.matches[0] if exc.matches else None
        msg = str(getattr(match, "message", exc)).strip()
        line = getattr(match, "linenumber", 1) or 1
        col = getattr(match, "columnnumber", 1) or 1
        project.findings.append(
            parse_error(path, f"serverless file could not be parsed: {msg}", line, col)
        )
        return
    except RecursionError:
        project.findings.append(parse_error(path, "serverless file is nested too deeply to parse"))
        return
    except Exception as exc:  # yaml.MarkedYAMLError and friends
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else 1
        col = mark.column + 1 if mark is not None else 1
        project.findings.append(
            parse_error(path, f"serverless file could not be parsed: {problem}", line, col)
        )
        return
    if not isinstance(doc, dict) or not doc:
        kind = "empty" if isinstance(doc, dict) else "not a mapping"
        project.findings.append(parse_error(path, f"serverless file is {kind}"))
        return
    try:
        resolved = Variables(doc).resolve(doc)
    except RecursionError:
        project.findings.append(parse_error(path, "serverless file is nested too deeply to load"))
        return
    except TooLarge:
        project.findings.append(
            parse_error(path, "serverless file is too large once its variables are resolved")
        )
        return
    ServerlessLoader(path, resolved, project).run()


class ServerlessLoader:
    def __init__(self, path: Path, doc: dict[str, Any], project: Project) -> None:
        self.path = path
        self.folder = path.parent.resolve()
        self.doc = doc
        self.project = project
        self.top = Location(path, 1, 1)
        self.tf = TemplateFile(path=path, format="serverless")
        self.provider = self._mapping(doc.get("provider"), "provider")
        self.plugins = self._plugins()
        self.functions: dict[str, Function] = {}  # serverless key -> function
        self.logical_ids: dict[str, str] = {}  # serverless key -> `<Name>LambdaFunction`
        self.local_layers: dict[str, Path | Unknown | None] = {}  # `<Name>LambdaLayer` -> content
        self.user_resources: dict[Any, Any] = {}  # resources.Resources
        # resources.extensions: overrides of the resources serverless generates
        self.extensions: dict[Any, Any] = {}
        self.cfn_functions: list[Function] = []  # AWS::Lambda::Function written in resources
        self.provider_role: Role | None = None  # None: the provider names an existing role
        self.provider_role_value: Any = None  # ... and this is how it names it
        self.lift_queues: dict[str, Location] = {}  # Lift worker key -> its construct

    # ------------------------------------------------------------------ helpers

    def loc(self, node: Any, fallback: Location | None = None) -> Location:
        mark = getattr(node, "start_mark", None)
        if mark is None:
            return fallback or self.top
        return Location(self.path, mark.line + 1, mark.column + 1)

    def kloc(self, mapping: Any, key: str, fallback: Location) -> Location:
        if isinstance(mapping, dict):
            for k in mapping:
                if k == key:
                    return self.loc(k, fallback)
        return fallback

    def note(self, message: str) -> None:
        self.tf.notes.append(f"{self.path}: {message}")

    def _mapping(self, value: Any, what: str) -> dict[str, Any]:
        if isinstance(value, Unresolved):
            self.note(f"'{what}' comes from {value.text!r}, which is not followed")
        return value if isinstance(value, dict) else {}

    def _plugins(self) -> list[str]:
        raw = self.doc.get("plugins")
        if isinstance(raw, dict):
            raw = raw.get("modules")
        return [str(p) for p in as_list(raw) if isinstance(p, str)]

    def string(self, value: Any) -> str | Unknown | None:
        """A literal string (numbers and booleans as text), UNKNOWN, or None when absent."""
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, dict):
            return self.cfn.r.string(value)
        return UNKNOWN

    def integer(self, value: Any) -> int | Unknown | None:
        if isinstance(value, dict):
            return self.cfn.r.integer(value)
        return as_int(value)

    def target_string(self, value: Any) -> str | Unknown:
        """An ARN / name, ``resource:<id>`` for a same-file resource, or UNKNOWN."""
        if isinstance(value, dict):
            return self.cfn._target_string(value)
        s = self.string(value)
        return UNKNOWN if s is None else s

    def pick(self, fn: Function, own: dict[str, Any], key: str, field_name: str) -> Any:
        """The function's own value, else the provider's; remember where it is written."""
        for mapping in (own, self.provider):
            if key in mapping:
                fn.locs[field_name] = self.kloc(mapping, key, fn.loc)
                return mapping[key]
        return None

    # ------------------------------------------------------------------ run

    def run(self) -> None:
        name = self.provider.get("name")
        if isinstance(name, str) and name.strip().lower() != "aws":
            self.note(f"provider {name!r} is not AWS Lambda: skipped")
            self.project.add(self.tf)
            return
        raw_functions = self._function_definitions()
        self.local_layers = self._local_layers()
        self._resources(raw_functions)
        self.provider_role = self._provider_role()
        for key, (key_node, spec) in raw_functions.items():
            self.functions[key] = self._function(key, key_node, spec)
        self._attach_resources()
        self.tf.functions = [*self.functions.values(), *self.cfn_functions]
        self.project.add(self.tf)

    def _function_definitions(self) -> dict[str, tuple[Any, dict[str, Any]]]:
        raw = self.doc.get("functions")
        groups: list[Any] = raw if isinstance(raw, list) else [raw]
        out: dict[str, tuple[Any, dict[str, Any]]] = {}
        for group in groups:
            if group is None:
                continue
            if not isinstance(group, dict):
                what = group.text if isinstance(group, Unresolved) else type(group).__name__
                self.note(f"functions from {what!r} are not followed")
                continue
            for key, spec in group.items():
                if not isinstance(spec, dict):
                    self.note(f"function {key!s} is not a mapping: skipped")
                    continue
                out[str(key)] = (key, spec)
        out.update(self._lift_workers())
        return out

    def _lift_workers(self) -> dict[str, tuple[Any, dict[str, Any]]]:
        """serverless-lift ``queue`` constructs deploy their ``worker`` as function
        ``<construct>Worker``, triggered by the construct's queue (which Lift gives a DLQ)."""
        out: dict[str, tuple[Any, dict[str, Any]]] = {}
        for name, construct in as_dict(self.doc.get("constructs")).items():
            construct = as_dict(construct)
            worker = construct.get("worker")
            if construct.get("type") != "queue" or not isinstance(worker, dict):
                continue
            key = f"{name}Worker"
            self.lift_queues[key] = self.loc(name)
            out[key] = (next((k for k in construct if k == "worker"), name), worker)
        return out

    def _local_layers(self) -> dict[str, Path | Unknown | None]:
        """Logical id (``<Name>LambdaLayer``) -> content path of layers built in this service."""
        out: dict[str, Path | Unknown | None] = {}
        for name, spec in as_dict(self.doc.get("layers")).items():
            spec = as_dict(spec)
            artifact = as_dict(spec.get("package")).get("artifact")
            where = artifact if artifact is not None else spec.get("path")
            content: Path | Unknown | None = None
            if isinstance(where, str) and "://" not in where:
                content = (self.folder / where).resolve()
            elif where is not None:
                content = UNKNOWN
            out[f"{normalized_name(str(name))}LambdaLayer"] = content
        return out

    # ------------------------------------------------------------------ resources (CloudFormation)

    def _resources(self, raw_functions: dict[str, tuple[Any, dict[str, Any]]]) -> None:
        """Read ``resources.Resources`` with the CloudFormation loader (first pass)."""
        from lambdalint.loaders.cloudformation import TemplateLoader

        user: dict[Any, Any] = {}
        params: dict[Any, Any] = {}
        conditions: dict[Any, Any] = {}
        node = self.doc.get("resources")
        for part in node if isinstance(node, list) else [node]:
            if part is None:
                continue
            if not isinstance(part, dict):
                what = part.text if isinstance(part, Unresolved) else type(part).__name__
                self.note(f"resources from {what!r} are not followed")
                continue
            user.update(as_dict(part.get("Resources")))
            params.update(as_dict(part.get("Parameters")))
            conditions.update(as_dict(part.get("Conditions")))
            self.extensions.update(as_dict(part.get("extensions")))
        self.user_resources = user
        generated: dict[str, Any] = {PROVIDER_ROLE_ID: {"Type": "AWS::IAM::Role"}}
        self.logical_ids = {key: f"{normalized_name(key)}LambdaFunction" for key in raw_functions}
        for key, logical in self.logical_ids.items():
            spec = raw_functions[key][1]
            props = {"FunctionName": spec["name"]} if isinstance(spec.get("name"), str) else {}
            generated[logical] = {"Type": "AWS::Lambda::Function", "Properties": props}
        for logical in self.local_layers:
            generated[logical] = {"Type": "AWS::Lambda::LayerVersion"}
        synthetic = {
            "Resources": {**generated, **user},
            "Parameters": params,
            "Conditions": conditions,
        }
        self.cfn = TemplateLoader(self.path, synthetic, self.project)
        serverless_ids = set(self.logical_ids.values())
        for rid, res in user.items():
            if not isinstance(res, dict) or not isinstance(rid, str):
                continue
            rtype = res.get("Type")
            if rtype == "AWS::IAM::Role" and rid != PROVIDER_ROLE_ID:
                self.cfn.iam_role(rid, res)
            elif rtype == "AWS::SQS::Queue":
                self.cfn.queue(rid, res)
            elif rtype == "AWS::Lambda::Function" and rid not in serverless_ids:
                self.cfn.cfn_function(rid, res)
        self.cfn_functions = list(self.cfn.functions.values())

    def _attach_resources(self) -> None:
        """Second pass: resources that attach to functions (permissions, mappings, policies...)."""
        if self.provider_role is not None:
            self.cfn.roles[PROVIDER_ROLE_ID] = self.provider_role
        for key, fn in self.functions.items():
            self.cfn.functions[self.logical_ids[key]] = fn
        for rid, res in self.user_resources.items():
            if not isinstance(res, dict) or not isinstance(rid, str):
                continue
            method = getattr(self.cfn, SECOND_PASS.get(str(res.get("Type")), ""), None)
            if method is not None:
                method(rid, res)
        self._log_group_overrides()
        self.cfn._link_roles()
        for rid, role in self.cfn.roles.items():
            if role is not self.provider_role:
                self.project.roles[f"{self.path}#{rid}"] = role
        if self.provider_role is not None and any(
            f.role is self.provider_role for f in self.functions.values()
        ):
            self.project.roles[f"{self.path}#provider"] = self.provider_role
        self.project.queues.update({f"{self.path}#{k}": v for k, v in self.cfn.queues.items()})

    def _log_group_overrides(self) -> None:
        """``<Name>LogGroup`` in resources/extensions overrides the generated log group."""
        for key, fn in self.functions.items():
            logical = f"{normalized_name(key)}LogGroup"
            for source in (self.user_resources, self.extensions):
                res = as_dict(source.get(logical))
                props = as_dict(res.get("Properties"))
                if "RetentionInDays" in props and res.get("Type") in (None, "AWS::Logs::LogGroup"):
                    fn.log_retention = self.integer(props["RetentionInDays"])
                    fn.locs["log_retention"] = self.kloc(props, "RetentionInDays", fn.loc)

    # ------------------------------------------------------------------ IAM

    def _provider_role(self) -> Role | None:
        """The role every function without its own ``role`` uses (generated unless given)."""
        p = self.provider
        iam = as_dict(p.get("iam"))
        role_node = iam.get("role") if "role" in iam else p.get("role")
        existing = role_node is not None and (
            not isinstance(role_node, dict) or _is_intrinsic(role_node)
        )
        if existing:  # a role name, ARN or intrinsic: functions attach it like their own `role`
            self.provider_role_value = role_node
            return None
        provider_loc = self.kloc(self.doc, "provider", self.top)
        if "role" in iam:
            where = self.kloc(iam, "role", provider_loc)
        elif "iamRoleStatements" in p:
            where = self.kloc(p, "iamRoleStatements", provider_loc)
        elif "iamManagedPolicies" in p:
            where = self.kloc(p, "iamManagedPolicies", provider_loc)
        else:
            where = provider_loc
        role = Role(id="provider", loc=where, generated=True)
        spec = as_dict(role_node)
        self._add_statements(role, spec, "statements", where)
        self._add_statements(role, p, "iamRoleStatements", where)
        for mapping, key in ((spec, "managedPolicies"), (p, "iamManagedPolicies")):
            kl = self.kloc(mapping, key, where)
            for arn in as_list(mapping.get(key)):
                self.cfn._add_managed(role, arn, self.loc(arn, kl))
        return role

    def _add_statements(
        self, role: Role, mapping: dict[str, Any], key: str, where: Location
    ) -> None:
        value = mapping.get(key)
        if value is None:
            return
        kl = self.kloc(mapping, key, where)
        if not isinstance(value, list):
            role.opaque_policies.append(Val(key, kl))
            return
        role.statements.extend(self.cfn._statements({"Statement": value}, kl))

    def _function_role(self, fn: Function, key: str, spec: dict[str, Any]) -> None:
        own = spec.get("role")
        if own is not None:
            fn.locs["role"] = self.kloc(spec, "role", fn.loc)
            self._attach_role(fn, own)
            return
        if "iamRoleStatements" in spec and "serverless-iam-roles-per-function" in self.plugins:
            where = self.kloc(spec, "iamRoleStatements", fn.loc)
            role = Role(id=f"{key}Role", loc=where, generated=True)
            self._add_statements(role, spec, "iamRoleStatements", where)
            inherit = as_bool(spec.get("iamRoleStatementsInherit"))
            if inherit is None:
                cfg = as_dict(
                    as_dict(self.doc.get("custom")).get("serverless-iam-roles-per-function")
                )
                inherit = as_bool(cfg.get("defaultInherit"))
            if inherit is True and self.provider_role is not None:
                role.statements.extend(self.provider_role.statements)
                role.managed_policies.extend(self.provider_role.managed_policies)
            fn.role = role
            fn.role_shared_key = f"{self.path}#{key}Role"
            self.project.roles[fn.role_shared_key] = role
            return
        if self.provider_role is not None:
            fn.role = self.provider_role
            fn.role_shared_key = f"{self.path}#provider"
            return
        iam = as_dict(self.provider.get("iam"))
        where = (
            self.kloc(iam, "role", fn.loc)
            if "role" in iam
            else self.kloc(self.provider, "role", fn.loc)
        )
        fn.locs.setdefault("role", where)
        self._attach_role(fn, self.provider_role_value)
        if fn.role_shared_key is None:
            fn.role_shared_key = f"{self.path}#provider"

    def _attach_role(self, fn: Function, value: Any) -> None:
        """A role given by name (a resource's logical id), ARN or intrinsic."""
        if isinstance(value, str) and not value.startswith("arn:") and value in self.user_resources:
            if self.cfn.r.rtype(value) != "AWS::IAM::Role":  # e.g. a resource from ${file(...)}
                fn.role = UNKNOWN
                fn.role_shared_key = f"{self.path}#{value}"
                return
            value = {"Ref": value}
        self.cfn._attach_explicit_role(fn, value)

    # ------------------------------------------------------------------ functions

    def _function(self, key: str, key_node: Any, spec: dict[str, Any]) -> Function:
        fn = Function(id=key, format="serverless", template=self.path, loc=self.loc(key_node))
        fn.upload = "s3"
        fn.log_group_managed = spec.get("disableLogs") is not True
        fn.extra["logical_id"] = self.logical_ids[key]
        fn.extra["default_timeout"] = SERVERLESS_DEFAULT_TIMEOUT
        fn.extra["default_memory"] = SERVERLESS_DEFAULT_MEMORY
        if self.plugins:
            fn.extra["plugins"] = list(self.plugins)
        if "name" in spec:
            fn.name = self.string(spec["name"])
            fn.locs["name"] = self.kloc(spec, "name", fn.loc)
        runtime = self.pick(fn, spec, "runtime", "runtime")
        fn.runtime = UNKNOWN if runtime is None else self.string(runtime)
        if runtime is None:
            fn.extra["default_runtime"] = "nodejs"
        self._code(fn, spec)
        fn.timeout = self.integer(self.pick(fn, spec, "timeout", "timeout"))
        fn.memory = self.integer(self.pick(fn, spec, "memorySize", "memory"))
        fn.ephemeral_storage = self.integer(
            self.pick(fn, spec, "ephemeralStorageSize", "ephemeral_storage")
        )
        arch = self.pick(fn, spec, "architecture", "architectures")
        if arch is not None:
            fn.architectures = [arch] if isinstance(arch, str) else UNKNOWN
        if "reservedConcurrency" in spec:
            fn.reserved_concurrency = self.integer(spec["reservedConcurrency"])
            fn.locs["reserved_concurrency"] = self.kloc(spec, "reservedConcurrency", fn.loc)
        self._tracing(fn, spec)
        retention = self.pick(fn, spec, "logRetentionInDays", "log_retention")
        fn.log_retention = self.integer(retention)
        self._environment(fn, spec)
        self._layers(fn, spec)
        self._async(fn, spec)
        self._url(fn, spec)
        self._function_role(fn, key, spec)
        if key in self.lift_queues:
            fn.extra["lift_construct"] = key[: -len("Worker")]
            # the queue is generated by Lift, with a dead-letter queue and a visibility timeout
            # of 6x the worker's timeout: nothing here to check it against
            fn.events.append(
                EventSource("sqs", self.lift_queues[key], "lift-queue", target=UNKNOWN)
            )
        events = spec.get("events")
        if events is not None:
            fn.locs["events"] = self.kloc(spec, "events", fn.loc)
            if not isinstance(events, list):
                self.note(f"function {key}: 'events' is not a list: events not read")
            for item in as_list(events) if isinstance(events, list) else []:
                self._event(fn, item)
        return fn

    def _code(self, fn: Function, spec: dict[str, Any]) -> None:
        if "image" in spec:
            fn.package_type = "Image"
            fn.code_path = UNKNOWN
            fn.locs["code"] = self.kloc(spec, "image", fn.loc)
        if "handler" in spec:
            handler = spec["handler"]
            fn.locs["handler"] = self.kloc(spec, "handler", fn.loc)
            fn.handler = handler if isinstance(handler, str) else UNKNOWN
            if (
                isinstance(handler, str)
                and handler in WSGI_HANDLERS
                and "serverless-wsgi" in self.plugins
            ):
                # the plugin writes this module into the package: there is no file to link
                fn.handler = UNKNOWN
                fn.extra["generated_handler"] = ("serverless-wsgi", handler)
        if fn.package_type == "Image":
            return
        module = spec.get("module")  # serverless-python-requirements: code lives in a subfolder
        if module is not None:
            fn.locs["code"] = self.kloc(spec, "module", fn.loc)
            fn.code_path = (self.folder / module).resolve() if isinstance(module, str) else UNKNOWN
        else:
            fn.code_path = self.folder
        self._package(fn, spec)

    def _package(self, fn: Function, spec: dict[str, Any]) -> None:
        """``package`` settings (service-wide, then the function's) for the package-size rules:
        ``extra["package"] = {patterns, include, exclude: [str], individually: bool,
        artifact: Path | UNKNOWN}`` (keys present only when written)."""
        service_pkg = as_dict(self.doc.get("package"))
        own_pkg = as_dict(spec.get("package"))
        package: dict[str, Any] = {}
        for name in ("patterns", "include", "exclude"):
            values = [
                v
                for m in (service_pkg, own_pkg)
                for v in as_list(m.get(name))
                if isinstance(v, str)
            ]
            if values:
                package[name] = values
        individually = own_pkg.get("individually", service_pkg.get("individually"))
        if isinstance(individually, bool):
            package["individually"] = individually
        artifact = own_pkg.get("artifact", service_pkg.get("artifact"))
        if artifact is not None:
            package["artifact"] = (
                (self.folder / artifact).resolve()
                if isinstance(artifact, str) and "://" not in artifact
                else UNKNOWN
            )
            where = own_pkg if "artifact" in own_pkg else service_pkg
            fn.locs["package"] = fn.locs["code"] = self.kloc(where, "artifact", fn.loc)
        if package:
            fn.extra["package"] = package

    def _tracing(self, fn: Function, spec: dict[str, Any]) -> None:
        if "tracing" in spec:
            value = spec["tracing"]
            fn.locs["tracing"] = self.kloc(spec, "tracing", fn.loc)
        else:
            tracing = self.provider.get("tracing")
            if tracing is None:
                return
            if not isinstance(tracing, dict):
                fn.tracing = UNKNOWN
                fn.locs["tracing"] = self.kloc(self.provider, "tracing", fn.loc)
                return
            if "lambda" not in tracing:  # e.g. only `apiGateway: true`
                return
            value = tracing["lambda"]
            fn.locs["tracing"] = self.kloc(tracing, "lambda", fn.loc)
        if value is True:
            fn.tracing = "Active"
        elif value is False:
            fn.tracing = "PassThrough"
        elif isinstance(value, str) and value.lower() in ("active", "passthrough"):
            fn.tracing = "Active" if value.lower() == "active" else "PassThrough"
        else:
            fn.tracing = UNKNOWN

    def _environment(self, fn: Function, spec: dict[str, Any]) -> None:
        for mapping in (self.provider, spec):  # the function's own values win
            if "environment" not in mapping:
                continue
            env = mapping["environment"]
            fn.locs["environment"] = self.kloc(mapping, "environment", fn.loc)
            if env is None:
                continue
            if not isinstance(env, dict) or any(str(k).startswith("Fn::") for k in env):
                fn.environment_unknown = True
                continue
            for name, value in env.items():
                fn.environment[str(name)] = self._env_var(str(name), value, self.loc(name, fn.loc))

    def _env_var(self, name: str, value: Any, where: Location) -> EnvVar:
        if isinstance(value, Unresolved):
            return EnvVar(name, UNKNOWN, where, value.source)
        if isinstance(value, dict):
            return self.cfn._env_var(name, value, where)
        if isinstance(value, (list, type(None))):
            return EnvVar(name, UNKNOWN, where, None)
        literal = self.string(value)
        if isinstance(literal, str) and "{{resolve:" in literal:
            return EnvVar(name, literal, where, "resolve")
        return EnvVar(name, literal if literal is not None else UNKNOWN, where, None)

    def _layers(self, fn: Function, spec: dict[str, Any]) -> None:
        layers = self.pick(fn, spec, "layers", "layers")
        if layers is None:
            return
        if not isinstance(layers, list):
            fn.layers = UNKNOWN
            return
        out: list[Layer] = []
        for item in layers:
            where = self.loc(item, fn.locs["layers"])
            target = self.cfn.r.ref_target(item) if isinstance(item, dict) else None
            if target and target in self.local_layers:
                out.append(Layer(target, where, self.local_layers[target]))
            elif target:
                out.append(Layer(target, where, None))
            else:
                ref = self.string(item)
                out.append(Layer(ref if ref is not None else UNKNOWN, where, None))
        fn.layers = out

    def _async(self, fn: Function, spec: dict[str, Any]) -> None:
        if "onError" in spec:
            fn.dead_letter = self.target_string(spec["onError"])
            fn.locs["dead_letter"] = self.kloc(spec, "onError", fn.loc)
        dests = spec.get("destinations")
        if dests is not None:
            where = self.kloc(spec, "destinations", fn.loc)
            if not isinstance(dests, dict):
                fn.on_failure = UNKNOWN
                fn.locs["on_failure"] = where
            elif "onFailure" in dests:
                dest = dests["onFailure"]
                if isinstance(dest, dict) and not _is_intrinsic(dest):  # {type: sqs, arn: ...}
                    dest = dest.get("arn")
                fn.on_failure = self._destination(dest)
                fn.locs["on_failure"] = self.kloc(dests, "onFailure", where)
        if "maximumRetryAttempts" in spec:
            fn.async_max_retries = self.integer(spec["maximumRetryAttempts"])
            fn.locs["async_max_retries"] = self.kloc(spec, "maximumRetryAttempts", fn.loc)

    def _destination(self, value: Any) -> str | Unknown:
        """An on-failure target: an ARN, a function of this service (``resource:<id>``)..."""
        if isinstance(value, str) and not value.startswith("arn:") and value in self.logical_ids:
            return f"resource:{self.logical_ids[value]}"
        return self.target_string(value)

    def _url(self, fn: Function, spec: dict[str, Any]) -> None:
        url = spec.get("url")
        if url is None or url is False:
            return
        where = self.kloc(spec, "url", fn.loc)
        fn.locs["url"] = where
        auth: str | Unknown = "NONE"
        auth_loc = where
        if isinstance(url, dict):
            if "authorizer" in url:
                auth_loc = self.kloc(url, "authorizer", where)
                value = url["authorizer"]
                auth = (
                    ("AWS_IAM" if value.lower() == "aws_iam" else UNKNOWN)
                    if isinstance(value, str)
                    else UNKNOWN
                )
        elif url is not True:
            auth = UNKNOWN
        fn.url = FunctionUrl(loc=auth_loc, auth_type=auth)
        fn.events.append(EventSource("function_url", where, "url", payload_format="2.0"))

    # ------------------------------------------------------------------ events

    def _event(self, fn: Function, item: Any) -> None:
        if not isinstance(item, dict) or len(item) != 1:
            return
        ((etype, body),) = item.items()
        where = self.loc(etype, self.loc(item, fn.locs.get("events", fn.loc)))
        kind = EVENT_KINDS.get(str(etype), "other")
        src = EventSource(kind=kind, loc=where, name=str(etype))
        props = body if isinstance(body, dict) else {}
        if kind == "api":
            integration = props.get("integration")
            if integration is None or (
                isinstance(integration, str)
                and integration.lower() in ("lambda-proxy", "aws_proxy")
            ):
                src.payload_format = "1.0"
            else:  # non-proxy integrations map the response with templates
                src.payload_format = UNKNOWN
        elif kind == "http_api":
            payload = as_dict(self.provider.get("httpApi")).get("payload")
            src.payload_format = "2.0" if payload is None else self.string(payload)
        elif kind == "alb":
            src.payload_format = "1.0"
        elif kind == "schedule" or (kind == "eventbridge" and "schedule" in props):
            src.kind = "schedule"
        elif kind == "s3":
            self._s3_event(src, body, props)
        elif kind == "sns":
            self._target(
                src,
                props.get("arn", props.get("topicName")) if props else body,
                "AWS::SNS::Topic",
                "TopicName",
            )
        elif kind == "sqs":
            self._target(src, props.get("arn") if props else body, "AWS::SQS::Queue", "QueueName")
            self._mapping_settings(src, props)
        elif str(etype) == "stream":
            self._stream_event(src, body, props)
        elif kind in ("kafka", "mq"):
            self._mapping_settings(src, props)
        fn.events.append(src)

    def _target(self, src: EventSource, value: Any, rtype: str, name_prop: str) -> None:
        """Link an event to the same-file resource it names (by Ref/GetAtt, ARN or name)."""
        if value is None:
            return
        target = self.cfn.r.ref_target(value) if isinstance(value, dict) else None
        if target:
            src.target = target
            src.target_name = UNKNOWN
            return
        literal = self.string(value)
        src.target_name = literal if literal is not None else UNKNOWN
        src.target = UNKNOWN
        if isinstance(literal, str):
            name = literal.rsplit(":", 1)[-1]
            for rid, res in self.user_resources.items():
                res = as_dict(res)
                if (
                    res.get("Type") == rtype
                    and self.string(as_dict(res.get("Properties")).get(name_prop)) == name
                ):
                    src.target = str(rid)

    def _s3_event(self, src: EventSource, body: Any, props: dict[str, Any]) -> None:
        bucket = props.get("bucket") if props else body
        literal = self.string(bucket) if bucket is not None else None
        src.target_name = literal if literal is not None else UNKNOWN
        target = self.cfn.r.ref_target(bucket) if isinstance(bucket, dict) else None
        src.target = target if target else None
        if isinstance(literal, str):
            for rid, res in self.user_resources.items():
                res = as_dict(res)
                if (
                    res.get("Type") == "AWS::S3::Bucket"
                    and self.string(as_dict(res.get("Properties")).get("BucketName")) == literal
                ):
                    src.target = str(rid)
        if props.get("existing") is True:
            src.locs["existing"] = self.kloc(props, "existing", src.loc)
        rules = props.get("rules")
        if rules is not None and not isinstance(rules, list):
            src.filter_prefix = src.filter_suffix = UNKNOWN
        for rule in as_list(rules) if isinstance(rules, list) else []:
            rule = as_dict(rule)
            if "prefix" in rule:
                src.filter_prefix = self.string(rule["prefix"])
            if "suffix" in rule:
                src.filter_suffix = self.string(rule["suffix"])

    def _stream_event(self, src: EventSource, body: Any, props: dict[str, Any]) -> None:
        arn = props.get("arn") if props else body
        stype = props.get("type")
        literal = self.string(arn) if arn is not None else None
        target = self.cfn.r.ref_target(arn) if isinstance(arn, dict) else None
        if isinstance(stype, str) and stype.lower() in ("kinesis", "dynamodb"):
            src.kind = stype.lower()
        elif (
            isinstance(literal, str) and literal.startswith("arn:") and len(literal.split(":")) > 2
        ):
            service = literal.split(":")[2]
            src.kind = service if service in ("kinesis", "dynamodb") else "other"
        elif target:
            rtype = self.cfn.r.rtype(target)
            src.kind = {"AWS::Kinesis::Stream": "kinesis", "AWS::DynamoDB::Table": "dynamodb"}.get(
                rtype or "", "other"
            )
        else:
            src.kind = "other"
        src.target = target if target else UNKNOWN
        src.target_name = literal if isinstance(literal, str) else UNKNOWN
        self._mapping_settings(src, props)

    def _mapping_settings(self, src: EventSource, props: dict[str, Any]) -> None:
        """Failure handling of a queue/stream event source mapping."""
        if "maximumRetryAttempts" in props:
            src.maximum_retry_attempts = self.integer(props["maximumRetryAttempts"])
            src.locs["maximum_retry_attempts"] = self.kloc(props, "maximumRetryAttempts", src.loc)
        if "maximumRecordAgeInSeconds" in props:
            src.maximum_record_age = self.integer(props["maximumRecordAgeInSeconds"])
        if "bisectBatchOnFunctionError" in props:
            src.bisect_on_error = as_bool(props["bisectBatchOnFunctionError"])
            src.locs["bisect_on_error"] = self.kloc(props, "bisectBatchOnFunctionError", src.loc)
        frt = props.get("functionResponseType")
        if frt is not None:
            src.function_response_types = [frt] if isinstance(frt, str) else UNKNOWN
        dests = props.get("destinations")
        if dests is None:
            return
        src.locs["on_failure"] = self.kloc(props, "destinations", src.loc)
        if not isinstance(dests, dict):
            src.on_failure = UNKNOWN
            return
        dest = dests.get("onFailure")
        if isinstance(dest, dict) and not _is_intrinsic(dest):  # {arn: ..., type: sns|sqs}
            dest = dest.get("arn", UNKNOWN)
        if dest is not None:
            src.on_failure = self.target_string(dest)


def _is_intrinsic(value: dict[Any, Any]) -> bool:
    return len(value) == 1 and str(next(iter(value))) in INTRINSICS
