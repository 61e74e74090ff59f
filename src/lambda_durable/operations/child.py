"""Child context, synchronous driver: a named group of operations with its own id space
and one result. The decisions live in ``decisions/context.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from returns.pipeline import is_successful
from returns.result import Failure, Result

from lambda_durable.config import ChildConfig
from lambda_durable.decisions.context import Rebuild, RunBody, body_result, plan_context, read_back, settle_context
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import (
    ChildContextFailed,
    DurableError,
    error_object_from_exception,
)
from lambda_durable.operations.driver import answer, conclude
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.hooks import Hooks
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.wire import OperationSubType, OperationType

C = TypeVar("C")

_RUN_IN_CHILD_CONTEXT = OperationSubType.RUN_IN_CHILD_CONTEXT.value
"""Read once, like the step's subtype: ``.value`` is a descriptor call on every access."""


def run_child(
    scope: Scope,
    fn: Callable[[C], object],
    name: str | None,
    config: ChildConfig[Any] | None,
    make_context: Callable[[Scope], C],
) -> Result[Any, DurableError]:
    """docs/protocol.md §5.5: run ``fn`` in a child context unless its result is in the log."""
    if config is None:  # ``take_child`` and ``child_codec`` written out for the common case
        slot = scope.claim(OperationType.CONTEXT, _RUN_IN_CHILD_CONTEXT, name)
        codec = scope.state.default_codec
    else:
        slot = take_child(scope, name, config)
        codec = child_codec(scope, config)
    if slot.diverged is not None:
        return Failure(slot.diverged)
    return run_in_slot(scope, slot, fn, codec, make_context)


def take_child(scope: Scope, name: str | None, config: ChildConfig[Any] | None) -> Slot:
    """Claim the child context's id, under its configured subtype (``slot.diverged`` says
    when the log holds something else there)."""
    sub_type = (config.sub_type if config else None) or _RUN_IN_CHILD_CONTEXT
    return scope.claim(OperationType.CONTEXT, sub_type, name)


def child_codec(scope: Scope, config: ChildConfig[Any] | None) -> Codec[Any]:
    """How the child's result is stored: its config's serdes, or the handler's default."""
    return Codec(config.serdes) if config and config.serdes else scope.state.default_codec


def run_in_slot(
    scope: Scope,
    slot: Slot,
    fn: Callable[[C], object],
    codec: Codec[Any],
    make_context: Callable[[Scope], C],
) -> Result[Any, DurableError]:
    """A child context at an id already claimed (by ``run_child`` or by a batch branch)."""
    plan = plan_context(slot, codec, ChildContextFailed)
    if isinstance(plan, Replayed):
        return answer(plan.answer)
    state = scope.state
    checkpointer = state.checkpointer
    body = call_body if state.hooks is None else observed_body(state.hooks, slot, plan)
    if isinstance(plan, RunBody):
        start = plan.start  # ``perform`` written out: every child and branch passes here
        if start is not None:
            if start.wait:
                checkpointer.send(start.update)
            else:
                checkpointer.defer(start.update)
        outcome = body(fn, make_context(scope.child(slot.op_id)))
        return conclude(checkpointer, settle_context(slot, outcome, codec))
    rebuilt = body(fn, make_context(scope.child(slot.op_id)))  # the children answer from the log
    return read_back(codec, rebuilt).alt(ChildContextFailed.from_child)


def run_virtual(
    scope: Scope, fn: Callable[[C], object], codec: Codec[Any], make_context: Callable[[Scope], C]
) -> Result[Any, DurableError]:
    """A child context that records no operation of its own (FLAT batch branches): its
    operations carry the caller's parent id, and replay re-runs the body."""
    return read_back(codec, call_body(fn, make_context(scope)))


def observed_body(hooks: Hooks, slot: Slot, plan: RunBody | Rebuild) -> BodyCall:
    """``call_body`` with the plugins' user-function hooks around it."""

    def body(fn: Callable[[Any], object], ctx: Any) -> Result[Any, DurableError]:
        started = hooks.context_started(slot, rebuilding=isinstance(plan, Rebuild))
        outcome = call_body(fn, ctx)
        hooks.function_ended(started, outcome.failure().error if not is_successful(outcome) else None)
        return outcome

    return body


BodyCall = Callable[[Callable[[Any], object], Any], Result[Any, DurableError]]


def call_body(fn: Callable[[C], object], ctx: C) -> Result[Any, DurableError]:
    """Run a context body; a raised exception counts as the context's failure."""
    try:
        out = fn(ctx)
    except Exception as exc:
        return Failure(ChildContextFailed(error_object_from_exception(exc)))
    return body_result(out)
