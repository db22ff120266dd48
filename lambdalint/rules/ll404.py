"""LL404: the AWS SDK or development files shipped in the deployment package."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lambdalint.model import Finding, Function, Severity
from lambdalint.package import FileEntry, deployed, human
from lambdalint.registry import Example, FunctionRule, register
from lambdalint.rules.ll401 import Measurer

SDK_PACKAGES = ("boto3", "botocore", "s3transfer")  # in every Python runtime
TEST_DIRS = frozenset({"tests", "test", "__tests__"})
VENV_DIRS = frozenset({".venv", "venv"})
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".tox", ".nox"})


def _vendored(entries: list[FileEntry], zip_path: Path | None = None) -> set[str]:
    """Top-level folders of installed third-party packages (their own tests and caches are
    theirs): from each ``*.dist-info/RECORD`` (``pip install -t``), else the distribution name."""
    out = {"node_modules"}
    for e in entries:
        top, _, rest = e.rel.partition("/")
        if not top.endswith((".dist-info", ".egg-info")):
            continue
        name = top.split("-", 1)[0]
        out.update({name, name.lower()})
        if rest not in ("RECORD", "top_level.txt") or e.size > 4 * 1024 * 1024:
            continue
        text = _read(e, zip_path)
        for line in text.splitlines():
            first = line.split(",", 1)[0].strip().split("/", 1)[0]
            if first and not first.startswith(".."):
                out.add(first)
    return out


def _read(entry: FileEntry, zip_path: Path | None) -> str:
    try:
        if zip_path is not None:
            with zipfile.ZipFile(zip_path) as zf:
                return zf.read(entry.rel).decode("utf-8", errors="replace")
        return Path(entry.path).read_text(encoding="utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""


def findings_in(entries: list[FileEntry], python: bool, zip_path: Path | None = None) -> list[tuple[str, int, int]]:
    """(what, folders, bytes) for the SDK and development files among ``entries``."""
    vendored = _vendored(entries, zip_path)
    sizes: dict[str, int] = {}
    folders: dict[str, set[str]] = {}

    def add(key: str, folder: str, size: int) -> None:
        sizes[key] = sizes.get(key, 0) + size
        folders.setdefault(key, set()).add(folder)

    for e in entries:
        parts = e.rel.split("/")
        top = parts[0]
        if python and len(parts) > 1 and (top in SDK_PACKAGES or (top.split("-", 1)[0] in SDK_PACKAGES and top.endswith(".dist-info"))):
            name = top.split("-", 1)[0]
            add(f"`{name}/`", name, e.size)
            continue
        if len(parts) > 1 and top in VCS_DIRS:
            add(f"`{top}/`", top, e.size)
            continue
        if len(parts) > 1 and top in VENV_DIRS:
            add(f"`{top}/`", top, e.size)
            continue
        if top in vendored:
            continue
        dirs = parts[:-1]
        for i, d in enumerate(dirs[:2]):  # the project's own tests: at the top or one level down
            if d in TEST_DIRS:
                folder = "/".join(dirs[: i + 1])
                add(f"`{folder}/`", folder, e.size)
                break
        else:
            for i, d in enumerate(dirs):
                if d in CACHE_DIRS:
                    add(f"`{d}`", "/".join(dirs[: i + 1]), e.size)
                    break
    out = [(k, len(folders[k]), v) for k, v in sizes.items()]
    return sorted(out, key=lambda t: (-t[2], t[0]))


@register
class DevFilesInPackage(FunctionRule):
    id = "LL404"
    reads = "packages"
    name = "dev-files-in-package"
    family = "package"
    severity = Severity.WARNING
    precision = "high"
    tags = ("package", "cold-start")
    summary = "The deployment package ships the AWS SDK or development files (tests, .git, caches, virtualenvs)."
    doc = """
## What it does
Looks at what a function would really deploy (after the format's own exclusions, see LL401)
and reports, with their sizes:

- `boto3`, `botocore` and `s3transfer` vendored into a Python function's package: every
  Python runtime already has them;
- the project's `tests/` (at the top of the package or one folder down), `.git`, virtual
  environments (`.venv`, `venv`) and caches (`__pycache__`, `.pytest_cache`, `.mypy_cache`,
  `.tox`).

Third-party packages' own files (a library's bundled tests) are left alone. What `sam build`
or the Serverless Framework already leave out (virtualenvs and `__pycache__` for SAM Python
builds, `.git` for serverless) is not reported for them. Packages that a build step produces
(Java, .NET, Go and custom runtimes, SAM `BuildMethod: esbuild`/`makefile`, bundler plugins
such as serverless-esbuild, `sam build`'s `npm pack` for Node.js) are not looked into.

## Why it matters
The package is downloaded and unpacked on every cold start: dead weight makes cold starts
slower and brings the 250 MB limit closer. A vendored boto3 also freezes the SDK version,
which is only worth it when you pin a newer one on purpose.

## How to fix
Exclude them: serverless `package.patterns` (`'!tests/**'`), Terraform `archive_file`
`excludes`, or point `CodeUri` at a folder that holds only the function's code. Install the
SDK only when you need a specific version, and then say so with a suppression.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/python-package.html",)
    invalid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n"
                "      Runtime: python3.12\n      Handler: app.handler\n",
                "app.py": "def handler(event, context):\n    return {}\n",
                "tests/test_app.py": "from app import handler\n\n\ndef test_handler():\n    assert handler({}, None) == {}\n",
                "boto3/__init__.py": "__version__ = '1.34.0'\n",
            },
            note="the whole project folder is the code location: tests and a vendored boto3 go with it",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: app.handler\n",
                "src/app.py": "def handler(event, context):\n    return {}\n",
                "tests/test_app.py": "def test_handler():\n    assert True\n",
            },
            note="the code location holds only the function's code",
        ),
    )

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.sizes = Measurer()

    def check(self, fn: Function) -> Iterator[Finding]:
        runtime = fn.runtime if isinstance(fn.runtime, str) else ""
        if fn.format == "sam" and runtime.startswith("nodejs") and fn.code_path and not str(fn.code_path).endswith(".zip"):
            return  # sam build packs Node.js code with `npm pack`: its .npmignore / "files" decide
        target = deployed(fn)
        if target is None:
            return
        size = self.sizes.get(*target)
        if size is None:
            return
        python = isinstance(fn.runtime, str) and fn.runtime.startswith("python")
        found = [f for f in findings_in(size.entries, python, size.path if size.is_zip else None) if f[2] > 0]
        if not found:
            return
        parts = []
        for what, count, nbytes in found:
            label = what if count == 1 else f"{count} {what} folders"
            note = " (already in the Python runtime)" if what.strip("`/") in SDK_PACKAGES else ""
            parts.append(f"{label} {human(nbytes)}{note}")
        total = sum(n for _, _, n in found)
        yield fn.finding(
            self.id,
            f"{fn.id}'s package ships {human(total)} it does not need at run time: {', '.join(parts)}; "
            "exclude them from the package",
            "code" if "code" in fn.locs else None,
        )
