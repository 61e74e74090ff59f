"""Wait for condition: poll a check with durable pauses, carrying a state (PROTOCOL.md §5.6).

One STEP operation (SubType ``WaitForCondition``) holds the whole poll: each check is an
attempt; "poll again" is a RETRY that stores the new state as the step's Result, so the
next attempt starts from it; "stop" is a SUCCEED with the final state. A check or a
strategy that raises is a FAIL (no retry of check failures): ``WaitForConditionFailed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from returns.result import Failure, Result

from lambda_durable.config import MAX_WAIT_SECONDS, WaitDecision, WaitForConditionConfig
from lambda_durable.errors import (
    DurableError,
    WaitForConditionFailed,
    error_object_from_exception,
)
from lambda_durable.operations.step import StepContext
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.logger import LogInfo, ReplayAwareLogger
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

CheckFn = Callable[[Any, StepContext], Any]

_RESUMABLE = frozenset({OperationStatus.STARTED, OperationStatus.READY})


def run_wait_for_condition(
    scope: Scope, check: CheckFn, config: WaitForConditionConfig[Any], name: str | None
) -> Result[Any, DurableError]:
    """Run the next check of the poll, or replay the poll's outcome from the log."""
    return scope.begin(OperationType.STEP, OperationSubType.WAIT_FOR_CONDITION.value, name).bind(
        lambda slot: _run(scope, slot, check, config)
    )


def _run(
    scope: Scope, slot: Slot, check: CheckFn, config: WaitForConditionConfig[Any]
) -> Result[Any, DurableError]:
    codec: Codec[Any] = Codec(config.serdes) if config.serdes else scope.state.default_codec
    existing = slot.existing
    details = existing.step_details if existing else None
    if existing is not None:
        match existing.status:
            case OperationStatus.SUCCEEDED:
                return codec.decode(details.result if details else None)
            case OperationStatus.PENDING:
                raise Suspend()
            case status if status.is_terminal:
                return Failure(WaitForConditionFailed(details.error if details and details.error else ErrorObject()))
            case _:
                pass
    if existing is None or existing.status is not OperationStatus.STARTED:
        scope.state.checkpointer.defer(slot.update(OperationAction.START))
    attempt = (details.attempt or 0) + 1 if details else 1
    carried = details.result if details and existing and existing.status in _RESUMABLE else None
    start: Result[Any, DurableError] = (
        codec.decode(carried) if carried else Result.from_value(config.initial_state)
    )
    return start.bind(lambda state: _check(scope, slot, check, config, codec, state, attempt))


def _check(
    scope: Scope,
    slot: Slot,
    check: CheckFn,
    config: WaitForConditionConfig[Any],
    codec: Codec[Any],
    state: Any,
    attempt: int,
) -> Result[Any, DurableError]:
    execution = scope.state
    execution.checkpointer.before_user_code()
    info = LogInfo(
        execution_arn=execution.arn,
        operation_id=slot.op_id,
        parent_id=slot.parent_id,
        operation_name=slot.name,
        attempt=attempt,
    )
    logger = ReplayAwareLogger(execution.base_logger, lambda: info)
    try:
        new_state = check(state, StepContext(attempt=attempt, operation_id=slot.op_id, logger=logger))
        decision = config.wait_strategy(new_state, attempt)
        if not isinstance(decision, WaitDecision):
            raise TypeError(f"a wait strategy must return a WaitDecision, got {decision!r}")
    except Exception as exc:  # a raising check or strategy ends the poll
        error = error_object_from_exception(exc)
        execution.checkpointer.send(slot.update(OperationAction.FAIL, error=error))
        return Failure(WaitForConditionFailed(error))
    return codec.encode(new_state).bind(lambda payload: _decided(scope, slot, codec, payload, decision))


def _decided(
    scope: Scope, slot: Slot, codec: Codec[Any], payload: str, decision: WaitDecision
) -> Result[Any, DurableError]:
    checkpointer = scope.state.checkpointer
    if decision.should_continue:
        delay = min(MAX_WAIT_SECONDS, max(1, decision.delay.total_seconds))
        checkpointer.send(
            slot.update(OperationAction.RETRY,
                payload=payload,
                step_options=StepOptions(next_attempt_delay_seconds=delay),
            )
        )
        raise Suspend()
    checkpointer.send(slot.update(OperationAction.SUCCEED, payload=payload))
    return codec.decode(payload)
