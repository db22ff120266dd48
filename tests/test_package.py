"""Package measurement (lambdalint.package) and the package rules LL401-LL404."""

from __future__ import annotations

import io
import os
import random
import time
import zipfile
from pathlib import Path

import pytest

from lambdalint.config import Config
from lambdalint.model import Function, Layer, Location, Severity
from lambdalint.package import Excludes, estimate_zip, largest_contributors, measure, walk
from lambdalint.rules.ll401 import PackageTooLarge
from lambdalint.rules.ll404 import findings_in
from tests.helpers import lint

MB = 1024 * 1024
FOUR_LETTERS = bytes(0x41 + (i & 3) for i in range(256))  # low-entropy bytes: A-D
WORDS = ["import", "def", "return", "class", "self", "lambda", "event", "context", "boto3", "table", "key", "json"]


class _Counter(io.RawIOBase):
    """A write-only stream that only counts: a real zip's size without writing it."""

    def __init__(self) -> None:
        self.n = 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.n += len(b)
        return len(b)

    def tell(self) -> int:
        return self.n


def real_zip_size(root: Path) -> int:
    out = _Counter()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for e in walk(root):
            zf.write(e.path, e.rel)
    return out.n


def make_tree(root: Path, scale_mb: int, seed: int = 7) -> None:
    """A vendored-dependencies-like tree: many small source files, some big native-ish
    binaries (half random, half structured), JSON data and already-compressed archives."""
    rnd = random.Random(seed)
    budget = scale_mb * MB
    written = 0
    i = 0
    while written < budget:
        pkg = root / f"pkg{i % 40}" / f"sub{i % 7}"
        pkg.mkdir(parents=True, exist_ok=True)
        kind = i % 10
        if kind < 6:  # source code
            text = "\n".join(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 12))) for _ in range(rnd.randint(20, 400)))
            data = text.encode()
            name = f"mod{i}.py"
        elif kind < 8:  # native library: code-like random bytes plus zero-padded sections
            size = rnd.randint(200_000, 3 * MB)
            data = rnd.randbytes(size // 2) + bytes(size // 4) + rnd.randbytes(size // 4).translate(FOUR_LETTERS)
            name = f"lib{i}.so"
        elif kind == 8:
            data = ("[" + ",".join(f'{{"id": {j}, "name": "item-{j % 97}"}}' for j in range(rnd.randint(100, 20000))) + "]").encode()
            name = f"data{i}.json"
        else:
            data = rnd.randbytes(rnd.randint(10_000, MB))
            name = f"archive{i}.gz"
        (pkg / name).write_bytes(data)
        written += len(data)
        i += 1


def test_zip_estimate_within_five_percent(tmp_path: Path) -> None:
    make_tree(tmp_path, 60)
    entries = list(walk(tmp_path))
    estimate = estimate_zip(entries)
    real = real_zip_size(tmp_path)
    assert abs(estimate - real) / real < 0.05, (estimate, real)


def test_small_tree_is_compressed_exactly(tmp_path: Path) -> None:
    make_tree(tmp_path, 3)
    estimate = estimate_zip(list(walk(tmp_path)))
    real = real_zip_size(tmp_path)
    assert abs(estimate - real) / real < 0.01, (estimate, real)


def test_measuring_300_mb_is_fast(tmp_path: Path) -> None:
    rnd = random.Random(3)
    chunk = rnd.randbytes(MB)
    text = ("def handler(event, context):\n    return {'statusCode': 200}\n" * 20000).encode()[:MB]
    for i in range(300):
        folder = tmp_path / f"site-packages/p{i % 30}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.bin").write_bytes(chunk if i % 2 else text)
    for i in range(3000):  # and many small files
        (tmp_path / f"site-packages/p{i % 30}/m{i}.py").write_bytes(text[: 1000 + i])
    started = time.monotonic()
    size = measure(tmp_path, zipped=True)
    elapsed = time.monotonic() - started
    assert size is not None and size.zipped is not None
    assert size.unzipped > 300 * MB
    assert elapsed < 10, f"{elapsed:.1f}s"
    # half random (incompressible), half very repetitive text
    assert 140 * MB < size.zipped < 170 * MB


def test_existing_zip_is_measured_from_its_listing(tmp_path: Path) -> None:
    path = tmp_path / "fn.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.py", "x = 1\n" * 10000)
        zf.writestr("node_modules/aws-sdk/index.js", "y\n" * 5000)
    size = measure(path)
    assert size is not None and size.is_zip
    assert size.unzipped == 60000 + 10000
    assert size.zipped == path.stat().st_size
    assert size.largest()[0] == ("app.py", 60000)
    assert ("node_modules/aws-sdk/", 10000) in size.largest()


def test_serverless_patterns_apply_in_order(tmp_path: Path) -> None:
    for rel in ("src/app.py", "src/tests/test_app.py", "node_modules/x/index.js", "docs/readme.md", "docs/keep.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    ex = Excludes(["!node_modules/**", "!docs/**", "docs/keep.md", "!src/tests/**"])
    kept = sorted(e.rel for e in walk(tmp_path, ex))
    assert kept == ["docs/keep.md", "src/app.py"]
    assert ex.prunes("node_modules") and not ex.prunes("docs")


def test_archive_file_excludes(tmp_path: Path) -> None:
    for rel in ("app.py", "requirements.txt", "build/out.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    kept = sorted(e.rel for e in walk(tmp_path, Excludes(excludes=["requirements.txt", "build"])))
    assert kept == ["app.py"]


def test_contributors_look_inside_dependency_folders() -> None:
    from lambdalint.package import FileEntry

    entries = [
        FileEntry("node_modules/@aws-sdk/client-s3/dist/index.js", 30, ""),
        FileEntry("node_modules/lodash/lodash.js", 20, ""),
        FileEntry("python/lib/python3.12/site-packages/numpy/core.so", 50, ""),
        FileEntry("app.js", 5, ""),
    ]
    assert largest_contributors(entries) == [
        ("python/lib/python3.12/site-packages/numpy/", 50),
        ("node_modules/@aws-sdk/client-s3/", 30),
        ("node_modules/lodash/", 20),
        ("app.js", 5),
    ]


def _function(tmp_path: Path, code: Path, upload: str) -> Function:
    tpl = tmp_path / "main.tf"
    return Function(
        id="aws_lambda_function.big",
        format="terraform",
        template=tpl,
        loc=Location(tpl, 1),
        runtime="python3.12",
        handler="app.handler",
        code_path=code,
        upload=upload,
        locs={"code": Location(tpl, 3)},
    )


def test_ll401_zip_limit_only_for_direct_uploads(tmp_path: Path) -> None:
    code = tmp_path / "src"
    code.mkdir()
    (code / "blob.bin").write_bytes(random.Random(1).randbytes(300_000))
    rule = PackageTooLarge({"max_zipped_mb": 0.1, "max_unzipped_mb": 10.0})
    (finding,) = rule.check(_function(tmp_path, code, "direct"))
    assert finding.severity == Severity.WARNING
    assert "direct upload" in finding.message and "`blob.bin`" in finding.message
    assert finding.location.line == 3
    assert list(PackageTooLarge({"max_zipped_mb": 0.1}).check(_function(tmp_path, code, "s3"))) == []


def test_ll401_counts_local_layers_and_says_what_it_could_not(tmp_path: Path) -> None:
    code, layer = tmp_path / "src", tmp_path / "layer"
    code.mkdir()
    (layer / "python").mkdir(parents=True)
    (code / "app.py").write_text("x" * 6000)
    (layer / "python" / "dep.py").write_text("y" * 6000)
    fn = _function(tmp_path, code, "s3")
    fn.layers = [Layer("Deps", fn.loc, layer), Layer("arn:aws:lambda:us-east-1:1:layer:x:1", fn.loc, None)]
    (finding,) = PackageTooLarge({"max_unzipped_mb": 0.01}).check(fn)
    assert finding.severity == Severity.ERROR
    assert "1 layer from outside the project not counted" in finding.message
    assert "layer Deps: python/dep.py" in finding.message


def test_ll401_severities_survive_the_engine_unless_configured(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "LL401"
    result = lint(fixture)
    assert result.visible and {f.severity for f in result.visible if f.rule_id == "LL401"} == {Severity.ERROR}
    from tests.helpers import fixture_config

    cfg = fixture_config(fixture)
    cfg.severity["LL401"] = Severity.INFO
    assert {f.severity for f in lint(fixture, cfg).visible} == {Severity.INFO}


def test_ll404_ignores_third_party_tests_and_reports_sdk() -> None:
    from lambdalint.package import FileEntry

    entries = [
        FileEntry("app.py", 10, ""),
        FileEntry("boto3/__init__.py", 100, ""),
        FileEntry("botocore/data/s3.json", 1000, ""),
        FileEntry("boto3-1.34.0.dist-info/METADATA", 5, ""),
        FileEntry("requests/tests/test_api.py", 50, ""),
        FileEntry("requests-2.31.0.dist-info/METADATA", 5, ""),
        FileEntry("tests/test_app.py", 20, ""),
        FileEntry("pkg/__pycache__/a.pyc", 7, ""),
        FileEntry("lib/__pycache__/b.pyc", 8, ""),
    ]
    found = findings_in(entries, python=True)
    assert found == [("`botocore/`", 1, 1000), ("`boto3/`", 1, 105), ("`tests/`", 1, 20), ("`__pycache__`", 2, 15)]
    assert [f[0] for f in findings_in(entries, python=False)] == ["`tests/`", "`__pycache__`"]


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "corpus").is_dir(), reason="no corpus")
def test_package_rules_quiet_on_corpus() -> None:
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    result = lint(corpus, Config(root=corpus, select=["LL401", "LL402", "LL403"]))
    assert not result.errors
    assert [f for f in result.visible if f.rule_id in ("LL401", "LL402", "LL403")] == []


def test_walk_does_not_follow_directory_symlinks(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.txt").write_text("12345")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    assert [e.rel for e in walk(tmp_path)] == ["a/f.txt"]


def test_lambda_module_regex_patterns(tmp_path: Path) -> None:
    from lambdalint.package import RegexExcludes

    for rel in ("index.py", "requirements.txt", "lib/a.txt", "lib/b.py", "node_modules/x.js"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    ex = RegexExcludes(["!.*\\.txt", "!node_modules/.*", "lib/a\\.txt"])
    assert sorted(e.rel for e in walk(tmp_path, ex)) == ["index.py", "lib/a.txt", "lib/b.py"]
    assert ex.key != RegexExcludes([]).key


def test_ll404_record_files_name_third_party_folders(tmp_path: Path) -> None:
    files = {
        "app.py": "x",
        "yaml/__pycache__/a.pyc": "cached",
        "PyYAML-6.0.dist-info/RECORD": "yaml/__init__.py,sha256=x,10\n_yaml/__init__.py,,\n",
        "boto3/__init__.py": "v",
        "boto3-1.34.0.dist-info/RECORD": "boto3/__init__.py,,\n",
        "tests/test_app.py": "t",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    found = findings_in(list(walk(tmp_path)), python=True)
    assert [f[0] for f in found] == ["`boto3/`", "`tests/`"]
