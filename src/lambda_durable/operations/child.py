"""Child context: a named group of operations with its own id space and one result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from returns.result import Failure, Result, Success

from lambda_durable.config import ChildConfig
from lambda_durable.errors import (
    ChildContextFailed,
    DurableError,
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


def run_child(
    scope: Scope,
    fn: Callable[[C], object],
    name: str | None,
    config: ChildConfig[Any] | None,
    make_context: Callable[[Scope], C],
) -> Result[Any, DurableError]:
    """PROTOCOL.md §5.5: run ``fn`` in a child context unless its result is in the log."""
    sub_type = (config.sub_type if config else None) or OperationSubType.RUN_IN_CHILD_CONTEXT.value
    codec: Codec[Any] = Codec(config.serdes) if config and config.serdes else scope.state.default_codec
    return scope.begin(OperationType.CONTEXT, sub_type, name).bind(
        lambda slot: run_in_slot(scope, slot, fn, codec, make_context)
    )


def run_in_slot(
    scope: Scope,
    slot: Slot,
    fn: Callable[[C], object],
    codec: Codec[Any],
    make_context: Callable[[Scope], C],
) -> Result[Any, DurableError]:
    """A child context at an id already claimed (by ``run_child`` or by a batch branch)."""
    existing = slot.existing
    details = existing.context_details if existing else None
    child_scope = scope.child(slot.op_id)
    if existing is not None and existing.status is OperationStatus.SUCCEEDED:
        if not (details and details.replay_children):
            return codec.decode(details.result if details else None)
        child_scope.replaying = True
        return _body(fn, make_context(child_scope)).bind(
            lambda value: codec.encode(value).bind(codec.decode)
        ).alt(ChildContextFailed.from_child)
    if existing is not None and existing.status.is_terminal:
        error = details.error if details and details.error else ErrorObject()
        return Failure(ChildContextFailed(error))
    if existing is None:
        scope.state.checkpointer.defer(slot.update(OperationAction.START))
    outcome = _body(fn, make_context(child_scope))
    match outcome:
        case Success(value):
            return codec.encode(value).bind(lambda payload: _succeed(scope, slot, codec, value, payload))
        case Failure(error):
            scope.state.checkpointer.defer(slot.update(OperationAction.FAIL, error=error.error))
            return Failure(ChildContextFailed(error.error))
    raise AssertionError("unreachable")  # pragma: no cover


def _succeed(
    scope: Scope, slot: Slot, codec: Codec[Any], value: Any, payload: str
) -> Result[Any, DurableError]:
    large = len(payload) > REPLAY_CHILDREN_THRESHOLD
    # Deferred like a step's result: nothing waits on the answer, and if the invocation
    # dies first the replay simply runs the body again from its own checkpoints.
    scope.state.checkpointer.defer(
        slot.update(
            OperationAction.SUCCEED,
            payload="" if large else payload,
            context_options=ContextOptions(replay_children=large),
        )
    )
    return codec.replayed(value, payload)


def run_virtual(
    scope: Scope, fn: Callable[[C], object], codec: Codec[Any], make_context: Callable[[Scope], C]
) -> Result[Any, DurableError]:
    """A child context that records no operation of its own (FLAT batch branches): its
    operations carry the caller's parent id, and replay re-runs the body."""
    return _body(fn, make_context(scope)).bind(lambda value: codec.encode(value).bind(codec.decode))


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
