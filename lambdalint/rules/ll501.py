"""LL501: the template's handler points to a file or function that does not exist."""

from __future__ import annotations

import difflib
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lambdalint.code.facts import CodeFacts, collect_facts
from lambdalint.model import UNKNOWN, Finding, Function, Project, Severity
from lambdalint.registry import Example, ProjectRule, register

NODE_EXTENSIONS = (".js", ".mjs", ".cjs")
NODE_SOURCE_EXTENSIONS = (".ts", ".mts", ".cts", ".tsx", ".jsx")  # compiled by sam build / esbuild / tsc
NODE_BUILD_HINTS = (
    "tsconfig.json",
    "tsconfig.build.json",
    "webpack.config.js",
    "webpack.config.ts",
    "esbuild.config.js",
    "esbuild.config.mjs",
    "rollup.config.js",
    "babel.config.js",
    ".babelrc",
    "build.gradle",
    "build.gradle.kts",
    "Makefile",
)
MAX_READ = 2 * 1024 * 1024
# public layers that ship libraries or extensions, never a function's handler module
LIBRARY_LAYERS = re.compile(
    r":layer:(AWSSDKPandas|AWSDataWrangler|AWSLambdaPowertools|AWSLambdaPowertoolsPython|AWSLambdaPowertoolsTypeScript"
    r"|LambdaInsightsExtension|AWS-Parameters-and-Secrets-Lambda-Extension|AWS-AppConfig-Extension|Datadog-Extension"
    r"|aws-otel-|AWSOpenTelemetry)",
    re.IGNORECASE,
)


def rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


class CodeLocation:
    """A function's code: a folder or a zip file, read the same way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.names: set[str] = set()
        if path.is_file() and path.suffix.lower() in (".zip", ".jar"):
            try:
                self.zip = zipfile.ZipFile(path)
                self.names = set(self.zip.namelist())
            except (zipfile.BadZipFile, OSError):
                self.zip = None

    @property
    def readable(self) -> bool:
        return self.zip is not None or self.path.is_dir()

    def exists(self, relpath: str) -> bool:
        if self.zip is not None:
            return relpath in self.names or any(n.startswith(relpath.rstrip("/") + "/") for n in self.names)
        try:
            return (self.path / relpath).exists()
        except OSError:
            return False

    def read(self, relpath: str) -> bytes | None:
        try:
            if self.zip is not None:
                info = self.zip.getinfo(relpath)
                return None if info.file_size > MAX_READ else self.zip.read(relpath)
            p = self.path / relpath
            return None if p.stat().st_size > MAX_READ else p.read_bytes()
        except (KeyError, OSError, zipfile.BadZipFile):
            return None

    def glob_stem(self, stem: str, exts: tuple[str, ...]) -> bool:
        """A file named ``stem`` with one of ``exts`` anywhere (build sources: ``src/app.ts``)."""
        if self.zip is not None:
            return any(Path(n).stem == stem and Path(n).suffix in exts for n in self.names)
        try:
            for ext in exts:
                for p in self.path.rglob(f"{stem}{ext}"):
                    if "node_modules" not in p.parts:
                        return True
        except OSError:
            return True
        return False

    def where(self, root: Path) -> str:
        return rel(self.path, root) + ("" if self.zip is not None else "/")


@register
class HandlerNotFound(ProjectRule):
    id = "LL501"
    reads = "code-files"
    name = "handler-not-found"
    family = "cross"
    severity = Severity.ERROR
    precision = "high"
    tags = ("correctness", "template", "cross-check")
    summary = "The template's handler points to a file or function that does not exist in the function's code."
    doc = """
## What it does
Follows each function's `Handler` into its code location (SAM `CodeUri`, CloudFormation
`Code`, Terraform `filename`/`source_dir`, the serverless.yml service folder, or a zip file)
and checks that what it names exists:

- **Python** (`pkg.module.function`, or `src/module.function`): the module file
  `pkg/module.py` (or the package `pkg/module/__init__.py`) must exist, and the module must
  define `function` at top level: a `def`/`async def`, an assignment
  (`handler = Mangum(app)`) or an import (`from app.main import handler`).
- **Node.js** (`index.handler`): one of `index.js`, `index.mjs`, `index.cjs` must exist (or
  its TypeScript source, which `sam build`/esbuild compiles); a missing export is reported
  only when the name appears nowhere in the file.

It stays quiet when the code location is not on disk (built later, or in S3), for container
image functions, inline code, runtimes it does not know, when a layer that is not part of
the project or a dependency in `requirements.txt` could provide the module, and when the module could define names dynamically
(`from x import *`, a module-level `__getattr__`). A handler module that does not parse is
LL001's finding, not this rule's.

## Why it matters
A wrong handler deploys without complaint and then fails every invocation with
`Runtime.ImportModuleError` or `Runtime.HandlerNotFound`. Renaming a file or function,
moving code into `src/`, or a typo in the template are the usual causes.

## How to fix
Point `Handler` at the module path relative to the code location, dots between packages,
then the function name: `Handler: orders.api.lambda_handler` with `CodeUri: src/` means
function `lambda_handler` in `src/orders/api.py`. Or fix the code location.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: app.handler\n",
                "src/app.py": "def lambda_handler(event, context):\n    return {}\n",
            },
            note="the function is called `lambda_handler`, not `handler`",
        ),
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: orders.app.handler\n",
                "src/app.py": "def handler(event, context):\n    return {}\n",
            },
            note="no `src/orders/app.py`",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: api.main.handler\n",
                "src/api/main.py": "from mangum import Mangum\nfrom api.app import app\n\nhandler = Mangum(app)\n",
                "src/api/app.py": "app = object()\n",
            },
            note="a handler bound by assignment, in a package",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        files: dict[Path, Any] = facts.get("files", {})
        for fn in project.functions:
            if fn.package_type == "Image" or fn.code_inline is not None or not isinstance(fn.handler, str):
                continue
            if not isinstance(fn.code_path, Path) or not isinstance(fn.runtime, str):
                continue
            code = CodeLocation(fn.code_path)
            if not code.readable:
                continue  # not on disk yet (built by CI) or not a folder/zip
            if fn.runtime.startswith("python"):
                message = self.python(fn, code, project.root, files)
            elif fn.runtime.startswith("nodejs"):
                message = self.node(fn, code, project.root)
            else:
                message = None
            if message:
                yield fn.finding(self.id, message, "handler")

    # ------------------------------------------------------------------ layers

    @staticmethod
    def layer_locations(fn: Function) -> list[CodeLocation] | None:
        """Local layers' code (their ``python/`` or ``nodejs/`` folder), or None when a layer
        from outside the project could provide the module."""
        if fn.layers is UNKNOWN:
            return None
        out = []
        for layer in fn.layers:  # type: ignore[union-attr]
            if isinstance(layer.ref, str) and LIBRARY_LAYERS.search(layer.ref):
                continue
            if not isinstance(layer.content_path, Path):
                return None
            loc = CodeLocation(layer.content_path)
            if not loc.readable:
                return None
            out.append(loc)
        return out

    # ------------------------------------------------------------------ python

    def python(self, fn: Function, code: CodeLocation, root: Path, files: dict[Path, Any]) -> str | None:
        handler = str(fn.handler)
        module, _, func = handler.rpartition(".")
        if not module or not func:
            return f"handler `{handler}` of {fn.id} is not `module.function`: Lambda cannot import it"
        modpath = module.replace(".", "/")
        candidates = [f"{modpath}.py", f"{modpath}/__init__.py"]
        found = next((c for c in candidates if code.exists(c)), None)
        if found is None:
            if self._compiled(code, modpath):
                return None
            if self._installed(code, modpath.split("/")[0]):
                return None  # a dependency the build installs into the package provides it
            layers = self.layer_locations(fn)
            if layers is None:
                return None
            if any(lay.exists(f"python/{c}") or lay.exists(c) for lay in layers for c in candidates):
                return None
            return (
                f"handler `{handler}` of {fn.id}: module `{module}` not found: no `{candidates[0]}` or "
                f"`{candidates[1]}` in `{code.where(root)}`{self._similar(code, modpath)}; fix `Handler` or the code location"
            )
        cf = self._facts(code, found, files)
        if cf is None or cf.dynamic_names or func in cf.names:
            return None
        defined = sorted(n for n in cf.functions if "." not in n)
        close = difflib.get_close_matches(func, defined, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else (f" (it defines {', '.join(f'`{d}`' for d in defined[:5])})" if defined else "")
        return (
            f"handler `{handler}` of {fn.id}: `{rel(code.path / found, root) if code.zip is None else found}` "
            f"defines no top-level `{func}`{hint}; Lambda fails every invocation with Runtime.HandlerNotFound"
        )

    @staticmethod
    def _installed(code: CodeLocation, top: str) -> bool:
        """Whether ``requirements.txt`` (installed by sam build / serverless-python-requirements)
        names a distribution that could provide the top-level module ``top``."""
        wanted = top.lower().replace("-", "_")
        for name in ("requirements.txt", "requirements-prod.txt", "pyproject.toml", "Pipfile"):
            data = code.read(name)
            if data is None:
                continue
            for line in data.decode("utf-8", errors="replace").splitlines():
                m = re.match(r"\s*[\"']?([A-Za-z0-9][A-Za-z0-9._-]*)", line)
                if m and m.group(1).lower().replace("-", "_").replace(".", "_") == wanted:
                    return True
        return False

    @staticmethod
    def _similar(code: CodeLocation, modpath: str) -> str:
        """A hint naming the closest module file in the same folder."""
        parent, _, stem = modpath.rpartition("/")
        if code.zip is not None:
            names = [Path(n).stem for n in code.names if n.endswith(".py") and str(Path(n).parent) == (parent or ".")]
        else:
            try:
                names = [p.stem for p in (code.path / parent if parent else code.path).glob("*.py")]
            except OSError:
                names = []
        close = difflib.get_close_matches(stem, sorted(names), n=1, cutoff=0.5)
        return f" (there is `{parent + '/' if parent else ''}{close[0]}.py`)" if close else ""

    @staticmethod
    def _compiled(code: CodeLocation, modpath: str) -> bool:
        parent, _, stem = modpath.rpartition("/")
        if code.zip is not None:
            return any(n.startswith(modpath + ".") and n.endswith((".so", ".pyd", ".pyc")) for n in code.names)
        folder = code.path / parent if parent else code.path
        try:
            return any(folder.glob(f"{stem}.*.so")) or any(folder.glob(f"{stem}*.pyc"))
        except OSError:
            return False

    @staticmethod
    def _facts(code: CodeLocation, found: str, files: dict[Path, Any]) -> CodeFacts | None:
        if code.zip is None:
            path = code.path / found
            result = files.get(path) or files.get(path.resolve())
            if result is not None:
                if any(f.rule_id == "LL001" for f in result.findings):
                    return None  # does not parse: LL001's finding
                cached = result.facts.get("code")
                if cached is not None:
                    return cached
        data = code.read(found)
        return collect_facts(data) if data is not None else None

    # ------------------------------------------------------------------ node

    def node(self, fn: Function, code: CodeLocation, root: Path) -> str | None:
        handler = str(fn.handler)
        folder, _, last = handler.rpartition("/")
        module, dot, func_path = last.partition(".")
        if not dot or not module or not func_path:
            return None
        func = func_path.split(".")[0]
        base = f"{folder}/{module}" if folder else module
        found = next((base + ext for ext in NODE_EXTENSIONS if code.exists(base + ext)), None)
        if found is None:
            if code.exists(base) and code.zip is None and (code.path / base).is_dir():
                return None
            if folder and not code.exists(folder.split("/")[0]):
                return None  # the handler lives in a folder a build step creates (dist/, build/)
            if any(code.exists(base + ext) for ext in NODE_SOURCE_EXTENSIONS) or code.glob_stem(module, NODE_SOURCE_EXTENSIONS):
                return None  # compiled at build time
            if any(code.exists(h) for h in NODE_BUILD_HINTS) or self._build_script(code):
                return None  # a build step produces the file
            layers = self.layer_locations(fn)
            if layers is None:
                return None
            if any(lay.exists(f"nodejs/{base}{ext}") for lay in layers for ext in NODE_EXTENSIONS):
                return None
            tried = ", ".join(f"`{base}{ext}`" for ext in NODE_EXTENSIONS)
            return f"handler `{handler}` of {fn.id}: none of {tried} exists in `{code.where(root)}`; fix `Handler` or the code location"
        data = code.read(found)
        if data is None:
            return None
        text = data.decode("utf-8", errors="replace")
        if re.search(rf"(?<![\w$]){re.escape(func)}(?![\w$])", text):
            return None
        if re.search(r"export\s*\*|module\.exports\s*=\s*(?!\{)|Object\.assign\(\s*(module\.)?exports|__exportStar", text):
            return None  # re-exports we cannot follow textually
        return (
            f"handler `{handler}` of {fn.id}: `{rel(code.path / found, root) if code.zip is None else found}` never mentions "
            f"`{func}`, so it cannot export it; Lambda fails every invocation with Runtime.HandlerNotFound"
        )

    @staticmethod
    def _build_script(code: CodeLocation) -> bool:
        data = code.read("package.json")
        if data is None:
            return False
        text = data.decode("utf-8", errors="replace")
        return bool(re.search(r'"(build|compile|bundle|prepare|postinstall)"\s*:', text))
