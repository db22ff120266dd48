"""Hostile input never crashes lambdalint, never loses a finding elsewhere, never hangs.

Property-based: files from the fixtures are corrupted (truncated, bytes flipped, nesting
inserted, types swapped, slices dropped or repeated) and the real CLI entry point runs on a
project holding the corrupted file next to a healthy, independent project. The property:
it finishes, no exception escapes, the exit code is 0 or 1, the output is valid JSON, and the
healthy project's findings are exactly what they are without the corrupted neighbour.
Default runs are bounded; LAMBDALINT_SLOW=1 (or --slow) runs many more examples.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.cli import main
from tests.conftest import FIXTURES

SLOW = bool(os.environ.get("LAMBDALINT_SLOW"))
EXAMPLES = 300 if SLOW else 25
SEEDS = [
    FIXTURES / "LL101" / "template.yaml",
    FIXTURES / "LL101" / "src" / "orders.py",
    FIXTURES / "LL101" / "src" / "lazy.py",
    FIXTURES / "robust-templates" / "wrong-types.yaml",
    FIXTURES / "robust-templates" / "good.yaml",
    FIXTURES / "suppressions" / "src" / "inline.py",
]
HEALTHY = FIXTURES / "LL101"


def run_json(path: Path) -> tuple[int, dict]:
    res = CliRunner().invoke(main, [str(path), "--format", "json", "--no-cache", "--select", "LL0,LL1"])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.stderr
    assert res.exit_code in (0, 1), (res.exit_code, res.stderr)
    return res.exit_code, json.loads(res.stdout)


def findings_below(doc: dict, prefix: str) -> set[tuple[str, int, str, str]]:
    return {(f["path"], f["line"], f["rule"], f["message"]) for f in doc["findings"] if f["path"].startswith(prefix)}


_BASELINE: dict[str, set[tuple[str, int, str, str]]] = {}


def baseline(root: Path) -> set[tuple[str, int, str, str]]:
    if "healthy" not in _BASELINE:
        _, doc = run_json(root)
        _BASELINE["healthy"] = {(p.split("healthy/", 1)[1], *rest) for p, *rest in findings_below(doc, str(root))}
    return _BASELINE["healthy"]


def mutate(data: bytes, kind: str, pos: float, blob: bytes, depth: int) -> bytes:
    i = int(pos * len(data)) if data else 0
    if kind == "truncate":
        return data[:i]
    if kind == "flip":
        out = bytearray(data)
        for k, b in enumerate(blob[:16]):
            if out:
                out[(i + k * 7) % len(out)] ^= b or 0xFF
        return bytes(out)
    if kind == "insert":
        return data[:i] + blob + data[i:]
    if kind == "nest":
        return data[:i] + b"(" * depth + b"[" * depth + b"{" * depth + data[i:]
    if kind == "drop":
        return data[:i] + data[i + max(1, len(blob)) * 8 :]
    if kind == "repeat":
        return data[:i] + data[i : i + 200] * (depth % 50 + 2) + data[i:]
    if kind == "swap-types":
        return data.replace(b": ", b": [", 1 + depth % 5).replace(b"Handler:", b"Handler: {x:", 1)
    if kind == "indent":
        return data.replace(b"\n  ", b"\n \t ", depth % 7 + 1)
    return blob


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=not SLOW,
)
@given(
    seed=st.sampled_from(SEEDS),
    kind=st.sampled_from(["truncate", "flip", "insert", "nest", "drop", "repeat", "swap-types", "indent", "random"]),
    pos=st.floats(min_value=0, max_value=1),
    blob=st.binary(min_size=0, max_size=64),
    depth=st.integers(min_value=1, max_value=400),
)
def test_corrupted_file_never_crashes_or_costs_other_findings(
    seed: Path, kind: str, pos: float, blob: bytes, depth: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(HEALTHY, root / "healthy")
        (root / "healthy" / ".lambdalint.toml").unlink()
        project = seed.parent.parent if seed.parent.name == "src" else seed.parent
        broken = root / "broken"
        shutil.copytree(project, broken, ignore=shutil.ignore_patterns(".lambdalint.toml", "EXPECTED"))
        target = broken / seed.relative_to(project)
        target.write_bytes(mutate(seed.read_bytes(), kind, pos, blob, depth))
        want = baseline(root / "healthy")
        started = time.monotonic()
        _, doc = run_json(root)
        assert time.monotonic() - started < 60
        got = {(p.split("healthy/", 1)[1], *rest) for p, *rest in findings_below(doc, str(root / "healthy"))}
        assert got == want


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab"])
def test_every_format_survives_broken_input(fmt: str) -> None:
    for folder in ("robust-python", "robust-templates", "input-broken"):
        res = CliRunner().invoke(main, [str(FIXTURES / folder), "--format", fmt, "--no-cache"])
        assert res.exit_code in (0, 1), res.stderr
        assert "Traceback" not in res.output
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(res.stdout)


def test_huge_generated_python_file_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "generated.py"
    row = "    {'id': %d, 'name': 'item-%d', 'tags': ['a', 'b', 'c'], 'price': 1.5},\n"
    with big.open("w") as fh:
        fh.write("DATA = [\n")
        for i in range(5 * 1024 * 1024 // len(row % (0, 0))):
            fh.write(row % (i, i))
        fh.write("]\n\n\ndef handler(event, context):\n    return DATA[0]\n")
    assert big.stat().st_size > 5_000_000
    (tmp_path / "app.py").write_text("import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    started = time.monotonic()
    res = CliRunner().invoke(main, [str(tmp_path), "--format", "json", "--no-cache", "-v"])
    assert time.monotonic() - started < 30
    assert res.exit_code == 1
    assert [f["path"].rsplit("/", 1)[-1] for f in json.loads(res.stdout)["findings"]] == ["app.py"]
    assert "too large" in res.stderr


def test_huge_template_is_bounded(tmp_path: Path) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(40_000):
        lines += [f"  Topic{i}:", "    Type: AWS::SNS::Topic", f"    Properties: {{TopicName: topic-{i}}}"]
    (tmp_path / "big.yaml").write_text("\n".join(lines) + "\n")
    assert (tmp_path / "big.yaml").stat().st_size > 2_000_000
    started = time.monotonic()
    res = CliRunner().invoke(main, [str(tmp_path), "--format", "json", "--no-cache"])
    assert res.exit_code == 1
    assert time.monotonic() - started < 20
    (finding,) = json.loads(res.stdout)["findings"]
    assert finding["rule"] == "LL002" and "over CloudFormation's 1 MB template size limit" in finding["message"]



def test_many_repeated_keys_are_listed_up_to_a_bound(tmp_path: Path) -> None:
    """Each entry CloudFormation ignores is an LL002, but a template full of repeats gives five
    findings, the last of which counts the rest (as for other decoding errors)."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:", "  Topic:", "    Type: AWS::SNS::Topic", "Metadata:"]
    lines += ["  x: 1"] * 2_000
    (tmp_path / "template.yaml").write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(main, [str(tmp_path), "--format", "json", "--no-cache"])
    assert res.exit_code == 1
    findings = json.loads(res.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["LL002"] * 5
    assert [f["line"] for f in findings] == [6, 7, 8, 9, 10]
    assert "CloudFormation keeps only the last entry (line 2005)" in findings[0]["message"]
    assert findings[-1]["message"].endswith("(1994 more repeated keys in this template not listed)")
