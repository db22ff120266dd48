"""Unit tests for the shared taint flow and the measures behind LL102-LL107."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.taint import Flow, log_sink
from lambdalint.config import Config
from lambdalint.rules.ll102 import measure
from lambdalint.rules.ll103 import SecretNames
from lambdalint.rules.ll105 import TOKEN_HINT, HardcodedSecret, has_token_hint, token_kind
from tests.helpers import lint


def module(src: str) -> PyModule:
    return PyModule.parse(Path("app.py"), textwrap.dedent(src).encode())


def tainted_calls(src: str, initial: dict[str, str], **kw: object) -> dict[str, str]:
    """Source of each print(...) argument's taint, keyed by the printed expression."""
    mod = module(src)
    out: dict[str, str] = {}

    def unit(node: cst.CSTNode, flow: Flow) -> None:
        for n in [node, *walk_code(node, skip_nested=True)]:
            if isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value == "print":
                label = flow.taint(n.args[0].value)
                if label:
                    out[mod.module.code_for_node(n.args[0].value)] = label

    Flow(mod, mod.functions["f"], initial=initial, on_unit=unit, **kw).run()  # type: ignore[arg-type]
    return out


def test_flow_propagates_through_strings_containers_and_helpers() -> None:
    got = tainted_calls(
        """
        import json
        def wrap(v):
            return {"v": v}
        def f(secret):
            a = secret
            b = f"x{a}"
            c = "%s" % a
            d = "{}".format(a)
            e = json.dumps(wrap(a))
            print(b); print(c); print(d); print(e)
            print(a[:4]); print(len(a)); print(a == "x"); print(a.startswith("x"))
            a = "clean"
            print(a)
        """,
        {"secret": "S"},
    )
    assert got == {"b": "S", "c": "S", "d": "S", "e": "S"}


def test_flow_branches_merge_and_loops_settle() -> None:
    got = tainted_calls(
        """
        def f(secret):
            x = None
            if cond():
                x = secret
            print(x)
            acc = ""
            for part in range(3):
                print(acc)
                acc = acc + secret
        """,
        {"secret": "S"},
    )
    assert got == {"x": "S", "acc": "S"}


def test_flow_without_access_propagation_keeps_fields_clean() -> None:
    got = tainted_calls(
        """
        def f(event):
            print(event["id"]); print(event.get("x")); print(event)
            alias = event
            print(alias)
        """,
        {"event": "E"},
        through_access=False,
    )
    assert got == {"event": "E", "alias": "E"}


def test_flow_clean_functions_and_keys() -> None:
    got = tainted_calls(
        """
        import hashlib
        def f(secret):
            print(mask_it(secret)); print(hashlib.sha256(secret).hexdigest())
            print(secret["host"]); print(secret.get("username")); print(secret["password"])
        """,
        {"secret": "S"},
        is_clean=lambda name: "mask" in name or "sha256" in name,
        clean_keys=("Host", "username"),
    )
    assert got == {'secret["password"]': "S"}


@pytest.mark.parametrize(
    ("src", "sink"),
    [
        ("import logging as log\nlog.info(x)", "logging.info"),
        ("from aws_lambda_powertools import Logger\nlogger = Logger()\nlogger.append_keys(a=x)", "logger.append_keys"),
        ("import sys\nsys.stderr.write(x)", "sys.stderr.write"),
        ("print(x)", "print"),
        ("self.log.warning(x)", "self.log.warning"),
        ("from math import log\nlog.info(x)", None),
        ("results.info(x)", None),
    ],
)
def test_log_sink(src: str, sink: str | None) -> None:
    mod = module(src)
    call = [n for n in walk_code(mod.module) if isinstance(n, cst.Call)][-1]
    assert log_sink(mod, call) == sink


def _reference_walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    """libcst's own (slow) ``children`` traversal."""
    out: list[cst.CSTNode] = []
    stack = list(reversed(node.children))
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(reversed(cur.children))
    return out


def test_walk_code_visits_every_syntax_node() -> None:
    src = Path(__file__).read_text(encoding="utf-8") + "\nmatch x:\n    case {'a': 1, **r} if r:\n        pass\n"
    tree = cst.parse_module(src)
    layout = (cst.BaseParenthesizableWhitespace, cst.Comment, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline,
              cst.LeftParen, cst.RightParen, cst.Comma, cst.Dot, cst.AssignEqual, cst.LeftSquareBracket,
              cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Colon, cst.Asynchronous,
              cst.ImportStar)
    slow = {id(n) for n in _reference_walk(tree) if not isinstance(n, layout)}
    fast = {id(n) for n in walk_code(tree)}
    assert slow == fast


def test_ll102_measures() -> None:
    mod = module(
        """
        def h(event, context):
            method = event["requestContext"]["http"]["method"]
            if method == "GET" and event["rawPath"] == "/a":
                return 1
            elif method in ("PUT", "PATCH"):
                return 2
            if "Records" in event:
                return [r for r in event["Records"] if r]
            match event.get("action"):
                case "start":
                    return 3
                case _:
                    return 4
        """
    )
    m = measure(mod.functions["h"])
    assert (m.routes, m.complexity) == (4, 8)  # 1 + if, and, elif, if, for, if-clause, case
    assert m.statements == 10  # assignment, 3 ifs, match, 5 returns


def test_secret_names() -> None:
    names = SecretNames(["PASSWORD", "TOKEN", "SECRET", "API_KEY", "AUTH"], ["ARN", "NAME", "TABLE", "URL"])
    assert all(map(names, ["DB_PASSWORD", "api_token", "CLIENT_SECRET", "STRIPE_API_KEY", "OAUTH_TOKEN", "AUTHORIZATION"]))
    assert not any(map(names, ["DB_SECRET_ARN", "SECRET_NAME", "TOKEN_TABLE", "AUTH_URL", "AUTHOR", "STAGE"]))


def test_ll105_token_formats_and_values() -> None:
    assert token_kind("AKIAQWERTYUIOPASDFGH") == ("AWS access key", "AKIAQWERTYUIOPASDFGH")
    assert token_kind('conn = connect(key="AKIAQWERTYUIOPASDFGH")') == ("AWS access key", "AKIAQWERTYUIOPASDFGH")
    assert token_kind("AKIAIOSFODNN7EXAMPLE") is None
    assert token_kind("https://example.com/path") is None
    rule = HardcodedSecret()
    assert rule.is_secret_name("aws_secret_access_key") and rule.is_secret_name("apiKey")
    assert not rule.is_secret_name("SECRET_ARN") and not rule.is_secret_name("token_url")
    assert rule.plausible_value("S3cr3t!pass") and rule.plausible_value("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ9aLk2rTu")
    for v in ("", "changeme", "<token>", "${TOKEN}", "xxxx", "prod/db/creds", "API_TOKEN", "access_token", "Bearer"):
        assert not rule.plausible_value(v), v


def test_ll105_text_hint_on_ascii_text_matches_the_case_insensitive_one() -> None:
    """The pre-check on lower-cased ASCII text finds exactly what ``re.IGNORECASE`` finds."""
    rule = HardcodedSecret()
    assert rule.ascii_text_hint is not None
    texts = [
        "db_password = 'x'", "DB_PASSWORD='x'", "Api-Key: \"x\"", "apikey = B'x'", "ACCESS_KEY = Rb'x'",
        "token\n= 'x'", "MasterKey = f'x'", "secret = os.environ['S']", "signing_key: str = u'x'",
        "password" + " " * 70 + "= 'x'", "PassPhrase ==  'x'", "x = 1", "credential = {'a': 1}",
    ]
    for text in texts:
        assert text.isascii()
        assert rule.has_text_hint(text) == bool(rule.text_hint.search(text)), text
    assert rule.has_text_hint("clé = 1; PASSWORD = 'x'")  # not ASCII: the case-insensitive regex
    odd = HardcodedSecret({"secret-names": ["clé"]})  # a name that is not ASCII: always the regex
    assert odd.ascii_text_hint is None and odd.has_text_hint("CLÉ = 'x'") and not odd.has_text_hint("CLE = 'x'")


def test_ll105_token_literals_cover_every_token_hint() -> None:
    """Each alternative of TOKEN_HINT holds one of TOKEN_LITERALS, so the fast pre-check never
    says no where the regex says yes."""
    samples = [
        "A3TQ", "ABIA", "ACCA", "AKIA", "ASIA", "-----BEGIN PRIVATE KEY-----", "xoxb-", "xoxr-",
        "https://hooks.slack.com/services/", "sk_live_", "rk_live_", "ghp_", "gho_", "ghu_", "ghs_",
        "ghr_", "github_pat_", "glpat-", "eyJhbGciOiJI.", "SG.abcdefghijklmnop", "npm_" + "a" * 30,
        "pypi-AgEIcHlwaS5vcmc", "T3BlbkFJ",
    ]
    for alternative in TOKEN_HINT.pattern.split("|"):  # a new alternative needs a sample here
        assert any(re.search(alternative, sample) for sample in samples), alternative
    for sample in samples:
        text = f"x = '{sample}'"
        assert TOKEN_HINT.search(text), sample
        assert has_token_hint(text), sample
    for text in ("no token here", "AKI A", "gh_pages", "xo x-", "eyj", "sg.x", ""):
        assert has_token_hint(text) == bool(TOKEN_HINT.search(text)), text


@pytest.mark.parametrize(
    "source",
    [
        'DB_PASSWORD = ("Xk9#mQ2vLp8wTz")\n',
        'API_TOKEN = (\n    "ab8f2c7d9e1f4a6b"\n    "c3d5e7f9a1b2c4d6"\n)\n',
        'DB_PASSWORD = (  # rotated by hand\n    "Qw7!nB4#zL9pX2"\n)\n',
        'DB_PASSWORD = \\\n    "Vt5$hJ8@mK3wR6"\n',
        'SETTINGS = {"password": (\n    # the admin one\n    "Vt5$hJ8@mK3wR6"\n)}\n',
    ],
)
def test_ll105_secret_set_apart_from_its_name_is_found_alone(tmp_path: Path, source: str) -> None:
    """A file whose only secret stands after a parenthesis, a comment or a line continuation
    gets past the textual pre-check (which once wanted the quote right after `=`)."""
    (tmp_path / "settings.py").write_text(source)
    rule = HardcodedSecret()
    assert rule.wants(source, "settings.py")
    assert [f.rule_id for f in lint(tmp_path).visible] == ["LL105"]


def test_ll105_imports_detect_secrets_only_for_candidates(tmp_path: Path) -> None:
    """detect-secrets (~0.1 s to import) is loaded only when a literal looks like a token."""
    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from lambdalint.code.context import CodeContext
        from lambdalint.code.module import PyModule
        from lambdalint.rules.ll105 import HardcodedSecret
        src = b"PASSWORD = 'S3cr3t!pass'\\nX = 'hello'\\n"
        ctx = CodeContext(PyModule.parse(Path('a.py'), src), 'a.py', [], 'LL105')
        assert len(list(HardcodedSecret().check(ctx))) == 1
        assert 'detect_secrets' not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ll102_thresholds_come_from_config(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    a = 1\n    b = 2\n    return a + b\n")
    quiet = lint(tmp_path, Config(root=tmp_path, select=["LL102"]))
    assert not quiet.visible
    cfg = Config(root=tmp_path, select=["LL102"], rule_options={"LL102": {"max-statements": 2}})
    loud = lint(tmp_path, cfg)
    assert [f.message.split(":")[1].strip().split(",")[0] for f in loud.visible] == ["3 statements (max 2)"]
