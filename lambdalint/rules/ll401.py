"""LL401: the deployment package is over Lambda's size limits."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from lambdalint.model import UNKNOWN, Finding, Function, Severity
from lambdalint.package import Excludes, PackageSize, deployed, estimate_zip, human, measure
from lambdalint.registry import Example, FunctionRule, register

MB = 1024 * 1024


class Measurer:
    """Measures each (path, exclusions) once per run: functions of one service share a folder."""

    def __init__(self) -> None:
        self.cache: dict[tuple[Any, ...], PackageSize | None] = {}

    def get(self, path: Path, excludes: Excludes | None, zipped: bool = False) -> PackageSize | None:
        key = (path, excludes.key if excludes else None, zipped)
        if key not in self.cache:
            plain = self.cache.get((path, key[1], False))
            if zipped and plain is not None and not plain.is_zip:  # reuse the walk
                self.cache[key] = replace(plain, zipped=estimate_zip(plain.entries), zipped_estimated=True)
            else:
                self.cache[key] = measure(path, excludes, zipped)
        return self.cache[key]


def listing_zip(entries: list[tuple[str, int]]) -> str:
    """A tiny zip whose central directory lists ``entries`` with the given unzipped sizes (no
    data): the rule reads only the listing. Every byte is ASCII, so the docs example can hold it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, _ in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), b"")
    data = bytearray(buf.getvalue())
    pos = 0
    for _, size in entries:
        pos = data.find(b"PK\x01\x02", pos)
        struct.pack_into("<I", data, pos + 24, size)  # uncompressed size
        struct.pack_into("<I", data, pos + 38, 0)  # external attributes
        pos += 4
    return data.decode("ascii")


def where(path: Path, fn: Function) -> str:
    try:
        return path.relative_to(fn.template.parent).as_posix() or "."
    except ValueError:
        return path.as_posix()


@register
class PackageTooLarge(FunctionRule):
    id = "LL401"
    reads = "packages"
    name = "package-too-large"
    family = "package"
    severity = Severity.ERROR
    per_finding_severity: ClassVar[bool] = True  # warning at 50 MB zipped, error at 250 MB unzipped
    precision = "high"
    tags = ("package", "deployment")
    options: ClassVar[dict[str, Any]] = {"max_unzipped_mb": 250.0, "max_zipped_mb": 50.0}
    summary = "The deployment package is over Lambda's limits: 250 MB unzipped with layers, or 50 MB zipped for a direct upload."
    doc = """
## What it does
Works out what each function deploys (SAM `CodeUri` folder or zip, CloudFormation `Code`,
Terraform `filename` / `archive_file` `source_dir` / the lambda module's `source_path`, the
serverless.yml service folder or `package.artifact`, and the function's layers built in the
project) and measures it:

- **250 MB unzipped, code plus every layer** (error): the limit for every zip function,
  however it is deployed. Layers from outside the project are not counted (the finding says
  so); the size is then a lower bound.
- **50 MB zipped, direct upload only** (warning): when the zip goes straight to the Lambda
  API (Terraform `filename`). SAM, `aws cloudformation package`, the Serverless Framework
  and Terraform `s3_bucket`/`s3_key` upload through S3, where this limit does not apply. For a
  zip on disk its size is used; for a folder the zip size is estimated by compressing a
  sample of the files (within a few per cent; nothing is written to disk).

Only the format's own exclusions shrink the package: serverless `package.patterns` (and its
default excludes and devDependencies), Terraform `archive_file` `excludes`, the lambda
module's `source_path` `patterns`, and what `sam build` leaves out. `.gitignore` does not: build output is usually ignored and is exactly
what is deployed. Container image functions are not measured (the image is built elsewhere),
nor are folders a build step turns into the package (Java, .NET, Go and custom runtimes, SAM
`BuildMethod: esbuild`/`makefile`, bundler plugins such as serverless-esbuild).
The message names the five largest contributors.

## Why it matters
The deploy fails (`Unzipped size must be smaller than 262144000 bytes`,
`RequestEntityTooLargeException`), usually late, in CI, after a dependency upgrade.

## How to fix
Leave out what the function does not need at run time (tests, dev dependencies, the AWS SDK
that the runtime already has, docs), split the function, move large dependencies into a
layer shared with care, or deploy a container image (10 GB). For the 50 MB limit, upload
through S3 (`s3_bucket`/`s3_key`).
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/python-package.html",
    )
    invalid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Report:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: build/report.zip\n"
                "      Runtime: python3.12\n      Handler: app.handler\n",
                "build/report.zip": listing_zip([("np/core.so", 0x08080808), ("pd/libs.so", 0x08080808)]),
            },
            note="a built zip whose two libraries add up to 257 MB unzipped (a binary file, its bytes shown as text)",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Report:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: app.handler\n",
                "src/app.py": "def handler(event, context):\n    return {}\n",
            },
        ),
    )

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.sizes = Measurer()

    def check(self, fn: Function) -> Iterator[Finding]:
        target = deployed(fn)
        if target is None:
            return
        path, excludes = target
        code = self.sizes.get(path, excludes)
        if code is None:
            return
        max_unzipped = int(float(self.opts["max_unzipped_mb"]) * MB)
        max_zipped = int(float(self.opts["max_zipped_mb"]) * MB)
        layer_sizes: list[tuple[str, PackageSize]] = []
        outside = 0
        if fn.layers is not UNKNOWN:
            for layer in fn.layers:  # type: ignore[union-attr]
                size = self.sizes.get(layer.content_path, None) if isinstance(layer.content_path, Path) else None
                if size is None:
                    outside += 1
                else:
                    layer_sizes.append((layer.ref if isinstance(layer.ref, str) else "layer", size))
        total = code.unzipped + sum(s.unzipped for _, s in layer_sizes)
        anchor = "code" if "code" in fn.locs else None
        if total > max_unzipped:
            contributors = [(c, n) for c, n in code.largest()]
            for name, size in layer_sizes:
                contributors += [(f"layer {name}: {c}", n) for c, n in size.largest()]
            contributors.sort(key=lambda kv: -kv[1])
            parts = f"code {human(code.unzipped)} in `{where(path, fn)}`"
            if layer_sizes:
                parts += f" + {len(layer_sizes)} layer{'s' if len(layer_sizes) > 1 else ''} {human(total - code.unzipped)}"
            note = f"; {outside} layer{'s' if outside > 1 else ''} from outside the project not counted" if outside else ""
            f = fn.finding(
                self.id,
                f"{fn.id} deploys {human(total)} unzipped ({parts}{note}), over Lambda's {human(max_unzipped)} limit for "
                f"code plus layers; largest: {self._list(contributors)}; leave out what the function does not need "
                "or deploy it as a container image",
                anchor,
            )
            f.severity = Severity.ERROR
            yield f
        if fn.upload != "direct":
            return
        if code.is_zip:
            zipped = code.zipped
        elif code.unzipped > max_zipped:  # a zip is never larger than its files (plus headers)
            measured = self.sizes.get(path, excludes, zipped=True)
            zipped = measured.zipped if measured else None
        else:
            zipped = None
        if zipped is not None and zipped > max_zipped:
            how = "zips to about" if not code.is_zip else "is a zip of"
            f = fn.finding(
                self.id,
                f"{fn.id}'s package {how} {human(zipped)}, over the {human(max_zipped)} limit for a direct upload; "
                f"largest: {self._list(code.largest())}; upload it through S3 (s3_bucket/s3_key) or make it smaller",
                anchor,
            )
            f.severity = Severity.WARNING
            yield f

    @staticmethod
    def _list(contributors: list[tuple[str, int]]) -> str:
        return ", ".join(f"`{name}` {human(size)}" for name, size in contributors[:5])
