"""cfn-lint's template decoder (YAML and JSON with line marks), imported without its rule engine.

``import cfnlint.decode`` first runs the ``cfnlint`` package's ``__init__``, which imports the
whole linter: its rules, template graph and condition solver (networkx, sympy, jsonschema...).
That takes about 0.8 s, in every process that loads a template: more than decoding a hundred
templates. The decoder itself needs only ``cfnlint.match``, the ``cfnlint.decode`` modules
and two names from ``cfnlint.rules`` (``Match``, and the ``ParseError`` rule its error
matches name).

:func:`load` imports those modules for real, from cfn-lint's own files, while a light
``cfnlint`` package (whose ``__init__`` runs only when something asks it for a name it does
not have yet) and a stand-in for those two ``cfnlint.rules`` names are in ``sys.modules``.
The stand-ins are removed afterwards, so a later ``import cfnlint.rules`` gets the real
modules. If anything in that goes differently than expected (another cfn-lint version),
everything it imported is forgotten and cfn-lint is imported the ordinary way.

cfn-lint's decoder imports ``cfnlint.rules.errors`` itself when it reports a syntax error:
:func:`decode_str` puts the stand-ins back for the call, so a malformed template does not cost
the import of the whole rule engine either (about 0.5 s, in every process that meets one).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

DECODER = "cfnlint.decode.decode"
T = TypeVar("T")


class _ParseError:
    """Stand-in for ``cfnlint.rules.errors.ParseError`` in the matches of decoding errors
    (lambdalint reads only their message and position)."""

    id = "E0000"
    shortdesc = "Parsing error found when parsing the template"
    description = "Checks for JSON/YAML formatting errors in your template"

    def __str__(self) -> str:
        return f"{self.id}: {self.shortdesc}"


class _Package(ModuleType):
    """The ``cfnlint`` package before its ``__init__`` has run: it runs it on the first
    request for a name that is neither one of its attributes nor a loaded submodule
    (``cfnlint.lint``...)."""

    def __getattr__(self, name: str) -> Any:
        submodule = sys.modules.get(f"cfnlint.{name}")
        if submodule is not None:  # being imported (``import cfnlint.x.y as z`` asks for it)
            return submodule
        if name.startswith("__") or self.__dict__.get("_lambdalint_initialised"):
            raise AttributeError(f"module 'cfnlint' has no attribute {name!r}")
        self.__dict__["_lambdalint_initialised"] = True
        spec = self.__spec__
        assert spec is not None and spec.loader is not None
        spec.loader.exec_module(self)
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'cfnlint' has no attribute {name!r}") from None


def load() -> ModuleType:
    """``cfnlint.decode.decode`` (with ``decode_str``); ``cfnlint.decode.cfn_yaml`` and
    ``cfnlint.decode.node`` are then imported too."""
    module = sys.modules.get(DECODER)
    if module is None:
        module = _load_light() or importlib.import_module(DECODER)
    return module


def decode_str(text: str) -> tuple[Any, list[Any]]:
    """cfn-lint's ``decode_str(text)``: the template with line marks, and the matches for what
    could not be decoded. While it runs, ``cfnlint.rules`` not being imported yet, its two names
    the decoder's error matches need are the stand-ins."""
    module = load()
    return _decoding(lambda: module.decode_str(text))


def _decoding(call: Callable[[], T]) -> T:
    """``call()`` with the stand-ins in place while ``cfnlint.rules`` is not imported yet."""
    if "cfnlint.rules" in sys.modules:
        return call()
    with _standing_in(list(getattr(sys.modules.get("cfnlint"), "__path__", []))):
        return call()


@contextmanager
def _standing_in(base: list[str]) -> Iterator[None]:
    """``cfnlint.rules`` and ``cfnlint.rules.errors`` as stand-ins in ``sys.modules`` (their
    ``Match`` needs ``cfnlint.match`` importable), removed again afterwards. ``sys.modules`` is
    the process's: not for use from several threads at once (lambdalint's parallel work runs
    in processes)."""
    rules = ModuleType("cfnlint.rules")
    rules.__path__ = [f"{b}/rules" for b in base]
    errors = ModuleType("cfnlint.rules.errors")
    errors.__path__ = [f"{b}/rules/errors" for b in base]
    errors.ParseError = _ParseError  # type: ignore[attr-defined]
    stand_ins = {"cfnlint.rules": rules, "cfnlint.rules.errors": errors}
    sys.modules.update(stand_ins)
    try:
        rules.Match = importlib.import_module("cfnlint.match").Match  # type: ignore[attr-defined]
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


def _load_light() -> ModuleType | None:
    if "cfnlint" in sys.modules:
        return None  # cfn-lint is imported already: use it as it is
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return None
    base = list(spec.submodule_search_locations)
    package = _Package("cfnlint")
    package.__spec__ = spec
    package.__loader__ = spec.loader
    package.__file__ = spec.origin
    package.__path__ = base
    package.__package__ = "cfnlint"
    before = set(sys.modules)
    sys.modules["cfnlint"] = package
    try:
        with _standing_in(base):
            module = importlib.import_module(DECODER)
            for name in ("decode_str", "cfn_yaml", "cfn_json"):
                if not hasattr(module, name):
                    raise ImportError(f"{DECODER} has no {name}")
            importlib.import_module("cfnlint.decode.node")
    except Exception:  # an unexpected cfn-lint layout: forget this attempt entirely
        for name in set(sys.modules) - before:
            del sys.modules[name]
        return None
    return module


# what cfn-lint's YAML constructor says of a mapping that repeats a key
DUPLICATE = "Duplicate found "
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"

Dropped = tuple[str, int, int, int]  # key, line, column, line of the entry kept (1-based)


class _Aliased(Exception):
    """A node of the document is reached twice: it uses YAML aliases."""


def decode_last_wins(text: str) -> tuple[Any, list[Dropped]] | None:
    """The template as CloudFormation reads it when a mapping repeats a key: the last entry
    wins. cfn-lint's decoder rejects such a template (its matches say ``Duplicate found``).
    This composes the YAML (JSON is YAML) with cfn-lint's own loader, drops the earlier entries
    of each repeated key from the mappings cfn-lint checks, and builds the rest with cfn-lint's
    constructor, line marks and all.

    Returns the template and what was dropped, in file order; None when the text does not
    decode that way either (another error cfn-lint reports), or uses YAML aliases
    (CloudFormation rejects them, and cfn-lint's guard against alias bombs is not run here)."""
    load()
    cfn_yaml = sys.modules["cfnlint.decode.cfn_yaml"]

    def run() -> tuple[Any, list[Dropped]]:
        loader = cfn_yaml.CfnFullLoader(text, None)
        loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
        try:
            node = loader.get_single_node()
            dropped = _drop_repeated_keys(node)
            return (loader.construct_document(node) if node is not None else None), dropped
        finally:
            loader.dispose()

    try:
        return _decoding(run)
    except Exception:  # aliases, or another problem as well: the caller reports what cfn-lint said
        return None


def _drop_repeated_keys(root: Any) -> list[Dropped]:
    """Remove the entries whose string key a later entry repeats from every mapping below
    ``root`` that cfn-lint checks for repeats: untagged, and not merging another (``<<``). The
    source of a merge is not entered (cfn-lint does not check it; if something in it repeats,
    cfn-lint's constructor still says so). What was removed; :class:`_Aliased` when a node is
    reached twice."""
    import yaml

    dropped: list[Dropped] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if id(node) in seen:
            raise _Aliased
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            merges = any(key.tag == _MERGE_TAG for key, _ in node.value)
            if node.tag == _MAP_TAG and not merges:
                node.value = _last_wins(node, dropped)
            for key, value in node.value:
                stack.append(key)
                if key.tag != _MERGE_TAG:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    dropped.sort(key=lambda d: (d[1], d[2]))
    return dropped


def _last_wins(node: Any, dropped: list[Dropped]) -> list[tuple[Any, Any]]:
    """The entries of a mapping node that CloudFormation keeps: of those with the same string
    key, the last; the others are added to ``dropped``. A block mapping whose first entry goes
    then starts at the first entry kept."""
    pairs = node.value
    last: dict[str, int] = {}
    keyed = 0
    for i, (key, _value) in enumerate(pairs):
        if key.tag == _STR_TAG and isinstance(key.value, str):
            last[key.value] = i
            keyed += 1
    if len(last) == keyed:
        return pairs
    kept = []
    for i, (key, value) in enumerate(pairs):
        if key.tag == _STR_TAG and isinstance(key.value, str) and last[key.value] != i:
            winner = pairs[last[key.value]][0]
            dropped.append((key.value, key.start_mark.line + 1, key.start_mark.column + 1, winner.start_mark.line + 1))
        else:
            kept.append((key, value))
    if kept and not node.flow_style:
        node.start_mark = kept[0][0].start_mark
    return kept
