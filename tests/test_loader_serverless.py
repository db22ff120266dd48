"""The Serverless Framework loader: serverless.yml into the format-neutral model."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.loaders import serverless
from lambdalint.model import UNKNOWN, Function, Project, Role, Val
from tests.helpers import fixture_config, found, lint


def load(tmp_path: Path, text: str, name: str = "serverless.yml") -> Project:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    project = Project(root=tmp_path)
    serverless.load(path, path.read_bytes(), project)
    return project


def fn_by_id(project: Project, fid: str) -> Function:
    return next(f for f in project.functions if f.id == fid)


def role_of(fn: Function) -> Role:
    assert isinstance(fn.role, Role), fn.role
    return fn.role


def values(vals: object) -> list[object]:
    assert isinstance(vals, list)
    return [v.value for v in vals if isinstance(v, Val)]


BASIC = """\
service: shop
provider:
  name: aws
  runtime: python3.12
  timeout: 20
  environment:
    SHARED: one
    OVERRIDDEN: provider
functions:
  hello:
    handler: handler.hello
    memorySize: 512
    environment:
      OVERRIDDEN: function
  createUser:
    handler: src/handlers/users.create
    runtime: python3.11
    timeout: 10
"""


def test_functions_provider_defaults_and_locations(tmp_path: Path) -> None:
    project = load(tmp_path, BASIC)
    hello = fn_by_id(project, "hello")
    create = fn_by_id(project, "createUser")
    assert hello.format == "serverless"
    assert hello.loc.line == 10 and create.loc.line == 15  # the function keys
    # values from provider are located in provider, the function's own values in the function
    assert hello.runtime == "python3.12" and hello.locs["runtime"].line == 4
    assert create.runtime == "python3.11" and create.locs["runtime"].line == 17
    assert hello.timeout == 20 and hello.locs["timeout"].line == 5
    assert create.timeout == 10 and create.locs["timeout"].line == 18
    assert hello.memory == 512 and hello.locs["memory"].line == 12
    assert create.memory is None and create.extra["default_memory"] == 1024
    assert hello.extra["default_timeout"] == 6
    assert hello.upload == "s3"
    assert hello.code_path == tmp_path.resolve()
    assert hello.extra["logical_id"] == "HelloLambdaFunction"
    assert create.extra["logical_id"] == "CreateUserLambdaFunction"


def test_handler_paths_with_folders_link_to_files(tmp_path: Path) -> None:
    project = load(tmp_path, BASIC)
    links = {fn.id: (module, func) for fn, module, func in project.iter_python_handlers()}
    root = tmp_path.resolve()
    assert links["hello"] == (root / "handler.py", "hello")
    assert links["createUser"] == (root / "src/handlers/users.py", "create")


def test_module_folder_and_variable_handler(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12}
        custom:
          folder: jobs
        functions:
          worker:
            module: worker
            handler: app.main
          nightly:
            handler: ${self:custom.folder}/tasks.run
        """,
    )
    links = {fn.id: (module, func) for fn, module, func in project.iter_python_handlers()}
    root = tmp_path.resolve()
    assert links["worker"] == (root / "worker/app.py", "main")
    assert links["nightly"] == (root / "jobs/tasks.py", "run")


def test_environment_merge_and_sources(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          environment:
            FROM_PROVIDER: ${self:custom.table}
            OVERRIDDEN: provider
        custom:
          table: orders
          nested: ${self:custom.table}-v2
        functions:
          f:
            handler: h.f
            environment:
              OVERRIDDEN: function
              SECRET_SSM: ${ssm:/prod/db-password}
              SECRET_SM: ${ssm:/aws/reference/secretsmanager/db}
              FROM_ENV: ${env:API_KEY}
              STAGE: ${opt:stage, 'dev'}
              FALLBACK: ${self:custom.missing, 'fallback'}
              CHAINED: ${self:custom.nested}
              RESOLVED: "{{resolve:secretsmanager:db:SecretString:password}}"
              QUEUE_URL: !Ref Jobs
              NUMBER: 3
        resources:
          Resources:
            Jobs:
              Type: AWS::SQS::Queue
        """,
    )
    env = fn_by_id(project, "f").environment
    assert env["FROM_PROVIDER"].value == "orders" and env["FROM_PROVIDER"].loc.line == 6
    assert env["OVERRIDDEN"].value == "function" and env["OVERRIDDEN"].loc.line == 15
    assert (env["SECRET_SSM"].value, env["SECRET_SSM"].source) == (UNKNOWN, "ssm")
    assert (env["SECRET_SM"].value, env["SECRET_SM"].source) == (UNKNOWN, "secretsmanager")
    assert (env["FROM_ENV"].value, env["FROM_ENV"].source) == (UNKNOWN, "env")
    assert env["STAGE"].value is UNKNOWN  # the CLI's --stage decides
    assert env["FALLBACK"].value == "fallback"
    assert env["CHAINED"].value == "orders-v2"
    assert env["RESOLVED"].source == "resolve"
    assert (env["QUEUE_URL"].value, env["QUEUE_URL"].source) == (UNKNOWN, "resource:Jobs")
    assert env["NUMBER"].value == "3"


def test_stage_and_region_are_unknown_and_cycles_do_not_hang(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12, stage: prod, timeout: "${self:custom.a}"}
        custom:
          a: ${self:custom.b}
          b: ${self:custom.a}
        functions:
          f:
            handler: h.f
            name: ${self:service}-${self:provider.stage}-f
        """,
    )
    fn = fn_by_id(project, "f")
    assert fn.name is UNKNOWN
    assert fn.timeout is UNKNOWN


def test_provider_role_is_shared(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: ["dynamodb:*"]
                  Resource: "*"
        functions:
          a:
            handler: h.a
          b:
            handler: h.b
          own:
            handler: h.own
            role: arn:aws:iam::123456789012:role/own
        """,
    )
    a, b, own = (fn_by_id(project, x) for x in ("a", "b", "own"))
    assert a.role_shared_key == b.role_shared_key is not None
    assert own.role_shared_key == "arn:aws:iam::123456789012:role/own"
    role = role_of(a)
    assert role_of(b) is role
    assert role.loc.line == 6  # provider.iam.role
    assert project.roles[str(a.role_shared_key)] is role
    (statement,) = role.statements
    assert values(statement.actions) == ["dynamodb:*"]
    assert isinstance(statement.actions, list) and statement.actions[0].loc.line == 9
    assert values(statement.resources) == ["*"]


def test_implicit_and_legacy_provider_roles(tmp_path: Path) -> None:
    implicit = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: python3.12
        functions:
          a: {handler: h.a}
          b: {handler: h.b}
        """,
    )
    assert role_of(fn_by_id(implicit, "a")).loc.line == 2  # `provider:`
    legacy = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          iamRoleStatements:
            - Effect: Allow
              Action: s3:*
              Resource: arn:aws:s3:::${self:custom.bucket}/*
          iamManagedPolicies:
            - arn:aws:iam::aws:policy/AdministratorAccess
        custom:
          bucket: uploads
        functions:
          a: {handler: h.a}
        """,
    )
    role = role_of(fn_by_id(legacy, "a"))
    assert role.loc.line == 5
    assert values(role.statements[0].resources) == ["arn:aws:s3:::uploads/*"]
    assert values(role.managed_policies) == ["arn:aws:iam::aws:policy/AdministratorAccess"]


def test_role_from_resources_by_name(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          iam:
            role: SharedRole
        functions:
          a: {handler: h.a}
          b: {handler: h.b, role: OwnRole}
        resources:
          Resources:
            SharedRole:
              Type: AWS::IAM::Role
              Properties:
                Policies:
                  - PolicyName: p
                    PolicyDocument:
                      Statement:
                        - {Effect: Allow, Action: "*", Resource: "*"}
            OwnRole:
              Type: AWS::IAM::Role
        """,
    )
    a, b = fn_by_id(project, "a"), fn_by_id(project, "b")
    assert role_of(a).id == "SharedRole"
    assert values(role_of(a).statements[0].actions) == ["*"]
    assert role_of(b).id == "OwnRole"
    assert a.role_shared_key != b.role_shared_key


def test_role_per_function_plugin(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        plugins: [serverless-iam-roles-per-function]
        provider: {name: aws, runtime: python3.12}
        functions:
          a:
            handler: h.a
            iamRoleStatements:
              - {Effect: Allow, Action: sqs:SendMessage, Resource: "*"}
          b: {handler: h.b}
        """,
    )
    a, b = fn_by_id(project, "a"), fn_by_id(project, "b")
    assert a.role_shared_key != b.role_shared_key
    assert len(role_of(a).statements) == 1


def test_provider_role_naming_a_resource_from_a_file(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: nodejs18.x
          iam:
            role: LambdaRole
        functions:
          a: {handler: h.a}
          b: {handler: h.b}
        resources:
          Resources:
            LambdaRole: ${file(./role.yml)}
        """,
    )
    a, b = fn_by_id(project, "a"), fn_by_id(project, "b")
    assert a.role is UNKNOWN and a.locs["role"].line == 6
    assert a.role_shared_key == b.role_shared_key == f"{tmp_path / 'serverless.yml'}#LambdaRole"


def test_plugin_generated_wsgi_handler_is_not_linked(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        plugins: [serverless-wsgi, serverless-python-requirements]
        provider: {name: aws, runtime: python3.12}
        functions:
          api: {handler: wsgi_handler.handler}
        """,
    )
    fn = fn_by_id(project, "api")
    assert fn.handler is UNKNOWN and fn.extra["generated_handler"] == (
        "serverless-wsgi",
        "wsgi_handler.handler",
    )
    assert list(project.iter_python_handlers()) == []


def test_lift_queue_worker_is_a_function(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        plugins: [serverless-lift]
        provider: {name: aws, runtime: python3.12}
        constructs:
          jobs:
            type: queue
            worker:
              handler: handler.consumer
          site:
            type: static-website
        functions:
          producer: {handler: handler.producer}
        """,
    )
    worker = fn_by_id(project, "jobsWorker")
    assert worker.loc.line == 7 and worker.handler == "handler.consumer"
    assert [(e.kind, e.loc.line, e.target) for e in worker.events] == [("sqs", 5, UNKNOWN)]
    assert worker.extra["logical_id"] == "JobsWorkerLambdaFunction"
    assert {fn.id for fn in project.functions} == {"producer", "jobsWorker"}


def test_sqs_event_by_literal_arn_finds_the_queue(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          f:
            handler: h.f
            events:
              - sqs: arn:aws:sqs:eu-west-1:123456789012:${self:custom.queue}
        custom:
          queue: jobs
        resources:
          Resources:
            JobsQueue:
              Type: AWS::SQS::Queue
              Properties:
                QueueName: ${self:custom.queue}
        """,
    )
    (event,) = fn_by_id(project, "f").events
    assert event.kind == "sqs" and event.target == "JobsQueue"
    assert event.target_name == "arn:aws:sqs:eu-west-1:123456789012:jobs"
    assert project.queues[f"{tmp_path / 'serverless.yml'}#JobsQueue"].name == "jobs"


EVENTS = """\
service: s
provider:
  name: aws
  runtime: python3.12
functions:
  f:
    handler: h.f
    events:
      - http: GET hello
      - http: {path: raw, method: get, integration: lambda}
      - httpApi: '*'
      - alb: {listenerArn: arn:x, priority: 1, conditions: {path: /x}}
      - sqs:
          arn: !GetAtt [Jobs, Arn]
          functionResponseType: ReportBatchItemFailures
      - stream:
          type: dynamodb
          arn: {"Fn::GetAtt": [Table, StreamArn]}
          maximumRetryAttempts: 3
          destinations:
            onFailure: arn:aws:sqs:eu-west-1:123456789012:dlq
      - stream: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks
      - s3:
          bucket: uploads
          event: s3:ObjectCreated:*
          rules:
            - prefix: incoming/
            - suffix: .csv
          existing: true
      - schedule: rate(1 hour)
      - eventBridge: {pattern: {source: [aws.ec2]}}
      - eventBridge: {schedule: rate(5 minutes)}
      - sns: alerts
      - cloudwatchLog: /aws/lambda/other
      - alexaSkill: amzn1.ask.skill.x
      - iot: {sql: "SELECT * FROM 't'"}
      - cognitoUserPool: {pool: users, trigger: PreSignUp}
      - websocket: $connect
      - somethingNew: {}
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 60
    Table:
      Type: AWS::DynamoDB::Table
"""


def test_events(tmp_path: Path) -> None:
    project = load(tmp_path, EVENTS)
    events = fn_by_id(project, "f").events
    kinds = [e.kind for e in events]
    assert kinds == [
        "api", "api", "http_api", "alb", "sqs", "dynamodb", "kinesis", "s3", "schedule",
        "eventbridge", "schedule", "sns", "cloudwatch_logs", "alexa", "iot", "cognito", "other", "other",
    ]  # fmt: skip
    api, raw, http_api, alb, sqs, ddb, kinesis, s3 = events[:8]
    assert api.loc.line == 9 and api.payload_format == "1.0"
    assert raw.payload_format is UNKNOWN  # non-proxy integration: no proxy response
    assert http_api.payload_format == "2.0"
    assert alb.payload_format == "1.0"
    assert sqs.target == "Jobs" and sqs.function_response_types == ["ReportBatchItemFailures"]
    assert project.queues[f"{tmp_path / 'serverless.yml'}#Jobs"].visibility_timeout == 60
    assert ddb.target == "Table" and ddb.maximum_retry_attempts == 3
    assert ddb.on_failure == "arn:aws:sqs:eu-west-1:123456789012:dlq"
    assert kinesis.target_name == "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"
    assert kinesis.on_failure is None and kinesis.bisect_on_error is None
    assert (s3.target_name, s3.filter_prefix, s3.filter_suffix) == ("uploads", "incoming/", ".csv")
    assert events[11].target_name == "alerts"
    assert sum(e.is_async for e in events) == 7  # s3, schedules, eventBridge, sns, logs, iot


def test_http_api_payload_from_provider(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12, httpApi: {payload: '1.0'}}
        functions:
          f: {handler: h.f, events: [{httpApi: GET /x}]}
        """,
    )
    assert fn_by_id(project, "f").events[0].payload_format == "1.0"


def test_function_url(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          public:
            handler: h.f
            url: true
          private:
            handler: h.g
            url:
              authorizer: aws_iam
          none:
            handler: h.h
            url: false
        """,
    )
    public, private, none = (fn_by_id(project, x) for x in ("public", "private", "none"))
    assert public.url is not None and public.url.auth_type == "NONE" and public.url.loc.line == 6
    assert public.events[0].kind == "function_url" and public.events[0].payload_format == "2.0"
    assert (
        private.url is not None
        and private.url.auth_type == "AWS_IAM"
        and private.url.loc.line == 10
    )
    assert none.url is None and none.events == []


def test_async_settings_concurrency_layers_tracing_logs(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          tracing:
            lambda: true
          logRetentionInDays: 14
          layers:
            - arn:aws:lambda:eu-west-1:123456789012:layer:shared:1
        layers:
          deps:
            path: layers/deps
        functions:
          a:
            handler: h.a
            reservedConcurrency: 5
            maximumRetryAttempts: 1
            destinations:
              onFailure: arn:aws:sqs:eu-west-1:123456789012:failed
            onError: arn:aws:sns:eu-west-1:123456789012:dlq
            layers:
              - !Ref DepsLambdaLayer
              - arn:aws:lambda:eu-west-1:123456789012:layer:x:2
            tracing: PassThrough
            logRetentionInDays: 3
          b:
            handler: h.b
            destinations:
              onFailure: a
        """,
    )
    a, b = fn_by_id(project, "a"), fn_by_id(project, "b")
    assert a.reserved_concurrency == 5 and a.locs["reserved_concurrency"].line == 16
    assert b.reserved_concurrency is None
    assert a.async_max_retries == 1
    assert (
        a.on_failure == "arn:aws:sqs:eu-west-1:123456789012:failed"
        and a.locs["on_failure"].line == 19
    )
    assert (
        a.dead_letter == "arn:aws:sns:eu-west-1:123456789012:dlq"
        and a.locs["dead_letter"].line == 20
    )
    assert b.on_failure == "resource:ALambdaFunction"
    assert isinstance(a.layers, list) and isinstance(b.layers, list)
    assert [layer.ref for layer in a.layers] == [
        "DepsLambdaLayer",
        "arn:aws:lambda:eu-west-1:123456789012:layer:x:2",
    ]
    assert a.layers[0].content_path == (tmp_path / "layers/deps").resolve()
    assert [layer.ref for layer in b.layers] == [
        "arn:aws:lambda:eu-west-1:123456789012:layer:shared:1"
    ]
    assert b.locs["layers"].line == 8
    assert a.tracing == "PassThrough" and b.tracing == "Active" and b.locs["tracing"].line == 6
    assert a.log_retention == 3 and b.log_retention == 14 and b.locs["log_retention"].line == 7
    assert a.log_group_managed


def test_resources_attach_to_serverless_functions(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          hello: {handler: h.hello}
          my-fn: {handler: h.other}
        resources:
          Resources:
            PublicInvoke:
              Type: AWS::Lambda::Permission
              Properties:
                FunctionName: !GetAtt HelloLambdaFunction.Arn
                Action: lambda:InvokeFunction
                Principal: "*"
            AsyncConfig:
              Type: AWS::Lambda::EventInvokeConfig
              Properties:
                FunctionName: !Ref MyDashfnLambdaFunction
                Qualifier: $LATEST
                MaximumRetryAttempts: 0
            HelloLogGroup:
              Properties:
                RetentionInDays: 30
            RawMethod:
              Type: AWS::ApiGateway::Method
              Properties:
                Integration:
                  Type: AWS_PROXY
                  Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloLambdaFunction.Arn}/invocations"
        """,
    )
    hello, other = fn_by_id(project, "hello"), fn_by_id(project, "my-fn")
    (perm,) = hello.permissions
    assert perm.principal == "*" and perm.loc.line == 8
    assert other.async_max_retries == 0
    assert hello.log_retention == 30 and hello.locs["log_retention"].line == 22
    assert [(e.kind, e.payload_format) for e in hello.events] == [("api", "1.0")]
    assert other.log_retention is None


def test_package_settings_recorded(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: s
        provider: {name: aws, runtime: python3.12}
        package:
          individually: true
          patterns: ["!node_modules/**", "!tests/**"]
        functions:
          a:
            handler: h.a
            package:
              patterns: ["!big/**"]
              artifact: dist/a.zip
          img:
            image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/img:latest
        """,
    )
    a, img = fn_by_id(project, "a"), fn_by_id(project, "img")
    pkg = a.extra["package"]
    assert pkg["patterns"] == ["!node_modules/**", "!tests/**", "!big/**"]
    assert pkg["individually"] is True
    assert pkg["artifact"] == (tmp_path / "dist/a.zip").resolve()
    assert a.code_path == tmp_path.resolve()
    assert img.package_type == "Image" and img.code_path is UNKNOWN
    assert img.runtime is UNKNOWN or img.runtime == "python3.12"


def test_unset_runtime_is_unknown(tmp_path: Path) -> None:
    project = load(tmp_path, "service: s\nprovider: {name: aws}\nfunctions:\n  f: {handler: h.f}\n")
    fn = fn_by_id(project, "f")
    assert fn.runtime is UNKNOWN and fn.extra["default_runtime"] == "nodejs"


# --------------------------------------------------------------------------- bad input


def test_malformed_yaml_is_ll002_with_line(tmp_path: Path) -> None:
    project = load(
        tmp_path, "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: a.b: c\n"
    )
    (finding,) = project.findings
    assert finding.rule_id == "LL002" and finding.location.line == 6
    assert project.functions == []
    assert tmp_path / "serverless.yml" in project.texts  # suppression comments still work


def test_duplicate_keys_not_utf8_empty_and_non_mapping(tmp_path: Path) -> None:
    dup = load(tmp_path, "service: s\nprovider: {name: aws}\nservice: t\n")
    assert [f.rule_id for f in dup.findings] == ["LL002"] and dup.findings[0].location.line in (
        1,
        3,
    )
    path = tmp_path / "serverless.yaml"
    path.write_bytes(b"service: \xff\xfe\n")
    bad = Project(root=tmp_path)
    serverless.load(path, path.read_bytes(), bad)
    assert [f.rule_id for f in bad.findings] == ["LL002"]
    assert [f.rule_id for f in load(tmp_path, "").findings] == ["LL002"]
    assert [f.rule_id for f in load(tmp_path, "- a\n- b\n").findings] == ["LL002"]


def test_unfollowed_files_and_wrong_types_never_crash(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """\
        service: ${file(./config.yml):service}
        provider:
          name: aws
          runtime: ${opt:runtime, 'python3.12'}
          timeout: ${env:TIMEOUT}
          environment: ${file(./env.yml)}
          iam:
            role:
              statements: ${file(./iam.yml)}
          tracing: yes-please
        functions:
          - ${file(./functions.yml)}
          - typed:
              handler: [not, a, string]
              events: {http: oops}
              layers: arn:aws:lambda:eu-west-1:123456789012:layer:x:1
              memorySize: [1]
              reservedConcurrency: {a: b}
              destinations: nope
              url: {authorizer: 7}
          - stringly: just-a-string
        resources: ${file(./resources.yml)}
        """,
    )
    assert project.findings == []
    fn = fn_by_id(project, "typed")
    assert fn.handler is UNKNOWN and fn.runtime is UNKNOWN and fn.timeout is UNKNOWN
    assert fn.memory is UNKNOWN and fn.reserved_concurrency is UNKNOWN
    assert fn.layers is UNKNOWN and fn.environment_unknown and fn.tracing is UNKNOWN
    assert fn.on_failure is UNKNOWN
    assert fn.url is not None and fn.url.auth_type is UNKNOWN
    assert role_of(fn).opaque_policies
    notes = "\n".join(project.notes)
    assert "functions.yml" in notes and "stringly" in notes and "resources.yml" in notes


def test_other_providers_are_skipped_with_a_note(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        "service: s\nprovider: {name: google, runtime: python39}\nfunctions:\n  f: {handler: h}\n",
    )
    assert project.functions == [] and project.findings == []
    assert any("google" in n for n in project.notes)


def test_variable_amplification_is_bounded(tmp_path: Path) -> None:
    lists = ["service: s", "provider: {name: aws}", "custom:", "  l0: [x, x, x, x, x, x, x, x]"]
    strings = ["  s0: abcdefgh"]
    for i in range(1, 40):
        lists.append(f"  l{i}: [" + ", ".join([f"'${{self:custom.l{i - 1}}}'"] * 8) + "]")
        strings.append(f"  s{i}: ${{self:custom.s{i - 1}}}${{self:custom.s{i - 1}}}")
    tail = [
        "functions:",
        "  f: {handler: h.f, environment: {A: '${self:custom.l39}', B: '${self:custom.s39}'}}",
    ]
    project = load(tmp_path, "\n".join(lists + strings + tail) + "\n")
    assert project.findings == []
    env = fn_by_id(project, "f").environment
    assert env["A"].value is UNKNOWN and env["B"].value is UNKNOWN


KEYS = st.sampled_from(
    [
        "service", "provider", "functions", "resources", "Resources", "custom", "layers", "handler",
        "events", "environment", "iam", "role", "statements", "http", "httpApi", "sqs", "stream", "s3",
        "url", "destinations", "onFailure", "onError", "runtime", "timeout", "name", "arn", "Type",
        "Properties", "package", "patterns", "module", "tracing", "lambda", "rules", "f", "g",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(
        [
            "aws",
            "h.f",
            "python3.12",
            "${self:custom.f}",
            "${opt:stage}",
            "${ssm:/x}",
            "arn:aws:sqs:r:1:q",
            "*",
            "x${self:}",
        ]
    ),
    st.text(max_size=8),
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=st.dictionaries(KEYS, TREES, max_size=6))
def test_fuzz_never_crashes(tmp_path: Path, doc: dict[str, object]) -> None:
    load(tmp_path, yaml.safe_dump(doc))


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="${}:,'\"()./ selfcustomptn0123", max_size=40))
def test_fuzz_variable_syntax_never_crashes(text: str) -> None:
    doc = {"service": "s", "custom": {"self": text, "f": "${self:custom.self}"}, "x": text}
    variables = serverless.Variables(doc)
    out = variables.resolve(doc)
    assert isinstance(out, dict)


def test_inline_suppression_in_serverless_yml(tmp_path: Path) -> None:
    (tmp_path / ".lambdalint.toml").write_text('select = ["LL002"]\n', encoding="utf-8")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: a.b: c  # lambdalint: ignore[LL002]\n",
        encoding="utf-8",
    )
    result = lint(tmp_path, fixture_config(tmp_path))
    assert found(result, tmp_path) == set()
    assert [f.rule_id for f in result.findings if f.suppressed] == ["LL002"]
