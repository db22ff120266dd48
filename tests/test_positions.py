"""Positions of reported nodes are found from the text (fast) and must equal libcst's
PositionProvider, which the fast path replaces, on awkward layouts."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from lambdalint.code import module as M
from lambdalint.code.module import PyModule

SOURCES = {
    "repeated calls": (
        "import requests\n\n\ndef a():\n    requests.get(u)\n    requests.get(u)\n\n\n"
        "def handler(event, context):\n    requests.get(u)\n    if x:\n        requests.get(u)\n"
    ),
    "multi-line nodes in nested blocks": (
        "def handler(event, context):\n    for r in event['Records']:\n        try:\n"
        "            client.invoke(\n                FunctionName=F,\n                Payload=p,\n            )\n"
        "        except Exception:\n            log.exception('x')\n            continue\n"
        "        except Exception:\n            pass\n"
    ),
    "elif and comments": (
        "def handler(event, context):\n    # leading comment\n    if a == 1:\n        f(1)  # trailing\n"
        "    elif a == 1:\n        f(1)\n    return {'statusCode': 200}  # done\n"
    ),
    "decorators and annotations": (
        "import functools\n\n@functools.lru_cache(maxsize=None)\ndef get(x: dict[str, int]) -> dict[str, int]:\n"
        "    return x\n\nclass A:\n    def m(self, x: dict[str, int]) -> dict[str, int]:\n        return get(x)\n"
    ),
    "crlf and tabs": "def handler(event, context):\r\n\tif x:\r\n\t\tf(\r\n\t\t\t1)\r\n\tf(\r\n\t\t1)\r\n",
    "unicode": "def handler(event, context):\n    s = 'héllo wörld'; f(s)\n    t = 'ü'; f(s)\n",
    "parenthesised": "def handler(event, context):\n    x = (f(1))\n    y = (f(1))\n",
}
CHECKED = (cst.Call, cst.ExceptHandler, cst.Try, cst.If, cst.Return, cst.Subscript, cst.Dict, cst.For, cst.Assign)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_fast_positions_equal_position_provider(name: str) -> None:
    source = SOURCES[name]
    mod = PyModule.parse(Path("app.py"), source.encode())
    assert M._INDEX is not None
    nodes = [n for n in M._INDEX.order if isinstance(n, CHECKED)]
    expected = MetadataWrapper(mod.module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = [mod._find(n) for n in nodes]
    assert any(f is not None for f in fast)
    for node, found in zip(nodes, fast, strict=True):
        if found is not None:
            assert found == expected[node], (type(node).__name__, mod.module.code_for_node(node))
        assert mod.position(node) == expected[node]


def test_a_def_is_reported_at_its_name_also_after_the_fallback() -> None:
    source = "def handler(event, context):\n    x = (f(1))\n    return x\n"
    mod = PyModule.parse(Path("app.py"), source.encode())
    assert M._INDEX is not None
    paren = next(n for n in M._INDEX.order if isinstance(n, cst.Call))
    mod.position(paren)  # parenthesised: resolved through PositionProvider
    assert mod._positions is not None
    fn = mod.functions["handler"]
    pos = mod.position(fn)
    assert (pos.start.line, pos.start.column, pos.end.line, pos.end.column) == (1, 0, 1, 11)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_parse_without_node_validation_builds_the_same_tree(name: str) -> None:
    """Source CPython accepts is parsed with libcst's per-node validation off: the tree is
    the same, and validation is back in place afterwards, also when the parse fails."""
    data = SOURCES[name].encode()
    plain = PyModule.parse(Path("app.py"), data)
    fast = PyModule.parse(Path("app.py"), data, compiled=True)
    assert fast.module.deep_equals(plain.module)
    assert fast.module.code == plain.module.code == SOURCES[name]
    with pytest.raises(M.ParseFailure):
        PyModule.parse(Path("bad.py"), b"def f(:\n", compiled=True)
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
