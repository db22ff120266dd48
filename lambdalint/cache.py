"""Content-hash cache of per-file results in ``.lambdalint_cache/``.

A key covers everything a result depends on: lambdalint's version, the file's path and bytes,
the settings of the rules that ran and the template facts the file was analysed with (its
handler links), so a template change re-analyses exactly the handlers it affects. Entries are
written atomically (temp file + rename), so concurrent runs are safe; an unreadable or corrupt
entry is a miss.
"""

from __future__ import annotations

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
        self._ready = True
