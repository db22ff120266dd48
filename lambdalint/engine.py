"""discover -> load -> model -> rules -> suppress: one direction, one pass over each file."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalint import loaders, suppress
from lambdalint.cache import Cache
from lambdalint.code.analyze import CodeSettings, FileJob, FileResult, analyze
from lambdalint.code.context import HandlerLink, is_test_file
from lambdalint.config import Config
from lambdalint.discover import Discovered, Walker, discover
from lambdalint.loaders.common import parse_error
from lambdalint.model import HTTP_EVENT_KINDS, UNKNOWN, Finding, Function, Project
from lambdalint.registry import CodeRule, FunctionRule, ProjectRule, all_rules

PARALLEL_THRESHOLD = 64  # files to analyse before fanning out over processes is worth it


@dataclass
class RunOptions:
    paths: list[Path]
    config: Config
    use_cache: bool = True
    jobs: int | None = None
    force_exclude: bool = False
    verbose: bool = False
    progress: Callable[[int, int], None] | None = None
    fixes: bool = False  # compute autofixes (--fix, --diff, SARIF output)


@dataclass
class RunResult:
    root: Path
    findings: list[Finding]
    project: Project
    enabled: set[str]
    files: int = 0
    python_files: int = 0
    handlers: int = 0
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # internal errors (a rule crashed)
    timings: dict[str, float] = field(default_factory=dict)
    cache_hits: int = 0
    scope: list[Path] | None = None
    # what --fix needs to re-analyse a file after each fix
    jobs: dict[Path, FileJob] = field(default_factory=dict)
    settings: CodeSettings | None = None

    @property
    def visible(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    @property
    def parse_failures(self) -> list[Finding]:
        return [f for f in self.findings if f.rule_id in ("LL001", "LL002")]


class Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def cache_home(root: Path, config: Config) -> Path:
    """Where ``.lambdalint_cache/`` goes: the config's folder, else the git top level of the
    linted tree; a tree that is neither (an unpacked archive, someone else's checkout) gets
    a per-user cache folder instead of a new folder inside it."""
    if config.path is not None:
        return config.root
    for parent in (root, *root.parents):
        if (parent / ".git").exists():
            return parent
    import hashlib

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambdalint"
    return base / hashlib.blake2b(str(root).encode(), digest_size=8).hexdigest()


def find_project_root(path: Path, config: Config) -> Path:
    """The project a lone file belongs to: the config's folder, else the git top level."""
    if config.path is not None:
        return config.root
    folder = path if path.is_dir() else path.parent
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            return parent
    return folder


def run(opts: RunOptions) -> RunResult:
    timer = Timer()
    config = opts.config
    enabled = config.enabled_rules()
    paths = [p.resolve() for p in opts.paths]
    files = [p for p in paths if not p.is_dir()]
    scope: list[Path] | None = None
    if files:
        # lone files are the report scope; the analysis covers the project they belong to,
        # so template <-> code rules still see both sides
        root = find_project_root(files[0], config)
        scope = paths
        if opts.force_exclude:
            files = [f for f in files if not _excluded_file(f, root, config)]
            scope = [p for p in paths if p.is_dir() or p in files]
        analysis_paths = [root, *[p for p in paths if p.is_dir() and root not in (p, *p.parents)]]
    else:
        root = config.root if all(config.root in (p, *p.parents) for p in paths) and config.path else paths[0]
        analysis_paths = paths
    exclude = config.excludes()

    with timer.phase("discover"):
        disc = discover(analysis_paths, exclude, config.respect_gitignore, config.root)
        # lone files given explicitly are linted even when excluded or ignored
        for lone in files:
            if lone.is_file() and lone not in disc.python and lone not in disc.templates and lone not in disc.serverless:
                w = Walker(root, [], False)
                w.classify(lone, explicit=True)
                _merge(disc, w.out)

    project = Project(root=root)
    cache = Cache(cache_home(root, config), enabled=opts.use_cache and config.cache)
    with timer.phase("load templates"):
        units = [("cfn", p) for p in disc.templates] + [("sls", p) for p in disc.serverless]
        units += [("tf", d) for d in disc.terraform_dirs]
        _load_all(project, cache, units, disc.contents, opts)
        for path, err in disc.unreadable.items():
            project.findings.append(parse_error(path, f"file could not be read: {err}"))

    settings = CodeSettings(
        tuple(
            (rid, int(config.severity_of(rid)), tuple(sorted(config.options_for(rid).items())))
            for rid, cls in all_rules().items()
            if rid in enabled and issubclass(cls, CodeRule)
        ),
        fixes=opts.fixes,
    )
    with timer.phase("link handlers"):
        jobs = _python_jobs(disc, project, root)

    errors: list[str] = []
    notes: list[str] = [*disc.notes, *project.notes]
    with timer.phase("python"):
        results = _analyze_all(jobs, settings, cache, opts, errors)
        if enabled & CROSS_RULES:
            results = _imported_modules(project, jobs, results, settings, cache, opts, errors)
    for r in results:
        if r.note:
            (errors if "internal error" in r.note else notes).append(r.note)

    findings: list[Finding] = [*project.findings]
    for r in results:
        findings.extend(r.findings)

    with timer.phase("rules"):
        findings.extend(_model_rules(project, results, config, enabled, errors, opts.verbose))

    with timer.phase("suppress"):
        findings = [f for f in findings if f.rule_id in enabled]
        registry = all_rules()
        for f in findings:
            # a rule with per-finding severities (LL401: warning at 50 MB zipped, error at 250 MB
            # unzipped) keeps them unless the user configured the rule's severity
            if f.rule_id in config.severity or not getattr(registry.get(f.rule_id), "per_finding_severity", False):
                f.severity = config.severity_of(f.rule_id)
        suppressions = [s for r in results for s in r.suppressions]
        for path, text in project.texts.items():
            suppressions.extend(suppress.scan_comments(path, text))
        per_file = {}
        for f in findings:
            p = f.location.path
            if p not in per_file:
                per_file[p] = config.ignored_for_file(_rel(p, config.root))
        findings, unused = suppress.apply(findings, suppressions, enabled, per_file)
        for f in unused:
            f.severity = config.severity_of(f.rule_id)
        findings.extend(unused)
        if scope is not None:
            findings = [f for f in findings if _in_scope(f.location.path, scope)]
        findings.sort(key=Finding.sort_key)

    handlers = sum(len(r.handlers) for r in results)
    return RunResult(
        root=root,
        findings=findings,
        project=project,
        enabled=enabled,
        files=len(disc.python) + len(disc.templates) + len(disc.serverless) + _count_tf(disc.terraform_dirs),
        python_files=len(disc.python),
        handlers=handlers,
        notes=notes,
        errors=errors,
        timings=timer.timings,
        cache_hits=cache.hits,
        scope=scope,
        jobs={j.path: j for j in jobs},
        settings=settings,
    )


def _count_tf(folders: list[Path]) -> int:
    count = 0
    for folder in folders:
        try:
            count += sum(1 for p in folder.iterdir() if p.suffix == ".tf")
        except OSError:
            continue
    return count


def _merge(into: Discovered, other: Discovered) -> None:
    into.python += [p for p in other.python if p not in into.python]
    into.templates += [p for p in other.templates if p not in into.templates]
    into.serverless += [p for p in other.serverless if p not in into.serverless]
    into.terraform_dirs += [p for p in other.terraform_dirs if p not in into.terraform_dirs]
    into.contents.update(other.contents)
    into.unreadable.update(other.unreadable)


def _excluded_file(path: Path, root: Path, config: Config) -> bool:
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(config.excludes())
    base = config.root if config.root in path.parents else root
    try:
        return spec.match_file(path.relative_to(base).as_posix())
    except ValueError:
        return False


def _in_scope(path: Path, scope: list[Path]) -> bool:
    return any(path == s or s in path.parents for s in scope)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


LoadUnit = tuple[str, Path, str, bytes]  # kind, path, cache key, bytes ("" key: no cache)


def _load_all(
    project: Project, cache: Cache, units: list[tuple[str, Path]], contents: dict[Path, bytes], opts: RunOptions
) -> None:
    """Load every template (a Terraform folder is one unit) into its own project, through
    the cache; misses are spread over the cores when there are many. A template's model
    depends only on its own bytes (a Terraform module: its folder's .tf files) and its path,
    so that is the cache key. Results are merged in discovery order."""
    loaded: list[Project | None] = [None] * len(units)
    todo: list[tuple[int, LoadUnit]] = []
    for i, (kind, path) in enumerate(units):
        try:
            if kind == "tf":
                parts = sorted((p.name, p.read_bytes()) for p in path.iterdir() if p.suffix == ".tf" and p.is_file())
                data = b""
            else:
                data = contents.get(path) or path.read_bytes()
                parts = []
        except OSError as exc:
            own = Project(root=project.root)
            own.findings.append(parse_error(path, f"file could not be read: {exc.strerror or exc}"))
            loaded[i] = own
            continue
        key = cache.key("template", kind, str(path), data, parts)
        hit = cache.get(key)
        if isinstance(hit, Project):
            loaded[i] = hit
        else:
            todo.append((i, (kind, path, key, data)))
    workers = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
    results: list[Project] | None = None
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        try:
            import multiprocessing

            ctx = multiprocessing.get_context("fork") if sys.platform == "linux" else None
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                chunk = max(1, min(16, len(todo) // (workers * 8)))
                results = list(pool.map(_load_one, [(project.root, u) for _, u in todo], chunksize=chunk))
        except BrokenProcessPool:
            results = None  # finish in this process
    if results is None:
        results = [_load_one((project.root, u)) for _, u in todo]
    for (i, (_, _, key, _)), own in zip(todo, results, strict=True):
        cache.put(key, own)
        loaded[i] = own
    for unit in loaded:
        if unit is not None:
            project.merge(unit)


def _load_one(args: tuple[Path, LoadUnit]) -> Project:
    root, (kind, path, _, data) = args
    own = Project(root=root)
    if kind == "cfn":
        _guard(own, path, lambda: loaders.load_template(path, data, own))
    elif kind == "sls":
        _guard(own, path, lambda: loaders.load_serverless(path, data, own))
    else:
        _guard(own, path, lambda: loaders.load_terraform(path, own))
    plain(own)
    return own


def plain(obj: Any, _seen: set[int] | None = None) -> Any:
    """Replace the decoders' str subclasses (which carry line marks) by plain ``str`` in the
    model, in place, so that it pickles into the cache and compares like ordinary strings."""
    seen = _seen if _seen is not None else set()
    if id(obj) in seen:
        return obj
    if isinstance(obj, str):
        return obj if type(obj) is str else str(obj)
    if isinstance(obj, (int, float, bool, type(None), Path)) or obj is UNKNOWN:
        return obj
    seen.add(id(obj))
    if isinstance(obj, list):
        obj[:] = [plain(v, seen) for v in obj]
    elif isinstance(obj, tuple):
        return type(obj)(plain(v, seen) for v in obj) if not hasattr(obj, "_fields") else obj
    elif isinstance(obj, dict):
        items = [(plain(k, seen), plain(v, seen)) for k, v in obj.items()]
        obj.clear()
        obj.update(items)
    elif isinstance(obj, (set, frozenset)):
        return type(obj)(plain(v, seen) for v in obj)
    elif hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            value = getattr(obj, name)
            new = plain(value, seen)
            if new is not value:
                object.__setattr__(obj, name, new)
    return obj


def _guard(project: Project, path: Path, load: Callable[[], None]) -> None:
    """A loader bug or an unreadable file costs one file, never the run."""
    try:
        load()
    except OSError as exc:
        project.findings.append(parse_error(path, f"file could not be read: {exc.strerror or exc}"))
    except RecursionError:
        project.findings.append(parse_error(path, "too deeply nested to load"))
    except Exception as exc:
        project.notes.append(f"{path}: internal error while loading ({type(exc).__name__}: {exc}); please report it")
        project.findings.append(parse_error(path, f"template could not be loaded ({type(exc).__name__}: {exc})"))


# --------------------------------------------------------------------------- python


def _governing_dirs(project: Project) -> set[Path]:
    """Folders whose templates say exactly which functions are handlers."""
    dirs: set[Path] = set()
    for tpl in project.templates:
        if not tpl.functions:
            continue
        unresolved = any(
            (fn.is_python or fn.runtime is None or fn.runtime is UNKNOWN)
            and (not isinstance(fn.code_path, Path) or fn.handler_target() is None)
            and fn.code_inline is None and fn.package_type == "Zip"
            for fn in tpl.functions
        )
        if not unresolved:
            dirs.add(tpl.path.parent)
    return dirs


def handler_links(project: Project) -> dict[Path, list[HandlerLink]]:
    links: dict[Path, dict[str, list[Function]]] = {}
    for fn, module_path, func in project.iter_python_handlers():
        links.setdefault(module_path, {}).setdefault(func, []).append(fn)
    out: dict[Path, list[HandlerLink]] = {}
    for path, by_name in links.items():
        for name, fns in sorted(by_name.items()):
            kinds = tuple(sorted({e.kind for fn in fns for e in fn.events}))
            formats = tuple(
                sorted(
                    {
                        e.payload_format if isinstance(e.payload_format, str) else "unknown"
                        for fn in fns
                        for e in fn.events
                        if e.kind in HTTP_EVENT_KINDS
                    }
                )
            )
            out.setdefault(path, []).append(HandlerLink(name, tuple(sorted(f.id for f in fns)), kinds, formats))
    return out


def _python_jobs(disc: Discovered, project: Project, root: Path) -> list[FileJob]:
    links = handler_links(project)
    governing = _governing_dirs(project)
    jobs = []
    for path in disc.python:
        rel = _rel(path, root)
        governed = any(parent in governing for parent in path.parents)
        jobs.append(FileJob(path, rel, tuple(links.get(path, ())), not governed, is_test_file(rel)))
    return jobs


def _analyze_all(
    jobs: list[FileJob], settings: CodeSettings, cache: Cache, opts: RunOptions, errors: list[str]
) -> list[FileResult]:
    results: dict[Path, FileResult] = {}
    todo: list[tuple[FileJob, str | None, bytes | None]] = []
    for job in jobs:
        try:
            data = job.path.read_bytes()
        except OSError:
            results[job.path] = analyze(job, settings)  # reports LL001 "could not be read"
            continue
        key = cache.key("py", str(job.path), data, job, settings)
        hit = cache.get(key)
        if isinstance(hit, FileResult):
            results[job.path] = hit
        else:
            todo.append((job, key, data))
    workers = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
    done = 0
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        try:
            import multiprocessing

            ctx = multiprocessing.get_context("fork") if sys.platform == "linux" else None
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                chunk = max(1, min(32, len(todo) // (workers * 8)))
                for (done_job, done_key, _), res in zip(
                    todo, pool.map(_analyze_job, [(j, settings, d) for j, _, d in todo], chunksize=chunk), strict=True
                ):
                    results[done_job.path] = res
                    if done_key:
                        cache.put(done_key, res)
                    done += 1
                    if opts.progress:
                        opts.progress(done, len(todo))
            todo = []
        except BrokenProcessPool:
            errors.append("a worker process died; finishing the remaining files in one process")
            todo = [t for t in todo if t[0].path not in results]
    for job, job_key, job_data in todo:
        res = analyze(job, settings, job_data)
        results[job.path] = res
        if job_key:
            cache.put(job_key, res)
        done += 1
        if opts.progress:
            opts.progress(done, len(todo))
    return [results[j.path] for j in jobs]


CROSS_RULES = {"LL502", "LL503"}  # rules that read code facts of the modules handlers import


def _imported_modules(
    project: Project,
    jobs: list[FileJob],
    results: list[FileResult],
    settings: CodeSettings,
    cache: Cache,
    opts: RunOptions,
    errors: list[str],
) -> list[FileResult]:
    """Analyse, for code facts, the same-folder modules template-linked handlers import
    (transitively); other files keep their cheap validity check."""
    from dataclasses import replace

    from lambdalint.code.facts import imported_files

    by_path = {r.path: r for r in results}
    job_of = {j.path: j for j in jobs}
    tried: set[Path] = set()
    for _ in range(20):  # one round per import depth
        wanted = imported_files(project, lambda p: by_path[p].facts.get("code") if p in by_path else None)
        todo = [p for p in sorted(wanted) if p in job_of and p not in tried and "code" not in by_path[p].facts]
        if not todo:
            break
        tried.update(todo)
        for r in _analyze_all([replace(job_of[p], facts=True) for p in todo], settings, cache, opts, errors):
            by_path[r.path] = r
    return [by_path[j.path] for j in jobs]


def _analyze_job(args: tuple[FileJob, CodeSettings, bytes]) -> FileResult:
    return analyze(*args)


# --------------------------------------------------------------------------- model rules


def _model_rules(
    project: Project,
    results: list[FileResult],
    config: Config,
    enabled: set[str],
    errors: list[str],
    verbose: bool,
) -> list[Finding]:
    out: list[Finding] = []
    facts: dict[str, Any] = {"files": {r.path: r for r in results}}
    for rid, cls in all_rules().items():
        if rid not in enabled or cls.scope not in ("function", "project"):
            continue
        rule = cls(config.options_for(rid))
        units: list[Any] = list(project.functions) if isinstance(rule, FunctionRule) else [project]
        for unit in units:
            try:
                if isinstance(rule, FunctionRule):
                    out.extend(rule.check(unit))
                elif isinstance(rule, ProjectRule):
                    out.extend(rule.check(unit, facts))
            except Exception as exc:
                what = f" on {unit.id} ({unit.template})" if isinstance(unit, Function) else ""
                msg = f"rule {rid} failed{what} ({type(exc).__name__}: {exc}); please report it"
                if verbose:
                    msg += "\n" + traceback.format_exc()
                errors.append(msg)
    return out
