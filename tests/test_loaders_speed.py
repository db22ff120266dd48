"""The Terraform loader parses with python-hcl2's grammar but without lark's position
propagation (a large share of the parse time) and finds a node's position from its first and
last token instead. These tests keep that equal to what python-hcl2's own parser puts on
every node, so a python-hcl2 or lark upgrade that changes the tree shape is caught here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

hcl2_api = pytest.importorskip("hcl2.api")

from lambdalint.loaders import terraform  # noqa: E402

SAMPLE = '''\
# a comment
terraform {
  backend "s3" {}
}

locals {
  name    = "orders-${var.stage}"   // trailing comment
  enabled = var.stage == "prod"
    && var.region != "us-east-1"
  size = (
    var.memory
    * 2
  )
  tags = merge(var.tags, { Team = "core", "in" = 1, for = [1, 2.5, -3] })
  pick = var.flag ? "a" : "b"
  list = [for s in var.subnets : upper(s) if s != ""]
  map  = { for k, v in var.m : k => v... }
  splat  = aws_instance.web[*].id
  splat2 = aws_instance.web.*.id
  idx    = var.list[0].name
  tpl    = "%{ if var.x }yes%{ else }no%{ endif } $${literal} %%{lit}"
  neg    = !var.flag
}

resource "aws_lambda_function" "api" {
  function_name = local.name
  runtime       = "python3.12"
  handler       = "app.handler"
  environment {
    variables = {
      TABLE = aws_dynamodb_table.t.name
    }
  }
  policy = <<EOF
{
  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
}
EOF
  doc = <<-EOT
    indented ${local.name}
  EOT
}

/* a block
   comment */
module "fn" {
  source = "terraform-aws-modules/lambda/aws"
  layers = [
    aws_lambda_layer_version.a.arn,
    "arn:aws:lambda:us-east-1:123456789012:layer:x:1",
  ]
}
'''


def _walk(slow: Any, fast: Any, seen: list[int]) -> None:
    if isinstance(slow, str) or slow is None:
        assert slow == fast
        return
    assert slow.data == fast.data and len(slow.children) == len(fast.children)
    meta = slow.meta
    if not meta.empty:
        seen[0] += 1
        assert terraform._pos(fast, (0, 0)) == (meta.line, meta.column), slow.data
        assert terraform._end_line(fast, 0) == meta.end_line, slow.data
    for a, b in zip(slow.children, fast.children, strict=True):
        _walk(a, b, seen)


@pytest.mark.parametrize(
    "text",
    [SAMPLE, SAMPLE.replace("\n", "\r\n"), "", "a = 1", 'x = ({"k" = [1, 2]})\n'],
    ids=["sample", "crlf", "empty", "no-newline", "paren"],
)
def test_positions_match_hcl2_propagated_positions(text: str) -> None:
    slow = hcl2_api.parses_to_tree(text)
    fast = terraform.parses_to_tree(text)
    seen = [0]
    _walk(slow, fast, seen)
    assert seen[0] > 0 or not text.strip()


def test_parser_is_built_once_and_drops_position_propagation() -> None:
    parser = terraform._parser()
    assert terraform._parser() is parser
    assert not parser.options.propagate_positions  # the point of the copy


@pytest.mark.parametrize(
    "text",
    ['resource "a" "b" {\n  x = 1\n', 'x = "unterminated\n', "x = = 1\n", "x = 1 +\n"],
)
def test_syntax_errors_match_hcl2(text: str, tmp_path: Path) -> None:
    errors: list[tuple[str, str, str] | None] = []
    for parse in (hcl2_api.parses_to_tree, terraform.parses_to_tree):
        try:
            parse(text)
            errors.append(None)
        except Exception as exc:
            # lark lists the expected tokens in set order, which differs between parser objects
            lines = str(exc).splitlines()
            errors.append((type(exc).__name__, lines[0], str(sorted(lines[1:]))))
    assert errors[0] is not None
    assert errors[0] == errors[1]
    result = terraform.parse_file(tmp_path / "main.tf", text)
    assert isinstance(result, tuple)  # (message, line, column)


def test_parser_copy_is_kept_and_a_broken_copy_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hcl2.parser as hcl2_parser

    monkeypatch.setattr(hcl2_parser, "PARSER_FILE", tmp_path / "hcl2" / ".lark_cache.bin")  # not writable: absent
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept = terraform._parser_file()
    assert kept is not None and kept.parent == tmp_path / "cache" / "lambdalint"

    monkeypatch.setattr(terraform, "_PARSER", None)
    first = terraform._parser()
    assert kept.is_file() and not first.options.propagate_positions
    assert not list(kept.parent.glob("*.tmp"))

    kept.write_bytes(kept.read_bytes()[:1000])  # truncated (an interrupted write elsewhere)
    monkeypatch.setattr(terraform, "_PARSER", None)
    second = terraform._parser()
    assert not second.options.propagate_positions
    assert kept.stat().st_size > 1000  # written again, whole
    tree = terraform.parses_to_tree('a = "x"\n')
    assert terraform._pos(tree) == (1, 1)
