"""Template <-> code rules (LL501-LL503) and the code facts they read."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lambdalint.code.facts import Reach, Write, collect_facts
from lambdalint.config import Config
from lambdalint.model import EventSource, Location
from lambdalint.rules.ll503 import could_match, short_name
from tests.helpers import lint

SAM = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Runtime: python3.12
      Handler: {handler}
{extra}"""


def project(tmp_path: Path, files: dict[str, str], code: str = "src/", handler: str = "app.handler", extra: str = "") -> Path:
    (tmp_path / "template.yaml").write_text(SAM.format(code=code, handler=handler, extra=extra))
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def run(folder: Path, rule: str) -> list[tuple[str, int, str]]:
    result = lint(folder, Config(root=folder, select=[rule]))
    assert not result.errors, result.errors
    return [(f.location.path.relative_to(folder).as_posix(), f.location.line, f.message) for f in result.visible]


# --------------------------------------------------------------------------- facts


def test_env_reads_guards_and_sets() -> None:
    facts = collect_facts(
        b"import os\nfrom os import environ as env\n\n"
        b"A = os.environ['A']\n"
        b"B = os.environ.get('B')\n"
        b"try:\n    C = env['C']\nexcept KeyError:\n    C = None\n"
        b"os.environ['D'] = '1'\n"
        b"def f():\n    if 'E' in os.environ:\n        return os.environ['E']\n    return os.getenv('F'), os.environ['G']\n"
        b"if __name__ == '__main__':\n    os.environ['H']\n"
    )
    assert facts is not None
    reads = {(r.name, r.scope, r.guarded, r.optional) for r in facts.reads}
    assert reads == {
        ("A", "", False, False),
        ("B", "", True, True),
        ("C", "", True, False),
        ("E", "f", True, False),
        ("F", "f", True, True),
        ("G", "f", False, False),
    }
    assert facts.sets == {"D"}
    a = next(r for r in facts.reads if r.name == "A")
    assert (a.line, a.col) == (4, 5)


def test_columns_count_code_points() -> None:
    facts = collect_facts("import os\nx = 'é'; y = os.environ['Y']\n".encode())
    assert facts is not None
    (read,) = facts.reads
    assert read.col == 14  # 1-based code points, like libcst positions


def test_writes_and_key_affixes() -> None:
    facts = collect_facts(
        b"import os, boto3\ns3 = boto3.client('s3')\nBUCKET = os.environ['BUCKET']\n"
        b"def h(event, context):\n"
        b"    key = 'out/' + event['k']\n"
        b"    s3.put_object(Bucket=BUCKET, Key=key)\n"
        b"    s3.upload_file('/tmp/f', os.getenv('OTHER'), f'{event}.json')\n"
        b"    s3.put_object(Bucket='lit', Key='a/{}.txt'.format(1))\n"
        b"    boto3.client('sqs').send_message(QueueUrl=os.environ['Q'], MessageBody='x')\n"
        b"    boto3.resource('sns').Topic(os.environ['T']).publish(Message='x')\n"
        b"    redis.publish('channel', 'x')\n"
    )
    assert facts is not None
    got = sorted((w.service, w.target_kind, w.target, w.key_prefix, w.key_suffix) for w in facts.writes)
    assert got == [
        ("s3", "env", "BUCKET", "out/", None),
        ("s3", "env", "OTHER", None, ".json"),
        ("s3", "literal", "lit", "a/", ".txt"),
        ("sns", "env", "T", None, None),
        ("sqs", "env", "Q", None, None),
    ]


def test_unparsable_file_has_no_facts() -> None:
    assert collect_facts(b"def f(:\n") is None


def test_reach_follows_imports_and_calls(tmp_path: Path) -> None:
    files = {
        "app.py": "from lib.db import save\nimport helpers\n\ndef handler(e, c):\n    return save(helpers.run())\n",
        "lib/__init__.py": "",
        "lib/db.py": "from .util import fmt\n\ndef save(x):\n    return fmt(x)\n\ndef unused():\n    pass\n",
        "lib/util.py": "def fmt(x):\n    return x\n",
        "helpers.py": "class R:\n    def go(self):\n        return 1\n\ndef run():\n    return R().go()\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    facts = {p: collect_facts(p.read_bytes()) for p in tmp_path.rglob("*.py")}
    scopes = Reach(tmp_path, facts.get).scopes(tmp_path / "app.py", "handler")
    assert scopes[tmp_path / "lib/db.py"] == {"", "save"}
    assert scopes[tmp_path / "lib/util.py"] == {"", "fmt"}
    assert scopes[tmp_path / "helpers.py"] == {"", "run", "R.go"}


# --------------------------------------------------------------------------- LL501


def test_ll501_looks_inside_a_zip(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    with zipfile.ZipFile(build / "fn.zip", "w") as zf:
        zf.writestr("app.py", "def main(event, context):\n    return 1\n")
    project(tmp_path, {}, code="build/fn.zip", handler="app.handler")
    (finding,) = run(tmp_path, "LL501")
    assert finding[:2] == ("template.yaml", 8)
    assert "`app.py` defines no top-level `handler`" in finding[2] and "`main`" in finding[2]
    project(tmp_path, {}, code="build/fn.zip", handler="app.main")
    assert run(tmp_path, "LL501") == []


def test_ll501_says_what_was_looked_for(tmp_path: Path) -> None:
    project(tmp_path, {"src/lambda_functions.py": "def handler(e, c):\n    pass\n"}, handler="lambda_function.handler")
    (finding,) = run(tmp_path, "LL501")
    assert "no `lambda_function.py` or `lambda_function/__init__.py` in `src/`" in finding[2]
    assert "(there is `lambda_functions.py`)" in finding[2]


def test_ll501_quiet_when_the_module_does_not_parse(tmp_path: Path) -> None:
    project(tmp_path, {"src/app.py": "def other(e, c)\n    pass\n"})
    assert run(tmp_path, "LL501") == []


# --------------------------------------------------------------------------- LL502


def test_ll502_message_and_related_location(tmp_path: Path) -> None:
    project(tmp_path, {"src/app.py": "import os\n\nT = os.environ['TABLE_NAME']\n\ndef handler(e, c):\n    return T\n"})
    result = lint(tmp_path, Config(root=tmp_path, select=["LL502"]))
    (f,) = result.visible
    assert f.message.startswith("`os.environ['TABLE_NAME']` raises KeyError: function Fn (template.yaml) does not set TABLE_NAME")
    assert (f.location.line, f.location.col) == (3, 5)
    assert f.related and f.related[0][0].path == tmp_path / "template.yaml"


def test_ll502_only_imported_modules_are_analysed(tmp_path: Path) -> None:
    """Modules the handler imports are read for facts; other files in the folder are not."""
    files = {
        "src/app.py": "import conf\n\ndef handler(e, c):\n    return conf.X\n",
        "src/conf.py": "import os\nX = os.environ['X']\n",
        "src/unrelated.py": "import os\nY = os.environ['Y']\n",
    }
    project(tmp_path, files)
    result = lint(tmp_path, Config(root=tmp_path, select=["LL502"]))
    assert [(f.location.path.name, f.location.line) for f in result.visible] == [("conf.py", 2)]


@pytest.mark.parametrize(
    "env",
    [
        "      Environment:\n        Variables:\n          X: '1'\n",
        "      Environment:\n        Variables: !If [Cond, {X: '1'}, {Y: '2'}]\n",
    ],
    ids=["set", "unknown"],
)
def test_ll502_quiet_when_set_or_unknown(tmp_path: Path, env: str) -> None:
    project(tmp_path, {"src/app.py": "import os\nX = os.environ['X']\n\ndef handler(e, c):\n    return X\n"}, extra=env)
    assert run(tmp_path, "LL502") == []


# --------------------------------------------------------------------------- LL503


def _write(prefix: str | None, suffix: str | None) -> Write:
    return Write("s3", "put_object", "env", "B", prefix, suffix, 1, 1, "h")


def test_s3_filter_matching() -> None:
    ev = EventSource("s3", Location(Path("t.yaml"), 1), filter_prefix="uploads/", filter_suffix=".jpg")
    assert not could_match(_write("thumbs/", None), ev)
    assert not could_match(_write(None, ".json"), ev)
    assert could_match(_write("uploads/x-", ".jpg"), ev)
    assert could_match(_write("up", None), ev)  # `"up" + name` may still start with uploads/
    assert could_match(_write(None, None), ev)


def test_short_names() -> None:
    assert short_name("arn:aws:sqs:us-east-1:123456789012:jobs") == "jobs"
    assert short_name("https://sqs.us-east-1.amazonaws.com/123456789012/jobs") == "jobs"
    assert short_name("s3://bucket/prefix/") == "bucket"
    assert short_name("bucket") == "bucket"


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "corpus").is_dir(), reason="no corpus")
def test_cross_rules_on_corpus() -> None:
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    result = lint(corpus, Config(root=corpus, select=["LL501", "LL502", "LL503"]))
    assert not result.errors
    findings = [(f.rule_id, f.location.path.name) for f in result.visible]
    # the only wrong handlers in the corpus: console-exported templates whose module was renamed
    assert findings == [
        ("LL501", "pocserverless-uc2-integrationTest-cloudwatch.yaml"),
        ("LL501", "pocserverless-uc2-integrationTest-s3-upload.yaml"),
    ]


def test_ll502_quiet_when_the_whole_environment_is_conditional(tmp_path: Path) -> None:
    env = "      Environment: !If [Cond, {Variables: {X: '1'}}, !Ref AWS::NoValue]\n"
    project(tmp_path, {"src/app.py": "import os\nX = os.environ['X']\n\ndef handler(e, c):\n    return X\n"}, extra=env)
    assert run(tmp_path, "LL502") == []


def test_module_level_lambda_body_is_not_an_import_time_read() -> None:
    facts = collect_facts(b"import os\nget = lambda: os.environ['LATER']\nNOW = {'a': os.environ['NOW']}\n")
    assert facts is not None
    assert [r.name for r in facts.reads] == ["NOW"]


def test_only_used_methods_of_a_class_are_reached(tmp_path: Path) -> None:
    (tmp_path / "repo.py").write_text(
        "class Repo:\n    def __init__(self):\n        pass\n    def save(self):\n        return self._key()\n"
        "    def _key(self):\n        return 1\n    def from_env(self):\n        return 2\n"
    )
    (tmp_path / "app.py").write_text("from repo import Repo\n\ndef handler(e, c):\n    r = Repo()\n    return r.save()\n")
    facts = {p: collect_facts(p.read_bytes()) for p in tmp_path.rglob("*.py")}
    scopes = Reach(tmp_path, facts.get).scopes(tmp_path / "app.py", "handler")
    assert scopes[tmp_path / "repo.py"] == {"", "Repo.__init__", "Repo.save", "Repo._key"}


def test_ll501_module_from_requirements_is_not_missing(tmp_path: Path) -> None:
    files = {"src/app.py": "def handler(e, c):\n    pass\n", "src/requirements.txt": "requests==2.31\ndatadog-lambda>=5\n"}
    project(tmp_path, files, handler="datadog_lambda.handler.handler")
    assert run(tmp_path, "LL501") == []
    project(tmp_path, files, handler="orders.handler")
    assert len(run(tmp_path, "LL501")) == 1
