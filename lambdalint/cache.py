"""Content-hash cache of per-file results in ``.lambdalint_cache/``.

A key covers everything a result depends on: lambdalint's version, the file's path and bytes,
the settings of the rules that ran and the template facts the file was analysed with (its
handler links), so a template change re-analyses exactly the handlers it affects. Entries are
written atomically (temp file + rename), so concurrent runs are safe; an unreadable or corrupt
entry is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from lambdalint import __version__

CACHE_DIR = ".lambdalint_cache"


def _code_stamp() -> str:
    """Sizes and mtimes of lambdalint's own modules: an edited (editable) install never
    reuses results computed by other code under the same version number."""
    base = Path(__file__).resolve().parent
    parts = []
    for p in sorted(base.rglob("*.py")):
        try:
            st = p.stat()
        except OSError:
            continue
        parts.append(f"{p.relative_to(base)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


class Cache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = root / CACHE_DIR / __version__
        self.stamp = _code_stamp() if enabled else ""
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self._ready = False

    def key(self, *parts: Any) -> str:
        h = hashlib.blake2b(digest_size=20)
        h.update(__version__.encode())
        h.update(self.stamp.encode())
        for p in parts:
            h.update(b"\x00")
            h.update(p if isinstance(p, bytes) else repr(p).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def get(self, key: str) -> Any | None:
        if not self.enabled:
            return None
        try:
            with open(self.dir / key[:2] / key, "rb") as fh:
                value = pickle.load(fh)
        except Exception:  # missing, unreadable, truncated, from another version: a miss
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        if not self.enabled:
            return
        try:
            self._prepare()
            folder = self.dir / key[:2]
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / key)
        except OSError:
            self.enabled = False  # read-only tree: run without a cache rather than fail
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            pass  # not cacheable: computed again next time

    def _prepare(self) -> None:
        if self._ready:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        top = self.dir.parent
        ignore = top / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by lambdalint\n*\n", encoding="utf-8")
        self._drop_stale()
        self._ready = True

    def _drop_stale(self) -> None:
        """Entries written by other lambdalint code can never be read again (the code stamp
        is in every key): delete them, and other versions' folders, so that the cache holds
        one generation of results instead of growing with every upgrade."""
        import shutil

        marker = self.dir / "STAMP"
        try:
            if marker.read_text(encoding="utf-8") == self.stamp:
                return
        except (OSError, ValueError):  # missing or damaged: start afresh
            pass
        for old in self.dir.parent.iterdir():
            if old.is_dir() and old != self.dir:
                shutil.rmtree(old, ignore_errors=True)  # another version's cache
        for entry in self.dir.iterdir():
            if entry.is_dir() and (len(entry.name) == 2 or entry.name == SNAPSHOT_DIR):
                shutil.rmtree(entry, ignore_errors=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.stamp)
        os.replace(tmp, marker)


# --------------------------------------------------------------------------- whole-run snapshot
#
# After a run, what its result depended on is written next to the per-file entries: the
# modification times of every folder the run listed (adding, removing or renaming a file
# changes its folder's mtime) and the size and mtime of every file it opened or measured,
# recorded *before* the file was read. A later run with the same inputs (lambdalint code,
# configuration, rules, paths) compares them with ``stat`` only: nothing changed means the
# stored result is the result; only Python files changed means the project model and the
# other files' results can be reused (see engine.run). Anything else, or any doubt, means a
# full run.

SNAPSHOT_DIR = "snapshots"
RACY_NS = 50_000_000  # an mtime this close to when it was read may hide a later write in the same tick
_WATCHED = frozenset({"open", "os.scandir", "os.listdir"})
_RECORDER: Recorder | None = None
_HOOKED = False

Stat = tuple[int, int]  # (size, mtime_ns); (-1, -1): did not exist; mtime -2: racy, never equal


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _WATCHED and _RECORDER is not None:
        try:
            path = args[0] if args else None
            if path is None and event != "open":
                path = "."  # os.scandir() / os.listdir(): the current folder
            if isinstance(path, int):
                return  # a file descriptor: what it was opened from was recorded then
            if isinstance(path, (str, bytes, os.PathLike)):
                name = os.fsdecode(path)
                if event == "open":
                    _RECORDER.file(name)
                else:
                    _RECORDER.folder(name)
        except Exception:  # never let bookkeeping break a run; the snapshot is then refused
            _RECORDER.broken = True


class Recorder:
    """What a run looked at: folders listed and files opened (through an audit hook), plus
    files measured without being opened (:meth:`stat_of`)."""

    def __init__(self, ignore: list[Path]) -> None:
        # lambdalint's own cache is never a dependency; which other entries the manifest
        # keeps is decided by ``allowed`` (a tree may well live below sys.prefix, say /usr/src)
        prefixes = {str(p) for p in ignore}
        self.ignore = (*sorted(p.rstrip(os.sep) + os.sep for p in prefixes if p), "/dev/", "/proc/", "/sys/")
        self.dirs: dict[str, int] = {}
        self.files: dict[str, Stat] = {}
        self.broken = False
        self.allowed: set[str] = set()  # folders the manifest keeps entries from (see kept)

    def _skip(self, path: str) -> bool:
        return path.startswith(self.ignore)

    @staticmethod
    def _stamp(mtime_ns: int) -> int:
        import time

        return -2 if time.time_ns() - mtime_ns < RACY_NS else mtime_ns

    def folder(self, path: str) -> None:
        path = os.path.abspath(path)
        if path in self.dirs or self._skip(path + os.sep):
            return
        try:
            self.dirs[path] = self._stamp(os.stat(path).st_mtime_ns)
        except OSError:
            self.dirs[path] = -1

    def file(self, path: str) -> None:
        path = os.path.abspath(path)
        if path in self.files or self._skip(path):
            return
        try:
            st = os.stat(path)
        except OSError:
            self.files[path] = (-1, -1)
            return
        self.stat_of(path, st)

    def stat_of(self, path: str, st: os.stat_result) -> None:
        """A file whose ``stat`` the run used (package sizes): the first one seen is kept."""
        if path not in self.files:
            self.files[path] = (st.st_size, self._stamp(st.st_mtime_ns))

    def kept(self) -> tuple[dict[str, int], dict[str, Stat]]:
        """The entries at or below an ``allowed`` folder: what the manifest records."""
        prefixes = tuple(a.rstrip(os.sep) + os.sep for a in self.allowed)
        exact = {a.rstrip(os.sep) or os.sep for a in self.allowed}

        def keep(path: str) -> bool:
            return path in exact or path.startswith(prefixes)

        return {p: m for p, m in self.dirs.items() if keep(p)}, {p: s for p, s in self.files.items() if keep(p)}

    def __enter__(self) -> Recorder:
        global _RECORDER, _HOOKED
        if not _HOOKED:
            import sys

            sys.addaudithook(_hook)
            _HOOKED = True
        self._outer = _RECORDER
        _RECORDER = self
        return self

    def __exit__(self, *exc: object) -> None:
        global _RECORDER
        _RECORDER = self._outer


def recording() -> Recorder | None:
    """The recorder of the run in progress, if any (for code that measures files by ``stat``)."""
    return _RECORDER


def changed_since(dirs: dict[str, int], files: dict[str, Stat]) -> tuple[bool, list[str]] | None:
    """Compare a manifest with the file system: None when nothing changed; else (whether a
    folder changed, the files whose size or mtime changed, appeared or disappeared)."""
    stat = os.stat
    for path, mtime in dirs.items():
        try:
            now = stat(path).st_mtime_ns
        except OSError:
            now = -1
        if now != mtime or mtime == -2:
            return True, []
    changed = []
    for path, (size, mtime) in files.items():
        try:
            st = stat(path)
            seen = (st.st_size, st.st_mtime_ns)
        except OSError:
            seen = (-1, -1)
        if seen != (size, mtime) or mtime == -2:
            changed.append(path)
    return (False, changed) if changed else None


class Snapshots:
    """The snapshot of one set of inputs (``identity``): ``<id>.run`` holds the manifest and
    the findings (all a warm run reads); ``<id>.model`` the discovery and what the model rules need, ``<id>.project`` the project model, and
    ``<id>.results`` the per-file results and rule findings (what a run after an edit to
    Python files reuses). Each file is written atomically; they name the run that wrote
    them, so a mix of two runs' files is detected and ignored."""

    def __init__(self, cache: Cache, identity: str) -> None:
        self.cache = cache
        self.base = cache.dir / SNAPSHOT_DIR / cache.key("snapshot", identity)

    def _path(self, part: str) -> Path:
        return self.base.with_suffix("." + part)

    def read(self, part: str) -> Any | None:
        try:
            with open(self._path(part), "rb") as fh:
                return pickle.load(fh)
        except Exception:  # missing, truncated, from other code: no snapshot
            return None

    def write(self, part: str, value: Any) -> bool:
        if not self.cache.enabled:
            return False
        try:
            self.cache._prepare()
            folder = self.base.parent
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self._path(part))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            return True
        except OSError:
            return False
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return False

    def prune(self, keep: int = 6) -> None:
        """Only the most recently written snapshots are kept (each set of inputs, and each
        edit of lambdalint itself, makes a new one)."""
        try:
            runs = sorted(self.base.parent.glob("*.run"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for old in runs[keep:]:
            if old.with_suffix("") == self.base:
                continue
            for part in ("run", "model", "project", "results"):
                with contextlib.suppress(OSError):
                    old.with_suffix("." + part).unlink()
