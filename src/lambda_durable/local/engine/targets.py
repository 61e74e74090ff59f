"""Chained-invoke targets (docs/protocol.md §8.4): naming them and remembering each invoke.

``ChainedInvokeOptions.FunctionName`` may be a name, ``name:qualifier``, a partial ARN
(``123456789012:function:name``) or a full ARN with or without qualifier; all resolve to
the registered function ``name``. A durable target runs as a child durable execution;
a plain one is called once. ``ChainedRecord`` remembers which invoke waits on what.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from attrs import frozen

from lambda_durable.local.engine.tokens import execution_arn

_QUALIFIER = r"(?::[a-zA-Z0-9$_-]+)?"
"""A version or alias (the service model's pattern): an execution ARN is not a function."""
_ARN = re.compile(r"^(?:arn:[^:]+:lambda:[^:]+:)?(?:\d{12}:)?function:(?P<name>[a-zA-Z0-9_-]+)" + _QUALIFIER + "$")
_NAME = re.compile(r"^(?P<name>[a-zA-Z0-9_-]+)" + _QUALIFIER + "$")


@frozen
class Target:
    """A registered function an invoke can reach."""

    name: str
    durable: bool
    execution_timeout: int | None = None


Resolver = Callable[[str], Target | None]


def function_name_of(reference: str) -> str | None:
    """The bare function name in a name / partial ARN / full ARN (qualifier dropped)."""
    match = _ARN.match(reference) or _NAME.match(reference)
    return match.group("name") if match else None


def synthetic_arn(function_name: str) -> str:
    """A durable-execution-shaped ARN for a target that is not a durable execution."""
    safe = function_name_of(function_name) or "unknown"
    safe = re.sub(r"[^a-zA-Z0-9_-]", "-", safe)[:64] or "unknown"
    invocation_id = str(uuid.uuid4())
    return execution_arn(safe, invocation_id, invocation_id)


@frozen
class ChainedRecord:
    """One CHAINED_INVOKE: the parent op, the resolved target and its (child) ARN."""

    arn: str
    op_id: str
    function_name: str
    child_arn: str
    durable: bool
    payload: str | None = None
