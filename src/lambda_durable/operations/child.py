"""Child context: a named group of operations with its own id space and one result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from returns.result import Failure, Result, Success

from lambda_durable.config import ChildConfig
from lambda_durable.errors import (
    ChildContextFailed,
    DurableError,
    NonDeterministicExecution,
    SerdesFailed,
    error_object_from_exception,
)
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.wire import (
    ContextOptions,
    ErrorObject,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
)

C = TypeVar("C")

REPLAY_CHILDREN_THRESHOLD = 262_144
"""Results longer than this (characters) are rebuilt by re-running the children on replay."""

_RUN_IN_CHILD_CONTEXT = OperationSubType.RUN_IN_CHILD_CONTEXT.value
"""Read once, like the step's subtype: ``.value`` is a descriptor call on every access."""


def run_child(
    scope: Scope,
    fn: Callable[[C], object],
    name: str | None,
    config: ChildConfig[Any] | None,
    make_context: Callable[[Scope], C],
) -> Result[Any, DurableError]:
    """PROTOCOL.md §5.5: run ``fn`` in a child context unless its result is in the log."""
    sub_type = (config.sub_type if config else None) or _RUN_IN_CHILD_CONTEXT
    codec: Codec[Any] = Codec(config.serdes) if config and config.serdes else scope.state.default_codec
    slot = scope.take(OperationType.CONTEXT, sub_type, name)
    if isinstance(slot, NonDeterministicExecution):
        return Failure(slot)
    return run_in_slot(scope, slot, fn, codec, make_context)


def run_in_slot(
    scope: Scope,
    slot: Slot,
    fn: Callable[[C], object],
    codec: Codec[Any],
    make_context: Callable[[Scope], C],
) -> Result[Any, DurableError]:
    """A child context at an id already claimed (by ``run_child`` or by a batch branch).

    The body's own ``Success`` is passed on and the payload stays a plain value: a map
    runs this once per item, and containers are what a child costs most."""
    existing = slot.existing
    details = existing.context_details if existing else None
    if existing is not None and existing.status is OperationStatus.SUCCEEDED:
        if not (details and details.replay_children):
            return codec.decode(details.result if details else None)
        child_scope = scope.child(slot.op_id)
        child_scope.replaying = True
        return _read_back(codec, _body(fn, make_context(child_scope))).alt(ChildContextFailed.from_child)
    if existing is not None and existing.status.is_terminal:
        error = details.error if details and details.error else ErrorObject()
        return Failure(ChildContextFailed(error))
    checkpointer = scope.state.checkpointer
    if existing is None:
        checkpointer.defer(slot.update(OperationAction.START))
    outcome = _body(fn, make_context(scope.child(slot.op_id)))
    if not isinstance(outcome, Success):
        error_object = outcome.failure().error
        checkpointer.defer(slot.update(OperationAction.FAIL, error=error_object))
        return Failure(ChildContextFailed(error_object))
    value = outcome.unwrap()
    payload = codec.text(value)
    if isinstance(payload, SerdesFailed):
        return Failure(payload)
    large = len(payload) > REPLAY_CHILDREN_THRESHOLD
    # Deferred like a step's result: nothing waits on the answer, and if the invocation
    # dies first the replay simply runs the body again from its own checkpoints.
    checkpointer.defer(
        slot.update(OperationAction.SUCCEED, "" if large else payload, context_options=context_options(large))
    )
    return codec.replayed(value, payload)


def context_options(replay_children: bool) -> ContextOptions:
    """The options of a CONTEXT's SUCCEED: one shared instance each (they are frozen)."""
    return _REPLAY_CHILDREN if replay_children else _KEEP_RESULT


_REPLAY_CHILDREN = ContextOptions(replay_children=True)
_KEEP_RESULT = ContextOptions(replay_children=False)


def run_virtual(
    scope: Scope, fn: Callable[[C], object], codec: Codec[Any], make_context: Callable[[Scope], C]
) -> Result[Any, DurableError]:
    """A child context that records no operation of its own (FLAT batch branches): its
    operations carry the caller's parent id, and replay re-runs the body."""
    return _read_back(codec, _body(fn, make_context(scope)))


def _read_back(codec: Codec[Any], outcome: Result[Any, DurableError]) -> Result[Any, DurableError]:
    """A body's value as a replay reads it back (written and read with ``codec``)."""
    if not isinstance(outcome, Success):
        return outcome
    payload = codec.text(outcome.unwrap())
    if isinstance(payload, SerdesFailed):
        return Failure(payload)
    return codec.decode(payload)


def _body(fn: Callable[[C], object], ctx: C) -> Result[Any, DurableError]:
    """Run the body; a raised exception counts as the child's failure."""
    try:
        out = fn(ctx)
    except Exception as exc:
        return Failure(ChildContextFailed(error_object_from_exception(exc)))
    if isinstance(out, Success):
        return out
    if isinstance(out, Result):
        failure = out.failure()
        if isinstance(failure, DurableError):
            return Failure(failure)
        return Failure(ChildContextFailed.of(type(failure).__name__, str(failure)))
    return Success(out)
