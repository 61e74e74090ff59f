"""Invoke, synchronous driver: run another durable function and use its result
(docs/protocol.md §5.4). The decisions, the timeout rule among them, live in
``decisions/invoke.py``."""

from __future__ import annotations

from typing import Any, TypeVar

from returns.result import Result, Success

from lambda_durable.config import InvokeConfig
from lambda_durable.decisions.invoke import checked_function_name, invoke_answer, invoke_start, timer_start
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.wire import OperationSubType, OperationType, OperationUpdate

R = TypeVar("R")


def run_invoke(
    scope: Scope,
    function_name: str,
    payload: object,
    result_type: type[R],
    name: str | None,
    config: InvokeConfig[Any, Any] | None,
) -> Result[R, DurableError]:
    """Start the invoke (first run), or replay its outcome; suspends while it runs."""
    state = scope.state
    return (
        checked_function_name(function_name)
        .bind(lambda _: scope.take(OperationType.CHAINED_INVOKE, OperationSubType.CHAINED_INVOKE.value, name))
        .bind(
            lambda slot: invoke_start(slot, function_name, payload, state.converter, config).bind(
                lambda start: _with_timer(scope, slot, start, name, config)
            )
        )
        .bind(
            lambda ids: answer(
                invoke_answer(
                    state.operation(ids[0]),
                    state.operation(ids[1]) if ids[1] is not None else None,
                    function_name,
                    config.timeout.total_seconds if config and config.timeout else 0,
                    result_type,
                    state.converter,
                    config,
                )
            )
        )
    )


def _with_timer(
    scope: Scope, slot: Slot, start: OperationUpdate | None, name: str | None, config: InvokeConfig[Any, Any] | None
) -> Result[tuple[str, str | None], DurableError]:
    """Checkpoint the invoke's START, with its timeout timer's in the same call when there
    is a timeout; the ids of the invoke and of the timer."""
    checkpointer = scope.state.checkpointer
    timeout = config.timeout if config else None
    if timeout is None:
        if start is not None:
            checkpointer.send(start)
        return Success((slot.op_id, None))
    timer_name = f"{name} timeout" if name else "invoke timeout"

    def arm(timer: Slot) -> tuple[str, str | None]:
        if start is not None:
            checkpointer.defer(start)
        timer_update = timer_start(timer, timeout.total_seconds)
        if timer_update is not None:
            checkpointer.defer(timer_update)
        checkpointer.flush()
        return (slot.op_id, timer.op_id)

    return scope.take(OperationType.WAIT, OperationSubType.WAIT.value, timer_name).map(arm)
