"""Generate a deterministic synthetic AWS Lambda monorepo for benchmarking lambdalint.

    python bench/generate.py OUTDIR [--scale 1.0] [--seed 0] [--handler-sizes census] [--force]

At scale 1.0 the tree has about 1,400 Python handler files (~130k lines with the handler sizes
measured in a real monorepo, ~245k with ``--handler-sizes heavy``), ~420 SAM and ~140
CloudFormation JSON templates, ~340 Terraform files and ~20 serverless.yml services, plus what
a real monorepo also holds: shared libraries, tests, CDK apps, vendored pip packages,
``node_modules/``, ``.aws-sam/build/`` and ``cdk.out/`` folders, and a few malformed files.
Same seed and scale -> byte-identical tree. Scale multiplies the project counts.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import codegen
import iac
from codegen import ADJECTIVES, DOMAINS, NOUNS, VERBS, camel

MARKER = ".bench-corpus"

# Projects per kind at scale 1.0, and functions per project (sampled uniformly).
PROJECTS = {"sam": 420, "cfn": 140, "tf": 76, "sls": 20}
FUNCS_PER_PROJECT = {
    "sam": (1, 1, 1, 2, 2, 2, 2, 3),
    "cfn": (1, 1, 2, 2),
    "tf": (2, 3, 4, 5),
    "sls": (5, 6, 7, 8, 9, 10, 11, 12),
}
EVENT_WEIGHTS = {
    "sam": (30, 10, 20, 10, 12, 8, 10),
    "cfn": (20, 0, 25, 15, 20, 10, 10),
    "tf": (20, 10, 25, 15, 15, 5, 10),
    "sls": (40, 10, 20, 10, 15, 5, 0),
}
SUFFIXES = (
    "api",
    "worker",
    "jobs",
    "sync",
    "events",
    "ingest",
    "export",
    "stream",
    "service",
    "processor",
    "backend",
    "webhooks",
)
VENDORED = {  # package -> (version, [module files relative to the package], lines per file)
    "requests": (
        "2.31.0",
        [
            "__init__",
            "api",
            "models",
            "sessions",
            "adapters",
            "utils",
            "exceptions",
            "compat",
            "structures",
            "status_codes",
            "auth",
            "cookies",
            "hooks",
            "help",
            "packages",
            "certs",
            "__version__",
        ],
        420,
    ),
    "urllib3": (
        "2.0.7",
        [
            "__init__",
            "connectionpool",
            "response",
            "poolmanager",
            "fields",
            "filepost",
            "exceptions",
            "_collections",
            "connection",
            "util/__init__",
            "util/retry",
            "util/timeout",
            "util/url",
            "util/ssl_",
            "util/request",
            "util/response",
            "contrib/__init__",
            "contrib/socks",
            "contrib/pyopenssl",
        ],
        520,
    ),
    "idna": (
        "3.6",
        [
            "__init__",
            "core",
            "codec",
            "compat",
            "idnadata",
            "intranges",
            "package_data",
            "uts46data",
        ],
        700,
    ),
    "certifi": ("2023.11.17", ["__init__", "core", "__main__"], 60),
    "charset_normalizer": (
        "3.3.2",
        ["__init__", "api", "cd", "constant", "legacy", "md", "models", "utils", "version"],
        450,
    ),
    "jwt": (
        "2.8.0",
        [
            "__init__",
            "api_jws",
            "api_jwt",
            "algorithms",
            "exceptions",
            "help",
            "jwk_set_cache",
            "jwks_client",
            "utils",
            "types",
        ],
        300,
    ),
}
VENDOR_SETS = (
    ("requests", "urllib3", "idna", "certifi", "charset_normalizer"),
    ("requests", "urllib3", "idna", "certifi", "charset_normalizer", "jwt"),
    ("jwt",),
    ("requests", "urllib3", "idna", "certifi", "charset_normalizer"),
)
DIST_NAMES = {"jwt": "PyJWT", "charset_normalizer": "charset_normalizer"}


@dataclass
class Tree:
    """Writes files under ``root`` and keeps the statistics printed at the end."""

    root: str
    files: Counter[str] = field(default_factory=Counter)
    py_lines: Counter[str] = field(default_factory=Counter)
    made_dirs: set[str] = field(default_factory=set)
    vendored_cache: dict[tuple[str, str], str] = field(default_factory=dict)

    def write(self, rel: str, content: str | bytes, kind: str) -> None:
        path = os.path.join(self.root, rel)
        parent = os.path.dirname(path)
        if parent not in self.made_dirs:
            os.makedirs(parent, exist_ok=True)
            self.made_dirs.add(parent)
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "wb") as fh:
            fh.write(data)
        self.files[kind] += 1
        if rel.endswith(".py"):
            self.py_lines[kind] += data.count(b"\n")


# Target lines of a handler module: (cumulative share, fewest, most) per size band.
# "census": measured in aws-samples/serverless-patterns, the public monorepo the speed issue
#   describes (a seeded sample of 120 of its .py files, 2026-12-06): handler modules have 70
#   lines on average, median 56; its 258k Python lines are mostly third-party code committed
#   with the patterns (one pattern's venv/ holds ~220k), which a linter skips. Generated
#   handlers come out at ~93 lines on average: on the heavy side of what was measured.
# "heavy": the first guess, 258k lines spread over 1,400 handlers (~180 lines on average);
#   kept to compare with the figures measured on it before 2026-12-06's seventh session.
HANDLER_SIZES = {
    "census": ((0.70, 25, 80), (0.92, 80, 180), (1.0, 180, 400)),
    "heavy": ((0.80, 50, 200), (0.92, 200, 400), (1.0, 400, 1000)),
}


def handler_target_lines(rng: random.Random, sizes: str = "census") -> int:
    """Many small handlers, some medium, a few large ones (see HANDLER_SIZES)."""
    r = rng.random()
    low, high = next((lo, hi) for share, lo, hi in HANDLER_SIZES[sizes] if r < share)  # the last share is 1.0
    size = rng.randint(low, high)
    return int(size * 0.92)  # the snippets overshoot their target a little


def pick_functions(rng: random.Random, kind: str, domain: str) -> list[tuple[str, str, str]]:
    """(verb, noun, event) triples with unique verb_noun slugs."""
    n = rng.choice(FUNCS_PER_PROJECT[kind])
    seen: set[str] = set()
    out: list[tuple[str, str, str]] = []
    while len(out) < n:
        verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
        if f"{verb}_{noun}" in seen:
            continue
        seen.add(f"{verb}_{noun}")
        event = rng.choices(codegen.EVENT_KINDS, weights=EVENT_WEIGHTS[kind])[0]
        out.append((verb, noun, event))
    return out


class Generator:
    def __init__(self, root: str, scale: float, seed: int, handler_sizes: str = "census") -> None:
        self.tree = Tree(root)
        self.scale = scale
        self.seed = seed
        self.handler_sizes = handler_sizes
        self.used_dirs: set[str] = set()
        g = self.rng("global")
        n_bad = max(1, round(scale))
        counts = {k: max(1, round(v * scale)) for k, v in PROJECTS.items()}
        self.counts = counts
        # Which projects carry a malformed file (by project index).
        self.broken_yaml = set(g.sample(range(counts["sam"]), min(n_bad, counts["sam"])))
        self.broken_py = set(g.sample(range(counts["sam"]), min(n_bad, counts["sam"])))
        self.broken_json = set(g.sample(range(counts["cfn"]), min(n_bad, counts["cfn"])))
        self.broken_tf = set(g.sample(range(counts["tf"]), min(n_bad, counts["tf"])))
        self.latin1_bad = set(g.sample(range(counts["sls"]), min(n_bad, counts["sls"])))
        self.latin1_ok = set(g.sample(range(counts["cfn"]), min(n_bad, counts["cfn"])))
        self.bom_ok = set(g.sample(range(counts["tf"]), min(n_bad, counts["tf"])))

    def rng(self, key: str) -> random.Random:
        return random.Random(f"{self.seed}:{key}")

    def project_dir(self, rng: random.Random) -> tuple[str, str, str]:
        domain = rng.choice(DOMAINS)
        base = f"{rng.choice(NOUNS)}-{rng.choice(SUFFIXES)}"
        rel, i = f"services/{domain}/{base}", 2
        while rel in self.used_dirs:
            rel, i = f"services/{domain}/{base}-{i}", i + 1
        self.used_dirs.add(rel)
        return rel, domain, base

    # -- shared pieces -------------------------------------------------------------------
    def handler(
        self,
        rng: random.Random,
        *,
        domain: str,
        verb: str,
        noun: str,
        event: str,
        code_dir: str,
        module: str,
        function: str,
        powertools: bool,
    ) -> tuple[iac.Fn, str]:
        spec = codegen.make_handler(
            rng,
            domain=domain,
            noun=noun,
            event=event,
            function=function,
            target_lines=handler_target_lines(rng, self.handler_sizes),
            powertools=powertools,
        )
        fn = iac.Fn(
            verb=verb,
            noun=noun,
            event=event,
            code_dir=code_dir,
            module=module,
            function=function,
            env_vars=spec.env_vars,
        )
        iac.fill_function_props(rng, fn)
        return fn, spec.text

    def vendored_module(self, package: str, module: str, lines: int) -> str:
        key = (package, module)
        if key not in self.tree.vendored_cache:
            r = self.rng(f"vendored:{package}:{module}")
            self.tree.vendored_cache[key] = codegen.make_vendored_module(
                r, package=package, target_lines=max(40, int(lines * r.uniform(0.5, 1.6)))
            )
        return self.tree.vendored_cache[key]

    def vendor(self, rng: random.Random, rel_dir: str, kind: str = "vendored") -> None:
        """What ``pip install -r requirements.txt -t rel_dir`` leaves behind."""
        for package in rng.choice(VENDOR_SETS):
            version, modules, lines = VENDORED[package]
            record: list[str] = []
            for mod in modules:
                text = self.vendored_module(package, mod, lines)
                rel = f"{package}/{mod}.py"
                self.tree.write(f"{rel_dir}/{rel}", text, kind)
                digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(
                    b"="
                )
                record.append(f"{rel},sha256={digest.decode()},{len(text.encode())}")
            if package == "certifi":
                pem = "".join(
                    f"-----BEGIN CERTIFICATE-----\n{'MIIF' + 'A' * 60}\n-----END CERTIFICATE-----\n"
                    for _ in range(120)
                )
                self.tree.write(f"{rel_dir}/certifi/cacert.pem", pem, kind)
                record.append("certifi/cacert.pem,,")
            dist = f"{DIST_NAMES.get(package, package)}-{version}.dist-info"
            name = DIST_NAMES.get(package, package)
            meta = {
                "METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                f"Summary: {package} (vendored)\nRequires-Python: >=3.7\n",
                "WHEEL": "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                "INSTALLER": "pip\n",
                "top_level.txt": f"{package}\n",
            }
            for fname, text in meta.items():
                self.tree.write(f"{rel_dir}/{dist}/{fname}", text, kind)
                record.append(f"{dist}/{fname},,")
            record.append(f"{dist}/RECORD,,")
            self.tree.write(f"{rel_dir}/{dist}/RECORD", "\n".join(record) + "\n", kind)

    def tests(self, rng: random.Random, proj: str, fn: iac.Fn, import_path: str) -> None:
        text = codegen.make_test_module(
            rng, import_path=import_path, function=fn.function, event=fn.event, env_vars=fn.env_vars
        )
        self.tree.write(f"{proj}/tests/unit/test_{fn.slug}.py", text, "test")
        self.tree.write(f"{proj}/tests/__init__.py", "", "test")
        self.tree.write(f"{proj}/tests/unit/__init__.py", "", "test")

    def requirements(self, rel: str, rng: random.Random) -> None:
        reqs = [
            "aws-lambda-powertools==2.30.2",
            "requests==2.31.0",
            "PyJWT==2.8.0",
            "pydantic==2.5.3",
            "boto3==1.34.11",
        ]
        picked = sorted(rng.sample(reqs, rng.randint(1, 3)))
        self.tree.write(rel, "\n".join(picked) + "\n", "config")

    # -- project kinds -------------------------------------------------------------------
    def sam(self, i: int) -> None:
        rng = self.rng(f"sam:{i}")
        proj, domain, base = self.project_dir(rng)
        powertools = rng.random() < 0.25
        layout = rng.random()
        fns: list[iac.Fn] = []
        texts: dict[str, str] = {}
        for n, (verb, noun, event) in enumerate(pick_functions(rng, "sam", domain)):
            slug = f"{verb}_{noun}"
            function = "lambda_handler" if rng.random() < 0.85 else "handler"
            if layout < 0.1:  # one code dir, handlers as a package
                code_dir, module, rel = "src", f"handlers.{slug}", f"src/handlers/{slug}.py"
            elif layout < 0.4:  # `sam init` style: <function>/app.py next to template.yaml
                code_dir, module, rel = slug, "app", f"{slug}/app.py"
            else:
                code_dir, module, rel = f"src/{slug}", "app", f"src/{slug}/app.py"
            fn, text = self.handler(
                rng,
                domain=domain,
                verb=verb,
                noun=noun,
                event=event,
                code_dir=code_dir,
                module=module,
                function=function,
                powertools=powertools,
            )
            fns.append(fn)
            texts[fn.logical] = text
            if n == 0 and i in self.broken_py:
                self.tree.write(f"{proj}/{rel}", _break_python(text), "malformed-python")
            else:
                self.tree.write(f"{proj}/{rel}", text, "handler")
            if layout >= 0.1:
                self.requirements(f"{proj}/{code_dir}/requirements.txt", rng)
                if rng.random() < 0.04:
                    self.vendor(rng, f"{proj}/{code_dir}")
        if layout < 0.1:
            self.tree.write(f"{proj}/src/handlers/__init__.py", "", "library")
            self.requirements(f"{proj}/src/requirements.txt", rng)
        layer = None
        if rng.random() < 0.1:
            layer = "layers/shared"
            pkg = f"{domain}_common"
            for mod in ("__init__", "models", "clients", "formatting"):
                text = codegen.make_library_module(
                    self.rng(f"sam:{i}:layer:{mod}"),
                    domain=domain,
                    target_lines=rng.randint(60, 260),
                    aws=mod == "clients",
                )
                self.tree.write(f"{proj}/{layer}/python/{pkg}/{mod}.py", text, "library")
        doc = iac.sam_template(rng, f"{domain}-{base}", fns, layer_dir=layer)
        text = iac.dump_yaml(doc)
        if i in self.broken_yaml:
            self.tree.write(f"{proj}/template.yaml", _break_yaml(text), "malformed-yaml")
        else:
            self.tree.write(f"{proj}/template.yaml", text, "sam-template")
        self.tree.write(f"{proj}/samconfig.toml", _samconfig(f"{domain}-{base}"), "config")
        if rng.random() < 0.5:
            self.tree.write(
                f"{proj}/events/event.json",
                json.dumps(_api_event(fns[0]), indent=2) + "\n",
                "config",
            )
        if rng.random() < 0.4:
            fn = fns[0]
            self.tests(rng, proj, fn, f"{fn.code_dir.replace('/', '.')}.{fn.module}")
        if rng.random() < 0.15:  # a `sam build` that nobody cleaned up
            for fn in fns:
                self.tree.write(
                    f"{proj}/.aws-sam/build/{fn.logical}/{fn.module.replace('.', '/')}.py",
                    texts[fn.logical],
                    "build-artifact",
                )
                if rng.random() < 0.3:
                    self.vendor(rng, f"{proj}/.aws-sam/build/{fn.logical}", kind="build-artifact")
            built = json.loads(json.dumps(doc, default=_long_form))
            for fn in fns:
                built["Resources"][fn.logical]["Properties"]["CodeUri"] = fn.logical
            self.tree.write(
                f"{proj}/.aws-sam/build/template.yaml", iac.dump_yaml(built), "build-artifact"
            )
            self.tree.write(
                f"{proj}/.aws-sam/build.toml",
                "# This file is auto generated by SAM CLI build command\n",
                "build-artifact",
            )

    def cfn(self, i: int) -> None:
        rng = self.rng(f"cfn:{i}")
        proj, domain, base = self.project_dir(rng)
        powertools = rng.random() < 0.2
        fns: list[iac.Fn] = []
        for n, (verb, noun, event) in enumerate(pick_functions(rng, "cfn", domain)):
            slug = f"{verb}_{noun}"
            function = "handler" if rng.random() < 0.7 else "lambda_handler"
            fn, text = self.handler(
                rng,
                domain=domain,
                verb=verb,
                noun=noun,
                event=event,
                code_dir=f"functions/{slug}",
                module="index",
                function=function,
                powertools=powertools,
            )
            fns.append(fn)
            rel = f"{proj}/functions/{slug}/index.py"
            if n == 0 and i in self.latin1_ok:  # valid: PEP 263 cookie
                text = "# -*- coding: latin-1 -*-\n# Maintainer: J\xe9r\xf4me M\xfcller\n" + text
                self.tree.write(rel, text.encode("latin-1"), "handler")
            else:
                self.tree.write(rel, text, "handler")
            if rng.random() < 0.04:
                self.vendor(rng, f"{proj}/functions/{slug}")
        text = json.dumps(iac.cfn_template(rng, f"{domain}-{base}", fns), indent=2) + "\n"
        if i in self.broken_json:
            self.tree.write(f"{proj}/template.json", _break_json(text), "malformed-json")
        else:
            self.tree.write(f"{proj}/template.json", text, "cfn-template")
        self.tree.write(
            f"{proj}/parameters/dev.json",
            json.dumps([{"ParameterKey": "Stage", "ParameterValue": "dev"}], indent=2) + "\n",
            "config",
        )
        if rng.random() < 0.2:
            fn = fns[0]
            self.tests(rng, proj, fn, f"functions.{fn.slug}.index")

    def tf(self, i: int) -> None:
        rng = self.rng(f"tf:{i}")
        proj, domain, base = self.project_dir(rng)
        powertools = rng.random() < 0.2
        nested = rng.random() < 0.5  # terraform/ subfolder, code in ../src
        tf_dir = f"{proj}/terraform" if nested else proj
        prefix = "../src" if nested else "src"
        module = rng.choice(("handler", "main", "lambda_function"))
        fns: list[iac.Fn] = []
        for n, (verb, noun, event) in enumerate(pick_functions(rng, "tf", domain)):
            slug = f"{verb}_{noun}"
            function = rng.choice(("lambda_handler", "handler"))
            fn, text = self.handler(
                rng,
                domain=domain,
                verb=verb,
                noun=noun,
                event=event,
                code_dir=f"{prefix}/{slug}",
                module=module,
                function=function,
                powertools=powertools,
            )
            fns.append(fn)
            rel = f"{proj}/src/{slug}/{module}.py"
            if n == 0 and i in self.bom_ok:  # valid: UTF-8 with a BOM
                self.tree.write(rel, b"\xef\xbb\xbf" + text.encode("utf-8"), "handler")
            else:
                self.tree.write(rel, text, "handler")
            if rng.random() < 0.04:
                self.vendor(rng, f"{proj}/src/{slug}")
        for name, text in iac.tf_files(rng, f"{domain}-{base}", fns).items():
            if name == "main.tf" and i in self.broken_tf:
                self.tree.write(
                    f"{tf_dir}/{name}",
                    text + '\nresource "aws_sqs_queue" "unfinished" {\n  name = "x"\n',
                    "malformed-terraform",
                )
            else:
                self.tree.write(f"{tf_dir}/{name}", text, "terraform")
        self.tree.write(
            f"{tf_dir}/terraform.tfvars", f'stage = "dev"\nservice = "{domain}-{base}"\n', "config"
        )
        if rng.random() < 0.2:
            fn = fns[0]
            self.tests(rng, proj, fn, f"src.{fn.slug}.{module}")

    def sls(self, i: int) -> None:
        rng = self.rng(f"sls:{i}")
        proj, domain, base = self.project_dir(rng)
        powertools = rng.random() < 0.3
        code_dir = rng.choice(("handlers", "functions", "src/handlers"))
        fns: list[iac.Fn] = []
        for n, (verb, noun, event) in enumerate(pick_functions(rng, "sls", domain)):
            slug = f"{verb}_{noun}"
            function = rng.choice(("handler", "handler", "main", "lambda_handler"))
            fn, text = self.handler(
                rng,
                domain=domain,
                verb=verb,
                noun=noun,
                event=event,
                code_dir=code_dir,
                module=slug,
                function=function,
                powertools=powertools,
            )
            fns.append(fn)
            rel = f"{proj}/{code_dir}/{slug}.py"
            if n == 0 and i in self.latin1_bad:  # no coding cookie: not valid UTF-8
                text = f'# Author: Fran\xe7ois Lef\xe8vre\n{text}MAINTAINER = "Fran\xe7ois Lef\xe8vre"\n'
                self.tree.write(rel, text.encode("latin-1"), "malformed-encoding")
            else:
                self.tree.write(rel, text, "handler")
        self.tree.write(f"{proj}/{code_dir}/__init__.py", "", "library")
        service = f"{domain}-{base}"
        self.tree.write(
            f"{proj}/serverless.yml",
            iac.dump_yaml(iac.serverless_doc(rng, service, fns), gap_keys=("functions",)),
            "serverless",
        )
        self.tree.write(
            f"{proj}/package.json",
            json.dumps(
                {
                    "name": service,
                    "private": True,
                    "devDependencies": {
                        "serverless": "^3.38.0",
                        "serverless-python-requirements": "^6.0.1",
                    },
                },
                indent=2,
            )
            + "\n",
            "config",
        )
        self.requirements(f"{proj}/requirements.txt", rng)
        self.node_modules(rng, f"{proj}/node_modules")
        if rng.random() < 0.5:
            fn = fns[0]
            self.tests(rng, proj, fn, f"{code_dir.replace('/', '.')}.{fn.slug}")

    def node_modules(self, rng: random.Random, rel: str) -> None:
        for pkg in (
            "serverless-python-requirements",
            "serverless-iam-roles-per-function",
            "lodash",
        ):
            self.tree.write(
                f"{rel}/{pkg}/package.json",
                json.dumps({"name": pkg, "version": "6.0.1", "main": "index.js"}, indent=2),
                "node-modules",
            )
            for js in ("index", "lib/pip", "lib/zip", "lib/layer")[: rng.randint(1, 4)]:
                self.tree.write(
                    f"{rel}/{pkg}/{js}.js", _javascript(self.rng(f"js:{pkg}:{js}")), "node-modules"
                )
        if rng.random() < 0.5:  # node-gyp ships Python: must not be linted
            for mod in ("__init__", "common", "input", "xcode_emulation", "generator/make"):
                self.tree.write(
                    f"{rel}/node-gyp/gyp/pylib/gyp/{mod}.py",
                    self.vendored_module("gyp", mod, 500),
                    "node-modules",
                )

    def cdk(self, i: int) -> None:
        rng = self.rng(f"cdk:{i}")
        domain = rng.choice(DOMAINS)
        proj = f"infra/cdk-{domain}-{i}"
        stacks: list[tuple[str, str]] = []
        for s in range(rng.randint(3, 5)):
            cls = camel(rng.choice(NOUNS), rng.choice(("Api", "Worker", "Data", "Events")), "Stack")
            mod = f"{cls[:-5].lower()}_stack_{s}"
            fns: list[tuple[str, str, str]] = []
            for _ in range(rng.randint(1, 3)):
                verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
                asset = f"lambda/{verb}_{noun}_{s}"
                if any(a == asset for _, a, _ in fns):
                    continue
                spec = codegen.make_handler(
                    rng,
                    domain=domain,
                    noun=noun,
                    event=rng.choice(("api", "sqs", "schedule")),
                    function="handler",
                    target_lines=handler_target_lines(rng, self.handler_sizes),
                    powertools=False,
                )
                self.tree.write(f"{proj}/{asset}/index.py", spec.text, "handler-cdk")
                fns.append((camel(verb, noun), asset, "index.handler"))
                if rng.random() < 0.5:
                    digest = hashlib.sha256(f"{proj}/{asset}".encode()).hexdigest()
                    self.tree.write(f"{proj}/cdk.out/asset.{digest}/index.py", spec.text, "cdk-out")
            self.tree.write(
                f"{proj}/stacks/{mod}.py",
                codegen.make_cdk_stack(rng, cls=cls, functions=fns),
                "cdk-infra",
            )
            self.tree.write(
                f"{proj}/cdk.out/{cls}.template.json",
                json.dumps(
                    {
                        "Resources": {
                            f"{cid}{s}": {
                                "Type": "AWS::Lambda::Function",
                                "Properties": {
                                    "Handler": h,
                                    "Runtime": "python3.12",
                                    "Code": {"S3Bucket": "cdk-assets", "S3Key": "x.zip"},
                                },
                            }
                            for cid, _, h in fns
                        },
                        "AWSTemplateFormatVersion": "2010-09-09",
                    },
                    indent=1,
                ),
                "cdk-out",
            )
            stacks.append((cls, mod))
        app = [
            "#!/usr/bin/env python3",
            '"""CDK app entry point (infrastructure, not a Lambda handler)."""',
            "import os",
            "",
            "import aws_cdk as cdk",
            "",
        ]
        app += [f"from stacks.{mod} import {cls}" for cls, mod in stacks]
        app += [
            "",
            "app = cdk.App()",
            'stage = app.node.try_get_context("stage") or "dev"',
            'env = cdk.Environment(account=os.getenv("CDK_DEFAULT_ACCOUNT"), region=os.getenv("CDK_DEFAULT_REGION"))',
        ]
        app += [f'{cls}(app, f"{cls}-{{stage}}", stage=stage, env=env)' for cls, _ in stacks]
        app += ["", "app.synth()", ""]
        self.tree.write(f"{proj}/app.py", "\n".join(app), "cdk-infra")
        self.tree.write(f"{proj}/stacks/__init__.py", "", "cdk-infra")
        self.tree.write(
            f"{proj}/cdk.json",
            json.dumps(
                {
                    "app": "python3 app.py",
                    "context": {"@aws-cdk/aws-lambda:recognizeLayerVersion": True},
                },
                indent=2,
            )
            + "\n",
            "config",
        )
        self.tree.write(
            f"{proj}/requirements.txt",
            "aws-cdk-lib==2.118.0\nconstructs>=10.0.0,<11.0.0\n",
            "config",
        )
        self.tree.write(
            f"{proj}/cdk.out/manifest.json", json.dumps({"version": "36.0.0"}) + "\n", "cdk-out"
        )

    def libs(self, i: int) -> None:
        rng = self.rng(f"lib:{i}")
        name = (
            f"{rng.choice(DOMAINS)}_{rng.choice(('core', 'common', 'utils', 'sdk', 'clients'))}_{i}"
        )
        base = f"libs/python/{name.replace('_', '-')}"
        for mod in ("__init__", "models", "clients", "errors", "validation", "serialization")[
            : rng.randint(3, 6)
        ]:
            text = codegen.make_library_module(
                self.rng(f"lib:{i}:{mod}"),
                domain=name,
                target_lines=rng.randint(40, 400),
                aws=mod == "clients",
            )
            self.tree.write(f"{base}/src/{name}/{mod}.py", text, "library")
        self.tree.write(
            f"{base}/pyproject.toml",
            f'[project]\nname = "{name}"\nversion = "1.{i}.0"\nrequires-python = ">=3.9"\n',
            "config",
        )

    def root_files(self) -> None:
        t = self.tree
        t.write(
            "README.md",
            "# platform monorepo\n\nSynthetic benchmark corpus generated by "
            "lambdalint's bench/generate.py. Not real code.\n",
            "config",
        )
        t.write(
            ".gitignore",
            ".aws-sam/\nnode_modules/\ncdk.out/\n.terraform/\nbuild/\n__pycache__/\n"
            ".lambdalint_cache/\n",
            "config",
        )
        t.write(
            "pyproject.toml", '[tool.ruff]\nline-length = 120\ntarget-version = "py311"\n', "config"
        )
        t.write("Makefile", "deploy:\n\t./scripts/deploy_all.py\n", "config")
        t.write(
            ".github/workflows/deploy.yml",
            iac.dump_yaml(
                {
                    "name": "deploy",
                    "on": {"push": {"branches": ["main"]}},
                    "jobs": {
                        "deploy": {
                            "runs-on": "ubuntu-latest",
                            "steps": [{"uses": "actions/checkout@v4"}, {"run": "make deploy"}],
                        }
                    },
                }
            ),
            "config",
        )
        for name in ("deploy_all", "seed_data", "rotate_keys"):
            t.write(
                f"scripts/{name}.py",
                codegen.make_library_module(
                    self.rng(f"script:{name}"), domain="platform", target_lines=120, aws=True
                ),
                "library",
            )
        t.write(
            MARKER,
            f"lambdalint bench corpus\nscale={self.scale}\nseed={self.seed}\nhandler-sizes={self.handler_sizes}\n",
            "config",
        )

    def run(self) -> None:
        self.root_files()
        for kind, method in (
            ("sam", self.sam),
            ("cfn", self.cfn),
            ("tf", self.tf),
            ("sls", self.sls),
        ):
            for i in range(self.counts[kind]):
                method(i)
        for i in range(max(1, round(3 * self.scale))):
            self.cdk(i)
        for i in range(max(1, round(8 * self.scale))):
            self.libs(i)


def _long_form(tag: object) -> object:
    """``sam build`` writes intrinsics in long form (``Fn::GetAtt: [X, Arn]``)."""
    assert isinstance(tag, iac.Tag) and isinstance(tag.value, str)
    if tag.tag == "!GetAtt":
        return {"Fn::GetAtt": tag.value.split(".", 1)}
    return {"Ref" if tag.tag == "!Ref" else "Fn::" + tag.tag[1:]: tag.value}


def _break_python(text: str) -> str:
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("def ") and line.rstrip().endswith(":"):
            lines[i] = line.rstrip()[:-1] + "\n"  # missing colon
            break
    return "".join(lines)


def _break_yaml(text: str) -> str:
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip().startswith("Handler:"):
            lines.insert(i + 1, '      Description: "unterminated: [string\n    Timeout: {30\n')
            break
    return "".join(lines)


def _break_json(text: str) -> str:
    return text.replace('"Resources": {', '"Resources": {,', 1)


def _samconfig(stack: str) -> str:
    return (
        'version = 0.1\n\n[default.global.parameters]\nstack_name = "' + stack + '"\n\n'
        '[default.deploy.parameters]\ncapabilities = "CAPABILITY_IAM"\nconfirm_changeset = true\n'
        "resolve_s3 = true\n"
    )


def _api_event(fn: iac.Fn) -> dict[str, object]:
    return {
        "body": json.dumps({"id": "abc-123"}),
        "resource": f"/{fn.noun}s",
        "path": f"/{fn.noun}s",
        "httpMethod": "POST",
        "isBase64Encoded": False,
        "queryStringParameters": {"foo": "bar"},
        "headers": {
            "Accept": "application/json",
            "Host": "1234567890.execute-api.us-east-1.amazonaws.com",
        },
        "requestContext": {
            "accountId": "123456789012",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61",
        },
    }


def _javascript(rng: random.Random) -> str:
    out = ["'use strict';", "", "const path = require('path');", "const fs = require('fs');", ""]
    for i in range(rng.randint(10, 60)):
        name = f"{rng.choice(VERBS)}{camel(rng.choice(NOUNS))}{i}"
        out += [
            f"function {name}(options, cb) {{",
            "  const opts = Object.assign({}, options);",
            f"  if (!opts.{rng.choice(NOUNS)}) {{",
            "    return cb(new Error('missing option'));",
            "  }",
            f"  return cb(null, path.join(opts.root || '.', '{rng.choice(ADJECTIVES)}'));",
            "}",
            "",
            f"module.exports.{name} = {name};",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument(
        "--scale", type=float, default=1.0, help="project-count multiplier (default 1.0)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--force",
        action="store_true",
        help="replace OUTDIR if it holds a tree this script generated earlier",
    )
    ap.add_argument(
        "--handler-sizes",
        choices=sorted(HANDLER_SIZES),
        default="census",
        help="handler module sizes: census (measured in a real monorepo, the default) or heavy",
    )
    ap.add_argument("--quiet", action="store_true", help="no summary")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    out = os.path.abspath(args.outdir)
    if os.path.exists(out) and os.listdir(out):
        if not (args.force and os.path.exists(os.path.join(out, MARKER))):
            ap.error(f"{out} is not empty (use --force to replace a tree generated by this script)")
        shutil.rmtree(out)
    start = time.perf_counter()
    gen = Generator(out, args.scale, args.seed, args.handler_sizes)
    gen.run()
    elapsed = time.perf_counter() - start
    if not args.quiet:
        print_summary(gen.tree, out, elapsed)
    return 0


LINTED = (
    "handler",
    "handler-cdk",
    "library",
    "test",
    "cdk-infra",
    "malformed-python",
    "malformed-encoding",
)
TEMPLATES = (
    "sam-template",
    "cfn-template",
    "terraform",
    "serverless",
    "malformed-yaml",
    "malformed-json",
    "malformed-terraform",
)


def print_summary(tree: Tree, out: str, elapsed: float) -> None:
    print(f"generated {sum(tree.files.values())} files in {out} ({elapsed:.1f} s)")
    print(f"  {'kind':<22}{'files':>8}{'py lines':>12}")
    for kind in sorted(tree.files, key=lambda k: (k not in LINTED, k not in TEMPLATES, k)):
        lines = tree.py_lines.get(kind, 0)
        print(f"  {kind:<22}{tree.files[kind]:>8}{lines if lines else '':>12}")
    handlers = (
        tree.files["handler"]
        + tree.files["handler-cdk"]
        + tree.files["malformed-python"]
        + tree.files["malformed-encoding"]
    )
    h_lines = sum(
        tree.py_lines[k]
        for k in ("handler", "handler-cdk", "malformed-python", "malformed-encoding")
    )
    linted = sum(tree.py_lines[k] for k in LINTED)
    skipped = sum(v for k, v in tree.py_lines.items() if k not in LINTED)
    cfn = (
        tree.files["sam-template"]
        + tree.files["cfn-template"]
        + tree.files["malformed-yaml"]
        + tree.files["malformed-json"]
    )
    tf = tree.files["terraform"] + tree.files["malformed-terraform"]
    print(
        f"handlers: {handlers} files, {h_lines} lines; Python a linter reads: "
        f"{sum(tree.files[k] for k in LINTED)} files, {linted} lines; "
        f"Python it must skip (vendored, build, node_modules, cdk.out): {skipped} lines"
    )
    print(
        f"templates: {cfn + tf + tree.files['serverless']} "
        f"(SAM/CloudFormation {cfn}, Terraform files {tf}, serverless.yml {tree.files['serverless']})"
    )


if __name__ == "__main__":
    sys.exit(main())
