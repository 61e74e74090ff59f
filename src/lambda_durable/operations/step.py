"""Step: run a body once per attempt, checkpoint its outcome, replay it forever after."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from attrs import frozen
from returns.io import IO, IOResult
from returns.pipeline import is_successful
from returns.result import Failure, Result
from returns.unsafe import unsafe_perform_io

from lambda_durable.config import (
    RetryDecision,
    RetryStrategy,
    StepConfig,
    StepSemantics,
)
from lambda_durable.errors import (
    DurableError,
    NonDeterministicExecution,
    SerdesFailed,
    StepFailed,
    error_object_from_exception,
)
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.logger import Logger, LogInfo, ReplayAwareLogger
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import Suspend
from lambda_durable.wire import (
    ErrorObject,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    StepOptions,
)

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")

_STEP = OperationSubType.STEP.value
"""Read once: an enum member's ``.value`` goes through a descriptor on every access."""


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


def run_step(
    scope: Scope, fn: StepFn[Any], name: str | None, config: StepConfig[Any] | None
) -> Result[Any, DurableError]:
    """The step operation (PROTOCOL.md §5.1), with replay and non-determinism checks.

    Internally plain values: the one ``Result`` a step builds is the one it returns."""
    slot = scope.take(OperationType.STEP, _STEP, name)
    if isinstance(slot, NonDeterministicExecution):
        return Failure(slot)
    return _run(scope, slot, fn, config)


def _run(
    scope: Scope, slot: Slot, fn: StepFn[Any], config: StepConfig[Any] | None
) -> Result[Any, DurableError]:
    codec: Codec[Any] = Codec(config.serdes) if config and config.serdes else scope.state.default_codec
    semantics = config.semantics if config else StepSemantics.AT_LEAST_ONCE_PER_RETRY
    existing = slot.existing
    attempts_made = 0
    if existing is not None:
        details = existing.step_details
        attempts_made = details.attempt or 0 if details else 0
        match existing.status:
            case OperationStatus.SUCCEEDED:
                return codec.decode(details.result if details else None)
            case OperationStatus.FAILED:
                return Failure(StepFailed(details.error if details and details.error else ErrorObject()))
            case OperationStatus.PENDING:
                raise Suspend()
            case OperationStatus.STARTED if semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY:
                interrupted = StepInterruptedError(
                    f"Step operation_id={slot.op_id} name={slot.name} was previously interrupted"
                )
                return _failed_attempt(scope, slot, interrupted, attempts_made + 1, config, sync=True)
            case OperationStatus.STARTED:
                return _attempt(scope, slot, fn, codec, attempts_made + 1, config, semantics)
            case _:
                pass
    start = slot.update(OperationAction.START)
    if semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY:
        scope.state.checkpointer.send(start)
    else:
        scope.state.checkpointer.defer(start)
    return _attempt(scope, slot, fn, codec, attempts_made + 1, config, semantics)


def _attempt(
    scope: Scope,
    slot: Slot,
    fn: StepFn[Any],
    codec: Codec[Any],
    attempt: int,
    config: StepConfig[Any] | None,
    semantics: StepSemantics,
) -> Result[Any, DurableError]:
    state = scope.state
    state.checkpointer.before_user_code()
    logger = ReplayAwareLogger(
        state.base_logger,
        lambda: LogInfo(
            execution_arn=state.arn,
            operation_id=slot.op_id,
            parent_id=slot.parent_id,
            operation_name=slot.name,
            attempt=attempt,
        ),
    )
    try:
        value = fn(StepContext(attempt, slot.op_id, logger))  # positional: cheaper for attrs
        if type(value) not in _PLAIN and isinstance(value, (IOResult, IO, Result)):
            value = _opened(value)
    except _BodyFailure as failed:
        return _failed_attempt(scope, slot, failed.error, attempt, config, sync=True)
    except Exception as exc:  # a body may raise anything: a failed attempt
        return _failed_attempt(scope, slot, exc, attempt, config, sync=True)
    payload = codec.text(value)
    if isinstance(payload, SerdesFailed):
        return Failure(payload)
    succeed = slot.update(OperationAction.SUCCEED, payload)
    if semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY:
        state.checkpointer.send(succeed)
    else:
        state.checkpointer.defer(succeed)
    return codec.replayed(value, payload)


def _failed_attempt(
    scope: Scope,
    slot: Slot,
    error: Exception,
    attempt: int,
    config: StepConfig[Any] | None,
    *,
    sync: bool,
) -> Result[Any, DurableError]:
    error_object = error_object_from_exception(error)
    strategy = config.retry_strategy if config and config.retry_strategy else RetryStrategy.default()
    try:
        decision = strategy(error, attempt)
    except Exception as exc:  # a user strategy that raises ends the step, not the process
        decision = RetryDecision.stop()
        error_object = error_object_from_exception(exc)
    checkpointer = scope.state.checkpointer
    if decision.should_retry:
        delay = max(1, decision.delay.total_seconds)
        checkpointer.send(
            slot.update(OperationAction.RETRY,
                error=error_object,
                step_options=StepOptions(next_attempt_delay_seconds=delay),
            )
        )
        raise Suspend()
    fail = slot.update(OperationAction.FAIL, error=error_object)
    if sync:
        checkpointer.send(fail)
    else:
        checkpointer.defer(fail)
    return Failure(StepFailed(error_object))


_PLAIN = frozenset({int, str, float, bool, type(None), list, dict})
"""Result types that are surely not containers (the container check goes through three
ABC instance checks, which cost more than a small step body)."""


class _BodyFailure(Exception):
    """Carries the error of a body that returned a failed container."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


def _opened(value: IOResult[Any, Any] | IO[Any] | Result[Any, Any]) -> Any:
    """The value in a container a body returned; a failure in it raises ``_BodyFailure``
    (the error itself keeps the traceback it had, none of ours)."""
    if isinstance(value, IOResult):
        if is_successful(value):
            return unsafe_perform_io(value.unwrap())
        raise _BodyFailure(_exception(unsafe_perform_io(value.failure())))
    if isinstance(value, IO):
        return unsafe_perform_io(value)
    if is_successful(value):
        return value.unwrap()
    raise _BodyFailure(_exception(value.failure()))


def _exception(error: object) -> Exception:
    return error if isinstance(error, Exception) else StepBodyFailed(str(error))
