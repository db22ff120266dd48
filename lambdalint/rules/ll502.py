"""LL502: code reads ``os.environ["X"]`` and the function's template never sets X."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lambdalint.code.facts import CodeFacts, Reach
from lambdalint.model import Finding, Function, Location, Project, Severity
from lambdalint.registry import Example, ProjectRule, register

# Set by Lambda in every execution environment ("Defined runtime environment variables" in the
# Lambda developer guide): the reserved ones, and the unreserved ones Lambda sets by default.
LAMBDA_DEFINED = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
        # unreserved, set by Lambda unless the function overrides them
        "LANG",
        "PATH",
        "LD_LIBRARY_PATH",
        "NODE_PATH",
        "PYTHONPATH",
        "GEM_PATH",
        "AWS_XRAY_CONTEXT_MISSING",
        "AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_PORT",
        "AWS_LAMBDA_DOTNET_PREJIT",
        "AWS_LAMBDA_LOG_FORMAT",
        "AWS_LAMBDA_LOG_LEVEL",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_LAMBDA_MAX_CONCURRENCY",
        "_LAMBDA_TELEMETRY_LOG_FD",
    }
)
# a wrapper script runs before the runtime and may export anything
WRAPPER_VARS = ("AWS_LAMBDA_EXEC_WRAPPER",)


def rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def facts_getter(facts: dict[str, Any]) -> Callable[[Path], CodeFacts | None]:
    files: dict[Path, Any] = facts.get("files", {})

    def facts_of(path: Path) -> CodeFacts | None:
        result = files.get(path)
        return None if result is None else result.facts.get("code")

    return facts_of


def reached(project: Project, facts: dict[str, Any]) -> list[tuple[Function, dict[Path, set[str]], CodeFacts]]:
    """(function, reached scopes per file, handler module facts) for each template-linked
    Python handler whose module was analysed. Computed once per run (LL502 and LL503 share
    it through ``facts``); the scope sets are shared, so treat them as read-only."""
    memo = facts.get("_reached")
    if memo is not None and memo[0] is project:
        return memo[1]
    facts_of = facts_getter(facts)
    reaches: dict[Path, Reach] = {}
    out: list[tuple[Function, dict[Path, set[str]], CodeFacts]] = []
    for fn, module_path, func in project.iter_python_handlers():
        handler_facts = facts_of(module_path)
        root = fn.code_path
        if handler_facts is None or not isinstance(root, Path):
            continue
        if root not in reaches:
            reaches[root] = Reach(root, facts_of)
        out.append((fn, reaches[root].scopes(module_path, func), handler_facts))
    facts["_reached"] = (project, out)
    return out


@register
class EnvVarNotSet(ProjectRule):
    id = "LL502"
    reads = "code-facts"
    name = "env-var-not-set"
    family = "cross"
    severity = Severity.ERROR
    precision = "high"
    tags = ("correctness", "cross-check", "configuration")
    summary = "Code reads `os.environ[\"X\"]`, which raises KeyError, and the function's template never sets X."
    doc = """
## What it does
For each function in a template, follows its handler into the code: the handler module's
top level, the handler and the functions it calls, and the modules it imports from the same
code folder (their top level and the functions reached). Every `os.environ["X"]` read there
(also `from os import environ`, `environ["X"]`) must find `X` in the function's environment
variables (including SAM `Globals` and serverless `provider.environment`) or among the
variables Lambda itself defines (`AWS_REGION`, `AWS_LAMBDA_FUNCTION_NAME`,
`LAMBDA_TASK_ROOT`, `_HANDLER`, ...). A module shared by several functions is reported once,
naming the functions that lack the variable.

Quiet on purpose:
- optional reads: `os.environ.get("X")`, `os.getenv("X")`;
- guarded reads: under `if "X" in os.environ`, next to an optional read of the same name, or
  in a `try` that catches `KeyError`;
- a function whose environment is partly unknown (an intrinsic or variable producing the
  whole map), or that uses `AWS_LAMBDA_EXEC_WRAPPER`;
- code that sets the variable itself (`os.environ["X"] = ...`, `setdefault`, `load_dotenv`);
- code under `if __name__ == "__main__":`.

## Why it matters
`os.environ["X"]` raises `KeyError` when `X` is unset. At module level that fails the cold
start (`Runtime.ImportModuleError`, every invocation); inside the handler it fails the
invocations that reach it. Local tests usually pass because the developer's shell or a
`.env` file has the variable: the template is where it is missing.

## How to fix
Add the variable to the function's `Environment.Variables` (or `Globals`, or
`provider.environment`), or read it with `os.environ.get("X", default)` when it is optional.
"""
    references = ("https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html",)
    invalid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: app.handler\n      Environment:\n"
                "        Variables:\n          TABLE: orders\n",
                "src/app.py": "import os\n\nTABLE_NAME = os.environ['TABLE_NAME']\n\n"
                "def handler(event, context):\n    return TABLE_NAME\n",
            },
            note="the template sets TABLE, the code reads TABLE_NAME",
        ),
    )
    valid = (
        Example(
            {
                "template.yaml": "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n"
                "    Environment:\n      Variables:\n        TABLE_NAME: orders\nResources:\n  Orders:\n"
                "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
                "      Runtime: python3.12\n      Handler: app.handler\n",
                "src/app.py": "import os\n\nTABLE_NAME = os.environ['TABLE_NAME']\nREGION = os.environ['AWS_REGION']\n"
                "DEBUG = os.environ.get('DEBUG')\n\ndef handler(event, context):\n    return TABLE_NAME\n",
            },
            note="set in Globals; AWS_REGION is set by Lambda; DEBUG is optional",
        ),
    )

    def check(self, project: Project, facts: dict[str, Any]) -> Iterator[Finding]:
        facts_of = facts_getter(facts)
        # (file, line, col, name) -> functions that reach the read and lack the variable
        missing: dict[tuple[Path, int, int, str], list[Function]] = {}
        for fn, scopes, _ in reached(project, facts):
            if fn.environment_unknown or any(w in fn.environment for w in WRAPPER_VARS):
                continue
            file_facts = [(path, facts_of(path), wanted) for path, wanted in scopes.items()]
            if any(f is not None and f.sets_dynamic for _, f, _ in file_facts):
                continue
            self_set = set().union(*(f.sets for _, f, _ in file_facts if f is not None))
            for path, f, wanted in file_facts:
                if f is None:
                    continue
                for read in f.reads:
                    if read.optional or read.guarded or read.scope not in wanted:
                        continue
                    name = read.name
                    if name in fn.environment or name in LAMBDA_DEFINED or name in self_set:
                        continue
                    fns = missing.setdefault((path, read.line, read.col, name), [])
                    if fn not in fns:
                        fns.append(fn)
        for (path, line, col, name), fns in sorted(missing.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2])):
            yield self.finding(project, path, line, col, name, fns)

    def finding(self, project: Project, path: Path, line: int, col: int, name: str, fns: list[Function]) -> Finding:
        templates = sorted({rel(fn.template, project.root) for fn in fns})
        ids = ", ".join(fn.id for fn in fns)
        who = f"function {ids}" if len(fns) == 1 else f"functions {ids}"
        verb = "does" if len(fns) == 1 else "do"
        message = (
            f"`os.environ['{name}']` raises KeyError: {who} ({', '.join(templates)}) {verb} not set {name}; "
            f"add it to the function's environment variables, or use `os.environ.get('{name}')` if it is optional"
        )
        return Finding(
            rule_id=self.id,
            message=message,
            location=Location(path, line, col),
            severity=self.severity,
            logical=f"{name}",
            related=[(fn.loc, f"{fn.id} is defined here without {name}") for fn in fns],
        )
