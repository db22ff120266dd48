"""Walk the paths, skip what is not the user's code, and classify what is left.

Ignore rules (built-in skips, ``exclude``, ``.gitignore``) prune what is found *below* a path
the user gave, never the path itself. Directory symlinks are never followed (no loops, nothing
outside the tree); file symlinks only when they point inside the tree.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pathspec

# Folders that are never the user's own source: build output, dependencies, tool state.
DEFAULT_EXCLUDE = [
    ".git",
    ".hg",
    ".svn",
    ".aws-sam",
    ".serverless",
    ".terraform",
    ".terragrunt-cache",
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".lambdalint_cache",
    "site-packages",
    "dist-packages",
    "**/cdk.out/asset.*",
    "*.egg-info",
    # project templates (cookiecutter, copier): `{{cookiecutter.project_name}}/` holds Jinja
    # sources of a template and its code, not something that deploys as it is
    "*{{*}}*/",
]

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")
# JSON/YAML files that are never templates (skipped without reading them)
NOT_TEMPLATES = {
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "composer.json",
    "composer.lock",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "pnpm-lock.yaml",
    "yarn.lock",
    "mkdocs.yml",
    ".travis.yml",
    ".gitlab-ci.yml",
    "buildspec.yml",
    "samconfig.yaml",
    "samconfig.yml",
    "cdk.json",
    "cdk.context.json",
    "appsettings.json",
    "launchSettings.json",
    ".eslintrc.json",
    "renovate.json",
}
# what only a template has: its format version, the SAM transform, or a resource `Type: AWS::X::Y`.
# Two searches, each starting with a literal that the regex engine looks for quickly: one
# alternation of the three is about twenty times slower on large JSON data files, which
# projects do keep next to their code.
TEMPLATE_SNIFF = (
    re.compile(rb"AWSTemplateFormatVersion|AWS::Serverless-2016-10-31"),
    re.compile(rb"Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::"),
)
MAX_SNIFF_BYTES = 64 * 1024 * 1024


@dataclass
class Discovered:
    python: list[Path] = field(default_factory=list)
    templates: list[Path] = field(default_factory=list)  # SAM / CloudFormation, by content
    serverless: list[Path] = field(default_factory=list)
    terraform_dirs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # bytes read while sniffing, handed to the loaders so a template is read only once
    contents: dict[Path, bytes] = field(default_factory=dict)
    unreadable: dict[Path, str] = field(default_factory=dict)

    def count(self) -> int:
        return len(self.python) + len(self.templates) + len(self.serverless) + len(self.terraform_dirs)


def _spec(patterns: Iterable[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(_pattern, list(patterns))


@functools.lru_cache(maxsize=8192)
def _pattern(line: str) -> pathspec.Pattern:
    """GitIgnoreSpec's own pattern for one line, compiled once per run: the same lines
    (``*.pyc``, ``node_modules/``...) recur in almost every .gitignore of a repository."""
    global _PATTERN_TYPE
    if _PATTERN_TYPE is None:
        _PATTERN_TYPE = cast(Callable[[str], pathspec.Pattern], type(pathspec.GitIgnoreSpec.from_lines(["x"]).patterns[0]))
    return _PATTERN_TYPE(line)


_PATTERN_TYPE: Callable[[str], pathspec.Pattern] | None = None  # (not public in pathspec: found from a spec)


_DIR_GROUP = "(?P<ps_d>"
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")  # backreferences: not safe to combine


def pattern_regexes(spec: pathspec.PathSpec, negations: bool = False) -> list[str] | None:
    """The regexes of the spec's patterns, ready to be joined into one alternation, or None
    when a pattern cannot be combined safely (then use ``match_file``), or is a negation and
    ``negations`` is false.

    A spec whose patterns all include matches a path exactly when one of its patterns'
    regexes does: ``GitIgnoreSpec`` priorities only matter with negations. With
    ``negations``, the alternation of every pattern, positive or not, tells whether any
    pattern matches a path at all: when none does, the spec does not match it either."""
    texts: list[str] = []
    for pattern in spec.patterns:
        if pattern.include is None:
            continue
        regex = getattr(pattern, "regex", None)
        if (pattern.include is not True and not negations) or not isinstance(regex, re.Pattern) or regex.flags & ~re.UNICODE:
            return None
        text = regex.pattern
        if not isinstance(text, str) or set(regex.groupindex) - {"ps_d"} or _BACKREF.search(text):
            return None
        texts.append(f"(?:{text.replace(_DIR_GROUP, '(?:')})")
    return texts


class Matcher:
    """``spec.match_file`` for normalised relative paths. When the spec has only positive
    patterns it is one compiled regex (see :func:`pattern_regexes`); with negations, one
    regex of all its patterns first rules out the paths no pattern matches (most of them),
    and ``match_file`` decides the rest. The regex is compiled only once the spec has been
    asked about a few paths (most .gitignore files of a monorepo's samples govern a handful)."""

    COMPILE_AFTER = 64

    def __init__(self, spec: pathspec.PathSpec) -> None:
        self.spec = spec
        self.regex: re.Pattern[str] | None = None  # matches exactly the paths the spec does
        self.any_pattern: re.Pattern[str] | None = None  # matches whenever some pattern does
        self.empty = not any(p.include is not None for p in spec.patterns)
        self.calls = 0

    def _compile(self) -> None:
        texts = pattern_regexes(self.spec)
        try:
            if texts is not None:
                self.regex = re.compile("|".join(texts))
            else:
                every = pattern_regexes(self.spec, negations=True)
                if every:
                    self.any_pattern = re.compile("|".join(every))
        except re.error:
            pass

    def match(self, rel: str) -> bool:
        if self.empty:
            return False
        self.calls += 1
        if self.calls == self.COMPILE_AFTER:
            self._compile()
        if self.regex is not None:
            return self.regex.search(rel) is not None
        if self.any_pattern is not None and self.any_pattern.search(rel) is None:
            return False
        return self.spec.match_file(rel)


def _rel_str(path: str, base: str) -> str:
    """``path`` relative to its ancestor ``base`` (both absolute, as strings), posix style."""
    if path == base:
        return "."
    rel = path[len(base) :].lstrip(os.sep)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


Specs = list[tuple[str, Matcher]]  # (absolute folder, its .gitignore), outermost first


class Walker:
    def __init__(self, root: Path, exclude: list[str], respect_gitignore: bool) -> None:
        self.root = root
        self.exclude = Matcher(_spec(exclude))
        self.respect_gitignore = respect_gitignore
        self.out = Discovered()
        self._tf_dirs: set[Path] = set()
        self._matchers: dict[str, Matcher] = {}  # .gitignore text -> its matcher

    # -- ignore handling ------------------------------------------------------------

    def _gitignores_above(self, folder: Path) -> Specs:
        """.gitignore files between the repository top and ``folder`` (exclusive)."""
        if not self.respect_gitignore:
            return []
        chain: list[Path] = []
        for parent in folder.parents:
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            return []
        specs = []
        for parent in reversed(chain):
            spec = self._read_gitignore(str(parent))
            if spec is not None:
                specs.append((str(parent), spec))
        return specs

    def _read_gitignore(self, folder: str) -> Matcher | None:
        if not self.respect_gitignore:
            return None
        try:
            with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            return None
        # project templates copy the same .gitignore into every sample: compile each text once
        matcher = self._matchers.get(text)
        if matcher is None:
            matcher = self._matchers[text] = Matcher(_spec(text.splitlines()))
        return matcher

    @staticmethod
    def _ignored(path: str, is_dir: bool, specs: Specs) -> bool:
        for base, spec in specs:
            rel = _rel_str(path, base) + ("/" if is_dir else "")
            if spec.match(rel):
                return True
        return False

    def _excluded(self, path: str, is_dir: bool, base: str) -> bool:
        """Exclude patterns (gitignore syntax) are relative to ``base``."""
        rel = _rel_str(path, base)
        return self.exclude.match(rel + "/" if is_dir else rel)

    # -- walking --------------------------------------------------------------------

    def add_path(self, path: Path) -> None:
        if path.is_dir():
            self._walk(path)
        else:
            self.classify(path, explicit=True)

    def _walk(self, top: Path) -> None:
        # patterns are relative to the project root, but never exclude the path the user gave:
        # when they match it, they are applied relative to it instead
        top_s = str(top)
        base = str(self.root) if self.root in top.parents else top_s
        if base != top_s and self._excluded(top_s, True, base):
            base = top_s
        above = [(b, spec) for b, spec in self._gitignores_above(top) if not self._ignored(top_s, True, [(b, spec)])]
        stack: list[tuple[str, Specs]] = [(top_s, above)]
        while stack:
            folder, specs = stack.pop()
            own = self._read_gitignore(folder)
            if own is not None:
                specs = [*specs, (folder, own)]
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except PermissionError:
                self.out.notes.append(f"skipped unreadable folder {folder}")
                continue
            except OSError as exc:
                self.out.notes.append(f"skipped folder {folder}: {exc.strerror or exc}")
                continue
            vendored = _vendored_names(entries)
            subdirs: list[str] = []
            for entry in entries:
                path = entry.path
                try:
                    is_link = entry.is_symlink()
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_link:
                    if self._link_inside(Path(path)) and not _is_dir_follow(Path(path)):
                        is_dir = False
                    else:
                        continue  # directory links and links leaving the tree are not followed
                if entry.name in vendored:
                    continue
                if self._excluded(path, is_dir, base) or self._ignored(path, is_dir, specs):
                    continue
                if is_dir:
                    subdirs.append(path)
                else:
                    self.classify(Path(path))
            stack.extend((d, specs) for d in reversed(subdirs))

    def _link_inside(self, path: Path) -> bool:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        root = self.root.resolve()
        return target == root or root in target.parents

    def classify(self, path: Path, explicit: bool = False) -> None:
        name = path.name
        suffix = path.suffix.lower()
        if suffix == ".py":
            self.out.python.append(path)
        elif suffix == ".tf":
            if path.parent not in self._tf_dirs:
                self._tf_dirs.add(path.parent)
                self.out.terraform_dirs.append(path.parent)
        elif name in SERVERLESS_NAMES:
            self.out.serverless.append(path)
        elif suffix in TEMPLATE_SUFFIXES and (explicit or name not in NOT_TEMPLATES):
            try:
                st = path.stat()
                if st.st_size > MAX_SNIFF_BYTES:
                    return
                data = path.read_bytes()
            except OSError as exc:
                if explicit:
                    self.out.unreadable[path] = exc.strerror or str(exc)
                return
            if any(sniff.search(data) for sniff in TEMPLATE_SNIFF):
                self.out.templates.append(path)
                self.out.contents[path] = data


def _is_dir_follow(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def _vendored_names(entries: list[os.DirEntry[str]]) -> set[str]:
    """Top-level names that pip installed here (``pip install -t``), next to their metadata: a
    ``*.dist-info`` folder, or an ``*.egg-info`` folder holding ``installed-files.txt`` (what
    an old pip's ``setup.py install`` left). Any other ``*.egg-info`` is the project's own
    metadata (``pip install -e .``, ``setup.py egg_info``, an unpacked sdist), next to the
    project's own code: that code is linted."""
    infos = [e for e in entries if e.name.endswith((".dist-info", ".egg-info"))]
    if not infos:
        return set()
    names: set[str] = {e.name for e in infos}
    for info in infos:
        base = Path(info.path)
        if info.name.endswith(".egg-info") and not (base / "installed-files.txt").is_file():
            continue
        try:
            top = (base / "top_level.txt").read_text(encoding="utf-8", errors="replace").split()
        except OSError:
            top = []
        if not top:
            try:
                with open(base / "RECORD", encoding="utf-8", errors="replace") as fh:
                    top = list({line.split("/", 1)[0].split(",", 1)[0] for line in fh if line.strip()})
            except OSError:
                top = []
        for t in top:
            names.add(t)
            names.add(f"{t}.py")
    return names


def discover(paths: list[Path], exclude: list[str], respect_gitignore: bool, root: Path) -> Discovered:
    walker = Walker(root, exclude, respect_gitignore)
    for p in paths:
        walker.add_path(p)
    out = walker.out
    for lst in (out.python, out.templates, out.serverless, out.terraform_dirs):
        lst[:] = sorted(dict.fromkeys(lst))
    return out
