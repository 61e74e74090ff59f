"""Context decisions (docs/protocol.md §5.5): a child context, a batch branch or a batch
container. A finished context answers from the log; a large result is rebuilt by running
the body again against the log (ReplayChildren); otherwise the body runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, final

from attrs import define
from returns.result import Failure, Result, Success

from lambda_durable.decisions.step import AWAITABLE_IN_SYNC, awaited_in_sync
from lambda_durable.decisions.verdict import Replayed, Send, Verdict
from lambda_durable.errors import ChildContextFailed, DurableError, SerdesFailed, error_object_from_exception
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Slot
from lambda_durable.wire import ContextOptions, ErrorObject, OperationAction, OperationStatus

REPLAY_CHILDREN_THRESHOLD = 262_144
"""Results longer than this (characters) are rebuilt by re-running the children on replay."""


@final
class Rebuild:
    """The context succeeded with a result too large to store: run its body again, every
    operation inside answering from the log, to get the value back."""

    __slots__ = ()


REBUILD: Final = Rebuild()


@define(weakref_slot=False)
class RunBody:
    """Run the body (first run, or resumed after a suspension), after checkpointing
    ``start`` if the context is new."""

    start: Send | None


ContextPlan = Replayed | Rebuild | RunBody


def plan_context(
    slot: Slot, codec: Codec[Any], failed: Callable[[ErrorObject], DurableError]
) -> ContextPlan:
    """What a context call does; ``failed`` makes the error a finished failed context
    replays as (``ChildContextFailed``, ``BatchFailed``)."""
    existing = slot.existing
    if existing is None:
        return RunBody(Send(slot.update(OperationAction.START), False))
    details = existing.context_details
    if existing.status is OperationStatus.SUCCEEDED:
        if details and details.replay_children:
            return REBUILD
        return Replayed(codec.decode(details.result if details else None))
    if existing.status.is_terminal:
        return Replayed(Failure(failed(details.error if details and details.error else ErrorObject())))
    return RunBody(None)


def settle_context(slot: Slot, outcome: Result[Any, DurableError], codec: Codec[Any]) -> Verdict:
    """A finished body: SUCCEED with its payload (empty when too large, the children
    rebuild it), or FAIL with its error. Deferred: nothing waits on the answer, and if the
    invocation dies first the replay runs the body again from its own checkpoints."""
    match outcome:
        case Success(value):
            pass
        case Failure(error):
            fail = slot.update(OperationAction.FAIL, error=error.error)
            return Verdict(Send(fail, False), Failure(ChildContextFailed(error.error)))
    try:  # not ``codec.encode``: no container on the hot path, the serdes may raise anything
        payload = codec.serdes.serialize(value)
    except Exception as exc:
        return Verdict(None, Failure(SerdesFailed(error_object_from_exception(exc))))
    large = len(payload) > REPLAY_CHILDREN_THRESHOLD
    succeed = slot.update(OperationAction.SUCCEED, "" if large else payload, context_options=context_options(large))
    return Verdict(Send(succeed, False), codec.replayed(value, payload))


def context_options(replay_children: bool) -> ContextOptions:
    """The options of a CONTEXT's SUCCEED: one shared instance each (they are frozen)."""
    return _REPLAY_CHILDREN if replay_children else _KEEP_RESULT


_REPLAY_CHILDREN = ContextOptions(replay_children=True)
_KEEP_RESULT = ContextOptions(replay_children=False)


def read_back(codec: Codec[Any], outcome: Result[Any, DurableError]) -> Result[Any, DurableError]:
    """A body's value as a replay reads it back (written and read with ``codec``)."""
    return outcome.bind(codec.encode).bind(codec.decode)


def body_result(out: object) -> Result[Any, DurableError]:
    """What a context body's return value means: its ``Success``, a ``DurableError``
    failure as is, any other failure as ``ChildContextFailed``; a plain value succeeds."""
    match out:
        case Success():
            return out
        case Failure(DurableError() as error):
            return Failure(error)
        case Failure(other):
            return Failure(ChildContextFailed.of(type(other).__name__, str(other)))
    if awaited_in_sync(out):  # an async body given to the sync API
        return Failure(ChildContextFailed.of("TypeError", str(AWAITABLE_IN_SYNC)))
    return Success(out)
