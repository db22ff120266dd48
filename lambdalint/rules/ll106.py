"""LL106: outbound HTTP call without a timeout."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from lambdalint.code.context import CodeContext, HandlerLink, keyword, positional
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import Sketch, dotted
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
REQUESTS_FUNCS = {f"requests.{m}" for m in HTTP_METHODS} | {f"requests.api.{m}" for m in HTTP_METHODS}
HTTPX_FUNCS = {f"httpx.{m}" for m in (*HTTP_METHODS, "stream")}
URLOPEN = {"urllib.request.urlopen", "six.moves.urllib.request.urlopen"}
HTTP_CONNECTIONS = {"http.client.HTTPConnection", "http.client.HTTPSConnection"}
URLLIB3_FUNCS = {"urllib3.request"}
FACTORIES = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "urllib3.PoolManager": "urllib3",
    "urllib3.poolmanager.PoolManager": "urllib3",
    "urllib3.ProxyManager": "urllib3",
}
URLLIB3_METHODS = {"request", "urlopen", "request_encode_url", "request_encode_body"}
CLIENT_METHODS = {"requests": HTTP_METHODS, "httpx": {*HTTP_METHODS, "stream", "send"}, "urllib3": URLLIB3_METHODS}
CONFIG_ATTRS = {"request", "send", "get", "post"}


# node types _clients and _configured look at: libcst has no subclasses of them, so an exact
# type test is equivalent to isinstance (which is slow against libcst's abstract classes)
_BINDING_TYPES: frozenset[type] = frozenset({cst.Assign, cst.AnnAssign, cst.WithItem})
_CONFIG_TYPES: frozenset[type] = frozenset({cst.Call, cst.Assign})


@dataclass(frozen=True)
class Client:
    lib: str  # requests / httpx / urllib3
    timeout: str  # "none": built with timeout=None; "set": a default timeout; "absent"


def _timeout(call: cst.Call, pos: int | None = None) -> str:
    """"set", "none" or "absent" for the call's ``timeout`` argument."""
    arg = keyword(call, "timeout")
    if arg is None and pos is not None:
        arg = positional(call, pos)
    if arg is None:
        return "unknown" if any(a.star == "**" for a in call.args) else "absent"
    if isinstance(arg.value, cst.Name) and arg.value.value == "None":
        return "none"
    return "set"


def _dotted(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


# ---- the screen's ast mirror of the check's helpers

_DIRECT = frozenset(REQUESTS_FUNCS | HTTPX_FUNCS | URLOPEN | URLLIB3_FUNCS | HTTP_CONNECTIONS)
_DIRECT_LAST = frozenset(q.rsplit(".", 1)[-1] for q in _DIRECT)
_ALL_METHODS = frozenset(m for methods in CLIENT_METHODS.values() for m in methods)


def _ast_timeout(call: ast.Call, pos: int | None = None) -> str:
    """``_timeout`` on the ast of the call."""
    arg: ast.expr | None = next((k.value for k in call.keywords if k.arg == "timeout"), None)
    if arg is None and pos is not None:
        args = [a for a in call.args if not isinstance(a, ast.Starred)]
        arg = args[pos] if pos < len(args) else None
    if arg is None:
        return "unknown" if any(k.arg is None for k in call.keywords) else "absent"
    return "none" if isinstance(arg, ast.Constant) and arg.value is None else "set"


def _direct_may_report(call: ast.Call, quals: set[str]) -> bool:
    """Whether ``_problem`` reports the call for one of the names it may resolve to."""
    return bool(
        (quals & REQUESTS_FUNCS and _ast_timeout(call) in ("absent", "none"))
        or (quals & HTTPX_FUNCS and _ast_timeout(call) == "none")
        or (quals & URLOPEN and _ast_timeout(call, pos=2) == "absent")
        or (quals & URLLIB3_FUNCS and _ast_timeout(call) in ("absent", "none"))
        or (quals & HTTP_CONNECTIONS and _ast_timeout(call, pos=2) in ("absent", "none"))
    )


def _ast_clients(sketch: Sketch) -> dict[str, set[tuple[str, str]]]:
    """Every (library, timeout state) any binding in the module may give each dotted name: a
    superset of what ``_clients`` finds in any scope."""
    out: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for name, value, quals in _client_bindings(sketch):
        for qual in quals:
            out[name].add((FACTORIES[qual], _ast_timeout(value)))
    return out


def _client_bindings(sketch: Sketch) -> Iterator[tuple[str, ast.Call, set[str]]]:
    """(dotted name, call, factories it may be) for every assignment or ``with ... as`` in the
    module that binds a name to a call of a client factory."""
    pairs: list[tuple[ast.expr, ast.expr | None]] = []
    for assign in sketch.nodes(ast.Assign):
        pairs.extend((t, assign.value) for t in assign.targets)
    for ann in sketch.nodes(ast.AnnAssign):
        pairs.append((ann.target, ann.value))
    for item in sketch.nodes(ast.withitem):
        if item.optional_vars is not None:
            pairs.append((item.optional_vars, item.context_expr))
    for target, value in pairs:
        if not isinstance(value, ast.Call):
            continue
        name = dotted(target)
        if name is None:
            continue
        quals = sketch.quals(value.func) & FACTORIES.keys()
        if quals:
            yield name, value, quals


def _ast_configured(sketch: Sketch, checked: Callable[[ast.expr | ast.stmt], bool]) -> set[str]:
    """``_configured`` over the nodes ``checked`` keeps (a subset of what the check reads)."""
    out: set[str] = set()
    for call in sketch.nodes(ast.Call):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "mount" and checked(call):
            name = dotted(call.func.value)
            if name:
                out.add(name)
    for assign in sketch.nodes(ast.Assign):
        if not checked(assign):
            continue
        for t in assign.targets:
            if isinstance(t, ast.Attribute) and t.attr in CONFIG_ATTRS:
                name = dotted(t.value)
                if name:
                    out.add(name)
    return out


def _guards(sketch: Sketch) -> list[tuple[int, int]]:
    """Lines of the top-level ``if __name__ ...`` blocks, which check does not read."""
    return [
        (stmt.lineno, stmt.end_lineno or stmt.lineno) for stmt in sketch.tree.body
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name) and stmt.test.left.id == "__name__"
    ]


def _checked_calls(sketch: Sketch, guards: list[tuple[int, int]]) -> list[ast.Call]:
    if not guards:
        return sketch.nodes(ast.Call)
    return [c for c in sketch.nodes(ast.Call) if not any(lo <= c.lineno <= hi for lo, hi in guards)]


def _sets_default_timeout(sketch: Sketch, guards: list[tuple[int, int]]) -> bool:
    """Whether code check reads calls ``socket.setdefaulttimeout(...)``: trusted only when
    spelled so, with ``socket`` bound to nothing else."""
    if "socket" in sketch.imports and sketch.imports["socket"] != {"socket"}:
        return False
    return any(
        isinstance(call.func, ast.Attribute) and call.func.attr == "setdefaulttimeout"
        and isinstance(call.func.value, ast.Name) and call.func.value.id == "socket"
        for call in _checked_calls(sketch, guards)
    )


def _candidates(sketch: Sketch, guards: list[tuple[int, int]]) -> Iterator[ast.Call]:
    """Every call check may report, leaving ``setdefaulttimeout`` aside (a superset).

    Sound: every finding is a call outside the guard blocks that is either a direct HTTP
    function (sketch.quals is a superset of call_name) with a timeout state _problem objects
    to, or a method on a client: a factory call, or a dotted name some assignment / `with ...
    as` anywhere binds to one (a superset of the check's clients: every binding of the name
    counts), with a timeout state one of those bindings lets through. A requests session
    counts as configured only from code outside the guard blocks, which check reads too (a
    subset of its `configured`)."""

    def checked(node: ast.expr | ast.stmt) -> bool:  # in the code check looks at
        return not any(lo <= node.lineno <= hi for lo, hi in guards)

    clients: dict[str, set[tuple[str, str]]] | None = None
    configured: set[str] | None = None
    for call in _checked_calls(sketch, guards):
        func = call.func
        # a name chain resolves to a dotted name only through an import, and ends as written
        if (isinstance(func, ast.Attribute) and func.attr in _DIRECT_LAST) or (isinstance(func, ast.Name) and func.id in sketch.imports):
            quals = sketch.quals(func)
            if quals & _DIRECT and _direct_may_report(call, quals):
                yield call
                continue
        if not isinstance(func, ast.Attribute) or func.attr not in _ALL_METHODS:
            continue
        receiver = func.value
        name = dotted(receiver)
        if isinstance(receiver, ast.Call):
            made = {(FACTORIES[q], _ast_timeout(receiver)) for q in sketch.quals(receiver.func) & FACTORIES.keys()}
        elif name is not None:
            if clients is None:
                clients = _ast_clients(sketch)
            made = clients.get(name, set())
        else:
            continue
        if not made:
            continue
        state = _ast_timeout(call)
        if state in ("set", "unknown"):
            continue
        for lib, made_with in made:
            if func.attr not in CLIENT_METHODS[lib]:
                continue
            if lib == "requests":
                if configured is None:
                    configured = _ast_configured(sketch, checked)
                if name not in configured:
                    yield call
                    break
            elif lib == "urllib3":
                if not (state == "absent" and made_with in ("set", "unknown")):
                    yield call
                    break
            elif state == "none" or made_with == "none":
                yield call
                break


def _is_main_guard(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.If)
        and isinstance(stmt.test, cst.Comparison)
        and isinstance(stmt.test.left, cst.Name)
        and stmt.test.left.value == "__name__"
    )


@register
class HttpWithoutTimeout(CodeRule):
    id = "LL106"
    name = "http-without-timeout"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "cost")
    needles = ("requests", "httpx", "urlopen", "urllib3", "http.client", "HTTPConnection", "HTTPSConnection")
    summary = "Outbound HTTP call without a timeout, so a slow endpoint hangs the function until Lambda kills it."
    doc = """
## What it does
Finds outbound HTTP calls that can wait forever, anywhere in a handler module (module
level, the handler, helpers and methods):

- `requests.get/post/put/patch/delete/head/options/request(...)` without `timeout=` (or
  with `timeout=None`), and the same methods on a `requests.Session()` the module creates
  (unless it mounts an adapter or wraps `request`, the usual ways to give a session a
  default timeout);
- `urllib.request.urlopen(url)` without a timeout;
- `urllib3.PoolManager().request(...)`/`urlopen(...)` and `urllib3.request(...)` without a
  timeout, unless the pool was built with `timeout=`;
- `http.client.HTTPConnection/HTTPSConnection(host)` without a timeout;
- `httpx` calls with `timeout=None` (httpx has a 5 s default, so a bare `httpx.get(url)`
  is fine), and calls on an `httpx.Client(timeout=None)`.

Imports and aliases are followed (`from requests import get`, `import requests as r`). A
module that calls `socket.setdefaulttimeout(...)` is left alone.

## Why it matters
`requests`, `urllib` and `urllib3` have no timeout by default: if the other side accepts
the connection and never answers, the call waits until the Lambda timeout ends the
invocation. You pay for every second of it, the caller gets a timeout instead of an error
it can handle, API Gateway gives up after 29 s anyway, and a queue or stream consumer
retries the whole batch -- one stuck dependency becomes a fleet of functions waiting at
full concurrency.

## Example
```python
import requests

def lambda_handler(event, context):
    r = requests.get("https://api.example.com/rates")      # LL106
    return r.json()
```
Use instead:
```python
def lambda_handler(event, context):
    r = requests.get("https://api.example.com/rates", timeout=(3.05, 10))
    return r.json()
```

## How to fix
Pass `timeout=` on every call (a connect and a read timeout, well below the function's
timeout), or give the client a default: `urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=10))`,
`httpx.Client(timeout=10)`, or a `requests` adapter that sets one. Note that assigning
`session.timeout = 10` does nothing in `requests`.
"""
    references = (
        "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",
        "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html",
    )
    invalid = (
        Example.code(
            "import requests\n\ndef lambda_handler(event, context):\n"
            "    r = requests.get('https://api.example.com/rates')\n    return r.json()\n"
        ),
        Example.code(
            "import urllib3\n\nhttp = urllib3.PoolManager()\n\ndef handler(event, context):\n"
            "    return http.request('GET', event['url']).data\n",
            note="a urllib3 pool built without a default timeout",
        ),
        Example.code(
            "from urllib.request import urlopen\n\ndef handler(event, context):\n"
            "    with urlopen('https://example.com/health') as resp:\n        return resp.status\n",
        ),
    )
    valid = (
        Example.code(
            "import httpx\nimport requests\nimport urllib3\n\nhttp = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=5.0))\n\n"
            "def lambda_handler(event, context):\n"
            "    requests.post('https://api.example.com/orders', json=event, timeout=(3.05, 10))\n"
            "    httpx.get('https://api.example.com/health')\n"
            "    return http.request('GET', 'https://example.com').status\n",
            note="explicit timeouts, httpx's default, a pool with a default timeout",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        guards = _guards(sketch)
        return not _sets_default_timeout(sketch, guards) and any(True for _ in _candidates(sketch, guards))

    def needs(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> list[ast.AST] | None:
        # Sound: check reports only calls _candidates yields. What else it decides them by,
        # beyond module-level code and the call's own function: `setdefaulttimeout` anywhere
        # (in any spelling), the `self.x` clients any binding makes, and the sessions a
        # `mount` or an attribute assignment configures anywhere. All of those are kept.
        out: list[ast.AST] = list(_candidates(sketch, _guards(sketch)))
        for call in sketch.nodes(ast.Call):
            func = call.func
            last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if last in ("setdefaulttimeout", "mount") or "socket.setdefaulttimeout" in sketch.quals(func):
                out.append(call)
        for assign in sketch.nodes(ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr in CONFIG_ATTRS for t in assign.targets):
                out.append(assign)
        out.extend(call for _name, call, _quals in _client_bindings(sketch))
        return out

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        mod = ctx.mod
        body = [s for s in mod.module.body if not _is_main_guard(s)]
        everything = [n for stmt in body for n in (stmt, *walk_code(stmt))]
        if any(isinstance(n, cst.Call) and mod.call_name(n) == "socket.setdefaulttimeout" for n in everything):
            return
        top = [n for stmt in body if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) for n in (stmt, *walk_code(stmt, skip_nested=True))]
        clients = self._clients(mod, None, top)
        # `self.http = requests.Session()` in one method, `self.http.get(...)` in another
        clients.update({k: v for k, v in self._clients(mod, None, everything).items() if k.startswith("self.")})
        configured = self._configured(everything)
        yield from self._calls(ctx, None, iter(top), clients, configured)
        for node in everything:
            if isinstance(node, cst.FunctionDef):
                yield from self._scope(ctx, node, clients, configured)

    def _scope(self, ctx: CodeContext, fn: cst.FunctionDef, outer: dict[str, Client], configured: set[str]) -> Iterator[Finding]:
        nodes = list(walk_code(fn.body, skip_nested=True))
        local = self._clients(ctx.mod, fn, nodes)
        params = {p.name.value for p in fn.params.params}
        clients = {k: v for k, v in outer.items() if k not in params}
        clients.update(local)
        yield from self._calls(ctx, fn, iter(nodes), clients, configured)

    def _clients(self, mod: PyModule, fn: cst.FunctionDef | None, nodes: list[cst.CSTNode]) -> dict[str, Client]:
        """Names (and ``self.x`` attributes) bound to an HTTP client in these nodes."""
        out: dict[str, Client] = {}
        for node in nodes:
            if type(node) not in _BINDING_TYPES:
                continue  # the cheap exact-type test first: most nodes bind nothing
            pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
            if isinstance(node, cst.Assign):
                pairs = [(t.target, node.value) for t in node.targets]
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                pairs = [(node.target, node.value)]
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                pairs = [(node.asname.name, node.item)]
            for target, value in pairs:
                name = _dotted(target)
                if name is None or not isinstance(value, cst.Call):
                    continue
                lib = FACTORIES.get(mod.call_name(value, fn) or "")
                if lib is not None:
                    out[name] = Client(lib, _timeout(value))
        return out

    @staticmethod
    def _configured(nodes: list[cst.CSTNode]) -> set[str]:
        """Sessions given a default some other way: ``s.mount(...)``, ``s.request = partial(...)``."""
        out: set[str] = set()
        for node in nodes:
            if type(node) not in _CONFIG_TYPES:
                continue  # the cheap exact-type test first
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "mount":
                name = _dotted(node.func.value)
                if name:
                    out.add(name)
            elif isinstance(node, cst.Assign):
                for t in node.targets:
                    if isinstance(t.target, cst.Attribute) and t.target.attr.value in CONFIG_ATTRS:
                        name = _dotted(t.target.value)
                        if name:
                            out.add(name)
        return out

    def _calls(
        self, ctx: CodeContext, fn: cst.FunctionDef | None, nodes: Iterator[cst.CSTNode], clients: dict[str, Client], configured: set[str]
    ) -> Iterator[Finding]:
        mod = ctx.mod
        for node in nodes:
            if type(node) is not cst.Call:  # exact type test: fast, and libcst has no subclass of Call
                continue
            assert isinstance(node, cst.Call)
            qual = mod.call_name(node, fn)
            problem = self._problem(node, qual, fn, clients, configured, mod)
            if problem:
                yield ctx.finding(node, problem)

    def _problem(
        self, call: cst.Call, qual: str | None, fn: cst.FunctionDef | None, clients: dict[str, Client], configured: set[str], mod: PyModule
    ) -> str | None:
        forever = "waits forever by default, so a server that never answers holds the invocation until the Lambda timeout"
        if qual in REQUESTS_FUNCS:
            state = _timeout(call)
            if state in ("absent", "none"):
                what = "timeout=None" if state == "none" else "no timeout"
                return f"`{qual}(...)` has {what}: requests {forever}; pass timeout=(connect, read) well below the function timeout"
            return None
        if qual in HTTPX_FUNCS:
            if _timeout(call) == "none":
                return f"`{qual}(...)` with timeout=None can wait forever; keep httpx's 5 s default or pass a timeout below the function timeout"
            return None
        if qual in URLOPEN:
            if _timeout(call, pos=2) == "absent":
                return f"`urlopen(...)` has no timeout: urllib {forever}; pass timeout=..."
            return None
        if qual in URLLIB3_FUNCS:
            if _timeout(call) in ("absent", "none"):
                return f"`urllib3.request(...)` has no timeout: urllib3 {forever}; pass timeout=..."
            return None
        if qual in HTTP_CONNECTIONS:
            if _timeout(call, pos=2) in ("absent", "none"):
                return f"`{qual}(...)` has no timeout: the connection {forever}; pass timeout=..."
            return None
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = func.value
        client: Client | None = None
        name = _dotted(receiver)
        if isinstance(receiver, cst.Call):
            factory = mod.call_name(receiver, fn) or ""
            lib = FACTORIES.get(factory)
            client = Client(lib, _timeout(receiver)) if lib else None
            name = f"{factory}()"
        elif name is not None and name in clients:
            client = clients[name]
        if client is None or method not in CLIENT_METHODS[client.lib]:
            return None
        state = _timeout(call)
        if state == "set" or state == "unknown":
            return None
        shown = name or f"{client.lib} client"
        if client.lib == "requests":
            if name in configured:
                return None
            return f"`{shown}.{method}(...)` on a requests Session has no timeout: requests {forever}; pass timeout=... on each call (a Session has no default timeout)"
        if client.lib == "urllib3":
            if state == "absent" and client.timeout in ("set", "unknown"):
                return None
            return f"`{shown}.{method}(...)` has no timeout and the PoolManager has no default: urllib3 {forever}; build the pool with timeout=urllib3.Timeout(...)"
        # httpx: only an explicit None, on the call or the client, disables its 5 s default
        if state == "none" or client.timeout == "none":
            return f"`{shown}.{method}(...)` runs with timeout=None and can wait forever; give the call or the httpx client a timeout"
        return None
