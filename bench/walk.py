"""Which files of a tree a Lambda linter should read: the rule the floor measurement uses.

Skipped: VCS, virtualenv, cache and build folders (``node_modules``, ``.aws-sam``, ``cdk.out``,
``.terraform``, ``.serverless``...), project-template folders (``{{cookiecutter.project_name}}``),
and vendored third-party code: any package or module that a sibling ``*.dist-info`` folder
claims (its ``top_level.txt``, else the first path component of the entries in its
``RECORD``), or a sibling ``*.egg-info`` folder holding ``installed-files.txt`` (an old pip's
install); plus the metadata folders themselves. An ``*.egg-info`` folder without it is the
project's own metadata (``pip install -e .``, an unpacked sdist): its code is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        ".aws-sam",
        "cdk.out",
        ".terraform",
        ".serverless",
        ".lambdalint_cache",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def vendored_names(dirpath: str, dirnames: list[str]) -> set[str]:
    """Names (folders, and modules without ``.py``) in ``dirpath`` that pip installed there."""
    names: set[str] = set()
    for d in dirnames:
        if not d.endswith((".dist-info", ".egg-info")):
            continue
        names.add(d)
        meta = os.path.join(dirpath, d)
        if d.endswith(".egg-info") and not os.path.isfile(os.path.join(meta, "installed-files.txt")):
            continue  # the project's own metadata
        try:
            with open(os.path.join(meta, "top_level.txt"), encoding="utf-8") as fh:
                names.update(line.strip() for line in fh if line.strip())
            continue
        except OSError:
            pass
        try:
            with open(os.path.join(meta, "RECORD"), encoding="utf-8") as fh:
                for line in fh:
                    first = line.split(",", 1)[0].split("/", 1)[0]
                    if first and not first.endswith((".dist-info", ".data")) and first != "..":
                        names.add(first[:-3] if first.endswith(".py") else first)
        except OSError:
            pass
    return names


def _project_template(name: str) -> bool:
    """A cookiecutter/copier folder such as ``{{cookiecutter.project_name}}``: Jinja sources."""
    return "{{" in name and "}}" in name


def _descend(name: str, vendored: set[str]) -> bool:
    """Whether the walk goes into the sub-folder ``name``."""
    return name not in SKIP_DIRS and name not in vendored and not _project_template(name)


def walk(root: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, sorted file names) for every folder a linter should look into."""
    for dirpath, dirnames, filenames in os.walk(root):
        vendored = vendored_names(dirpath, dirnames)
        dirnames[:] = sorted(d for d in dirnames if _descend(d, vendored))
        yield (
            dirpath,
            sorted(f for f in filenames if f[:-3] not in vendored or not f.endswith(".py")),
        )


def python_files(root: str) -> list[str]:
    return [os.path.join(d, f) for d, files in walk(root) for f in files if f.endswith(".py")]


def cfn_templates(root: str) -> list[str]:
    """SAM / CloudFormation templates (sniffed by content; serverless.yml excluded)."""
    out: list[str] = []
    for d, files in walk(root):
        for f in files:
            if not f.endswith(TEMPLATE_SUFFIXES) or f.startswith("serverless."):
                continue
            path = os.path.join(d, f)
            try:
                with open(path, "rb") as fh:
                    head = fh.read(65536)
            except OSError:
                continue
            if b"AWSTemplateFormatVersion" in head or b"AWS::Serverless" in head:
                out.append(path)
    return out


def vendored_dirs(root: str) -> list[str]:
    """Every vendored package folder / module and project-template folder below ``root``
    outside the skipped folders: what a tool given only ``SKIP_DIRS`` must also be told to skip."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        vendored = vendored_names(dirpath, dirnames)
        out += [os.path.join(dirpath, n) for n in sorted(vendored) if n in dirnames]
        out += [os.path.join(dirpath, d) for d in sorted(dirnames) if d not in SKIP_DIRS and _project_template(d)]
        out += [
            os.path.join(dirpath, n + ".py") for n in sorted(vendored) if n + ".py" in filenames
        ]
        dirnames[:] = sorted(d for d in dirnames if _descend(d, vendored))
    return out
