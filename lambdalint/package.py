"""What a function deploys, and how big it is (LL401, LL404).

A package is a folder or a zip on disk. For a folder, the files that would be deployed are
walked with ``os.scandir`` (sizes from ``stat``, nothing read), applying only the deployment
format's own exclusions (serverless ``package.patterns``, Terraform ``archive_file``
``excludes``) and the folders every packager leaves out (``.git``, ``.aws-sam``...). Git ignore
files are deliberately not applied: build output is usually ignored and is exactly what gets
deployed.

The zipped size of a folder is estimated without writing a zip: files in already-compressed
formats count at their size; the rest is compressed with zlib (raw deflate, level 6, per
file, as ``zip`` does). Up to ``FULL_COMPRESS_BYTES`` of compressible data everything is
compressed (exact to the zip container overhead); above that a size-weighted systematic
sample of ``SAMPLE_BYTES`` per run is compressed per file extension and the ratio extrapolated.
On mixed trees (text, code, native libraries, random data) the estimate stays within a few per
cent of ``zip -6``; a 300 MB tree is measured in about a second.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from lambdalint.discover import pattern_regexes
from lambdalint.model import Function

MB = 1024 * 1024
OWN_CACHE = ".lambdalint_cache"  # lambdalint's own cache is never counted
# serverless.yml's default excludes (Serverless Framework v3 `package` docs)
SERVERLESS_DEFAULT_EXCLUDES = (
    "!.git/**",
    "!.gitignore",
    "!.DS_Store",
    "!npm-debug.log",
    "!yarn-*.log",
    "!.serverless/**",
    "!.serverless_plugins/**",
)
COMPRESSED_SUFFIXES = frozenset(
    {
        ".zip", ".gz", ".tgz", ".bz2", ".xz", ".lz4", ".zst", ".br", ".7z", ".rar", ".jar", ".war",
        ".whl", ".egg", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".heic", ".mp3", ".mp4",
        ".m4a", ".mov", ".ogg", ".webm", ".woff", ".woff2", ".pdf", ".docx", ".xlsx", ".pptx", ".npz",
    }
)
FULL_COMPRESS_BYTES = 24 * MB
SAMPLE_BYTES = 16 * MB
PIECE_BYTES = 64 * 1024
ZIP_ENTRY_OVERHEAD = 30 + 46  # local file header + central directory entry, plus 2x the name
# folders whose children are the interesting contributors (dependency trees)
CONTAINERS = frozenset(
    {"node_modules", "python", "nodejs", "lib", "lib64", "site-packages", "dist-packages", "vendor", "vendored", "packages", "java"}
)


@dataclass(frozen=True)
class FileEntry:
    rel: str  # posix path inside the package
    size: int
    path: str  # absolute path on disk ("" inside a zip)


@dataclass
class PackageSize:
    path: Path
    unzipped: int
    files: int
    is_zip: bool
    zipped: int | None = None  # exact for a zip; estimated for a folder when asked
    zipped_estimated: bool = False
    entries: list[FileEntry] = field(default_factory=list, repr=False)

    def largest(self, n: int = 5) -> list[tuple[str, int]]:
        return largest_contributors(self.entries, n)


class Excludes:
    """A format's own exclusion rules. ``patterns``: serverless style, applied in order, all
    files included to start with, ``!glob`` excludes and ``glob`` re-includes. ``excludes``:
    plain globs/paths that are left out (Terraform ``archive_file``)."""

    def __init__(self, patterns: Iterable[str] = (), excludes: Iterable[str] = ()) -> None:
        patterns, excludes = list(patterns), list(excludes)
        self.rules: list[tuple[bool, pathspec.PathSpec]] = []
        self.texts: list[str] = []
        for p in patterns:
            p = p.strip()
            if not p:
                continue
            negative = p.startswith("!")
            body = p[1:] if negative else p
            self.rules.append((not negative, pathspec.GitIgnoreSpec.from_lines([body])))
            self.texts.append(body)
        for e in excludes:
            e = e.strip().rstrip("/")
            if e:
                self.rules.append((False, pathspec.GitIgnoreSpec.from_lines([e, f"{e}/**"])))
                self.texts.append(e)
        self.key = (tuple(patterns), tuple(excludes))
        self._fast = _fast_rules(self.rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def included(self, rel: str) -> bool:
        """The last rule that matches decides; no rule matching: included."""
        if self._fast is not None:
            # runs of same-sign rules, each compiled to one regex: the last run that matches wins
            for include, regex in reversed(self._fast):
                if regex.search(rel) is not None:
                    return include
            return True
        state = True
        for include, spec in self.rules:
            if spec.match_file(rel):
                state = include
        return state

    def prunes(self, rel_dir: str) -> bool:
        """A folder can be skipped whole: excluded, and no later rule includes anything in it."""
        probe = f"{rel_dir}/\x00probe"
        state = True
        last_exclude = -1
        for i, (include, spec) in enumerate(self.rules):
            if spec.match_file(probe) or spec.match_file(rel_dir + "/"):
                state = include
                if not include:
                    last_exclude = i
        if state or last_exclude < 0:
            return False
        later = range(last_exclude + 1, len(self.rules))
        return not any(self.rules[i][0] and _could_reach(self.texts[i], rel_dir) for i in later)


class RegexExcludes(Excludes):
    """The terraform-aws-modules/lambda ``source_path`` ``patterns``: Python regexes matched
    (fullmatch) against each file's relative path, in order; ``!regex`` excludes, ``regex``
    re-includes; everything is included to start with."""

    def __init__(self, patterns: Iterable[str]) -> None:
        super().__init__()
        patterns = list(patterns)
        self.regexes: list[tuple[bool, re.Pattern[str]]] = []
        for p in patterns:
            p = p.strip()
            if not p:
                continue
            negative = p.startswith("!")
            try:
                self.regexes.append((not negative, re.compile(p[1:] if negative else p)))
            except re.error:
                continue  # the module would fail on it too; not this rule's business
        self.key = (("regex", *patterns), ())

    def __bool__(self) -> bool:
        return bool(self.regexes)

    def included(self, rel: str) -> bool:
        state = True
        for include, regex in self.regexes:
            if regex.fullmatch(rel):
                state = include
        return state

    def prunes(self, rel_dir: str) -> bool:
        return False  # the module filters files one by one


def _fast_rules(rules: list[tuple[bool, pathspec.PathSpec]]) -> list[tuple[bool, re.Pattern[str]]] | None:
    """The rules as one regex per run of same-sign rules, or None when a spec is not a plain
    set of positive gitignore patterns (then ``match_file`` is used as is).

    Within a run of rules of the same sign only whether one matches counts, so each run
    becomes one alternation (see ``discover.pattern_regexes``). Paths given to ``included``
    are already normalised (posix, relative)."""
    runs: list[tuple[bool, list[str]]] = []
    for include, spec in rules:
        texts = pattern_regexes(spec)
        if texts is None:
            return None
        if runs and runs[-1][0] == include:
            runs[-1][1].extend(texts)
        else:
            runs.append((include, texts))
    try:
        return [(include, re.compile("|".join(texts))) for include, texts in runs if texts]
    except re.error:
        return None


def _could_reach(pattern: str, rel_dir: str) -> bool:
    """Whether an include pattern might match something below ``rel_dir``."""
    body = (pattern[2:] if pattern.startswith("./") else pattern).lstrip("/")
    literal = ""
    for ch in body:
        if ch in "*?[{":
            break
        literal += ch
    if "/" not in body.rstrip("/"):
        return True  # a bare name matches at any depth
    folder = rel_dir + "/"
    return literal.startswith(folder) or folder.startswith(literal)


def walk(root: Path, excludes: Excludes | None = None) -> Iterator[FileEntry]:
    """Files under ``root`` that a packager would ship (directory symlinks not followed)."""
    from lambdalint.cache import recording

    recorder = recording()  # a run that keeps a snapshot notes the sizes it used
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, rel = stack.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for entry in it:
                name = entry.name
                child = f"{rel}/{name}" if rel else name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if name == OWN_CACHE or (excludes and excludes.prunes(child)):
                            continue
                        stack.append((entry.path, child))
                        continue
                    st = entry.stat(follow_symlinks=True)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                if excludes and not excludes.included(child):
                    continue
                if recorder is not None:
                    recorder.stat_of(entry.path, st)
                yield FileEntry(child, st.st_size, entry.path)


def zip_entries(path: Path) -> list[FileEntry] | None:
    try:
        with zipfile.ZipFile(path) as zf:
            return [FileEntry(i.filename, i.file_size, "") for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def measure(path: Path, excludes: Excludes | None = None, zipped: bool = False) -> PackageSize | None:
    """Size of a package folder or zip; None when it is not on disk. With ``zipped``, also the
    (estimated) zip size of a folder."""
    try:
        if path.is_file():
            entries = zip_entries(path)
            if entries is None:
                return None
            return PackageSize(path, sum(e.size for e in entries), len(entries), True, path.stat().st_size, False, entries)
        if not path.is_dir():
            return None
    except OSError:
        return None
    entries = list(walk(path, excludes))
    size = PackageSize(path, sum(e.size for e in entries), len(entries), False, entries=entries)
    if zipped:
        size.zipped = estimate_zip(entries)
        size.zipped_estimated = True
    return size


# --------------------------------------------------------------------------- zip estimate


def _suffix(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _deflated(path: str, offset: int, length: int) -> tuple[int, int]:
    """(raw bytes, deflated bytes) of ``length`` bytes of a file from ``offset``."""
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = out = 0
    try:
        with open(path, "rb") as fh:
            if offset:
                fh.seek(offset)
            remaining = length
            while remaining > 0:
                chunk = fh.read(min(MB, remaining))
                if not chunk:
                    break
                raw += len(chunk)
                remaining -= len(chunk)
                out += len(comp.compress(chunk))
    except OSError:
        return 0, 0
    out += len(comp.flush())
    return raw, min(out, raw) if raw else 0


def estimate_zip(entries: list[FileEntry]) -> int:
    """Estimated size of a deflate zip of ``entries``."""
    overhead = 22 + sum(ZIP_ENTRY_OVERHEAD + 2 * len(e.rel.encode("utf-8", "surrogateescape")) for e in entries)
    stored = 0
    groups: dict[str, list[FileEntry]] = {}
    for e in entries:
        if _suffix(e.rel) in COMPRESSED_SUFFIXES:
            stored += e.size
        else:
            groups.setdefault(_suffix(e.rel), []).append(e)
    compressible = sum(e.size for g in groups.values() for e in g)
    if compressible <= FULL_COMPRESS_BYTES:
        return overhead + stored + sum(_deflated(e.path, 0, e.size)[1] for g in groups.values() for e in g)
    total = 0
    for files in groups.values():
        group_bytes = sum(e.size for e in files)
        if group_bytes == 0:
            continue
        budget = max(PIECE_BYTES, SAMPLE_BYTES * group_bytes // compressible)
        if budget >= group_bytes:
            total += sum(_deflated(e.path, 0, e.size)[1] for e in files)
            continue
        # systematic sampling proportional to size: points every `step` bytes; each point
        # stands for `step` bytes compressed at the ratio of the file it falls in
        step = group_bytes * PIECE_BYTES / budget
        point = step / 2
        cum = 0
        ratio_sum = 0.0
        points = 0
        for e in sorted(files, key=lambda f: f.rel):
            if e.size <= PIECE_BYTES:
                hits = 0
                while point < cum + e.size:
                    hits += 1
                    point += step
                if hits:  # a small file is deflated whole, on its own, as zip does
                    raw, comp = _deflated(e.path, 0, e.size)
                    if raw:
                        ratio_sum += hits * comp / raw
                        points += hits
            else:
                while point < cum + e.size:  # a piece of a large file where each point falls
                    start = min(int(point - cum), e.size - PIECE_BYTES)
                    raw, comp = _deflated(e.path, start, PIECE_BYTES)
                    if raw:
                        ratio_sum += comp / raw
                        points += 1
                    point += step
            cum += e.size
        ratio = ratio_sum / points if points else 1.0
        total += int(group_bytes * ratio)
    return overhead + stored + total


# --------------------------------------------------------------------------- contributors


def largest_contributors(entries: list[FileEntry], n: int = 5) -> list[tuple[str, int]]:
    """The ``n`` largest top-level entries, looking inside dependency folders
    (``node_modules/aws-sdk``, ``python/lib/python3.12/site-packages/numpy``)."""
    sizes: dict[str, int] = {}
    for e in entries:
        parts = e.rel.split("/")
        depth = 1
        while depth < len(parts) and (parts[depth - 1] in CONTAINERS or parts[depth - 1].startswith("python3")):
            depth += 1
        if depth < len(parts) and parts[depth - 1].startswith("@"):  # npm scopes
            depth += 1
        key = "/".join(parts[:depth]) + ("/" if depth < len(parts) else "")
        sizes[key] = sizes.get(key, 0) + e.size
    return sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def human(size: int) -> str:
    if size >= 100 * MB:
        return f"{size / MB:.0f} MB"
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


# --------------------------------------------------------------------------- what a function deploys

# `sam build` (aws-lambda-builders PythonPipBuilder) leaves these out when it copies the source
SAM_PYTHON_BUILD_EXCLUDES = (
    ".aws-sam", ".chalice", ".git", ".gitignore", "*.pyc", "__pycache__", "*.so", ".Python", "*.egg-info",
    "*.egg", "pip-log.txt", "pip-delete-this-directory.txt", "htmlcov", ".tox", ".nox", ".coverage", ".cache",
    ".pytest_cache", ".python-version", ".mypy_cache", ".dmypy.json", ".pyre", ".env", ".venv", "venv",
    "venv.bak", "env.bak", "ENV", "env", ".vscode", ".idea",
)

# runtimes whose package is built from sources (a jar, a binary): the source folder is not it
COMPILED_RUNTIMES = ("java", "dotnet", "go", "provided")
# serverless plugins that bundle or build the package themselves
BUNDLER_PLUGINS = frozenset(
    {
        "serverless-esbuild", "serverless-webpack", "serverless-plugin-typescript", "serverless-bundle",
        "serverless-jetpack", "serverless-plugin-optimize", "serverless-rust", "serverless-go-build",
        "serverless-plugin-monorepo", "serverless-dotnet", "serverless-kotlin",
    }
)
# what every other `sam build` workflow leaves out (NodejsNpmBuilder and others)
SAM_NODE_BUILD_EXCLUDES = (".aws-sam", ".git")


def _dev_dependency_patterns(folder: Path) -> list[str]:
    """``!node_modules/<pkg>/**`` for the devDependencies in ``package.json``: the Serverless
    Framework and ``sam build`` leave them out of the package."""
    import json

    try:
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    dev = data.get("devDependencies") if isinstance(data, dict) else None
    if not isinstance(dev, dict):
        return []
    return [f"!node_modules/{name}/**" for name in dev if isinstance(name, str)]


def deployed(fn: Function) -> tuple[Path, Excludes | None] | None:
    """The code location a function deploys and the exclusions its format applies, or None
    when it is not on disk (built elsewhere, in S3, an image, inline code)."""
    if fn.package_type == "Image" or fn.code_inline is not None:
        return None
    raw = fn.extra.get("package")
    pkg: dict[str, Any] = raw if isinstance(raw, dict) else {}
    artifact = pkg.get("artifact")
    if artifact is not None:
        return (artifact, None) if isinstance(artifact, Path) else None
    path = fn.code_path
    if not isinstance(path, Path):
        return None
    runtime = fn.runtime if isinstance(fn.runtime, str) else str(fn.extra.get("default_runtime", ""))
    if path.is_file():
        return path, None  # a built zip: exactly what is deployed
    if runtime.startswith(COMPILED_RUNTIMES) or not runtime:
        return None  # a source folder that a build turns into the package
    build = fn.extra.get("build_method")
    if build is not None and not (isinstance(build, str) and build.startswith(("python", "nodejs"))):
        return None  # sam build with esbuild / makefile / a custom builder: the output differs
    if BUNDLER_PLUGINS & set(fn.extra.get("plugins") or ()):
        return None  # the plugin bundles or builds the package itself
    patterns: list[str] = []
    excludes: list[str] = [str(e) for e in pkg.get("excludes", []) if isinstance(e, str)]
    if fn.format == "serverless":
        patterns += SERVERLESS_DEFAULT_EXCLUDES
        if runtime.startswith("nodejs") or runtime == "":
            patterns += _dev_dependency_patterns(path)
        patterns += [f"!{e}" for e in pkg.get("exclude", []) if isinstance(e, str)]
        patterns += [str(i) for i in pkg.get("include", []) if isinstance(i, str)]
        patterns += [str(p) for p in pkg.get("patterns", []) if isinstance(p, str)]
    elif fn.format == "terraform" and pkg.get("patterns"):
        return path, RegexExcludes(str(p) for p in pkg["patterns"] if isinstance(p, str))
    elif fn.format == "sam" and runtime.startswith("python"):
        excludes += SAM_PYTHON_BUILD_EXCLUDES
    elif fn.format == "sam" and runtime.startswith("nodejs"):
        excludes += SAM_NODE_BUILD_EXCLUDES
        patterns += _dev_dependency_patterns(path)
    elif fn.format == "sam":
        excludes += SAM_NODE_BUILD_EXCLUDES
    return path, (_excludes(tuple(patterns), tuple(excludes)) if patterns or excludes else None)


@functools.lru_cache(maxsize=256)
def _excludes(patterns: tuple[str, ...], excludes: tuple[str, ...]) -> Excludes:
    """Compiled once per distinct rule set: most functions of a project share one."""
    return Excludes(list(patterns), list(excludes))
