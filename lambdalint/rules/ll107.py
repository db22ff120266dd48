"""LL107: the handler swallows every exception."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from lambdalint.code.context import CodeContext, Handler, HandlerLink, string_value
from lambdalint.code.module import PyModule, walk_code
from lambdalint.code.sketch import FunctionNode, Sketch, body_nodes
from lambdalint.code.taint import log_sink
from lambdalint.model import Finding, Severity
from lambdalint.registry import CodeRule, Example, register
from lambdalint.rules.ll102 import count_statements

# triggers whose failures only surface as a failed invocation (retry, DLQ, batch item failure)
ASYNC_KINDS = frozenset(
    {"s3", "sns", "eventbridge", "schedule", "ses", "iot", "cloudwatch_logs", "sqs", "kinesis", "dynamodb", "kafka", "mq"}
)
BROAD = {"Exception", "BaseException"}
EXITS = {"sys.exit", "os._exit", "exit", "quit", "os.abort"}
# calls that neither handle nor report a failure
TRIVIAL_CALLS = {
    "str", "repr", "format", "len", "type", "isinstance", "print", "json.dumps", "dict", "list", "getattr", "hasattr",
    "traceback.format_exc", "traceback.print_exc", "traceback.format_exception", "traceback.print_exception",
    "logging.exception", "logging.error", "logging.warning", "logging.info", "logging.debug", "logging.critical",
    "time.time", "datetime.now", "datetime.datetime.now", "datetime.utcnow", "datetime.datetime.utcnow",
}
TRIVIAL_METHODS = {
    "format", "join", "get", "items", "keys", "values", "lower", "upper", "strip", "add_metric", "put_metric",
    "put_annotation", "put_metadata", "add_metadata", "set_dimensions", "increment", "inc",
}
ERROR_WORDS = ("error", "fail", "exception", "abort", "reject", "denied", "forbidden", "invalid", "bad_request", "internal")


def is_broad(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = [el.value for el in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    for t in types:
        name = t.attr.value if isinstance(t, cst.Attribute) else t.value if isinstance(t, cst.Name) else None
        if name in BROAD:
            return True
    return False


def has_broad_except(mod: PyModule, fn: cst.FunctionDef) -> bool:
    """Whether ``fn``'s own body (where :meth:`SwallowedException.find` looks) has a broad
    ``except`` (a cheap test first)."""
    return any(type(n) is cst.ExceptHandler and is_broad(n) for n in mod.body_nodes(fn))


# ---- the screen: ast counterparts of the tests above that make ``find`` return None

BATCH_KEYS = ("batchItemFailures", "itemIdentifier")


def _ast_is_broad(h: ast.ExceptHandler) -> bool:
    if h.type is None:
        return True
    types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
    return any((t.attr if isinstance(t, ast.Attribute) else t.id if isinstance(t, ast.Name) else None) in BROAD for t in types)


def _plain_literal(sketch: Sketch, node: ast.Constant, value: str) -> bool:
    """Is this string constant one plain literal token (a libcst ``SimpleString``), not
    implicitly concatenated pieces or a piece of an f-string? (The keys have no line break,
    so a plain literal of one is on one line.)"""
    seg = sketch.segment(node)
    if not seg:
        return False
    return seg.lstrip("rRuU") in (f'"{value}"', f"'{value}'", f'"""{value}"""', f"'''{value}'''")


def _reports_batch_failures(sketch: Sketch, nodes: list[ast.AST]) -> bool:
    """``find``'s first test: a ``"batchItemFailures"``/``"itemIdentifier"`` literal in the body."""
    inside_fstrings = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
    return any(
        isinstance(n, ast.Constant) and n.value in BATCH_KEYS and id(n) not in inside_fstrings and _plain_literal(sketch, n, n.value)
        for n in nodes
    )


def _ast_int(value: ast.AST) -> int | None:
    return value.value if isinstance(value, ast.Constant) and type(value.value) is int else None


def _surely_error_return(value: ast.AST | None) -> bool:
    """Does ``_error_return`` surely hold for ``return value``, whatever the mode? (Only its
    mode-independent answers are taken: a statusCode of 400 or more, a helper call...)"""
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return False
    if isinstance(value, ast.Dict):
        keys: dict[str, ast.AST] = {}
        for k, v in zip(value.keys, value.values, strict=True):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                keys[k.value] = v
        if "statusCode" in keys:
            code = _ast_int(keys["statusCode"])
            return code is None or code >= 400
        return False  # (the error words of a dict without statusCode: not worth the trouble)
    if isinstance(value, ast.Call):
        args = [a.value if isinstance(a, ast.Starred) else a for a in value.args] + [k.value for k in value.keywords]
        codes = [i for i in map(_ast_int, args) if i is not None and 100 <= i <= 599]
        # libcst sees fewer int literals (not hex ones...): all of them must be errors
        return not codes or min(codes) >= 400
    if isinstance(value, ast.Constant):
        return False  # literals: true only for some modes and words; not worth the trouble
    return True  # a name or another expression: assumed to carry the error


def _handles(h: ast.ExceptHandler) -> bool:
    """Does ``_outcome`` surely return None for this except block: it raises, assigns a
    fallback value, or returns an error?"""
    for n in body_nodes(h.body):
        if isinstance(n, ast.Raise):
            return True
        if isinstance(n, ast.Assign) and any(isinstance(t, (ast.Name, ast.Subscript, ast.Attribute)) for t in n.targets):
            return True
        if isinstance(n, ast.Return) and _surely_error_return(n.value):
            return True
    return False


def _may_swallow(sketch: Sketch, fn: FunctionNode) -> bool:
    nodes = sketch.body_nodes(fn)
    broad = [n for n in nodes if isinstance(n, ast.ExceptHandler) and _ast_is_broad(n)]
    if not broad or _reports_batch_failures(sketch, nodes):
        return False
    return not all(_handles(h) for h in broad)


@dataclass
class Swallow:
    handler: cst.ExceptHandler
    outcome: str


@register
class SwallowedException(CodeRule):
    id = "LL107"
    name = "swallowed-exception"
    reads = "handlers"
    family = "code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "error-handling")
    needles = ("except",)
    summary = "The handler catches every exception and neither re-raises nor reports the failure."
    doc = """
## What it does
Looks at each handler's own body for a bare `except:` or `except Exception` /
`except BaseException` around the handler's work (a `try` that holds the handler's
`return`, or most of its statements, or most of the loop over the records) whose `except`
body does none of:

- re-raise (`raise`, `raise ... from e`) or exit;
- return an error response (`statusCode` 400 or more, or a response-building helper);
- report batch item failures (`batchItemFailures` / `itemIdentifier`);
- fall back to a value (`result = default`) or call something that may handle the
  failure (marking a job failed, sending to a DLQ...).

For asynchronous and stream/queue triggers (S3, SNS, EventBridge, schedules, SQS, Kinesis,
DynamoDB streams...) logging alone does not count as handling; a handler no template
describes is taken as one of those when it reads `event["Records"]` or an EventBridge
`event["detail-type"]`. For API triggers, and for handlers whose trigger is unknown,
logging the error does count: only a
silent swallow (`pass`, `continue`, a bare `return`) or an explicit success response
(`statusCode` below 400, logged or not) is reported. A
`try` whose failures are collected and raised or returned as `batchItemFailures` later in
the handler is fine. Narrow handlers (`except KeyError:`) are never reported.

## Why it matters
Lambda only knows an invocation failed when the handler raises (or, for partial batches,
returns `batchItemFailures`). A handler that swallows every exception reports success:
asynchronous events are not retried and never reach the DLQ or on-failure destination, SQS
messages and stream records are deleted as processed, and API callers get a success
response for a request that did nothing. The failure is lost, often without a metric or an
alarm ever noticing.

## Example
```python
def lambda_handler(event, context):          # LL107 (SQS trigger)
    for record in event["Records"]:
        try:
            process(record)
        except Exception as exc:
            logger.error("failed: %s", exc)  # message deleted anyway
```
Use instead:
```python
def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            process(record)
        except Exception:
            logger.exception("failed")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
```

## How to fix
Catch only the exceptions you can handle, and let the rest propagate (Lambda logs the
stack trace and retries). For SQS and streams, report partial batch failures
(`ReportBatchItemFailures`, or the Powertools batch utility). For APIs, return a 4xx/5xx
response.
"""
    references = (
        "https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
    )
    invalid = (
        Example.code(
            "import logging\n\nlogger = logging.getLogger()\n\ndef lambda_handler(event, context):\n"
            "    try:\n        item = save(event)\n        return {'statusCode': 200, 'body': item}\n"
            "    except Exception:\n        pass\n\ndef save(event):\n    return 'ok'\n"
        ),
        Example(
            {
                "template.yaml": (
                    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Worker:\n    Type: AWS::Serverless::Function\n"
                    "    Properties:\n      Runtime: python3.12\n      CodeUri: .\n      Handler: app.handler\n"
                    "      Events:\n        Queue:\n          Type: SQS\n          Properties:\n"
                    "            Queue: !GetAtt Jobs.Arn\n  Jobs:\n    Type: AWS::SQS::Queue\n"
                ),
                "app.py": (
                    "import logging\n\nlogger = logging.getLogger()\n\ndef handler(event, context):\n"
                    "    for record in event['Records']:\n        try:\n            process(record)\n"
                    "        except Exception as exc:\n            logger.error('failed: %s', exc)\n\n"
                    "def process(record):\n    pass\n"
                ),
            },
            note="an SQS consumer that only logs: the message is deleted and lost",
        ),
    )
    valid = (
        Example.code(
            "import json\nimport logging\n\nlogger = logging.getLogger()\n\ndef lambda_handler(event, context):\n"
            "    try:\n        return {'statusCode': 200, 'body': json.dumps(handle(event))}\n"
            "    except Exception:\n        logger.exception('request failed')\n"
            "        return {'statusCode': 500, 'body': json.dumps({'message': 'internal error'})}\n\n"
            "def handle(event):\n    return {}\n",
            note="an error response",
        ),
        Example.code(
            "def handler(event, context):\n    failures = []\n    for record in event['Records']:\n        try:\n"
            "            process(record)\n        except Exception:\n"
            "            failures.append({'itemIdentifier': record['messageId']})\n"
            "    return {'batchItemFailures': failures}\n\ndef process(record):\n    pass\n",
            note="partial batch failure reporting",
        ),
        Example.code(
            "import json\n\ndef handler(event, context):\n    try:\n        body = json.loads(event['body'])\n"
            "    except Exception:\n        body = {}\n    return {'statusCode': 200, 'body': json.dumps(body)}\n",
            note="a local fallback value, not the handler's work",
        ),
    )

    def screen(self, sketch: Sketch, handlers: Sequence[HandlerLink]) -> bool:
        # ``find`` needs, in the handler's own body, a broad except and no batchItemFailures /
        # itemIdentifier literal, and ``_outcome`` returns None for an except block that holds
        # a raise, a simple assignment or a return that ``_error_return`` accepts
        for link in handlers:
            fn = sketch.functions.get(link.name)
            if fn is None or _may_swallow(sketch, fn):
                return True
        return False

    def check(self, ctx: CodeContext) -> Iterator[Finding]:
        for handler in ctx.handlers:
            if not has_broad_except(ctx.mod, handler.node):
                continue
            kinds = set(handler.link.event_kinds)
            mode = "async" if kinds & ASYNC_KINDS else "sync" if kinds else self.infer(handler)
            swallow = self.find(ctx.mod, handler, mode)
            if swallow is None:
                continue
            line = ctx.mod.position(swallow.handler).start.line
            clause = "except:" if swallow.handler.type is None else f"except {ctx.mod.module.code_for_node(swallow.handler.type)}"
            if mode == "async":
                kind = ", ".join(sorted(kinds & ASYNC_KINDS)) or "queue/stream/notification"
                impact = (
                    f"the invocation still succeeds, so the {kind} event is not retried, never reaches a DLQ or "
                    "on-failure destination, and queue/stream records are deleted: the failure is lost"
                )
                fix = "re-raise, or report batchItemFailures for the failed records"
            elif mode == "sync":
                impact = "the caller gets a success response for a request that failed"
                fix = "re-raise or return an error response (statusCode 4xx/5xx)"
            else:
                impact = "the invocation reports success and the error is lost"
                fix = "re-raise, or at least log it and return an error"
            yield ctx.finding(
                handler.node,
                f"handler `{handler.name}` catches every exception (`{clause}` on line {line}) and {swallow.outcome}: "
                f"{impact}; {fix}",
                logical=handler.name,
            )

    @staticmethod
    def infer(handler: Handler) -> str:
        """The trigger of a handler no template describes: one that reads ``event["Records"]``
        (SQS, SNS, S3, Kinesis, DynamoDB streams) or an EventBridge ``detail-type`` is
        asynchronous; anything else stays unknown."""
        params = [p.name.value for p in handler.node.params.params]
        if not params:
            return "unknown"
        event = params[0]
        for n in walk_code(handler.node.body, skip_nested=True):
            key: cst.BaseExpression | None = None
            if isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name) and n.value.value == event:
                if len(n.slice) == 1 and isinstance(n.slice[0].slice, cst.Index):
                    key = n.slice[0].slice.value
            elif isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "get":
                if isinstance(n.func.value, cst.Name) and n.func.value.value == event and n.args:
                    key = n.args[0].value
            if key is not None and string_value(key) in ("Records", "detail-type"):
                return "async"
        return "unknown"

    def find(self, mod: PyModule, handler: Handler, mode: str) -> Swallow | None:
        fn = handler.node
        total = count_statements(fn.body)
        nodes = list(walk_code(fn.body, skip_nested=True))
        if any(isinstance(n, cst.SimpleString) and (string_value(n) or "") in ("batchItemFailures", "itemIdentifier") for n in nodes):
            return None  # failures are reported per record somewhere in the handler
        per_record = self._record_loops(fn, nodes)
        for loop, tries in self._tries(fn.body):
            for t in tries:
                if not self._covers(t, loop, total, loop is not None and id(loop) in per_record):
                    continue
                later_raise = self._raises_after(fn, t)
                for h in t.handlers:
                    if not isinstance(h, cst.ExceptHandler) or not is_broad(h):
                        continue
                    outcome = self._outcome(mod, fn, h, mode)
                    if outcome is not None and not later_raise:
                        return Swallow(h, outcome)
        return None

    @staticmethod
    def _tries(body: cst.BaseSuite) -> Iterator[tuple[cst.CSTNode | None, list[cst.Try]]]:
        """Each ``try`` with its innermost enclosing loop (None at handler level)."""
        loop_of: dict[int, cst.CSTNode] = {}
        tries: list[cst.Try] = []
        for node in walk_code(body, skip_nested=True):
            if isinstance(node, cst.Try):
                tries.append(node)
            elif isinstance(node, (cst.For, cst.While)):
                # pre-order: an inner loop comes after its outer loop and overrides it
                for inner in walk_code(node.body, skip_nested=True):
                    if isinstance(inner, cst.Try):
                        loop_of[id(inner)] = node
        return iter([(loop_of.get(id(t)), [t]) for t in tries])

    @staticmethod
    def _record_loops(fn: cst.FunctionDef, nodes: list[cst.CSTNode]) -> set[int]:
        """ids of the ``for`` loops over the event's records (``for r in event["Records"]``,
        or over a name assigned from an expression that reads ``"Records"``)."""

        def reads_records(expr: cst.CSTNode) -> bool:
            return any(isinstance(n, cst.SimpleString) and string_value(n) == "Records" for n in (expr, *walk_code(expr)))

        names = {
            t.target.value
            for n in nodes
            if isinstance(n, cst.Assign) and reads_records(n.value)
            for t in n.targets
            if isinstance(t.target, cst.Name)
        }
        out = set()
        for n in nodes:
            if isinstance(n, cst.For):
                if reads_records(n.iter) or any(isinstance(x, cst.Name) and x.value in names for x in (n.iter, *walk_code(n.iter))):
                    out.add(id(n))
        return out

    @staticmethod
    def _covers(t: cst.Try, loop: cst.CSTNode | None, total: int, per_record: bool = False) -> bool:
        """Does the ``try`` hold the handler's work (not a local parse-or-default)? Yes when it
        holds the handler's ``return``, 40% of its statements, or most of a loop that is
        itself 40% of the handler or goes over the event's records."""
        body = list(walk_code(t.body, skip_nested=True))
        if not any(isinstance(n, cst.Call) for n in body):
            return False
        if any(isinstance(n, cst.Return) for n in body):
            return True
        size = count_statements(t.body) + 1
        if size * 10 >= total * 4:
            return True
        if loop is not None:
            loop_size = count_statements(loop)
            return (per_record or loop_size * 10 >= total * 4) and size * 2 >= loop_size - 1
        return False

    @staticmethod
    def _raises_after(fn: cst.FunctionDef, t: cst.Try) -> bool:
        """A ``raise`` after the ``try`` statement: errors collected, raised at the end."""
        inside = {id(n) for n in walk_code(t)}
        seen = False
        for n in walk_code(fn.body, skip_nested=True):
            if n is t:
                seen = True
            elif seen and id(n) not in inside and isinstance(n, cst.Raise):
                return True
        return False

    def _outcome(self, mod: PyModule, fn: cst.FunctionDef, h: cst.ExceptHandler, mode: str) -> str | None:
        """How the except body ends when it swallows the error (None: it handles it)."""
        nodes = list(walk_code(h.body, skip_nested=True))
        logged = False
        for n in nodes:
            if isinstance(n, cst.Raise):
                return None
            if isinstance(n, cst.Assign) and any(isinstance(t.target, (cst.Name, cst.Subscript, cst.Attribute)) for t in n.targets):
                return None  # a fallback value the rest of the handler uses
            if isinstance(n, cst.Call):
                qual = mod.call_name(n, fn) or ""
                if qual in EXITS:
                    return None
                if log_sink(mod, n, fn) is not None or qual in TRIVIAL_CALLS or qual.startswith(("traceback.", "logging.")):
                    logged = logged or log_sink(mod, n, fn) is not None or qual.startswith("traceback.print")
                    continue
                if "capture_exception" in qual or "capture_message" in qual or "notice_error" in qual:
                    logged = True
                    continue
                if isinstance(n.func, cst.Attribute) and n.func.attr.value in TRIVIAL_METHODS:
                    continue
                if isinstance(n.func, cst.Attribute) and n.func.attr.value == "append":
                    target = (mod.module.code_for_node(n.func.value) or "").lower()
                    if any(w in target for w in ("fail", "error")):
                        return None
                    continue
                if self._inside_return(n, nodes):
                    continue
                return None  # something that may handle the failure (mark failed, send to a DLQ...)
        returns = [n for n in nodes if isinstance(n, cst.Return)]
        for r in returns:
            if self._error_return(r.value, mode):
                return None
        success = any(_success_response(r.value) for r in returns)
        if logged and mode != "async" and not success:
            return None
        how = "only logs it" if logged else "drops it silently"
        if success:
            how += " and returns a success response"
        elif returns and any(r.value is not None and not _is_none(r.value) for r in returns):
            how += " and returns a normal result"
        return how

    @staticmethod
    def _inside_return(call: cst.Call, nodes: list[cst.CSTNode]) -> bool:
        for n in nodes:
            if isinstance(n, cst.Return) and n.value is not None and any(x is call for x in walk_code(n.value)):
                return True
        return False

    def _error_return(self, value: cst.BaseExpression | None, mode: str) -> bool:
        """Does ``return value`` tell the caller the invocation failed?"""
        if value is None or _is_none(value):
            return False
        if isinstance(value, cst.Dict):
            keys = {string_value(el.key): el.value for el in value.elements if isinstance(el, cst.DictElement)}
            if "statusCode" in keys:
                code = _int(keys["statusCode"])
                return code is None or code >= 400
            if mode == "async":
                return False
            return any(k and any(w in k.lower() for w in ("error", "fail", "status", "message", "reason")) for k in keys)
        if isinstance(value, cst.Call):
            ints = [_int(a.value) for a in value.args]
            codes = [i for i in ints if i is not None and 100 <= i <= 599]
            if codes:
                return max(codes) >= 400
            return True  # a helper building the response: trust it
        if isinstance(value, cst.Name) and value.value in ("True",):
            return False
        if isinstance(value, (cst.SimpleString, cst.Integer, cst.Float)) or (isinstance(value, cst.Name) and value.value == "False"):
            if mode == "async":
                return False
            text = (string_value(value) or "").lower() if isinstance(value, cst.SimpleString) else ""
            return any(w in text for w in ERROR_WORDS) or (isinstance(value, cst.Name) and value.value == "False")
        return True  # a variable or expression: cannot tell, assume it carries the error


def _success_response(value: cst.BaseExpression | None) -> bool:
    """``{"statusCode": 200, ...}``: an explicit success for a failed request."""
    if not isinstance(value, cst.Dict):
        return False
    for el in value.elements:
        if isinstance(el, cst.DictElement) and string_value(el.key) == "statusCode":
            code = _int(el.value)
            return code is not None and code < 400
    return False


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _int(value: cst.BaseExpression) -> int | None:
    if isinstance(value, cst.Integer):
        try:
            return int(value.value)
        except ValueError:
            return None
    if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name):
        return None
    return None
