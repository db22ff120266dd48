"""The command line as users run it: exit codes, formats, outputs, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdalint import __version__
from lambdalint.cli import main
from tests.conftest import FIXTURES, ROOT

DIRTY = FIXTURES / "LL101"
EXAMPLE = ROOT / "examples" / "orders-sam"


def invoke(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    if cwd is not None:
        import os

        old = os.getcwd()
        os.chdir(cwd)
        try:
            res = runner.invoke(main, [*args, "--no-cache"], catch_exceptions=False)
        finally:
            os.chdir(old)
    else:
        res = runner.invoke(main, [*args, "--no-cache"], catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def clean_project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      CodeUri: src/\n      Handler: app.handler\n"
    )
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\n\nS3 = boto3.client('s3')\n\n\ndef handler(event, context):\n    return S3.list_buckets()\n"
    )
    (tmp_path / ".lambdalint.toml").write_text('select = ["LL0", "LL1"]\n')
    return tmp_path


def test_version() -> None:
    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0 and res.stdout.strip() == f"lambdalint {__version__}"


def test_clean_project_exits_0(clean_project: Path) -> None:
    code, out, _ = invoke(str(clean_project))
    assert code == 0
    assert "All checks passed" in out


def test_findings_exit_1_and_text_format(clean_project: Path) -> None:
    (clean_project / "src" / "app.py").write_text(
        "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
    )
    code, out, _ = invoke(str(clean_project), "--show-source")
    assert code == 1
    line = out.splitlines()[0]
    assert line.endswith("created on every invocation in handler `handler`; create it once at module scope (or lazily into a global) so warm invocations reuse it")
    assert ":4:12: LL101 [warning] boto3.client('s3')" in line
    assert "    return boto3.client('s3')" in out and "^^^^" in out
    assert "Found 1 finding (1 warning)" in out


def test_exit_zero_and_fail_on(clean_project: Path) -> None:
    (clean_project / "src" / "app.py").write_text(
        "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
    )
    assert invoke(str(clean_project), "--exit-zero")[0] == 0
    assert invoke(str(clean_project), "--fail-on", "error")[0] == 0
    assert invoke(str(clean_project), "--fail-on", "info")[0] == 1
    assert invoke(str(clean_project), "--ignore", "LL1")[0] == 0
    assert invoke(str(clean_project), "--select", "LL101")[0] == 1


def test_missing_path_exits_2() -> None:
    code, out, err = invoke("/no/such/path")
    assert code == 2
    assert err.strip() == "lambdalint: error: path does not exist: /no/such/path"
    assert "Traceback" not in err


def test_unknown_rule_and_bad_option_exit_2(clean_project: Path) -> None:
    code, _, err = invoke(str(clean_project), "--select", "LL999")
    assert code == 2 and "unknown rule id or prefix 'LL999'" in err
    code, _, err = invoke(str(clean_project), "--format", "xml")
    assert code == 2


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("selekt = ['LL1']\n", "unknown option 'selekt'"),
        ("ignore = ['LL777']\n", "unknown rule id or prefix 'LL777'"),
        ("fail-on = 'loud'\n", "'fail-on' must be one of error, warning, info"),
        ("[LL101]\nfoo = 1\n", "unknown option 'foo' for LL101"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_config_errors_exit_2(clean_project: Path, config: str, message: str) -> None:
    (clean_project / ".lambdalint.toml").write_text(config)
    code, _, err = invoke(str(clean_project))
    assert code == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_empty_folder(tmp_path: Path) -> None:
    code, out, err = invoke(str(tmp_path))
    assert code == 0
    assert "no Lambda functions or handlers found" in err


def test_json_format() -> None:
    code, out, _ = invoke(str(DIRTY), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["tool"]["name"] == "lambdalint"
    f = doc["findings"][0]
    assert set(f) >= {"rule", "name", "severity", "message", "path", "line", "column", "fingerprint"}
    assert doc["summary"]["findings"] == len(doc["findings"]) > 0
    assert doc["summary"]["exit_code"] == 1


def test_paths_relative_to_cwd() -> None:
    code, out, _ = invoke(".", "--format", "json", cwd=DIRTY)
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert paths and all(not p.startswith("/") and not p.startswith("fixtures") for p in paths)


def test_github_format() -> None:
    code, out, _ = invoke(str(DIRTY), "--format", "github")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("::warning file=") and ",line=" in first and "title=LL101 client-in-handler::LL101 " in first


def test_gitlab_format() -> None:
    _, out, _ = invoke(str(DIRTY), "--format", "gitlab")
    items = json.loads(out)
    assert items and {"description", "check_name", "fingerprint", "severity", "location"} <= set(items[0])


def test_text_and_sarif_in_one_run(tmp_path: Path) -> None:
    sarif = tmp_path / "out" / "r.sarif"
    code, out, _ = invoke(str(DIRTY), "--format", "sarif", "--output-file", str(sarif))
    assert code == 1
    assert "LL101 [warning]" in out  # text still on stdout
    doc = json.loads(sarif.read_text())
    assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]
    extra = tmp_path / "x.json"
    code, out, _ = invoke(str(DIRTY), "--output", f"json:{extra}", "--output", f"sarif:{tmp_path / 'y.sarif'}")
    assert json.loads(extra.read_text())["findings"] and (tmp_path / "y.sarif").exists()
    assert "LL101 [warning]" in out


def test_bad_output_spec() -> None:
    code, _, err = invoke(str(DIRTY), "--output", "nope")
    assert code == 2 and "--output expects FORMAT:PATH" in err


def test_statistics_and_quiet() -> None:
    _, out, _ = invoke(str(DIRTY), "--statistics")
    assert any(line.split()[1:3] == ["LL101", "client-in-handler"] for line in out.splitlines() if line.strip()[:1].isdigit())
    _, out, _ = invoke(str(DIRTY), "--quiet")
    assert "Found" not in out and "LL101" in out


def test_profile_by_phase_and_python_steps_even_when_quiet() -> None:
    for quiet in ([], ["-q"]):
        code, _out, err = invoke(str(EXAMPLE), "--profile", *quiet)
        assert code == 1
        phases, steps = [line for line in err.splitlines() if line.startswith("lambdalint: ")][-2:]
        for phase in ("discover", "load templates", "python", "rules", "report"):
            assert f"{phase} " in phases, phases
        assert "python phase CPU over all processes" in steps and "libcst parse" in steps and "facts" in steps, steps


def test_rule_and_rules_commands() -> None:
    res = CliRunner().invoke(main, ["rule", "ll101"])
    assert res.exit_code == 0 and res.stdout.startswith("# LL101 client-in-handler")
    res = CliRunner().invoke(main, ["rule", "LL999"])
    assert res.exit_code == 2 and "unknown rule" in res.stderr
    res = CliRunner().invoke(main, ["rules", "--format", "json"])
    data = json.loads(res.stdout)
    assert any(r["id"] == "LL101" and r["name"] == "client-in-handler" for r in data)
    res = CliRunner().invoke(main, ["rules"])
    assert "LL101  client-in-handler" in res.stdout


def test_single_file_is_scope_but_project_is_analysed(tmp_path: Path) -> None:
    """A lone file is linted with its project's templates: linked handlers, not convention."""
    shutil.copytree(DIRTY, tmp_path / "p")
    (tmp_path / "p" / ".lambdalint.toml").write_text('select = ["LL1"]\n')
    code, out, _ = invoke(str(tmp_path / "p" / "src" / "orders.py"), "--format", "json")
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert paths == {str(tmp_path / "p" / "src" / "orders.py")}
    lines = {f["line"] for f in json.loads(out)["findings"]}
    assert 37 not in lines  # not_a_handler(event, context) is not deployed by the template


def test_lone_file_without_git_or_config_finds_its_project_by_its_template(tmp_path: Path) -> None:
    """No config, no git: the nearest folder above with a template is the project; with none,
    the file is analysed on its own, not every folder that happens to hold it."""
    from lambdalint.config import Config
    from lambdalint.engine import RunOptions, run

    project = tmp_path / "orders"
    (project / "src").mkdir(parents=True)
    (project / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}\n"
    )
    app = project / "src" / "app.py"
    app.write_text("import os\n\ndef handler(event, context):\n    return os.environ['TABLE']\n")
    (project / "src" / "other.py").write_text("x = 1\n")
    result = run(RunOptions([app], Config(root=tmp_path), use_cache=False, jobs=1))
    assert len(result.project.templates) == 1 and result.python_files == 2
    assert [f.rule_id for f in result.visible] == ["LL502"]  # TABLE is not set by the template

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "notes.py").write_text("def handler(event, context):\n    print(event)\n")
    (scratch / "big").mkdir()
    (scratch / "big" / "unrelated.py").write_text("y = 2\n")
    result = run(RunOptions([scratch / "notes.py"], Config(root=tmp_path), use_cache=False, jobs=1))
    assert result.python_files == 1 and [f.rule_id for f in result.visible] == ["LL104"]


def test_python_m_entry_point() -> None:
    res = subprocess.run([sys.executable, "-m", "lambdalint", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and __version__ in res.stdout


def test_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch, clean_project: Path) -> None:
    import lambdalint.engine as engine

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(engine, "discover", boom)
    code, _, err = invoke(str(clean_project))
    assert code == 2
    assert err.strip() == "lambdalint: error: internal error: RuntimeError: kaboom (run with --verbose for details; please report it)"
