"""SAM and plain CloudFormation templates (YAML or JSON) into the project model.

Templates are decoded with cfn-lint's decoder, which keeps a line/column mark on every
string, mapping and list node and understands the short intrinsic tags (``!Ref``, ``!Sub``...).
Numbers and booleans carry no mark, so a scalar property is located at its key.
"""

from __future__ import annotations

import re
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
    Permission,
    Project,
    Queue,
    Role,
    Statement,
    TemplateFile,
    Unknown,
    Val,
)

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
KNOWN_TRANSFORMS = {SAM_TRANSFORM, "AWS::LanguageExtensions"}
SAM_FUNCTION = "AWS::Serverless::Function"
CFN_FUNCTION = "AWS::Lambda::Function"

SAM_EVENT_KINDS = {
    "Api": "api",
    "HttpApi": "http_api",
    "S3": "s3",
    "SNS": "sns",
    "SQS": "sqs",
    "Kinesis": "kinesis",
    "DynamoDB": "dynamodb",
    "EventBridgeRule": "eventbridge",
    "CloudWatchEvent": "eventbridge",
    "Schedule": "schedule",
    "ScheduleV2": "schedule",
    "CloudWatchLogs": "cloudwatch_logs",
    "IoTRule": "iot",
    "AlexaSkill": "alexa",
    "Cognito": "cognito",
    "MSK": "kafka",
    "SelfManagedKafka": "kafka",
    "MQ": "mq",
    "DocumentDB": "other",
}
ARN_SERVICE_KINDS = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb", "kafka": "kafka", "mq": "mq"}
RESOURCE_TYPE_KINDS = {
    "AWS::SQS::Queue": "sqs",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::MSK::Cluster": "kafka",
    "AWS::AmazonMQ::Broker": "mq",
}
PSEUDO = re.compile(r"\$\{(?!!)([^}]+)\}")


def loc_of(node: Any, path: Path, fallback: Location) -> Location:
    mark = getattr(node, "start_mark", None)
    if mark is None:
        return fallback
    return Location(path, mark.line + 1, mark.column + 1)


def key_loc(mapping: Any, key: str, path: Path, fallback: Location) -> Location:
    """Location of ``key`` inside a decoded mapping (its key node carries the mark)."""
    if isinstance(mapping, dict):
        for k in mapping:
            if k == key:
                return loc_of(k, path, fallback)
    return fallback


def ignores_from_metadata(resource: dict[str, Any]) -> frozenset[str]:
    meta = as_dict(as_dict(as_dict(resource).get("Metadata")).get("lambdalint"))
    return frozenset(str(r).upper() for r in as_list(meta.get("ignore")) if isinstance(r, str))


class Resolver:
    """Resolves intrinsics to literals where the template alone decides the value."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.params = as_dict(template.get("Parameters"))
        self.resources = as_dict(template.get("Resources"))

    def rtype(self, rid: Any) -> str | None:
        res = self.resources.get(rid) if isinstance(rid, str) else None
        t = as_dict(res).get("Type")
        return t if isinstance(t, str) else None

    def ref_target(self, value: Any) -> str | None:
        """The same-template resource a Ref/GetAtt/Sub points to, if any."""
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref" and isinstance(arg, str) and arg in self.resources:
                return arg
            if fn == "Fn::GetAtt":
                name = arg[0] if isinstance(arg, list) and arg else arg.split(".")[0] if isinstance(arg, str) else None
                if isinstance(name, str) and name in self.resources:
                    return name
            if fn == "Fn::Sub" and isinstance(arg, str):
                refs = PSEUDO.findall(arg)
                for r in refs:
                    base = r.split(".")[0]
                    if base in self.resources:
                        return base
        return None

    def param_info(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if isinstance(value, dict) and len(value) == 1 and "Ref" in value:
            name = value["Ref"]
            if isinstance(name, str) and name in self.params:
                return name, as_dict(self.params[name])
        return None

    def string(self, value: Any) -> str | Unknown:
        """A literal string (numbers as text), or UNKNOWN."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if not isinstance(value, dict) or len(value) != 1:
            return UNKNOWN
        (fn, arg), = value.items()
        if fn == "Ref":
            info = self.param_info(value)
            if info and "Default" in info[1] and not _noecho(info[1]):
                return self.string(info[1]["Default"])
            return UNKNOWN
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (
                (arg[0], as_dict(arg[1])) if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) else (None, {})
            )
            if text is None:
                return UNKNOWN
            out = []
            pos = 0
            for m in PSEUDO.finditer(text):
                out.append(text[pos : m.start()])
                name = m.group(1)
                if name in variables:
                    sub = self.string(variables[name])
                else:
                    sub = self.string({"Ref": name}) if name in self.params else UNKNOWN
                if sub is UNKNOWN:
                    return UNKNOWN
                out.append(str(sub))
                pos = m.end()
            out.append(text[pos:])
            return "".join(out).replace("${!", "${")
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            parts = [self.string(p) for p in as_list(arg[1])]
            if any(p is UNKNOWN for p in parts) or not isinstance(arg[1], list):
                return UNKNOWN
            return arg[0].join(str(p) for p in parts)
        return UNKNOWN

    def integer(self, value: Any) -> int | Unknown | None:
        if value is None:
            return None
        if isinstance(value, dict):
            s = self.string(value)
            return UNKNOWN if s is UNKNOWN else as_int(s)
        return as_int(value)


def _noecho(param: dict[str, Any]) -> bool:
    return str(param.get("NoEcho", "")).lower() == "true"


def sniff_format(template: dict[str, Any]) -> str:
    transform = template.get("Transform")
    names = [t for t in as_list(transform) if isinstance(t, str)]
    return "sam" if SAM_TRANSFORM in names else "cloudformation"


# --------------------------------------------------------------------------- entry point


MAX_TEMPLATE_BYTES = 1024 * 1024  # CloudFormation's limit for a template body (via S3)
MAX_DECODE_FINDINGS = 5  # findings per template for what cfn-lint could not decode, or repeated keys


def load(path: Path, data: bytes, project: Project) -> None:
    if len(data) > MAX_TEMPLATE_BYTES:
        project.findings.append(
            parse_error(
                path,
                f"template is {len(data) / 1024 / 1024:.1f} MB, over CloudFormation's 1 MB template size limit: "
                "it cannot be deployed as is (not analysed)",
            )
        )
        return
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        project.findings.append(parse_error(path, f"template is not valid UTF-8: byte 0x{data[exc.start]:02x}", line, col))
        return
    from lambdalint.loaders import cfn_decoder  # only when a template exists

    try:
        template, matches = cfn_decoder.decode_str(text)
    except RecursionError:
        project.findings.append(parse_error(path, "template is nested too deeply to parse"))
        return
    except Exception as exc:  # cfn-lint's decoder raising instead of reporting
        project.findings.append(parse_error(path, f"template could not be parsed: {exc}"))
        return
    if matches and all(str(getattr(m, "message", "")).startswith(cfn_decoder.DUPLICATE) for m in matches):
        # a mapping repeats a key: CloudFormation keeps the last entry, so read it that way,
        # and report each entry it ignores
        redone = cfn_decoder.decode_last_wins(text)
        if redone is not None:
            template, dropped = redone
            matches = []
            listed = [
                parse_error(
                    path,
                    f"key {key!r} is repeated in this mapping: CloudFormation keeps only the last entry (line {kept}) "
                    "and ignores this one; remove one of them",
                    line,
                    col,
                )
                for key, line, col, kept in dropped[:MAX_DECODE_FINDINGS]
            ]
            if len(dropped) > len(listed):
                listed[-1].message += f" ({len(dropped) - len(listed)} more repeated keys in this template not listed)"
            project.findings.extend(listed)
    if matches:
        seen: set[int] = set()
        for m in matches[:MAX_DECODE_FINDINGS]:
            line = getattr(m, "linenumber", 1) or 1
            if line in seen:
                continue
            seen.add(line)
            msg = str(getattr(m, "message", m)).strip()
            project.findings.append(parse_error(path, f"template could not be parsed: {msg}", line, getattr(m, "columnnumber", 1) or 1))
        return
    if not is_template(template):
        return  # the discovery sniff matched text that is not a template (a comment, a string)
    project.texts[path] = text
    TemplateLoader(path, template, project).run()


def is_template(template: Any) -> bool:
    """A CloudFormation/SAM document: a format version, the SAM transform, or AWS:: resources."""
    if not isinstance(template, dict):
        return False
    if "AWSTemplateFormatVersion" in template or SAM_TRANSFORM in as_list(template.get("Transform")):
        return True
    resources = template.get("Resources")
    if isinstance(resources, dict):
        return any(str(as_dict(r).get("Type", "")).startswith(("AWS::", "Custom::")) for r in resources.values())
    return False


class TemplateLoader:
    def __init__(self, path: Path, template: dict[str, Any], project: Project) -> None:
        self.path = path
        self.folder = path.parent
        self.t = template
        self.project = project
        self.r = Resolver(template)
        self.fmt = sniff_format(template)
        self.tf = TemplateFile(path=path, format=self.fmt)
        self.top = Location(path, 1, 1)
        self.functions: dict[str, Function] = {}
        self.roles: dict[str, Role] = {}
        self.queues: dict[str, Queue] = {}

    def loc(self, node: Any, fallback: Location | None = None) -> Location:
        return loc_of(node, self.path, fallback or self.top)

    def kloc(self, mapping: Any, key: str, fallback: Location) -> Location:
        return key_loc(mapping, key, self.path, fallback)

    def run(self) -> None:
        resources = self.t.get("Resources")
        if not isinstance(resources, dict):
            if "Resources" not in self.t:
                kind = "missing"
            elif resources is None:
                kind = "empty"
            else:
                kind = "a list" if isinstance(resources, list) else "a scalar"
            where = self.kloc(self.t, "Resources", self.top)
            self.project.findings.append(
                parse_error(self.path, f"template 'Resources' is {kind}, not a mapping of resources", where.line, where.col)
            )
            return
        transforms = [t for t in as_list(self.t.get("Transform")) if isinstance(t, str)]
        custom = [t for t in transforms if t not in KNOWN_TRANSFORMS]
        if custom:
            self.tf.notes.append(f"{self.path}: skipped: uses macro transform {', '.join(custom)} (not expanded)")
            self.project.add(self.tf)
            return
        globals_fn = as_dict(as_dict(self.t.get("Globals")).get("Function")) if self.fmt == "sam" else {}
        for rid, res in resources.items():
            if not isinstance(res, dict) or not isinstance(rid, str):
                continue
            rtype = res.get("Type")
            if rtype in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application"):
                self.tf.notes.append(f"{self.path}: nested stack {rid} is not followed")
                continue
            if "Fn::Transform" in as_dict(res.get("Properties")):
                self.tf.notes.append(f"{self.path}: resource {rid} uses Fn::Transform and was skipped")
                continue
            if rtype == SAM_FUNCTION:
                self.sam_function(rid, res, globals_fn)
            elif rtype == CFN_FUNCTION:
                self.cfn_function(rid, res)
            elif rtype == "AWS::IAM::Role":
                self.iam_role(rid, res)
            elif rtype == "AWS::SQS::Queue":
                self.queue(rid, res)
        # second pass: resources that attach to functions/roles defined anywhere in the template
        for rid, res in resources.items():
            if not isinstance(res, dict) or not isinstance(rid, str):
                continue
            handler = {
                "AWS::IAM::Policy": self.iam_policy,
                "AWS::IAM::ManagedPolicy": self.iam_policy,
                "AWS::Lambda::Permission": self.permission,
                "AWS::Lambda::EventSourceMapping": self.event_source_mapping,
                "AWS::Lambda::EventInvokeConfig": self.event_invoke_config,
                "AWS::Lambda::Url": self.function_url,
                "AWS::Logs::LogGroup": self.log_group,
                "AWS::S3::Bucket": self.bucket_notifications,
                "AWS::SNS::Subscription": self.sns_subscription,
                "AWS::Events::Rule": self.events_rule,
                "AWS::ApiGateway::Method": self.rest_api_method,
                "AWS::ApiGatewayV2::Integration": self.http_api_integration,
            }.get(str(res.get("Type")))
            if handler:
                handler(rid, res)
        self._link_roles()
        self.project.roles.update(self.roles)
        self.project.queues.update({f"{self.path}#{k}": v for k, v in self.queues.items()})
        self.tf.functions = list(self.functions.values())
        self.project.add(self.tf)

    # ------------------------------------------------------------------ functions

    def _base_function(self, rid: Any, res: dict[str, Any], fmt: str) -> tuple[Function, dict[str, Any]]:
        fn = Function(
            id=str(rid),
            format=fmt,
            template=self.path,
            loc=self.loc(rid, self.loc(res)),
            ignores=ignores_from_metadata(res),
        )
        build = as_dict(res.get("Metadata")).get("BuildMethod")  # sam build: esbuild, makefile...
        if build is not None:
            fn.extra["build_method"] = build if isinstance(build, str) else UNKNOWN
        props = as_dict(res.get("Properties"))
        return fn, props

    def _prop(self, fn: Function, props: dict[str, Any], key: str, field_name: str) -> Any:
        """Read a property and remember where it is written."""
        if key in props:
            fn.locs[field_name] = self.kloc(props, key, fn.loc)
            return props[key]
        return None

    def _common(self, fn: Function, props: dict[str, Any]) -> None:
        r = self.r
        runtime = self._prop(fn, props, "Runtime", "runtime")
        fn.runtime = None if runtime is None else r.string(runtime)
        handler = self._prop(fn, props, "Handler", "handler")
        fn.handler = None if handler is None else (handler if isinstance(handler, str) else UNKNOWN)
        name = self._prop(fn, props, "FunctionName", "name")
        fn.name = None if name is None else r.string(name)
        fn.timeout = r.integer(self._prop(fn, props, "Timeout", "timeout"))
        fn.memory = r.integer(self._prop(fn, props, "MemorySize", "memory"))
        eph = self._prop(fn, props, "EphemeralStorage", "ephemeral_storage")
        if eph is not None:
            size = as_dict(eph).get("Size")
            fn.ephemeral_storage = r.integer(size) if size is not None else UNKNOWN
            if isinstance(eph, dict) and "Size" in eph:
                fn.locs["ephemeral_storage"] = self.kloc(eph, "Size", fn.locs["ephemeral_storage"])
        fn.reserved_concurrency = r.integer(self._prop(fn, props, "ReservedConcurrentExecutions", "reserved_concurrency"))
        pt = props.get("PackageType")
        fn.package_type = "Image" if pt == "Image" else "Zip"
        arch = props.get("Architectures")
        fn.architectures = [a for a in as_list(arch) if isinstance(a, str)] if isinstance(arch, list) else ([] if arch is None else UNKNOWN)
        self._environment(fn, props)
        self._layers(fn, props)
        logging_cfg = as_dict(props.get("LoggingConfig"))
        group = logging_cfg.get("LogGroup")
        if group is not None:
            target = r.ref_target(group)
            fn.extra["log_group_ref"] = target if target else UNKNOWN
        if props.get("CapacityProviderConfig") is not None:  # Lambda Managed Instances: other limits
            fn.extra["managed_instances"] = True

    def _environment(self, fn: Function, props: dict[str, Any]) -> None:
        env = self._prop(fn, props, "Environment", "environment")
        if env is None:
            return
        if not isinstance(env, dict) or any(str(k).startswith("Fn::") or str(k) == "Ref" for k in env):
            fn.environment_unknown = True  # `Environment: !If [...]` and other intrinsics
            return
        variables = env.get("Variables")
        if variables is None:
            return
        if not isinstance(variables, dict) or any(str(k).startswith("Fn::") or str(k) == "Ref" for k in variables):
            fn.environment_unknown = True
            return
        fn.locs["environment"] = self.kloc(env, "Variables", fn.locs["environment"])
        for key, value in variables.items():
            fn.environment[str(key)] = self._env_var(str(key), value, self.loc(key, fn.loc))

    def _env_var(self, key: str, value: Any, where: Location) -> EnvVar:
        info = self.r.param_info(value)
        if info is not None:
            ptype = str(info[1].get("Type", ""))
            if _noecho(info[1]):
                return EnvVar(key, UNKNOWN, where, "noecho-parameter")
            if ptype.startswith("AWS::SSM::Parameter"):
                return EnvVar(key, UNKNOWN, where, "ssm")
            literal = self.r.string(value)
            return EnvVar(key, literal, where, "parameter")
        literal = self.r.string(value)
        target = self.r.ref_target(value)
        if isinstance(literal, str) and "{{resolve:" in literal:
            return EnvVar(key, literal, where, "resolve")
        if literal is UNKNOWN and target:
            return EnvVar(key, UNKNOWN, where, f"resource:{target}")
        if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str) and "{{resolve:" in value["Fn::Sub"]:
            return EnvVar(key, UNKNOWN, where, "resolve")
        return EnvVar(key, literal, where, None)

    def _layers(self, fn: Function, props: dict[str, Any]) -> None:
        layers = self._prop(fn, props, "Layers", "layers")
        if layers is None:
            return
        if not isinstance(layers, list):
            fn.layers = UNKNOWN
            return
        out: list[Layer] = []
        for item in layers:
            where = self.loc(item, fn.locs["layers"])
            target = self.r.ref_target(item)
            content: Path | Unknown | None = None
            if target:
                lres = as_dict(self.r.resources.get(target))
                lprops = as_dict(lres.get("Properties"))
                uri = lprops.get("ContentUri", lprops.get("Content"))
                content = self._local_path(uri)
                out.append(Layer(target, where, content))
            else:
                out.append(Layer(self.r.string(item), where, None))
        fn.layers = out

    def _local_path(self, uri: Any) -> Path | Unknown | None:
        """A local code location (folder or zip) relative to the template, UNKNOWN if remote."""
        if uri is None:
            return None
        if isinstance(uri, str):
            if uri.startswith("s3://") or "://" in uri:
                return UNKNOWN
            return (self.folder / uri).resolve() if not Path(uri).is_absolute() else Path(uri)
        return UNKNOWN

    def sam_function(self, rid: str, res: dict[str, Any], globals_fn: dict[str, Any]) -> None:
        fn, own = self._base_function(rid, res, "sam")
        props = merge_globals(globals_fn, own)
        self._common(fn, props)
        fn.upload = "s3"
        if "InlineCode" in props:
            fn.code_inline = props["InlineCode"] if isinstance(props["InlineCode"], str) else ""
        elif fn.package_type == "Image":
            fn.code_path = UNKNOWN
        else:
            uri = self._prop(fn, props, "CodeUri", "code")
            fn.code_path = self.folder.resolve() if uri is None else self._local_path(uri)
        # role: explicit Role, or a generated one from Policies
        role_value = self._prop(fn, props, "Role", "role")
        if role_value is not None:
            self._attach_explicit_role(fn, role_value)
        else:
            role = Role(id=f"{rid}Role", loc=fn.loc, generated=True, ignores=fn.ignores)
            policies = self._prop(fn, props, "Policies", "policies")
            self._sam_policies(role, policies, fn.locs.get("policies", fn.loc))
            fn.role = role
            fn.role_shared_key = f"{self.path}#{rid}Role"
        tracing = self._prop(fn, props, "Tracing", "tracing")
        fn.tracing = None if tracing is None else self.r.string(tracing)
        dlq = self._prop(fn, props, "DeadLetterQueue", "dead_letter")
        if dlq is not None:
            target = as_dict(dlq).get("TargetArn")
            fn.dead_letter = self._target_string(target) if target is not None else UNKNOWN
        eic = self._prop(fn, props, "EventInvokeConfig", "event_invoke_config")
        if eic is not None:
            self._apply_invoke_config(fn, as_dict(eic), fn.locs["event_invoke_config"])
        url = self._prop(fn, props, "FunctionUrlConfig", "url")
        if url is not None:
            auth = as_dict(url).get("AuthType")
            fn.url = FunctionUrl(
                loc=self.kloc(url, "AuthType", fn.locs["url"]) if auth is not None else fn.locs["url"],
                auth_type=self.r.string(auth) if auth is not None else UNKNOWN,
                ignores=fn.ignores,
            )
            fn.events.append(EventSource("function_url", fn.locs["url"], "FunctionUrlConfig", payload_format="2.0"))
        events = self._prop(fn, props, "Events", "events")
        for name, ev in as_dict(events).items():
            self._sam_event(fn, str(name), ev, self.loc(name, fn.loc))
        self.functions[rid] = fn

    def _target_string(self, value: Any) -> str | Unknown:
        target = self.r.ref_target(value)
        if target:
            return f"resource:{target}"
        return self.r.string(value)

    def cfn_function(self, rid: str, res: dict[str, Any]) -> None:
        fn, props = self._base_function(rid, res, "cloudformation")
        self._common(fn, props)
        code = self._prop(fn, props, "Code", "code")
        if isinstance(code, str):  # a local path, packaged by `aws cloudformation package`
            fn.code_path = self._local_path(code)
            fn.upload = "s3"
        elif isinstance(code, dict):
            if "ZipFile" in code:
                fn.code_inline = code["ZipFile"] if isinstance(code["ZipFile"], str) else ""
                fn.upload = "direct"
            else:
                fn.code_path = UNKNOWN
                fn.upload = "s3"
        elif code is not None:
            fn.code_path = UNKNOWN
        role_value = self._prop(fn, props, "Role", "role")
        if role_value is not None:
            self._attach_explicit_role(fn, role_value)
        tracing = props.get("TracingConfig")
        if tracing is not None:
            fn.locs["tracing"] = self.kloc(props, "TracingConfig", fn.loc)
            mode = as_dict(tracing).get("Mode")
            fn.tracing = self.r.string(mode) if mode is not None else None
        dlq = props.get("DeadLetterConfig")
        if dlq is not None:
            fn.locs["dead_letter"] = self.kloc(props, "DeadLetterConfig", fn.loc)
            target = as_dict(dlq).get("TargetArn")
            fn.dead_letter = self._target_string(target) if target is not None else None
        self.functions[rid] = fn

    def _attach_explicit_role(self, fn: Function, value: Any) -> None:
        target = self.r.ref_target(value)
        if target and self.r.rtype(target) == "AWS::IAM::Role":
            fn.role_shared_key = f"{self.path}#{target}"
            fn.extra["role_ref"] = target
            fn.role = UNKNOWN  # linked after all roles are read (see _link_roles)
            return
        literal = self.r.string(value)
        fn.role = UNKNOWN
        fn.role_shared_key = literal if isinstance(literal, str) else self._role_reference_key(value)

    def _role_reference_key(self, value: Any) -> str | None:
        """Unresolved, but the same reference means the same role: one parameter, one export."""
        if isinstance(value, dict) and len(value) == 1:
            (fn_name, arg), = value.items()
            if fn_name == "Ref" and isinstance(arg, str) and arg in self.r.params:
                return f"{self.path}#!Ref {arg}"
            if fn_name == "Fn::ImportValue" and isinstance(arg, str):
                return f"!ImportValue {arg}"
        return None

    # ------------------------------------------------------------------ IAM

    def _statements(self, doc: Any, fallback: Location) -> list[Statement]:
        doc = as_dict(doc)
        raw = doc.get("Statement")
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        return [self._statement(s, self.loc(s, fallback)) for s in items if isinstance(s, dict)]

    def _statement(self, s: dict[str, Any], where: Location) -> Statement:
        effect = s.get("Effect")
        st = Statement(effect=effect if isinstance(effect, str) else UNKNOWN, loc=where, has_condition="Condition" in s)
        for key, attr in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"), ("NotResource", "not_resources")):
            if key not in s:
                continue
            kl = self.kloc(s, key, where)
            st.locs[attr] = kl
            value = s[key]
            if isinstance(value, dict):  # an intrinsic producing the whole list
                setattr(st, attr, UNKNOWN)
                continue
            vals: list[Val[Any]] = []
            for item in as_list(value):
                literal = self.r.string(item) if not isinstance(item, str) else item
                vals.append(Val(literal, self.loc(item, kl)))
            setattr(st, attr, vals)
        return st

    def _sam_policies(self, role: Role, policies: Any, where: Location) -> None:
        for item in as_list(policies):
            iloc = self.loc(item, where)
            if isinstance(item, str):
                role.managed_policies.append(Val(item, iloc))
            elif isinstance(item, dict):
                if "Statement" in item:
                    role.statements.extend(self._statements(item, iloc))
                elif len(item) == 1:
                    (name, _), = item.items()
                    if name in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::ImportValue"):
                        target = self.r.ref_target(item)
                        if target and self.r.rtype(target) == "AWS::IAM::ManagedPolicy":
                            mp = as_dict(as_dict(self.r.resources[target]).get("Properties"))
                            role.statements.extend(self._statements(mp.get("PolicyDocument"), iloc))
                        else:
                            lit = self._policy_arn(item)
                            if isinstance(lit, str):
                                role.managed_policies.append(Val(lit, iloc))
                            else:
                                role.opaque_policies.append(Val(str(name), iloc))
                    else:  # a SAM policy template (S3CrudPolicy: {...})
                        role.opaque_policies.append(Val(str(name), self.loc(name, iloc)))

    def iam_role(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        where = self.loc(rid, self.loc(res))
        role = Role(id=rid, loc=where, ignores=ignores_from_metadata(res))
        for pol in as_list(props.get("Policies")):
            role.statements.extend(self._statements(as_dict(pol).get("PolicyDocument"), self.loc(pol, where)))
        for arn in as_list(props.get("ManagedPolicyArns")):
            self._add_managed(role, arn, self.loc(arn, self.kloc(props, "ManagedPolicyArns", where)))
        self.roles[rid] = role

    def _add_managed(self, role: Role, arn: Any, where: Location) -> None:
        target = self.r.ref_target(arn)
        if target and self.r.rtype(target) == "AWS::IAM::ManagedPolicy":
            mp = as_dict(as_dict(self.r.resources[target]).get("Properties"))
            role.statements.extend(self._statements(mp.get("PolicyDocument"), where))
            return
        lit = self._policy_arn(arn)
        if isinstance(lit, str):
            role.managed_policies.append(Val(lit, where))
        else:
            role.opaque_policies.append(Val("ManagedPolicyArns", where))

    def _policy_arn(self, value: Any) -> str | Unknown:
        """A managed policy ARN; ``!Sub arn:${AWS::Partition}:iam::aws:policy/X`` keeps the
        partition placeholder (the policy name is what matters, and it is literal)."""
        lit = self.r.string(value)
        if isinstance(lit, str) or not isinstance(value, dict) or len(value) != 1:
            return lit
        arg = value.get("Fn::Sub")
        if isinstance(arg, str) and {m.group(1) for m in PSEUDO.finditer(arg)} == {"AWS::Partition"}:
            return arg
        return UNKNOWN

    def iam_policy(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        where = self.loc(rid, self.loc(res))
        for ref in as_list(props.get("Roles")):
            target = self.r.ref_target(ref)
            role = self.roles.get(target) if target else self._generated_role(ref)
            if role is not None:
                role.statements.extend(self._statements(props.get("PolicyDocument"), where))

    def _generated_role(self, ref: Any) -> Role | None:
        """The role SAM generates for a function without ``Role`` (``!Ref <Function>Role``)."""
        name = ref.get("Ref") if isinstance(ref, dict) and len(ref) == 1 else None
        if not isinstance(name, str) or not name.endswith("Role"):
            return None
        fn = self.functions.get(name[: -len("Role")])
        role = fn.role if fn is not None else None
        return role if isinstance(role, Role) and role.generated and role.id == name else None

    def _link_roles(self) -> None:
        for fn in self.functions.values():
            ref = fn.extra.get("role_ref")
            if ref and ref in self.roles:
                fn.role = self.roles[ref]

    # ------------------------------------------------------------------ events

    def _sam_event(self, fn: Function, name: str, ev: Any, where: Location) -> None:
        ev = as_dict(ev)
        etype = ev.get("Type")
        kind = SAM_EVENT_KINDS.get(etype, "other") if isinstance(etype, str) else "other"
        props = as_dict(ev.get("Properties"))
        if kind == "sns" and props.get("SqsSubscription") not in (None, False, "false"):
            # SNS -> SQS queue (generated by SAM or given) -> the function: polled, not async
            fn.events.append(EventSource(kind="sqs", loc=where, name=name, target=UNKNOWN))
            return
        src = EventSource(kind=kind, loc=where, name=name)
        if kind in ("api", "http_api") and "TimeoutInMillis" in props:
            src.integration_timeout_ms = self.r.integer(props["TimeoutInMillis"])
        if kind == "api":
            src.payload_format = "1.0"
        elif kind == "http_api":
            pfv = props.get("PayloadFormatVersion")
            if pfv is None:
                api = self.r.ref_target(props.get("ApiId"))
                api_props = as_dict(as_dict(self.r.resources.get(api)).get("Properties")) if api else {}
                pfv = api_props.get("PayloadFormatVersion", "2.0") if api or props.get("ApiId") is None else None
            src.payload_format = self.r.string(pfv) if pfv is not None else UNKNOWN
        source_key = {"sqs": "Queue", "kinesis": "Stream", "dynamodb": "Stream", "s3": "Bucket", "sns": "Topic", "mq": "Broker", "kafka": "Stream"}.get(kind)
        if source_key and source_key in props:
            target = self.r.ref_target(props[source_key])
            src.target = target if target else UNKNOWN
            lit = self.r.string(props[source_key])
            src.target_name = lit if isinstance(lit, str) else UNKNOWN
        if kind in ("sqs", "kinesis", "dynamodb", "kafka", "mq"):
            self._mapping_failure_settings(src, props, where)
        if kind == "s3":
            self._s3_filter(src, as_dict(props.get("Filter")))
            src.s3_events = self._s3_events(props.get("Events"))
        fn.events.append(src)

    def _mapping_failure_settings(self, src: EventSource, props: dict[str, Any], where: Location) -> None:
        dest = as_dict(as_dict(props.get("DestinationConfig")).get("OnFailure")).get("Destination")
        if dest is not None:
            src.on_failure = self._target_string(dest)
        elif "DestinationConfig" in props:
            src.on_failure = UNKNOWN if not isinstance(props["DestinationConfig"], dict) else None
        src.bisect_on_error = as_bool(props.get("BisectBatchOnFunctionError"))
        src.maximum_retry_attempts = self.r.integer(props.get("MaximumRetryAttempts"))
        src.maximum_record_age = self.r.integer(props.get("MaximumRecordAgeInSeconds"))
        frt = props.get("FunctionResponseTypes")
        src.function_response_types = [str(x) for x in frt] if isinstance(frt, list) else ([] if frt is None else UNKNOWN)

    def _s3_events(self, value: Any) -> list[str] | Unknown | None:
        if value is None:
            return None
        items = [self.r.string(v) for v in as_list(value)]
        return [v for v in items if isinstance(v, str)] if all(isinstance(v, str) for v in items) else UNKNOWN

    def _s3_filter(self, src: EventSource, flt: dict[str, Any]) -> None:
        rules = as_list(as_dict(as_dict(flt).get("S3Key")).get("Rules"))
        for rule in rules:
            rname = str(as_dict(rule).get("Name", "")).lower()
            value = self.r.string(as_dict(rule).get("Value"))
            if rname == "prefix":
                src.filter_prefix = value
            elif rname == "suffix":
                src.filter_suffix = value

    def _function_for(self, value: Any) -> Function | None:
        target = self.r.ref_target(value)
        if target and target in self.functions:
            return self.functions[target]
        if isinstance(value, str):  # a literal name or ARN of a function in this template
            for fn in self.functions.values():
                if isinstance(fn.name, str) and (value == fn.name or value.endswith(f":function:{fn.name}")):
                    return fn
        return None

    def event_source_mapping(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        fn = self._function_for(props.get("FunctionName"))
        if fn is None:
            return
        where = self.loc(rid, self.loc(res))
        arn = props.get("EventSourceArn")
        target = self.r.ref_target(arn)
        kind = RESOURCE_TYPE_KINDS.get(self.r.rtype(target) or "", "other") if target else "other"
        lit = self.r.string(arn)
        if not target and isinstance(lit, str) and lit.startswith("arn:"):
            kind = ARN_SERVICE_KINDS.get(lit.split(":")[2], "other")
        if "SelfManagedEventSource" in props or "AmazonManagedKafkaEventSourceConfig" in props:
            kind = "kafka"
        src = EventSource(kind=kind, loc=where, name=rid, target=target or (UNKNOWN if arn is not None else None))
        src.target_name = lit if isinstance(lit, str) else UNKNOWN
        self._mapping_failure_settings(src, props, where)
        fn.events.append(src)

    def permission(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        fn = self._function_for(props.get("FunctionName"))
        if fn is None:
            return
        where = self.loc(rid, self.loc(res))
        perm = Permission(
            id=rid,
            loc=where,
            principal=self.r.string(props.get("Principal")) if "Principal" in props else UNKNOWN,
            action=self.r.string(props.get("Action", "lambda:InvokeFunction")),
            source_arn=self._opt_string(props, "SourceArn"),
            source_account=self._opt_string(props, "SourceAccount"),
            principal_org_id=self._opt_string(props, "PrincipalOrgID"),
            function_url_auth_type=self._opt_string(props, "FunctionUrlAuthType"),
            invoked_via_function_url=as_bool(props["InvokedViaFunctionUrl"]) if "InvokedViaFunctionUrl" in props else None,
            event_source_token=self._opt_string(props, "EventSourceToken"),
            ignores=ignores_from_metadata(res),
        )
        for key in ("Principal", "SourceArn", "SourceAccount", "FunctionUrlAuthType"):
            if key in props:
                perm.locs[key] = self.kloc(props, key, where)
        fn.permissions.append(perm)

    def _opt_string(self, props: dict[str, Any], key: str) -> str | Unknown | None:
        if key not in props:
            return None
        target = self.r.ref_target(props[key])
        return f"resource:{target}" if target else self.r.string(props[key])

    def event_invoke_config(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        fn = self._function_for(props.get("FunctionName"))
        if fn is not None:
            self._apply_invoke_config(fn, props, self.loc(rid, self.loc(res)))

    def _apply_invoke_config(self, fn: Function, cfg: dict[str, Any], where: Location) -> None:
        dest = as_dict(as_dict(cfg.get("DestinationConfig")).get("OnFailure"))
        if dest:
            d = dest.get("Destination")
            fn.on_failure = self._target_string(d) if d is not None else UNKNOWN
            fn.locs["on_failure"] = where
        elif "DestinationConfig" in cfg and not isinstance(cfg["DestinationConfig"], dict):
            fn.on_failure = UNKNOWN
        if "MaximumRetryAttempts" in cfg:
            fn.async_max_retries = self.r.integer(cfg["MaximumRetryAttempts"])

    def function_url(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        fn = self._function_for(props.get("TargetFunctionArn"))
        if fn is None:
            return
        where = self.loc(rid, self.loc(res))
        auth = props.get("AuthType")
        fn.url = FunctionUrl(
            loc=self.kloc(props, "AuthType", where) if auth is not None else where,
            auth_type=self.r.string(auth) if auth is not None else UNKNOWN,
            ignores=ignores_from_metadata(res),
        )
        fn.events.append(EventSource("function_url", where, rid, payload_format="2.0"))

    def log_group(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        name = props.get("LogGroupName")
        fn = self._default_log_group_owner(name)
        if fn is None:
            for f in self.functions.values():
                if f.extra.get("log_group_ref") == rid:
                    fn = f
            lit = self.r.string(name)
            if fn is None and isinstance(lit, str) and lit.startswith("/aws/lambda/"):
                fn = next((f for f in self.functions.values() if f.name == lit[len("/aws/lambda/") :]), None)
        if fn is None:
            return
        fn.log_group_managed = True
        retention = props.get("RetentionInDays")
        fn.log_retention = self.r.integer(retention)
        fn.locs["log_retention"] = self.kloc(props, "RetentionInDays", self.loc(rid))

    def _default_log_group_owner(self, name: Any) -> Function | None:
        """The function whose own log group ``/aws/lambda/<function name>`` this name spells."""
        if not isinstance(name, dict) or len(name) != 1:
            return None
        (fn_name, arg), = name.items()
        if fn_name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and arg[0] == "":
            parts = as_list(arg[1])
            if len(parts) == 2 and parts[0] == "/aws/lambda/":
                target = self.r.ref_target(parts[1]) if as_dict(parts[1]).keys() == {"Ref"} else None
                return self.functions.get(target) if target else None
            return None
        if fn_name != "Fn::Sub" or not isinstance(arg, str) or not arg.startswith("/aws/lambda/"):
            return None
        rest = arg[len("/aws/lambda/") :]
        m = re.fullmatch(r"\$\{([^}.!]+)\}", rest)
        if m and m.group(1) in self.functions:
            return self.functions[m.group(1)]
        for f in self.functions.values():  # the same unresolved name (``${AWS::StackName}-api``)
            raw = as_dict(as_dict(self.r.resources.get(f.id)).get("Properties")).get("FunctionName")
            if isinstance(raw, dict) and (raw.get("Fn::Sub") == rest or (m and raw == {"Ref": m.group(1)})):
                return f
        return None

    def bucket_notifications(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        cfgs = as_list(as_dict(props.get("NotificationConfiguration")).get("LambdaConfigurations"))
        bucket_name = props.get("BucketName")
        for cfg in cfgs:
            cfg = as_dict(cfg)
            fn = self._function_for(cfg.get("Function"))
            if fn is None:
                continue
            src = EventSource("s3", self.loc(cfg, self.loc(rid)), rid, target=rid)
            lit = self.r.string(bucket_name) if bucket_name is not None else UNKNOWN
            src.target_name = lit
            self._s3_filter(src, as_dict(cfg.get("Filter")))
            src.s3_events = self._s3_events(cfg.get("Event"))
            fn.events.append(src)

    def sns_subscription(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        if str(props.get("Protocol", "")).lower() != "lambda":
            return
        fn = self._function_for(props.get("Endpoint"))
        if fn is not None:
            topic = self.r.ref_target(props.get("TopicArn"))
            fn.events.append(EventSource("sns", self.loc(rid, self.loc(res)), rid, target=topic or UNKNOWN))

    def events_rule(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        kind = "schedule" if "ScheduleExpression" in props else "eventbridge"
        for target in as_list(props.get("Targets")):
            fn = self._function_for(as_dict(target).get("Arn"))
            if fn is not None:
                fn.events.append(EventSource(kind, self.loc(rid, self.loc(res)), rid, target=rid))

    def _function_in_uri(self, uri: Any) -> Function | None:
        """The same-template function an API integration URI invokes (``${Fn.Arn}`` in an
        ``arn:aws:apigateway:...:lambda:path/.../functions/<arn>/invocations`` URI, or the ARN)."""
        candidates = [uri]
        if isinstance(uri, dict) and len(uri) == 1 and "Fn::Join" in uri:
            join = uri["Fn::Join"]
            candidates = as_list(join[1]) if isinstance(join, list) and len(join) == 2 else []
        for part in candidates:
            target = self.r.ref_target(part)
            if target in self.functions:
                return self.functions[target]
        return None

    def rest_api_method(self, rid: str, res: dict[str, Any]) -> None:
        integration = as_dict(as_dict(res.get("Properties")).get("Integration"))
        fn = self._function_in_uri(integration.get("Uri"))
        if fn is not None:
            proxy = str(integration.get("Type", "")).upper() == "AWS_PROXY"
            src = EventSource("api", self.loc(rid, self.loc(res)), rid, payload_format="1.0" if proxy else UNKNOWN)
            src.integration_timeout_ms = self.r.integer(integration.get("TimeoutInMillis"))
            fn.events.append(src)

    def http_api_integration(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        fn = self._function_in_uri(props.get("IntegrationUri"))
        api = self.r.ref_target(props.get("ApiId"))
        api_props = as_dict(as_dict(self.r.resources.get(api)).get("Properties")) if api else {}
        if fn is None or api_props.get("ProtocolType") != "HTTP":  # WebSocket APIs, or an API from elsewhere
            return
        pfv = props.get("PayloadFormatVersion")
        payload = self.r.string(pfv) if pfv is not None else UNKNOWN
        src = EventSource("http_api", self.loc(rid, self.loc(res)), rid, payload_format=payload)
        src.integration_timeout_ms = self.r.integer(props.get("TimeoutInMillis"))
        fn.events.append(src)

    def queue(self, rid: str, res: dict[str, Any]) -> None:
        props = as_dict(res.get("Properties"))
        where = self.loc(rid, self.loc(res))
        q = Queue(id=rid, loc=where, ignores=ignores_from_metadata(res))
        if "VisibilityTimeout" in props:
            q.visibility_timeout = self.r.integer(props["VisibilityTimeout"])
            q.locs["visibility_timeout"] = self.kloc(props, "VisibilityTimeout", where)
        if "QueueName" in props:
            q.name = self.r.string(props["QueueName"])
        if "RedrivePolicy" in props:
            q.redrive = True if isinstance(props["RedrivePolicy"], dict) else UNKNOWN
        for other, ores in self.r.resources.items():
            if as_dict(ores).get("Type") == "AWS::SQS::Queue":
                redrive = as_dict(as_dict(as_dict(ores).get("Properties")).get("RedrivePolicy"))
                if self.r.ref_target(redrive.get("deadLetterTargetArn")) == rid:
                    q.dead_letter_for.append(str(other))
        self.queues[rid] = q


def merge_globals(globals_fn: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: the function's scalars win, maps merge, lists are concatenated."""
    if not globals_fn:
        return own
    merged: dict[str, Any] = dict(globals_fn)
    for key, value in own.items():
        g = merged.get(key)
        if isinstance(g, dict) and isinstance(value, dict) and not _is_intrinsic(g) and not _is_intrinsic(value):
            merged[key] = merge_globals(g, value)
        elif isinstance(g, list) and isinstance(value, list):
            merged[key] = [*g, *value]
        else:
            merged[key] = value
    # keep the function's own keys (they carry its marks) for everything it wrote itself
    return _rekey(merged, own)


def _rekey(merged: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    out: dict[Any, Any] = {}
    own_keys = {str(k): k for k in own}
    for k, v in merged.items():
        out[own_keys.get(str(k), k)] = v
    return out


def _is_intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))

