"""Step decisions (docs/protocol.md §5.1): replay, suspend or run attempt n; then what an
attempt's outcome checkpoints and returns."""

from __future__ import annotations

import inspect
from typing import Any, Protocol, TypeVar

from attrs import define, frozen
from returns.io import IO, IOResult, IOSuccess
from returns.result import Failure, Result, Success
from returns.unsafe import unsafe_perform_io

from lambda_durable.config import RetryDecision, RetryStrategy, StepConfig, StepSemantics
from lambda_durable.decisions.verdict import SUSPENDED, Replayed, Send, Verdict
from lambda_durable.errors import SerdesFailed, StepFailed, error_object_from_exception
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Slot
from lambda_durable.wire import (
    ErrorObject,
    OperationAction,
    OperationStatus,
    StepOptions,
)

T_co = TypeVar("T_co", covariant=True)


@frozen
class StepContext:
    """What a step body receives: its attempt (1-based), its id and a logger."""

    attempt: int
    operation_id: str
    logger: Logger


class StepFn(Protocol[T_co]):
    """A step body: takes the ``StepContext`` and returns the step's output."""

    def __call__(self, ctx: StepContext, /) -> T_co: ...


class StepBodyFailed(Exception):
    """A body returned a ``Failure`` whose value was not an exception."""


class StepInterruptedError(Exception):
    """An at-most-once attempt started but never reported back (the process died)."""


# --- plans ------------------------------------------------------------------------


@define(weakref_slot=False)
class RunAttempt:
    """Run the body as attempt ``number``, after checkpointing ``start`` (if any)."""

    number: int
    start: Send | None


@define(weakref_slot=False)
class FailAttempt:
    """Attempt ``number`` failed without running (an interrupted at-most-once attempt)."""

    number: int
    error: Exception


StepPlan = Replayed | RunAttempt | FailAttempt


def plan_step(slot: Slot, semantics: StepSemantics, codec: Codec[Any]) -> StepPlan:
    """What a step call does, from what the log holds at its id."""
    existing = slot.existing
    at_most_once = semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY
    if existing is None:
        return RunAttempt(1, Send(slot.update(OperationAction.START), at_most_once))
    details = existing.step_details
    made = (details.attempt or 0) if details else 0
    match existing.status:
        case OperationStatus.SUCCEEDED:
            return Replayed(codec.decode(details.result if details else None))
        case OperationStatus.FAILED:
            return Replayed(Failure(StepFailed(details.error if details and details.error else ErrorObject())))
        case OperationStatus.PENDING:
            return Replayed(SUSPENDED)
        case OperationStatus.STARTED if at_most_once:
            interrupted = StepInterruptedError(
                f"Step operation_id={slot.op_id} name={slot.name} was previously interrupted"
            )
            return FailAttempt(made + 1, interrupted)
        case OperationStatus.STARTED:
            return RunAttempt(made + 1, None)
        case _:  # READY: the retry timer fired; the next attempt starts afresh
            return RunAttempt(made + 1, Send(slot.update(OperationAction.START), at_most_once))


# --- what a body's outcome means --------------------------------------------------


@define(weakref_slot=False)
class Returned:
    """The body returned ``value`` (containers already opened)."""

    value: Any


@define(weakref_slot=False)
class Raised:
    """The body raised ``error``, or returned a failed container holding it."""

    error: Exception


BodyOutcome = Returned | Raised

PLAIN = frozenset({int, str, float, bool, type(None), list, dict})
"""Result types that are surely not containers (the container check goes through three
ABC instance checks, which cost more than a small step body): a driver wraps them in
``Returned`` itself."""


def opened(value: object) -> BodyOutcome:
    """What a body's return value means: a plain value, or the content of a ``Result``,
    ``IO`` or ``IOResult`` (a failure in it is a failed attempt, like a raise)."""
    if type(value) in PLAIN:
        return Returned(value)
    if not isinstance(value, (IOResult, IO, Result)):
        return Raised(AWAITABLE_IN_SYNC) if awaited_in_sync(value) else Returned(value)
    if isinstance(value, IO):
        return Returned(unsafe_perform_io(value))
    if isinstance(value, IOResult):
        match value:
            case IOSuccess():
                return Returned(unsafe_perform_io(value.unwrap()))
            case _:
                return Raised(as_exception(unsafe_perform_io(value.failure())))
    match value:
        case Success(inner):
            return Returned(inner)
        case _:
            return Raised(as_exception(value.failure()))


AWAITABLE_IN_SYNC = TypeError(
    "the body returned an awaitable (an async def body?): the sync API cannot await it; "
    "write the handler as async def (AsyncDurableContext) or make the body a plain function"
)


def awaited_in_sync(value: object) -> bool:
    """A coroutine or another awaitable handed to the sync API; a coroutine is closed,
    so no 'never awaited' warning follows."""
    if inspect.iscoroutine(value):
        value.close()
        return True
    return inspect.isawaitable(value)


def as_exception(error: object) -> Exception:
    """A failure value as the exception a failed attempt records."""
    return error if isinstance(error, Exception) else StepBodyFailed(str(error))


def settle_step(
    slot: Slot,
    outcome: BodyOutcome,
    number: int,
    config: StepConfig[Any] | None,
    codec: Codec[Any],
    semantics: StepSemantics,
) -> Verdict:
    """A finished attempt: the update to checkpoint and the step's answer."""
    if isinstance(outcome, Raised):
        return failed_attempt(slot, outcome.error, number, config)
    return settle_value(slot, outcome.value, codec, semantics)


def settle_value(slot: Slot, value: Any, codec: Codec[Any], semantics: StepSemantics) -> Verdict:
    """An attempt that returned ``value`` (its container already opened)."""
    try:  # not ``codec.encode``: no container on the hot path, the serdes may raise anything
        payload = codec.serdes.serialize(value)
    except Exception as exc:
        return Verdict(None, Failure(SerdesFailed(error_object_from_exception(exc))))
    succeed = slot.update(OperationAction.SUCCEED, payload)
    return Verdict(
        Send(succeed, semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY),
        codec.replayed(value, payload),
    )


def failed_attempt(slot: Slot, error: Exception, number: int, config: StepConfig[Any] | None) -> Verdict:
    """Retry later (checkpoint a RETRY and suspend) or fail the step, as the strategy says."""
    error_object = error_object_from_exception(error)
    strategy = config.retry_strategy if config and config.retry_strategy else RetryStrategy.default()
    decision, error_object = retry_decision(strategy, error, number, error_object)
    if decision.should_retry:
        options = StepOptions(next_attempt_delay_seconds=max(1, decision.delay.total_seconds))
        retry = slot.update(OperationAction.RETRY, error=error_object, step_options=options)
        return Verdict(Send(retry, True), SUSPENDED)
    fail = slot.update(OperationAction.FAIL, error=error_object)
    return Verdict(Send(fail, True), Failure(StepFailed(error_object)))


def retry_decision(
    strategy: Any, error: Exception, number: int, error_object: ErrorObject
) -> tuple[RetryDecision, ErrorObject]:
    """Ask a user strategy; one that raises stops the step with its own error (it is
    user code: it ends the step, never the process)."""
    try:
        return strategy(error, number), error_object
    except Exception as exc:
        return RetryDecision.stop(), error_object_from_exception(exc)
