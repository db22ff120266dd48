"""IAM action facts (lambdalint.iam), the secret judgement of LL205, and the IAM/access rules'
behaviour that fixtures cannot show on their own (one finding per shared statement...)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdalint.config import Config
from lambdalint.iam import (
    ADMIN_POLICIES,
    LAMBDA_RUNTIME_ACTIONS,
    aws_managed_policy_name,
    expand,
    is_full_wildcard,
    service_actions,
    split_action,
)
from lambdalint.model import UNKNOWN, EnvVar, Location
from lambdalint.rules.ll205 import judge, placeholder, redact, secret_name
from tests.helpers import lint

HERE = Location(Path("template.yaml"), 1)

# --------------------------------------------------------------------------- action facts


def test_exact_action_facts() -> None:
    (put,) = expand("s3:PutObject") or []
    assert put.qualified == "s3:PutObject"
    assert put.writes and not put.star_only
    (get,) = expand("s3:GetObject") or []
    assert not get.writes
    (trace,) = expand("xray:PutTraceSegments") or []
    assert trace.writes and trace.star_only  # Write, but "*" is the only resource it takes
    (attach,) = expand("iam:AttachRolePolicy") or []
    assert "Permissions management" in attach.access_levels and attach.writes


def test_actions_are_case_insensitive() -> None:
    assert [f.qualified for f in expand("S3:putobject") or []] == ["s3:PutObject"]


def test_wildcards_expand_against_the_service() -> None:
    names = {f.name for f in expand("s3:Put*") or []}
    assert {"PutObject", "PutBucketPolicy"} <= names
    assert all(n.startswith("Put") for n in names)
    assert {f.name for f in expand("s3:*Object") or []} >= {"GetObject", "PutObject", "DeleteObject"}
    assert {f.name for f in expand("sqs:?endMessage") or []} == {"SendMessage"}


def test_unknown_actions_stay_unknown() -> None:
    assert expand("notaservice:DoThings") is None  # unknown service: callers stay quiet
    assert expand("s3:PutObjekt") == []  # a typo matches nothing
    assert expand("PutObject") is None
    assert expand("*:Get*") is None
    assert expand("") is None
    assert service_actions("../etc") is None


def test_service_facts_are_loaded_once() -> None:
    assert service_actions("s3") is service_actions("S3")


def test_full_wildcards() -> None:
    assert is_full_wildcard("*") and is_full_wildcard(" s3:* ") and is_full_wildcard("*:*")
    assert not is_full_wildcard("s3:Get*") and not is_full_wildcard("s3:GetObject")
    assert split_action("S3:GetObject") == ("s3", "GetObject")
    assert split_action("nonsense") is None


def test_lambda_runtime_exemptions_are_real_scopable_writes_or_reads() -> None:
    """The hand-kept baseline must name actions that exist (the data would catch a rename)."""
    for action in LAMBDA_RUNTIME_ACTIONS:
        facts = expand(action)
        assert facts and len(facts) == 1, action


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
        ("arn:aws-us-gov:iam::aws:policy/PowerUserAccess", "PowerUserAccess"),
        ("arn:${AWS::Partition}:iam::aws:policy/IAMFullAccess", "IAMFullAccess"),
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole"),
        ("AdministratorAccess", "AdministratorAccess"),  # SAM bare name
        ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),  # customer managed
        ("arn:aws:iam::aws:role/AdministratorAccess", None),
    ],
)
def test_aws_managed_policy_names(ref: str, name: str | None) -> None:
    assert aws_managed_policy_name(ref) == name


def test_admin_policies_are_not_service_scoped() -> None:
    assert "AdministratorAccess" in ADMIN_POLICIES and "IAMFullAccess" in ADMIN_POLICIES
    assert "AmazonS3FullAccess" not in ADMIN_POLICIES


# --------------------------------------------------------------------------- LL205 secrets


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("dbPassword", True),
        ("db-pass", True),
        ("JWT_SECRET", True),
        ("GITHUB_TOKEN", True),
        ("API_KEY", True),
        ("apiKey", True),
        ("STRIPE_SECRET_KEY", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("PWD", False),  # the shell's working directory
        ("SECRET_NAME", False),
        ("SECRET_ARN", False),
        ("PASSWORD_PARAM", False),
        ("API_KEY_PARAMETER", False),
        ("TOKEN_TABLE", False),
        ("ACCESS_KEY_ID", False),
        ("MAX_TOKENS", False),
        ("S3_KEY", False),
        ("KMS_KEY", False),
        ("SUPABASE_ANON_KEY", False),
        ("STRIPE_PUBLISHABLE_KEY", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


@pytest.mark.parametrize(
    ("name", "value", "source"),
    [
        ("DB_PASSWORD", "hunter2-prod", None),
        ("API_TOKEN", "Zq8vN2kP4xR7tY1w", None),
        ("DB_PASS", "postgres", None),
        ("ANYTHING", "AKIAZ3MSJV4WPQ7KXB2N", None),  # AWS access key id, any name
        ("CONFIG", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...", None),
        ("DATABASE_URL", "mysql://admin:Tr0ub4dor3@db.internal/app", None),
        ("LEGACY", "AKIAZ3MSJV4WPQ7KXB2N", "parameter"),  # a parameter default in token format
    ],
)
def test_plaintext_secrets(name: str, value: str, source: str | None) -> None:
    assert judge(EnvVar(name, value, HERE, source)) is not None


@pytest.mark.parametrize(
    ("name", "value", "source"),
    [
        ("DB_PASSWORD", UNKNOWN, "noecho-parameter"),
        ("DB_PASSWORD", UNKNOWN, "ssm"),
        ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db:SecretString:password}}", "resolve"),
        ("DB_PASSWORD", "{{resolve:ssm-secure:/prod/db}}", None),
        ("DB_PASSWORD", UNKNOWN, None),
        ("DB_PASSWORD", "hunter2-prod", "parameter"),  # a parameter default: only token formats
        ("SECRET_NAME", "prod/db", None),
        ("API_KEY_PARAMETER", "/app/key", None),
        ("TOKEN_TABLE", "tokens", None),
        ("DB_SECRET", "prod/db/credentials", None),
        ("DB_SECRET", "my-app-db-secret", None),
        ("DB_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", None),
        ("API_KEY", "my-api-key", None),
        ("API_KEY", "x-api-key", None),
        ("PRIVATE_KEY", "private.pem", None),
        ("SERVICE_ACCOUNT_KEY", "config/service-account.json", None),
        ("ENCRYPTION_KEY", "alias/orders-key", None),
        ("GITHUB_TOKEN", "GITHUB_TOKEN_SECRET_NAME", None),
        ("TOKEN", "https://auth.example.com/token", None),
        ("DATABASE_URL", "postgres://db.internal:5432/app", None),
        ("API_KEY", "", None),
        ("API_KEY", "changeme", None),
        ("API_KEY", "<your key>", None),
        ("API_KEY", "${API_KEY}", None),
        ("API_KEY", "xxxxxxxx", None),
        ("API_KEY", "TODO", None),
        ("API_KEY", "dummy", None),
        ("API_KEY", "abc123", None),
        ("API_KEY", "AKIAIOSFODNN7EXAMPLE", None),
        ("API_KEY", "123", None),
        ("PASSWORD_MIN_LENGTH", "12", None),
        ("STAGE", "prod", None),
    ],
)
def test_not_plaintext_secrets(name: str, value: object, source: str | None) -> None:
    assert judge(EnvVar(name, value, HERE, source)) is None  # type: ignore[arg-type]


def test_placeholders() -> None:
    assert placeholder("changeme") and placeholder("<set-me>") and placeholder("****") and placeholder("123456")
    assert not placeholder("hunter2-prod") and not placeholder("Zq8vN2kP4xR7tY1w")


@given(st.text(min_size=8, max_size=200))
def test_redaction_never_shows_the_secret(value: str) -> None:
    shown = redact(value)
    core = value.strip().replace("\n", " ")
    if len(core) >= 8:
        assert core not in shown


@given(st.text(max_size=60), st.text(max_size=200), st.sampled_from(["ssm", "secretsmanager", "resolve", "noecho-parameter"]))
def test_values_from_secret_stores_are_never_reported(name: str, value: str, source: str) -> None:
    assert judge(EnvVar(name, value, HERE, source)) is None


@given(st.text(max_size=40), st.text(max_size=120))
def test_judge_reports_only_written_values_and_never_repeats_them(name: str, value: str) -> None:
    hit = judge(EnvVar(name, value, HERE, None))
    if hit is not None:
        core = value.strip()
        assert core and "{{resolve:" not in value and "${" not in value
        assert len(core) < 8 or core not in hit.why


# --------------------------------------------------------------------------- rules on projects

SHARED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:*, sqs:SendMessage]
                Resource: '*'
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
  One:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12, Role: !GetAtt AppRole.Arn}
  Two:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12, Role: !GetAtt AppRole.Arn}
"""


def _run(tmp_path: Path, text: str, select: list[str], name: str = "template.yaml") -> list[tuple[int, str, str]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(tmp_path, Config(root=tmp_path, select=select))
    assert not result.errors, result.errors
    return [(f.location.line, f.rule_id, f.message) for f in result.visible]


def test_shared_role_statements_are_reported_once_naming_every_function(tmp_path: Path) -> None:
    found = _run(tmp_path, SHARED, ["LL201", "LL202", "LL203", "LL206"])
    assert sorted((line, rule) for line, rule, _ in found) == [
        (3, "LL206"),
        (12, "LL201"),
        (13, "LL202"),
        (14, "LL203"),
    ]
    for _, rule, message in found:
        assert "'One'" in message and "'Two'" in message, (rule, message)
    ll202 = next(m for _, r, m in found if r == "LL202")
    assert "sqs:SendMessage" in ll202 and "s3:*" not in ll202  # s3:* is LL201's


def test_an_action_listed_twice_is_named_once(tmp_path: Path) -> None:
    text = SHARED.replace("[s3:*, sqs:SendMessage]", "[sqs:SendMessage, iam:UpdateAccessKey, sqs:sendmessage]")
    [(_, _, message)] = _run(tmp_path, text, ["LL202"])
    assert message.lower().count("sqs:sendmessage") == 1 and "iam:UpdateAccessKey" in message, message


def test_role_metadata_suppresses_its_statements(tmp_path: Path) -> None:
    text = SHARED.replace(
        "    Type: AWS::IAM::Role\n", "    Type: AWS::IAM::Role\n    Metadata:\n      lambdalint:\n        ignore: [LL201, LL203]\n"
    )
    rules = {rule for _, rule, _ in _run(tmp_path, text, ["LL201", "LL202", "LL203"])}
    assert rules == {"LL202"}


def test_policy_attached_to_a_sam_generated_role(tmp_path: Path) -> None:
    text = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler, Runtime: python3.12}\n"
        "  Extra:\n"
        "    Type: AWS::IAM::Policy\n"
        "    Properties:\n"
        "      PolicyName: extra\n"
        "      Roles: [!Ref FnRole]\n"
        "      PolicyDocument:\n"
        "        Statement:\n"
        "          - {Effect: Allow, Action: 'dynamodb:*', Resource: '*'}\n"
    )
    assert [(line, rule) for line, rule, _ in _run(tmp_path, text, ["LL201"])] == [(13, "LL201")]


def test_globals_url_and_env_are_reported_once(tmp_path: Path) -> None:
    text = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n"
        "  Function:\n"
        "    Runtime: python3.12\n"
        "    FunctionUrlConfig:\n"
        "      AuthType: NONE\n"
        "    Environment:\n"
        "      Variables:\n"
        "        API_TOKEN: Zq8vN2kP4xR7tY1w\n"
        "Resources:\n"
        "  A:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler}\n"
        "  B:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler}\n"
    )
    found = _run(tmp_path, text, ["LL204", "LL205"])
    assert sorted((line, rule) for line, rule, _ in found) == [(6, "LL204"), (9, "LL205")]
    assert all("'A'" in m and "'B'" in m for _, _, m in found)


def test_secret_values_do_not_reach_the_report(tmp_path: Path) -> None:
    text = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  A:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Environment:\n"
        "        Variables:\n"
        "          DB_PASSWORD: Tr0ub4dor-and-3\n"
    )
    ((_, _, message),) = _run(tmp_path, text, ["LL205"])
    assert "DB_PASSWORD" in message and "'A'" in message
    assert "Tr0ub4dor-and-3" not in message
