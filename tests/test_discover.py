"""Discovery: what is linted, what is skipped, and never silently empty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambdalint.discover import DEFAULT_EXCLUDE, discover


def names(paths: list[Path], root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in paths)


def write(root: Path, rel: str, text: str = "x = 1\n") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


TEMPLATE = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"


def test_classifies_by_content_and_skips_build_folders(tmp_path: Path) -> None:
    write(tmp_path, "src/app.py")
    write(tmp_path, "infra/stack.template", TEMPLATE)
    write(tmp_path, "infra/cfn.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    write(tmp_path, "config/settings.yaml", "debug: true\n")
    write(tmp_path, "package.json", '{"Type": "AWS::X::Y"}')
    write(tmp_path, "serverless.yml", "service: x\n")
    write(tmp_path, "tf/main.tf", "")
    write(tmp_path, "tf/vars.tf", "")
    for skipped in ("node_modules/a.py", ".aws-sam/build/F/app.py", ".venv/lib/x.py", "cdk.out/asset.123/app.py",
                    ".terraform/modules/m/main.tf", "src/__pycache__/a.py", ".serverless/x.py"):
        write(tmp_path, skipped)
    write(tmp_path, "cdk.out/Stack.template.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["src/app.py"]
    assert names(d.templates, tmp_path) == ["cdk.out/Stack.template.json", "infra/cfn.json", "infra/stack.template"]
    assert names(d.serverless, tmp_path) == ["serverless.yml"]
    assert names(d.terraform_dirs, tmp_path) == ["tf"]


def test_what_pip_installed_is_skipped_and_the_projects_own_code_is_not(tmp_path: Path) -> None:
    write(tmp_path, "src/app.py")
    # `pip install -t`: packages and modules next to their *.dist-info
    write(tmp_path, "src/requests/api.py")
    write(tmp_path, "src/six.py")
    write(tmp_path, "src/requests-2.31.0.dist-info/top_level.txt", "requests\n")
    write(tmp_path, "src/six-1.16.0.dist-info/RECORD", "six.py,sha256=x,1\n")
    # an old pip's `setup.py install` left installed-files.txt in its *.egg-info
    write(tmp_path, "vendor/simplejson/__init__.py")
    write(tmp_path, "vendor/simplejson-3.19.egg-info/top_level.txt", "simplejson\n")
    write(tmp_path, "vendor/simplejson-3.19.egg-info/installed-files.txt", "../simplejson/__init__.py\n")
    # `pip install -e .` or `setup.py egg_info` writes the project's own metadata next to its code
    write(tmp_path, "orders/app.py")
    write(tmp_path, "orders.egg-info/top_level.txt", "orders\n")
    write(tmp_path, "orders.egg-info/SOURCES.txt", "orders/app.py\n")
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["orders/app.py", "src/app.py"]


def test_project_templates_are_skipped_unless_given(tmp_path: Path) -> None:
    # cookiecutter/copier sources: `Runtime: {{ cookiecutter.runtime }}` and `{%- for ... %}`
    # are not YAML, and the folder deploys nothing as it is
    folder = "init/cookiecutter-sam-python/{{cookiecutter.project_name}}"
    write(tmp_path, f"{folder}/template.yaml", "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n")
    write(tmp_path, f"{folder}/hello_world/app.py")
    write(tmp_path, "src/app.py")
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["src/app.py"] and d.templates == []
    d = discover([tmp_path / folder], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == [f"{folder}/hello_world/app.py"]
    assert names(d.templates, tmp_path) == [f"{folder}/template.yaml"]


def test_gitignore_prunes_below_but_never_the_given_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "build/\n*.gen.py\n")
    write(tmp_path, "build/app.py")
    write(tmp_path, "src/a.gen.py")
    write(tmp_path, "src/app.py")
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["src/app.py"]
    d = discover([tmp_path / "build"], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["build/app.py"]
    d = discover([tmp_path], DEFAULT_EXCLUDE, False, tmp_path)
    assert names(d.python, tmp_path) == ["build/app.py", "src/a.gen.py", "src/app.py"]


def test_exclude_patterns_never_exclude_the_given_path(tmp_path: Path) -> None:
    write(tmp_path, "fixtures/x/app.py")
    write(tmp_path, "src/app.py")
    exclude = [*DEFAULT_EXCLUDE, "fixtures"]
    assert names(discover([tmp_path], exclude, True, tmp_path).python, tmp_path) == ["src/app.py"]
    assert names(discover([tmp_path / "fixtures" / "x"], exclude, True, tmp_path).python, tmp_path) == ["fixtures/x/app.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinks_loops_and_links_out_of_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    outside = tmp_path / "outside"
    write(outside, "secret.py")
    write(tree, "src/app.py")
    (tree / "loop").symlink_to(tree)  # a directory loop
    (tree / "out").symlink_to(outside)  # a folder outside the tree
    (tree / "src" / "escape.py").symlink_to(outside / "secret.py")
    (tree / "src" / "alias.py").symlink_to(tree / "src" / "app.py")
    (tree / "dangling.py").symlink_to(tree / "nowhere.py")
    d = discover([tree], DEFAULT_EXCLUDE, True, tree)
    assert names(d.python, tree) == ["src/alias.py", "src/app.py"]


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can read anything")
def test_unreadable_folder_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, "locked/app.py")
    (tmp_path / "locked").chmod(0)
    try:
        d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert any("unreadable" in n for n in d.notes)


def test_spaces_and_non_ascii_names(tmp_path: Path) -> None:
    write(tmp_path, "my project/srç/ämter.py")
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["my project/srç/ämter.py"]


GITIGNORES = [
    ["build/", "*.gen.py", "/top.py"],
    ["*.py", "!keep.py", "!src/**/ok_*.py"],
    ["node_modules", "!node_modules/kept/", "**/cache/**", "!cache/"],
    ["bin/", "obj/", "!bin/Debug/", "*.log", "!important.log", "[Tt]emp*/", "a/**/b", "\\!literal"],
    ["# comment", "", "/dist", "!/dist/keep/", "*.egg-info/", "docs/*.md", "!docs/README.md"],
    ["!negation-only.py"],
]
PATHS = [
    "build/", "build/app.py", "src/build/x.py", "x.gen.py", "src/a.gen.py", "top.py", "src/top.py",
    "keep.py", "src/keep.py", "src/a/ok_1.py", "src/a/no.py", "node_modules/", "node_modules/kept/",
    "node_modules/kept/a.py", "node_modules/other/b.py", "a/cache/x", "cache/", "cache/y",
    "bin/", "bin/Debug/", "bin/Debug/x.dll", "obj/a", "x.log", "important.log", "logs/important.log",
    "Temp1/", "temp2/a.py", "a/b", "a/x/y/b", "a/x/b/c", "!literal", "dist/", "dist/keep/", "dist/keep/a",
    "dist/other", "pkg.egg-info/", "docs/a.md", "docs/README.md", "docs/sub/a.md", "negation-only.py",
    "plain.py", "src/", "src/lib/mod.py",
]


@pytest.mark.parametrize("lines", GITIGNORES, ids=range(len(GITIGNORES)))
def test_matcher_agrees_with_pathspec(lines: list[str]) -> None:
    """The combined regexes (and, with negations, the any-pattern pre-check) answer exactly
    what pathspec's GitIgnoreSpec answers, before and after they are compiled."""
    import pathspec

    from lambdalint.discover import Matcher, _spec

    spec = pathspec.GitIgnoreSpec.from_lines(lines)  # pathspec's own, as reference
    matcher = Matcher(_spec(lines))  # with lambdalint's shared pattern objects
    rounds = 2 * Matcher.COMPILE_AFTER // len(PATHS) + 1  # both before and after the regex is compiled
    for rel in PATHS * rounds:
        assert matcher.match(rel) == spec.match_file(rel), (lines, rel)
    negations = any(line.startswith("!") for line in lines)
    assert (matcher.regex is None) == negations
    assert (matcher.any_pattern is not None) == negations


def test_gitignore_with_negations_and_shared_texts(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    ignore = "*.gen.py\n!keep.gen.py\nbuild/\n"
    write(tmp_path, "a/.gitignore", ignore)
    write(tmp_path, "b/.gitignore", ignore)
    for folder in ("a", "b"):
        write(tmp_path, f"{folder}/x.gen.py")
        write(tmp_path, f"{folder}/keep.gen.py")
        write(tmp_path, f"{folder}/build/y.py")
        write(tmp_path, f"{folder}/app.py")
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.python, tmp_path) == ["a/app.py", "a/keep.gen.py", "b/app.py", "b/keep.gen.py"]


@pytest.mark.parametrize(
    ("text", "template"),
    [
        ('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}', True),
        ("Resources:\n  Fn:\n    'Type' : 'AWS::Lambda::Function'\n", True),
        ("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n", True),
        ("AWSTemplateFormatVersion: '2010-09-09'\n", True),
        ("Transform: AWS::Serverless-2016-10-31\n", True),
        ('{"regions": ["eu-west-1"], "note": "AWS::Region is a pseudo parameter", "Type": "AWS"}', False),
        ('{"instance_types": {"t3.micro": {"Type": "burstable"}}}', False),
    ],
)
def test_templates_are_recognised_by_content(tmp_path: Path, text: str, template: bool) -> None:
    write(tmp_path, "infra/stack.json", text)
    d = discover([tmp_path], DEFAULT_EXCLUDE, True, tmp_path)
    assert names(d.templates, tmp_path) == (["infra/stack.json"] if template else [])
