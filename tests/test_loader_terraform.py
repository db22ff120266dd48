"""The Terraform loader: HCL into the project model (values, references, lines, modules)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lambdalint.loaders.terraform import V, _split_subdir, address, load_dir
from lambdalint.model import UNKNOWN, Function, Project, Role
from tests.conftest import SHARED

PROVIDER = 'provider "aws" {\n  region = "eu-west-1"\n}\n'


def load(tmp_path: Path, files: dict[str, str], folder: str = ".") -> Project:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    project = Project(root=tmp_path)
    load_dir((tmp_path / folder).resolve() if folder != "." else tmp_path, project)
    return project


def fn_of(project: Project, fid: str) -> Function:
    found = [f for f in project.functions if f.id == fid]
    assert found, f"{fid} not in {[f.id for f in project.functions]}"
    return found[0]


def line_of(tmp_path: Path, name: str, needle: str) -> int:
    for i, line in enumerate((tmp_path / name).read_text().splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def single(tmp_path: Path, body: str, extra: str = "", name: str = "main.tf") -> Function:
    project = load(tmp_path, {name: PROVIDER + textwrap.dedent(body) + textwrap.dedent(extra)})
    assert not project.findings, project.findings
    assert len(project.functions) == 1, [f.id for f in project.functions]
    return project.functions[0]


# --------------------------------------------------------------------------- evaluation


def test_literals_locals_variables_and_templates(tmp_path: Path) -> None:
    fn = single(
        tmp_path,
        """
        variable "env" {
          default = "prod"
        }
        variable "minutes" {
          default = 2
        }
        locals {
          name    = "orders-${var.env}"
          timeout = var.minutes * 60 + 5
          memory  = var.env == "prod" ? 1024 : 256
          rt      = lower("PYTHON3.12")
        }
        resource "aws_lambda_function" "api" {
          function_name = "${local.name}-api"
          handler       = "app.handler"
          runtime       = local.rt
          timeout       = local.timeout
          memory_size   = local.memory
          ephemeral_storage {
            size = 1024
          }
          reserved_concurrent_executions = -1
          filename      = "${path.module}/build/app.zip"
        }
        """,
    )
    assert fn.id == "aws_lambda_function.api"
    assert fn.format == "terraform"
    assert fn.name == "orders-prod-api"
    assert fn.runtime == "python3.12"
    assert fn.timeout == 125
    assert fn.memory == 1024
    assert fn.ephemeral_storage == 1024
    assert fn.reserved_concurrency is None  # -1: unreserved
    assert fn.handler == "app.handler"
    assert fn.upload == "direct"
    assert fn.code_path == (tmp_path / "build" / "app.zip").resolve()
    assert fn.loc.line == line_of(tmp_path, "main.tf", 'resource "aws_lambda_function"')
    assert fn.locs["handler"].line == line_of(tmp_path, "main.tf", "handler       =")
    # a value that comes from a local is located where it is written
    assert fn.locs["runtime"].line == line_of(tmp_path, "main.tf", "rt      =")


def test_functions_and_unknowns(tmp_path: Path) -> None:
    fn = single(
        tmp_path,
        """
        locals {
          names = { a = "x", b = "y" }
          merged = merge(local.names, { c = "z" })
        }
        resource "aws_lambda_function" "f" {
          function_name = format("%s-%s", lookup(local.merged, "c", "?"), try(local.names.missing, "fallback"))
          handler       = coalesce("", "app.h")
          runtime       = join("", concat(["python"], ["3.12"]))
          description   = [for k in local.names : k]
          timeout       = length(keys(local.merged))
          memory_size   = max(128, 512)
          role          = aws_iam_role.gone[*].arn
          filename      = "x.zip"
        }
        """,
    )
    assert fn.name == "z-fallback"
    assert fn.handler == "app.h"
    assert fn.runtime == "python3.12"
    assert fn.timeout == 3
    assert fn.memory == 512
    assert fn.role is UNKNOWN


def test_unresolvable_values_are_unknown_with_references(tmp_path: Path) -> None:
    fn = single(
        tmp_path,
        """
        variable "runtime" {}
        resource "aws_lambda_function" "f" {
          function_name = "${random_pet.p.id}-f"
          handler       = "%{ if var.runtime != "" }app.h%{ endif }"
          runtime       = var.runtime
          timeout       = data.aws_ssm_parameter.t.value
          memory_size   = each.value
          filename      = "x.zip"
        }
        """,
    )
    assert fn.name is UNKNOWN
    assert fn.handler is UNKNOWN
    assert fn.runtime is UNKNOWN
    assert fn.timeout is UNKNOWN
    assert fn.memory is UNKNOWN


def test_reference_cycles_and_deep_nesting_do_not_crash(tmp_path: Path) -> None:
    deep = "(" * 300 + "1" + ")" * 300
    fn = single(
        tmp_path,
        f"""
        locals {{
          a = local.b
          b = local.a
          deep = {deep}
        }}
        resource "aws_lambda_function" "f" {{
          function_name = local.a
          timeout       = local.deep
          handler       = aws_lambda_function.f.handler
          filename      = "x.zip"
        }}
        """,
    )
    assert fn.name is UNKNOWN
    assert fn.handler is UNKNOWN


def test_child_module_variables_are_inputs(tmp_path: Path) -> None:
    """A reusable module (no provider, backend, lock file or tfvars) does not decide its
    variables: their defaults are not what gets deployed."""
    project = load(
        tmp_path,
        {
            "main.tf": """
            variable "runtime" {
              default = "python3.8"
            }
            resource "aws_lambda_function" "this" {
              function_name = "f"
              handler       = "app.h"
              runtime       = var.runtime
              filename      = "x.zip"
            }
            """
        },
    )
    assert project.functions[0].runtime is UNKNOWN


def test_tfvars_override_defaults_in_a_root_module(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "main.tf": """
            variable "runtime" {
              default = "python3.8"
            }
            resource "aws_lambda_function" "this" {
              function_name = "f"
              handler       = "app.h"
              runtime       = var.runtime
              filename      = "x.zip"
            }
            """,
            "terraform.tfvars": 'runtime = "python3.13"\n',
        },
    )
    assert project.functions[0].runtime == "python3.13"


def test_count_zero_and_empty_for_each_create_nothing(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            variable "enabled" {
              default = false
            }
            resource "aws_lambda_function" "off" {
              count         = var.enabled ? 1 : 0
              function_name = "off"
              filename      = "x.zip"
            }
            resource "aws_lambda_function" "none" {
              for_each      = {}
              function_name = "none"
              filename      = "x.zip"
            }
            resource "aws_lambda_function" "many" {
              for_each      = toset(["a", "b"])
              function_name = "many-${each.key}"
              filename      = "x.zip"
            }
            resource "aws_lambda_function" "maybe" {
              count         = var.unknown_count
              function_name = "maybe"
              filename      = "x.zip"
            }
            """
        },
    )
    assert sorted(f.id for f in project.functions) == ["aws_lambda_function.many", "aws_lambda_function.maybe"]


def test_address_and_module_sources() -> None:
    assert address("aws_iam_role.r.arn") == "aws_iam_role.r"
    assert address("data.aws_iam_policy_document.d.json") == "data.aws_iam_policy_document.d"
    assert address("module.m.lambda_function_arn") == "module.m"
    assert _split_subdir("git::https://github.com/x/y.git//modules/a?ref=v1") == (
        "git::https://github.com/x/y.git?ref=v1",
        "modules/a",
    )
    assert _split_subdir("terraform-aws-modules/lambda/aws") == ("terraform-aws-modules/lambda/aws", "")
    assert V("x", Path("a.tf"), 1, 1).plain() == "x"


# --------------------------------------------------------------------------- code


def test_archive_file_links_handler_to_source(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    pass\n")
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "job.py").write_text("def run(event, context):\n    pass\n")
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            data "archive_file" "dir" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/build/app.zip"
              excludes    = ["tests"]
            }
            data "archive_file" "file" {
              type        = "zip"
              source_file = "${path.module}/one/job.py"
              output_path = "${path.module}/build/job.zip"
            }
            locals {
              zip = data.archive_file.dir.output_path
            }
            resource "aws_lambda_function" "api" {
              function_name = "api"
              handler       = "app.handler"
              runtime       = "python3.12"
              filename      = local.zip
            }
            resource "aws_lambda_function" "job" {
              function_name = "job"
              handler       = "job.run"
              runtime       = "python3.12"
              filename      = data.archive_file.file.output_path
            }
            """
        },
    )
    api = fn_of(project, "aws_lambda_function.api")
    assert api.code_path == (tmp_path / "src").resolve()
    assert api.upload == "direct"
    assert api.extra["package"] == {"excludes": ["tests"]}
    job = fn_of(project, "aws_lambda_function.job")
    assert job.code_path == (tmp_path / "one").resolve()
    handlers = {(f.id, p.name, name) for f, p, name in project.iter_python_handlers()}
    assert ("aws_lambda_function.api", "app.py", "handler") in handlers
    assert ("aws_lambda_function.job", "job.py", "run") in handlers


def test_s3_and_image_packages(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            data "archive_file" "zip" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/app.zip"
            }
            resource "aws_s3_object" "pkg" {
              bucket = "artifacts"
              key    = "app.zip"
              source = data.archive_file.zip.output_path
            }
            resource "aws_lambda_function" "s3" {
              function_name = "s3"
              s3_bucket     = "artifacts"
              s3_key        = aws_s3_object.pkg.key
              handler       = "app.h"
              runtime       = "python3.12"
            }
            resource "aws_lambda_function" "remote" {
              function_name = "remote"
              s3_bucket     = "artifacts"
              s3_key        = "other.zip"
            }
            resource "aws_lambda_function" "image" {
              function_name = "image"
              package_type  = "Image"
              image_uri     = "123.dkr.ecr.eu-west-1.amazonaws.com/app:1"
            }
            """
        },
    )
    s3 = fn_of(project, "aws_lambda_function.s3")
    assert s3.upload == "s3"
    assert s3.code_path == (tmp_path / "src").resolve()
    remote = fn_of(project, "aws_lambda_function.remote")
    assert (remote.upload, remote.code_path) == ("s3", UNKNOWN)
    image = fn_of(project, "aws_lambda_function.image")
    assert image.package_type == "Image"
    assert image.code_path is UNKNOWN


# --------------------------------------------------------------------------- environment


def test_environment_sources_and_lines(tmp_path: Path) -> None:
    fn = single(
        tmp_path,
        """
        variable "db_password" {
          type      = string
          sensitive = true
        }
        variable "stage" {
          default = "prod"
        }
        resource "aws_lambda_function" "f" {
          function_name = "f"
          filename      = "x.zip"
          environment {
            variables = {
              PLAIN    = "hello"
              NUMBER   = 42
              FLAG     = true
              STAGE    = var.stage
              PASSWORD = var.db_password
              PARAM    = data.aws_ssm_parameter.p.value
              PARAM2   = aws_ssm_parameter.q.value
              SECRET   = data.aws_secretsmanager_secret_version.s.secret_string
              QUEUE    = aws_sqs_queue.jobs.url
              "QUOTED" = "x"
            }
          }
        }
        resource "aws_ssm_parameter" "q" {
          name  = "q"
          type  = "SecureString"
          value = "literal-but-from-ssm"
        }
        """,
    )
    env = fn.environment
    assert env["PLAIN"].value == "hello" and env["PLAIN"].source is None
    assert env["NUMBER"].value == "42"
    assert env["FLAG"].value == "true"
    assert (env["STAGE"].value, env["STAGE"].source) == ("prod", "parameter")
    assert (env["PASSWORD"].value, env["PASSWORD"].source) == (UNKNOWN, "noecho-parameter")
    assert (env["PARAM"].value, env["PARAM"].source) == (UNKNOWN, "ssm")
    assert (env["PARAM2"].value, env["PARAM2"].source) == (UNKNOWN, "ssm")
    assert (env["SECRET"].value, env["SECRET"].source) == (UNKNOWN, "secretsmanager")
    assert (env["QUEUE"].value, env["QUEUE"].source) == (UNKNOWN, "resource:aws_sqs_queue.jobs")
    assert env["QUOTED"].value == "x"
    assert env["PLAIN"].loc.line == line_of(tmp_path, "main.tf", "PLAIN    =")
    assert env["QUEUE"].loc.line == line_of(tmp_path, "main.tf", "QUEUE    =")
    assert not fn.environment_unknown


def test_environment_from_an_expression(tmp_path: Path) -> None:
    fn = single(
        tmp_path,
        """
        resource "aws_lambda_function" "f" {
          function_name = "f"
          filename      = "x.zip"
          environment {
            variables = merge(var.common, { OWN = "1" })
          }
        }
        """,
    )
    assert fn.environment_unknown
    assert fn.environment["OWN"].value == "1"
    fn2 = single(
        tmp_path,
        """
        resource "aws_lambda_function" "f" {
          function_name = "f"
          filename      = "x.zip"
          dynamic "environment" {
            for_each = var.env == null ? [] : [1]
            content {
              variables = var.env
            }
          }
        }
        """,
        name="main.tf",
    )
    assert fn2.environment_unknown


# --------------------------------------------------------------------------- IAM


def test_role_policies_in_every_form(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            resource "aws_iam_role" "r" {
              name               = "r"
              assume_role_policy = "{}"
              managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
              inline_policy {
                name = "inline"
                policy = jsonencode({
                  Version = "2012-10-17"
                  Statement = [{
                    Effect   = "Allow"
                    Action   = ["s3:*", "sqs:SendMessage"]
                    Resource = "*"
                  }]
                })
              }
            }
            resource "aws_iam_role_policy" "heredoc" {
              role   = aws_iam_role.r.id
              policy = <<-EOT
                {
                  "Version": "2012-10-17",
                  "Statement": [
                    {
                      "Effect": "Allow",
                      "Action": "dynamodb:*",
                      "Resource": "arn:aws:dynamodb:*:*:table/${var.table}"
                    }
                  ]
                }
              EOT
            }
            data "aws_iam_policy_document" "doc" {
              statement {
                actions   = ["kms:Decrypt"]
                resources = ["*"]
                condition {
                  test     = "StringEquals"
                  variable = "kms:ViaService"
                  values   = ["s3.eu-west-1.amazonaws.com"]
                }
              }
              statement {
                effect      = "Deny"
                not_actions = ["iam:*"]
                resources   = ["*"]
              }
            }
            resource "aws_iam_role_policy" "doc" {
              role   = aws_iam_role.r.name
              policy = data.aws_iam_policy_document.doc.json
            }
            resource "aws_iam_policy" "managed" {
              policy = jsonencode({
                Statement = { Effect = "Allow", Action = "ec2:*", Resource = "*" }
              })
            }
            resource "aws_iam_role_policy_attachment" "managed" {
              role       = aws_iam_role.r.name
              policy_arn = aws_iam_policy.managed.arn
            }
            resource "aws_iam_role_policy_attachment" "aws" {
              role       = "r"
              policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
            }
            resource "aws_iam_role_policy" "file" {
              role   = aws_iam_role.r.id
              policy = templatefile("${path.module}/policy.json", {})
            }
            resource "aws_lambda_function" "a" {
              function_name = "a"
              role          = aws_iam_role.r.arn
              filename      = "x.zip"
            }
            resource "aws_lambda_function" "b" {
              function_name = "b"
              role          = aws_iam_role.r.arn
              filename      = "x.zip"
            }
            """
        },
    )
    a, b = fn_of(project, "aws_lambda_function.a"), fn_of(project, "aws_lambda_function.b")
    assert isinstance(a.role, Role) and a.role is b.role
    assert a.role_shared_key == b.role_shared_key and a.role_shared_key
    role = a.role
    assert role.id == "aws_iam_role.r"
    assert role in project.roles.values()
    actions = {v.value: v.loc.line for st in role.statements for v in st.actions}  # type: ignore[union-attr]
    assert actions["s3:*"] == line_of(tmp_path, "main.tf", 'Action   = ["s3:*"')
    assert actions["dynamodb:*"] == line_of(tmp_path, "main.tf", '"Action": "dynamodb:*"')
    assert actions["kms:Decrypt"] == line_of(tmp_path, "main.tf", 'actions   = ["kms:Decrypt"]')
    assert "ec2:*" in actions
    heredoc = next(st for st in role.statements if st.actions and st.actions[0].value == "dynamodb:*")  # type: ignore[index,union-attr]
    assert heredoc.resources[0].value is UNKNOWN  # type: ignore[index]
    kms = next(st for st in role.statements if st.actions and st.actions[0].value == "kms:Decrypt")  # type: ignore[index,union-attr]
    assert kms.effect == "Allow" and kms.has_condition
    deny = next(st for st in role.statements if st.effect == "Deny")
    assert [v.value for v in deny.not_actions] == ["iam:*"]  # type: ignore[union-attr]
    managed = sorted(v.value for v in role.managed_policies)
    assert managed == ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert [v.value for v in role.opaque_policies] == ["templatefile(...)"]


def test_role_outside_the_module(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            resource "aws_lambda_function" "a" {
              function_name = "a"
              role          = "arn:aws:iam::123456789012:role/shared"
              filename      = "x.zip"
            }
            resource "aws_lambda_function" "b" {
              function_name = "b"
              role          = data.aws_iam_role.shared.arn
              filename      = "x.zip"
            }
            resource "aws_lambda_function" "c" {
              function_name = "c"
              role          = data.aws_iam_role.shared.arn
              filename      = "x.zip"
            }
            """
        },
    )
    a, b, c = (fn_of(project, f"aws_lambda_function.{x}") for x in "abc")
    assert a.role is UNKNOWN and a.role_shared_key == "arn:aws:iam::123456789012:role/shared"
    assert b.role is UNKNOWN and b.role_shared_key == c.role_shared_key


# --------------------------------------------------------------------------- events


def test_event_sources(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "functions.tf": PROVIDER
            + """
            resource "aws_lambda_function" "f" {
              function_name = "f"
              filename      = "x.zip"
              timeout       = 20
            }
            """,
            "events.tf": """
            resource "aws_sqs_queue" "jobs" {
              name                       = "jobs"
              visibility_timeout_seconds = 60
              redrive_policy = jsonencode({
                deadLetterTargetArn = aws_sqs_queue.dlq.arn
                maxReceiveCount     = 5
              })
            }
            resource "aws_sqs_queue" "dlq" {
              name = "dlq"
            }
            resource "aws_sqs_queue_redrive_policy" "dlq" {
              queue_url      = aws_sqs_queue.dlq.id
              redrive_policy = "{}"
            }
            resource "aws_lambda_event_source_mapping" "sqs" {
              event_source_arn        = aws_sqs_queue.jobs.arn
              function_name           = aws_lambda_function.f.arn
              function_response_types = ["ReportBatchItemFailures"]
            }
            resource "aws_lambda_event_source_mapping" "stream" {
              event_source_arn               = aws_kinesis_stream.s.arn
              function_name                  = aws_lambda_function.f.function_name
              bisect_batch_on_function_error = true
              maximum_retry_attempts         = 3
              destination_config {
                on_failure {
                  destination_arn = aws_sqs_queue.dlq.arn
                }
              }
            }
            resource "aws_lambda_event_source_mapping" "ddb" {
              event_source_arn = aws_dynamodb_table.t.stream_arn
              function_name    = "f"
            }
            resource "aws_s3_bucket_notification" "n" {
              bucket = aws_s3_bucket.b.id
              lambda_function {
                lambda_function_arn = aws_lambda_function.f.arn
                events              = ["s3:ObjectCreated:*"]
                filter_prefix       = "in/"
                filter_suffix       = ".csv"
              }
            }
            resource "aws_sns_topic_subscription" "s" {
              topic_arn = aws_sns_topic.t.arn
              protocol  = "lambda"
              endpoint  = aws_lambda_function.f.arn
            }
            resource "aws_cloudwatch_event_rule" "cron" {
              schedule_expression = "rate(5 minutes)"
            }
            resource "aws_cloudwatch_event_target" "cron" {
              rule = aws_cloudwatch_event_rule.cron.name
              arn  = aws_lambda_function.f.arn
            }
            resource "aws_lambda_permission" "cron" {
              statement_id  = "cron"
              action        = "lambda:InvokeFunction"
              function_name = aws_lambda_function.f.function_name
              principal     = "events.amazonaws.com"
              source_arn    = aws_cloudwatch_event_rule.cron.arn
            }
            resource "aws_lambda_permission" "api" {
              function_name = aws_lambda_function.f.function_name
              principal     = "apigateway.amazonaws.com"
              source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
            }
            resource "aws_lambda_function_url" "url" {
              function_name      = aws_lambda_function.f.function_name
              authorization_type = "NONE"
            }
            resource "aws_lambda_function_event_invoke_config" "cfg" {
              function_name          = aws_lambda_function.f.function_name
              maximum_retry_attempts = 0
              destination_config {
                on_failure {
                  destination = aws_sns_topic.failures.arn
                }
              }
            }
            resource "aws_apigatewayv2_integration" "http" {
              api_id           = aws_apigatewayv2_api.http.id
              integration_type = "AWS_PROXY"
              integration_uri  = aws_lambda_function.f.invoke_arn
              payload_format_version = "2.0"
            }
            resource "aws_lb_target_group_attachment" "alb" {
              target_group_arn = aws_lb_target_group.tg.arn
              target_id        = aws_lambda_function.f.arn
            }
            """,
        },
    )
    fn = fn_of(project, "aws_lambda_function.f")
    by_name = {e.name: e for e in fn.events}
    sqs = by_name["aws_lambda_event_source_mapping.sqs"]
    assert (sqs.kind, sqs.target, sqs.function_response_types) == ("sqs", "aws_sqs_queue.jobs", ["ReportBatchItemFailures"])
    assert sqs.loc.path.name == "events.tf"
    queue = project.queues[f"{fn.template}#{sqs.target}"]  # how rules find a function's queue
    assert (queue.visibility_timeout, queue.redrive) == (60, True)
    assert project.queues[f"{tmp_path / 'events.tf'}#aws_sqs_queue.dlq"].redrive is True
    stream = by_name["aws_lambda_event_source_mapping.stream"]
    assert (stream.kind, stream.bisect_on_error, stream.maximum_retry_attempts) == ("kinesis", True, 3)
    assert stream.on_failure == "resource:aws_sqs_queue.dlq"
    assert by_name["aws_lambda_event_source_mapping.ddb"].kind == "dynamodb"  # linked by literal name
    s3 = by_name["aws_s3_bucket_notification.n"]
    assert (s3.kind, s3.target, s3.filter_prefix, s3.filter_suffix) == ("s3", "aws_s3_bucket.b", "in/", ".csv")
    assert by_name["aws_sns_topic_subscription.s"].kind == "sns"
    cron = by_name["aws_cloudwatch_event_target.cron"]
    assert (cron.kind, cron.target) == ("schedule", "aws_cloudwatch_event_rule.cron")
    assert "aws_lambda_permission.cron" not in by_name  # the target already describes that event
    api = by_name["aws_lambda_permission.api"]
    assert (api.kind, api.payload_format) == ("api", "1.0")
    assert by_name["aws_lambda_function_url.url"].kind == "function_url"
    assert fn.url is not None and fn.url.auth_type == "NONE"
    assert fn.url.loc.line == line_of(tmp_path, "events.tf", 'authorization_type = "NONE"')
    http = by_name["aws_apigatewayv2_integration.http"]
    assert (http.kind, http.payload_format) == ("http_api", "2.0")
    assert by_name["aws_lb_target_group_attachment.alb"].kind == "alb"
    perms = {p.id: p for p in fn.permissions}
    assert perms["aws_lambda_permission.cron"].principal == "events.amazonaws.com"
    assert perms["aws_lambda_permission.cron"].source_arn == "resource:aws_cloudwatch_event_rule.cron"
    assert perms["aws_lambda_permission.api"].locs["Principal"].path.name == "events.tf"
    assert fn.on_failure == "resource:aws_sns_topic.failures"
    assert fn.async_max_retries == 0


def test_dead_letter_tracing_and_log_groups(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            resource "aws_lambda_function" "a" {
              function_name = "alpha"
              filename      = "x.zip"
              dead_letter_config {
                target_arn = aws_sqs_queue.dlq.arn
              }
              tracing_config {
                mode = "Active"
              }
            }
            resource "aws_lambda_function" "b" {
              function_name = "beta"
              filename      = "x.zip"
              logging_config {
                log_format = "JSON"
                log_group  = aws_cloudwatch_log_group.custom.name
              }
            }
            resource "aws_lambda_function" "c" {
              function_name = "gamma"
              filename      = "x.zip"
              logging_config {
                log_format = "Text"
                log_group  = "/shared/elsewhere"
              }
            }
            resource "aws_lambda_function" "d" {
              function_name = var.name
              filename      = "x.zip"
            }
            resource "aws_cloudwatch_log_group" "a" {
              name              = "/aws/lambda/${aws_lambda_function.a.function_name}"
              retention_in_days = 14
            }
            resource "aws_cloudwatch_log_group" "custom" {
              name = "/custom/beta"
            }
            resource "aws_cloudwatch_log_group" "d" {
              name              = "/aws/lambda/${aws_lambda_function.d.function_name}"
              retention_in_days = 0
            }
            """
        },
    )
    a, b, c, d = (fn_of(project, f"aws_lambda_function.{x}") for x in "abcd")
    assert a.dead_letter == "resource:aws_sqs_queue.dlq"
    assert a.tracing == "Active"
    assert (a.log_group_managed, a.log_retention) == (True, 14)
    assert a.locs["log_retention"].line == line_of(tmp_path, "main.tf", "retention_in_days = 14")
    assert (b.log_group_managed, b.log_retention, b.extra["log_group_ref"]) == (True, None, "aws_cloudwatch_log_group.custom")
    assert c.extra["log_group_ref"] is UNKNOWN  # a group defined elsewhere
    assert (d.log_group_managed, d.log_retention) == (True, None)  # 0: never expires
    assert b.dead_letter is None and b.tracing is None


# --------------------------------------------------------------------------- the lambda module


def test_lambda_module_inputs(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.py").write_text("def lambda_handler(event, context):\n    pass\n")
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            module "fn" {
              source  = "terraform-aws-modules/lambda/aws"
              version = "~> 7.0"

              function_name = "fn"
              handler       = "index.lambda_handler"
              runtime       = "python3.12"
              source_path   = [{ path = "${path.module}/src", pip_requirements = true, patterns = ["!tests/.*"] }]
              timeout       = 30
              memory_size   = 512
              reserved_concurrent_executions = 5
              tracing_mode  = "Active"
              cloudwatch_logs_retention_in_days = 7
              dead_letter_target_arn = aws_sqs_queue.dlq.arn
              attach_dead_letter_policy = true
              environment_variables = {
                TABLE = "orders"
              }
              create_lambda_function_url = true

              attach_policy_statements = true
              policy_statements = {
                s3 = {
                  effect    = "Allow"
                  actions   = ["s3:GetObject"]
                  resources = ["arn:aws:s3:::bucket/*"]
                }
                all = {
                  actions   = ["dynamodb:*"]
                  resources = ["*"]
                  condition = {
                    c = { test = "StringEquals", variable = "aws:RequestedRegion", values = ["eu-west-1"] }
                  }
                }
              }
              attach_policy_json = true
              policy_json        = data.aws_iam_policy_document.extra.json
              attach_policy      = true
              policy             = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
              policy_jsons       = ["{}"]  # attach_policy_jsons is false: not attached

              allowed_triggers = {
                S3 = {
                  service    = "s3"
                  source_arn = aws_s3_bucket.b.arn
                }
              }
              event_source_mapping = {
                sqs = {
                  event_source_arn        = aws_sqs_queue.jobs.arn
                  function_response_types = ["ReportBatchItemFailures"]
                }
              }
            }
            data "aws_iam_policy_document" "extra" {
              statement {
                actions   = ["sqs:*"]
                resources = ["*"]
              }
            }
            """
        },
    )
    fn = fn_of(project, "module.fn")
    assert fn.loc.line == line_of(tmp_path, "main.tf", 'module "fn"')
    assert (fn.handler, fn.runtime, fn.name, fn.timeout, fn.memory) == ("index.lambda_handler", "python3.12", "fn", 30, 512)
    assert fn.code_path == (tmp_path / "src").resolve()
    assert fn.upload == "direct"
    assert fn.extra["package"] == {"patterns": ["!tests/.*"]}
    assert fn.reserved_concurrency == 5
    assert fn.tracing == "Active"
    assert (fn.log_group_managed, fn.log_retention) == (True, 7)
    assert fn.dead_letter == "resource:aws_sqs_queue.dlq"
    assert fn.environment["TABLE"].value == "orders"
    assert fn.url is not None and fn.url.auth_type == "NONE"  # the module's default
    assert fn.locs["handler"].line == line_of(tmp_path, "main.tf", "handler       =")
    role = fn.role
    assert isinstance(role, Role) and role.generated
    actions = {v.value for st in role.statements for v in st.actions}  # type: ignore[union-attr]
    assert {"s3:GetObject", "dynamodb:*", "sqs:*", "sns:Publish", "logs:PutLogEvents"} <= actions
    stmt = next(st for st in role.statements if st.actions and st.actions[0].value == "dynamodb:*")  # type: ignore[index,union-attr]
    assert stmt.effect == "Allow" and stmt.has_condition
    assert stmt.loc is not None and stmt.loc.line == line_of(tmp_path, "main.tf", "all = {")
    assert [v.value for v in role.managed_policies] == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    assert [(p.principal, p.source_arn) for p in fn.permissions] == [("s3.amazonaws.com", "resource:aws_s3_bucket.b")]
    kinds = sorted(e.kind for e in fn.events)
    assert kinds == ["function_url", "s3", "sqs"]
    sqs = next(e for e in fn.events if e.kind == "sqs")
    assert sqs.target == "aws_sqs_queue.jobs" and sqs.function_response_types == ["ReportBatchItemFailures"]
    handlers = list(project.iter_python_handlers())
    assert handlers and handlers[0][1] == (tmp_path / "src" / "index.py").resolve()


def test_lambda_module_defaults_and_variants(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.py").write_text("def h(event, context):\n    pass\n")
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            module "plain" {
              source        = "registry.terraform.io/terraform-aws-modules/lambda/aws"
              function_name = "plain"
              handler       = "index.h"
              runtime       = "python3.12"
              source_path   = "${path.module}/a"
              store_on_s3   = true
              s3_bucket     = "artifacts"
            }
            module "git" {
              source        = "git::https://github.com/terraform-aws-modules/terraform-aws-lambda.git?ref=v7.0.0"
              function_name = "git"
              handler       = "two.h"
              runtime       = "python3.12"
              source_path   = ["${path.module}/a/one.py", "${path.module}/b"]
              create_role   = false
              lambda_role   = aws_iam_role.shared.arn
              create_async_event_config = true
              destination_on_failure    = aws_sns_topic.f.arn
              maximum_retry_attempts    = 1
              layers = [module.layer.lambda_layer_arn, "arn:aws:lambda:eu-west-1:1:layer:x:1"]
            }
            module "existing" {
              source                 = "terraform-aws-modules/lambda/aws"
              function_name          = "existing"
              handler                = "index.h"
              runtime                = "python3.12"
              create_package         = false
              local_existing_package = "${path.module}/pkg.zip"
              use_existing_cloudwatch_log_group = true
            }
            module "layer" {
              source       = "terraform-aws-modules/lambda/aws"
              create_layer = true
              layer_name   = "deps"
              source_path  = [{ path = "${path.module}/b", prefix_in_zip = "python" }]
            }
            module "package_only" {
              source          = "terraform-aws-modules/lambda/aws"
              create_function = false
              source_path     = "${path.module}/a"
            }
            module "off" {
              source = "terraform-aws-modules/lambda/aws"
              create = false
            }
            module "alias" {
              source = "terraform-aws-modules/lambda/aws//modules/alias"
              name   = "live"
            }
            resource "aws_iam_role" "shared" {
              name = "shared"
            }
            resource "aws_lambda_function" "other" {
              function_name = "other"
              role          = aws_iam_role.shared.arn
              filename      = "x.zip"
            }
            """
        },
    )
    assert sorted(f.id for f in project.functions) == [
        "aws_lambda_function.other", "module.existing", "module.git", "module.plain"
    ]
    plain = fn_of(project, "module.plain")
    assert (plain.upload, plain.code_path) == ("s3", (tmp_path / "a").resolve())
    assert plain.reserved_concurrency is None and plain.tracing is None and plain.url is None
    assert (plain.log_group_managed, plain.log_retention) == (True, None)  # module default: never expire
    assert plain.on_failure is None  # create_async_event_config defaults to false
    git = fn_of(project, "module.git")
    assert git.code_path == (tmp_path / "b").resolve()  # the source holding the handler
    assert git.role is fn_of(project, "aws_lambda_function.other").role
    assert git.role_shared_key == fn_of(project, "aws_lambda_function.other").role_shared_key
    assert (git.on_failure, git.async_max_retries) == ("resource:aws_sns_topic.f", 1)
    assert isinstance(git.layers, list)
    assert git.layers[0].ref == "module.layer" and git.layers[0].content_path == (tmp_path / "b").resolve()
    assert git.layers[1].ref == "arn:aws:lambda:eu-west-1:1:layer:x:1"
    existing = fn_of(project, "module.existing")
    assert (existing.upload, existing.code_path) == ("direct", (tmp_path / "pkg.zip").resolve())
    assert existing.log_retention is UNKNOWN


def test_local_copy_of_the_lambda_module(tmp_path: Path) -> None:
    module_dir = tmp_path / "modules" / "lambda"
    module_dir.mkdir(parents=True)
    (module_dir / "variables.tf").write_text(
        'variable "source_path" {}\nvariable "attach_policy_statements" {}\nvariable "create_layer" {}\n'
    )
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            module "local" {
              source        = "./modules/lambda"
              function_name = "local"
              handler       = "app.h"
              runtime       = "python3.12"
            }
            module "unrelated" {
              source = "./modules/other"
            }
            """
        },
    )
    assert [f.id for f in project.functions] == ["module.local"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('resource "a" "b" {\n  x = 1\n  y = \n}\n', 3),
        ('resource "a" "b" {\n  x = 1\n', 1),
        ('locals {\n  a = {\n    b = 1\n}\n', 1),
        ('resource "a" "b" {\n  x = 1 }}\n', 2),
        ("x = {\n a = 1\n b = @\n}\n", 3),
        ('resource "a" "b" {\n  x = "unterminated\n}\n', 2),
    ],
)
def test_syntax_errors_are_ll002_at_the_line(tmp_path: Path, text: str, line: int) -> None:
    project = load(tmp_path, {"main.tf": text})
    assert [(f.rule_id, f.location.line) for f in project.findings] == [("LL002", line)]
    assert project.texts[tmp_path / "main.tf"] == text  # suppression comments still work


def test_one_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        {
            "broken.tf": 'resource "aws_lambda_function" "x" {\n',
            "ok.tf": PROVIDER + 'resource "aws_lambda_function" "ok" {\n  function_name = "ok"\n  filename = "x.zip"\n}\n',
        },
    )
    assert [f.rule_id for f in project.findings] == ["LL002"]
    assert [f.id for f in project.functions] == ["aws_lambda_function.ok"]


def test_undecodable_binary_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "latin1.tf").write_bytes(b'locals {\n  a = "caf\xe9"\n}\n')
    (tmp_path / "binary.tf").write_bytes(b"\x00\x01\x02")
    (tmp_path / "empty.tf").write_bytes(b"")
    (tmp_path / "bom.tf").write_bytes(b'\xef\xbb\xbfprovider "aws" {}\r\nlocals {\r\n  a = 1\r\n}\r\n')
    project = Project(root=tmp_path)
    load_dir(tmp_path, project)
    found = sorted((f.location.path.name, f.location.line) for f in project.findings)
    assert found == [("binary.tf", 1), ("latin1.tf", 2)]


def test_odd_but_valid_hcl_loads(tmp_path: Path) -> None:
    fn = single(
        tmp_path,
        """
        resource "aws_lambda_function" "f" {
          function_name = "f"
          filename      = "x.zip"
          handler       = <<EOT
        app.handler
        EOT
          description   = "$${not_interpolated} %%{ not_a_directive }"
          runtime       = "python3.12" // a comment
          /* a block
             comment */
          tags = { for k, v in var.tags : k => upper(v) if v != "" }
          layers = aws_lambda_layer_version.l[*].arn
          dynamic "vpc_config" {
            for_each = var.vpc == null ? [] : [var.vpc]
            content {
              subnet_ids = vpc_config.value.subnets
            }
          }
          lifecycle {
            ignore_changes = [environment]
          }
        }
        """,
    )
    assert fn.handler == "app.handler\n"
    assert fn.runtime == "python3.12"
    assert fn.layers is UNKNOWN


WRONG_TYPES = r'''
provider "aws" {}
resource "aws_lambda_function" {}
resource "aws_lambda_function" "a" "b" {}
resource "aws_lambda_function" "w" {
  function_name = ["a"]
  handler = 5
  runtime = {}
  timeout = "abc"
  memory_size = true
  role = {}
  layers = "x"
  filename = 5
  architectures = "arm64"
  environment { variables = "string" }
  environment { variables = { (var.k) = 1, b = [1], c = null, d = {x=1} } }
  tracing_config { mode = 5 }
  dead_letter_config {}
  ephemeral_storage { size = "big" }
  logging_config { log_group = 5 }
  dynamic "tracing_config" { for_each = "str" }
  dynamic { }
  count = "x"
}
resource "aws_lambda_function" "v" {
  count = -1
  for_each = "str"
  s3_key = 5
  reserved_concurrent_executions = "-1"
}
resource "aws_iam_role" "r" {
  inline_policy { policy = 5 }
  inline_policy { policy = jsonencode(["a"]) }
  inline_policy { policy = jsonencode({Statement = "x"}) }
  inline_policy { policy = jsonencode({Statement = [5, {Action = 5, Resource = {}}]}) }
  inline_policy { policy = "{not json" }
  inline_policy { policy = <<EOF
{"Statement": {"Effect": "Allow", "Action": ${jsonencode(var.x)}, "Resource": "*"}}
EOF
  }
  managed_policy_arns = "x"
}
resource "aws_iam_role_policy" "p" { role = 5 }
resource "aws_iam_role_policy" "q" {
  policy = data.aws_iam_policy_document.d.json
  role = aws_iam_role.r.id
}
data "aws_iam_policy_document" "d" {
  source_policy_documents = 5
  override_policy_documents = [5, data.aws_iam_policy_document.d.json]
  statement { actions = 5 }
  statement {}
  dynamic "statement" {
    for_each = var.s
    content { actions = statement.value }
  }
}
resource "aws_iam_role_policy_attachment" "a" {
  role = aws_iam_role.r.name
  policy_arn = 5
}
resource "aws_iam_policy_attachment" "b" {
  roles = "x"
  policy_arn = "y"
}
resource "aws_lambda_event_source_mapping" "m" {
  function_name = aws_lambda_function.w.arn
  event_source_arn = 5
  function_response_types = "x"
  destination_config {
    on_failure {}
  }
}
resource "aws_lambda_event_source_mapping" "m2" {
  function_name = "w"
  event_source_arn = "arn:aws"
}
resource "aws_s3_bucket_notification" "n" {
  lambda_function {
    lambda_function_arn = aws_lambda_function.w.arn
    filter_prefix = 5
  }
}
resource "aws_sns_topic_subscription" "s" { protocol = 5 }
resource "aws_cloudwatch_event_target" "t" {
  arn = aws_lambda_function.w.arn
  rule = 5
}
resource "aws_lambda_permission" "p" {
  function_name = aws_lambda_function.w.arn
  principal = 5
  source_arn = [1]
}
resource "aws_lambda_permission" "p2" {
  function_name = aws_lambda_function.w.arn
  principal = "apigateway.amazonaws.com"
}
resource "aws_lambda_function_url" "u" {
  function_name = aws_lambda_function.w.arn
  authorization_type = [1]
}
resource "aws_lambda_function_event_invoke_config" "c" {
  function_name = aws_lambda_function.w.arn
  destination_config {
    on_failure { destination = 5 }
  }
}
resource "aws_cloudwatch_log_group" "g" {
  name = 5
  retention_in_days = "x"
}
resource "aws_sqs_queue" "q" {
  visibility_timeout_seconds = "x"
  redrive_policy = 5
  name = [1]
}
resource "aws_apigatewayv2_integration" "i" {
  integration_uri = aws_lambda_function.w.arn
  payload_format_version = 5
  api_id = 5
}
module "m" { source = 5 }
module "n" {
  source = "terraform-aws-modules/lambda/aws"
  source_path = [5, {}, {path = 5}]
  policy_statements = ["a"]
  attach_policy_statements = "maybe"
  allowed_triggers = { x = "str", y = { principal = 5 } }
  event_source_mapping = { x = 5, y = { event_source_arn = 5 } }
  environment_variables = "x"
  layers = [5]
  create_lambda_function_url = "yes"
  cloudwatch_logs_retention_in_days = "x"
  policy_jsons = "x"
  attach_policy_jsons = true
  create_role = "x"
  package_type = 5
}
module "o" {
  source = "terraform-aws-modules/lambda/aws"
  source_path = 5
  create_role = false
  lambda_role = 5
  local_existing_package = 5
}
locals {
  x = local.x
  y = [for a in local.y : a]
  z = jsondecode("{bad")
  w = format("%s %d", 1)
  v = element([], 1)
  u = lookup(5, "a")
  t = 1 / 0
  s = "a" + 1
  r = -"x"
  q = !5
  p = provider::aws::arn_parse("x")
  o = abc(1...)
  n = concat([1], 5)
  m = merge(5, {a=1})
}
resource "aws_lambda_function" "locals" {
  function_name = "${local.x}${local.y}${local.z}${local.w}${local.v}${local.u}${local.t}${local.s}${local.r}${local.q}${local.p}${local.n}${local.m}${local.o}"
  filename = "x.zip"
}
'''


def test_values_of_the_wrong_type_never_crash(tmp_path: Path) -> None:
    """Valid HCL with nonsense values (numbers for names, strings for maps, self-references,
    failing functions): the loader keeps going and marks what it cannot use as unknown."""
    project = load(tmp_path, {"main.tf": WRONG_TYPES})
    assert not project.findings
    ids = sorted(f.id for f in project.functions)
    assert ids == ["aws_lambda_function.locals", "aws_lambda_function.v", "aws_lambda_function.w", "module.n", "module.o"]
    w = fn_of(project, "aws_lambda_function.w")
    assert w.runtime is UNKNOWN and w.timeout is UNKNOWN and w.layers is UNKNOWN
    assert fn_of(project, "aws_lambda_function.locals").name is UNKNOWN


def test_no_python_hcl2_import_without_terraform() -> None:
    """The loader module is imported only when .tf files exist; hcl2 only inside it."""
    import subprocess
    import sys

    code = (
        "import sys, lambdalint.engine, lambdalint.loaders;"
        "assert 'hcl2' not in sys.modules and 'lambdalint.loaders.terraform' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_grammar_cache_moves_out_of_a_read_only_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hcl2.parser as hcl2_parser

    from lambdalint.loaders import terraform

    monkeypatch.setattr(hcl2_parser, "PARSER_FILE", tmp_path / "site-packages" / "hcl2" / ".lark_cache.bin")
    monkeypatch.setattr(terraform, "_GRAMMAR_CACHE_CHECKED", False)
    monkeypatch.setattr(terraform.os, "access", lambda path, mode: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    terraform._grammar_cache()
    assert Path(hcl2_parser.PARSER_FILE).parent == tmp_path / "cache" / "lambdalint"


def test_fuzzed_terraform_never_crashes(tmp_path: Path) -> None:
    """Truncated and corrupted variants of a real-looking module: LL002 or a model, never a crash."""
    import random

    base = (Path(__file__).resolve().parent.parent / "fixtures" / "terraform-basics" / "main.tf").read_text()
    rng = random.Random(1234)
    junk = ['"', "{", "}", "${", "<<EOF\n", "=", "\n", "[", "]", "(", "%{", "#", "\\", "\x00", "\u00e9"]
    for i in range(60):
        cut = rng.randrange(len(base))
        text = base[:cut] + rng.choice(junk) + base[cut + rng.randrange(0, 40):] if i % 2 else base[:cut]
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        (folder / "main.tf").write_text(text, encoding="utf-8")
        project = Project(root=folder)
        load_dir(folder, project)
        lines = text.count("\n") + 1
        for f in project.findings:
            assert f.rule_id == "LL002" and 1 <= f.location.line <= lines, (text, f)


def test_corpus_terraform_loads_every_function() -> None:
    """Every Lambda function in the real-world Terraform corpus loads, handlers resolved where
    the code is on disk (32 functions: the module's own resource, its wrapper and 30 calls)."""
    corpus = SHARED / "corpus" / "terraform-aws-modules__terraform-aws-lambda"
    if not corpus.is_dir():
        pytest.skip("corpus not available")
    folders = sorted({p.parent for p in corpus.rglob("*.tf")})
    functions: list[Function] = []
    for folder in folders:
        project = Project(root=corpus)
        load_dir(folder, project)
        assert not project.findings, project.findings
        functions.extend(project.functions)
    assert len(functions) == 32
    python = [f for f in functions if f.runtime == "python3.12"]
    assert all(f.handler == "index.lambda_handler" for f in python)
    resolved = [f for f in python if isinstance(f.code_path, Path)]
    # all but the code-signing example, which deploys a signed package from S3
    assert len(python) == 24 and len(resolved) == 23
    assert all(f.code_path.exists() for f in resolved)  # type: ignore[union-attr]


def test_literal_filename_of_an_archive(tmp_path: Path) -> None:
    """The Terraform documentation's pattern: ``filename`` written out, the archive named by
    ``source_code_hash`` (or by its identical ``output_path``)."""
    (tmp_path / "lambda").mkdir()
    project = load(
        tmp_path,
        {
            "main.tf": PROVIDER
            + """
            data "archive_file" "lambda" {
              type        = "zip"
              source_file = "lambda/index.py"
              output_path = "lambda_function_payload.zip"
            }
            data "archive_file" "other" {
              type        = "zip"
              source_dir  = "${path.module}/lambda"
              output_path = "${path.module}/other.zip"
            }
            resource "aws_lambda_function" "hash" {
              function_name    = "hash"
              filename         = "lambda_function_payload.zip"
              source_code_hash = data.archive_file.lambda.output_base64sha256
              handler          = "index.handler"
              runtime          = "python3.12"
            }
            resource "aws_lambda_function" "same_path" {
              function_name = "same_path"
              filename      = "other.zip"
              handler       = "index.handler"
              runtime       = "python3.12"
            }
            """
        },
    )
    assert fn_of(project, "aws_lambda_function.hash").code_path == (tmp_path / "lambda").resolve()
    assert fn_of(project, "aws_lambda_function.same_path").code_path == (tmp_path / "lambda").resolve()
