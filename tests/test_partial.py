"""Skeletons (lambdalint.code.partial): a handler file whose remaining rules read only what its
handlers reach is parsed with the other functions' and the classes' bodies blanked. That must
never change a finding. The fixture projects check it end to end (``test_screens.py`` compares
every file with and without the screens, which bring the skeletons); here: what a skeleton
keeps, and a differential check on the standard library, code written by others."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from lambdalint.code import analyze as analyze_mod
from lambdalint.code.analyze import CodeSettings, FileJob, _ast_parse, analyze, skeleton_for
from lambdalint.code.context import CodeContext, Handler, HandlerLink
from lambdalint.code.module import PyModule
from lambdalint.code.partial import skeleton
from lambdalint.code.sketch import Sketch
from lambdalint.registry import CodeRule, all_rules
from tests.conftest import FIXTURES
from tests.test_screens import _LINKS, _stdlib_sample, default_and_tight, parsed_modules

# the rules that let a file be parsed from a skeleton
PARTIAL = sorted(
    rid for rid, cls in all_rules().items()
    if issubclass(cls, CodeRule) and (cls.reads != "module" or cls.needs is not CodeRule.needs)
)


def _skeleton(source: str, handlers: tuple[str, ...] = ("handler",)) -> str | None:
    text = textwrap.dedent(source)
    return skeleton(Sketch(text, ast.parse(text)), handlers)


def test_keeps_what_the_handler_reaches_and_blanks_the_rest() -> None:
    source = """\
        import boto3

        def used(x):
            return helper(x)

        def helper(x):
            return boto3.client("s3")

        def callback(r):
            return r

        def unused():
            c = boto3.client("s3")
            return c

        def decorator_helper():
            return 1

        class Service:
            def run(self):
                return boto3.client("sqs")

        TABLE = make_table()

        def make_table():
            return 2

        @cache(decorator_helper)
        def handler(event, context):
            return list(map(callback, used(event)))
        """
    out = _skeleton(source)
    assert out is not None
    lines = out.split("\n")
    assert len(lines) == len(textwrap.dedent(source).split("\n"))
    text = "\n".join(lines)
    for kept in ("return helper(x)", 'return boto3.client("s3")', "return r", "return 1", "return 2", "def unused():", "class Service:"):
        assert kept in text, kept
    assert "c = boto3.client" not in text  # unused(): nothing refers to it
    assert "def run" not in text  # class bodies are never read by a "reach" rule
    assert lines[textwrap.dedent(source).split("\n").index("def unused():") + 1] == "    pass"
    ast.parse(out)


def test_decorated_first_statements_are_blanked_with_their_decorators() -> None:
    source = """\
        def other():
            @decorate(1)
            def inner():
                return 2
            return inner

        class Model:
            @property
            def name(self):
                return "m"

        def handler(event, context):
            return 0
        """
    out = _skeleton(source)
    assert out is not None and "@" not in out
    ast.parse(out)


def test_skeletons_of_the_standard_library_parse() -> None:
    """Every skeleton of a few hundred standard-library modules (whatever is taken as the
    handler, following calls or not) is valid Python with the same line count."""
    import random
    import sysconfig

    rng = random.Random(3)
    lib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(lib.rglob("*.py"))
    made = 0
    for path in rng.sample(files, min(400, len(files))):
        early = _ast_parse(path.read_bytes())
        if early is None:
            continue
        sketch = Sketch(*early)
        names = sorted(sketch.functions)
        for handlers in ([rng.choice(names)] if names else [], None):
            text = skeleton(sketch, handlers)
            if text is None:
                continue
            made += 1
            ast.parse(text)
            assert text.count("\n") == early[0].count("\n"), path
    assert made > 200


def test_nothing_to_blank() -> None:
    assert _skeleton("def handler(event, context):\n    return helper()\n\ndef helper():\n    return 1\n") is None
    assert _skeleton("x = 1\n") is None
    # a body on its header's line is never blanked
    assert _skeleton("def handler(event, context):\n    return 1\n\ndef other(): return 2\n") is None


def test_definitions_inside_if_and_try_and_line_endings() -> None:
    source = "try:\r\n\tdef other():\r\n\t\treturn 1\r\n\t\t# more\r\n\t\treturn 2\r\nexcept ImportError:\r\n\tpass\r\n\r\ndef handler(e, c):\r\n\treturn 0\r\n"
    out = skeleton(Sketch(source, ast.parse(source)), ["handler"])
    assert out == "try:\r\n\tdef other():\r\n\t\tpass\r\n\r\n\r\nexcept ImportError:\r\n\tpass\r\n\r\ndef handler(e, c):\r\n\treturn 0\r\n"


def test_the_parsed_skeleton_keeps_the_whole_text_and_positions(tmp_path: Path) -> None:
    source = (
        "import boto3\n\ndef other():\n    s = boto3.client('s3')\n    return s\n\n"
        "def handler(event, context):\n    s = boto3.client('s3')\n    return s\n"
    )
    data = source.encode()
    sketch = Sketch(source, ast.parse(source))
    mod = PyModule.parse(tmp_path / "app.py", data, compiled=True, skeleton=skeleton(sketch, ["handler"]))
    assert mod.text == source
    assert "other" in mod.functions and mod.module.code != source
    call = mod.functions["handler"].body.body[0].body[0].value  # type: ignore[attr-defined]
    assert (mod.position(call).start.line, mod.position(call).start.column) == (8, 8)


def test_analysis_uses_skeletons_only_when_it_may(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not with a rule that needs the whole module (LL103 follows secrets through every
    function and class) and not when fixes are built (a fix is the whole tree written back).
    LL106 reports in any function, but says which it needs."""
    path = tmp_path / "app.py"
    path.write_text(
        "import os, logging, boto3, requests\n\ndef other():\n    return requests.get('https://x')\n\n"
        "def unrelated():\n    return 1\n\n"
        "def handler(event, context):\n    s3 = boto3.client('s3')\n    logging.info(os.environ['DB_PASSWORD'])\n"
        "    return requests.get('https://y')\n"
    )
    seen: list[bool] = []
    real = PyModule.parse.__func__  # type: ignore[attr-defined]

    def spy(cls: type[PyModule], *args: object, skeleton: str | None = None, **kwargs: object) -> PyModule:
        seen.append(skeleton is not None)
        return real(cls, *args, skeleton=skeleton, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(PyModule, "parse", classmethod(spy))
    job = FileJob(path, "app.py", (HandlerLink("handler"),), False, False)
    cases = [
        (("LL101",), False, True),
        (("LL106",), False, True),
        (("LL101", "LL106"), False, True),
        (("LL101", "LL103"), False, False),
        (("LL101",), True, False),
    ]
    for rules, fixes, expected in cases:
        settings = CodeSettings(tuple((rid, 1, ()) for rid in rules), fixes=fixes)
        found = analyze(job, settings).findings
        assert {f.rule_id for f in found} == set(rules), found
        assert seen.pop() is expected, (rules, fixes)
    monkeypatch.setattr(analyze_mod, "PARTIAL", False)
    analyze(job, CodeSettings((("LL101", 1, ()),)))
    assert seen.pop() is False


def _modules() -> list[Path]:
    """Standard-library modules (real code written by others) and the fixtures' Python files
    (code written to make the rules fire)."""
    fixtures = sorted(p for p in FIXTURES.rglob("*.py") if "node_modules" not in p.parts)
    return _stdlib_sample(16) + fixtures


def test_skeletons_change_no_finding() -> None:
    """Differential check: functions of each module are taken in turn as the only handler
    (so that much of the module is blanked), under several trigger kinds and with default
    and tight options; each rule that allows a skeleton must report the same on its skeleton
    (the one it alone would get) as on the whole module."""
    settings = default_and_tight(PARTIAL)
    differ, fired, blanked = [], 0, 0
    parsed: dict[str, PyModule] = {}
    for path, data, whole, sketch in parsed_modules(_modules()):
        names = list(sketch.functions)
        for name in sorted({names[0], names[len(names) // 2], names[-1]} if len(names) > 6 else names):
            for kinds in _LINKS:
                link = HandlerLink(name, ("Fn",), *kinds) if kinds else HandlerLink(name)
                for rules in settings:
                    for rule, severity in rules:
                        if not rule.wants(whole.text, path.name):
                            continue
                        if not rule.screen(sketch, [link]):
                            continue  # not run: test_screens.py proves it would find nothing
                        text = skeleton_for(sketch, [link], [rule])
                        if text is None:
                            continue
                        if text not in parsed:
                            ast.parse(text)
                            assert text.count("\n") == sketch.text.count("\n")
                            blanked += 1
                            parsed[text] = PyModule.parse(path, data, compiled=True, skeleton=text)
                        part = parsed[text]
                        found = []
                        for mod in (whole, part):
                            ctx = CodeContext(mod, path.name, [Handler(mod.functions[name], link)], rule.id, severity, rule.opts)
                            found.append(sorted((f.location.line, f.location.col, f.location.end_line, f.location.end_col, f.message) for f in rule.check(ctx)))
                        fired += bool(found[0])
                        if found[0] != found[1]:
                            differ.append(f"{path.name} handler {name} {rule.id} {kinds}: {found[0]} != {found[1]}")
    assert blanked > 50 and fired > 50, (blanked, fired)
    assert not differ, "\n".join(differ)


# (and one call LL106 always reports, so that its screen lets the file through)
_HANDLER = "def handler(event, context):\n    return requests.get(event['url'])\n\ndef unrelated():\n    return 1\n\n"
# what LL106 decides a call by, written in another function or class than the call
_LL106_ELSEWHERE = {
    "mount": (
        "import requests\n\nsession = requests.Session()\n\ndef configure():\n"
        "    session.mount('https://', Adapter())\n\ndef fetch():\n    return session.get('https://x')\n\n"
    ),
    "configured attribute": (
        "import functools, requests\n\nsession = requests.Session()\n\ndef configure():\n"
        "    session.request = functools.partial(session.request, timeout=5)\n\n"
        "def fetch():\n    return session.get('https://x')\n\n"
    ),
    "client of another class": (
        "import requests\n\nclass Base:\n    def __init__(self):\n        self.http = requests.Session()\n\n"
        "class Api:\n    def fetch(self):\n        return self.http.get('https://x')\n\n"
    ),
    "default timeout under another name": (
        "import requests\nfrom socket import setdefaulttimeout\n\ndef setup():\n    setdefaulttimeout(5)\n\n"
        "def fetch():\n    return requests.get('https://x')\n\n"
    ),
}


@pytest.mark.parametrize("case", sorted(_LL106_ELSEWHERE))
def test_ll106_keeps_what_decides_its_findings(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "app.py"
    path.write_text(_LL106_ELSEWHERE[case] + _HANDLER)
    job = FileJob(path, "app.py", (HandlerLink("handler"),), False, False)
    settings = CodeSettings((("LL106", 1, ()),))
    skeletons: list[str | None] = []
    real = analyze_mod._screen

    def spy(*args: object, **kwargs: object) -> object:
        out = real(*args, **kwargs)  # type: ignore[arg-type]
        skeletons.append(out[1])
        return out

    monkeypatch.setattr(analyze_mod, "_screen", spy)
    with_skeleton = [(f.location.line, f.message) for f in analyze(job, settings).findings]
    assert skeletons and skeletons[-1] is not None and "return 1" not in skeletons[-1]  # unrelated() blanked
    monkeypatch.setattr(analyze_mod, "PARTIAL", False)
    assert with_skeleton == [(f.location.line, f.message) for f in analyze(job, settings).findings]
