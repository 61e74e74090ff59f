"""Invoke, synchronous driver: run another durable function and use its result
(docs/protocol.md §5.4). The decisions, the timeout rule among them, live in
``decisions/invoke.py``."""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

from returns.result import Result, Success

from lambda_durable.config import InvokeConfig
from lambda_durable.decisions.invoke import checked_function_name, invoke_answer, invoke_start, timer_start
from lambda_durable.decisions.verdict import Answer
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationSubType, OperationType, OperationUpdate

R = TypeVar("R")


class Claim(NamedTuple):
    """The ids an invoke took (the invoke's, its timer's when it has a timeout) and the
    STARTs to checkpoint together (none on replay)."""

    op_id: str
    timer_id: str | None
    starts: tuple[OperationUpdate, ...]


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

    def drive(claim: Claim) -> Result[R, DurableError]:
        checkpoint_starts(state.checkpointer, claim)
        return answer(invoke_outcome(state, claim, function_name, result_type, config))

    return claim_invoke(scope, function_name, payload, name, config).bind(drive)


def claim_invoke(
    scope: Scope, function_name: str, payload: object, name: str | None, config: InvokeConfig[Any, Any] | None
) -> Result[Claim, DurableError]:
    """Take the invoke's id (and its timer's), and build what the first run checkpoints."""
    return (
        checked_function_name(function_name)
        .bind(lambda _: scope.take(OperationType.CHAINED_INVOKE, OperationSubType.CHAINED_INVOKE.value, name))
        .bind(
            lambda slot: invoke_start(slot, function_name, payload, scope.state.converter, config).bind(
                lambda start: _with_timer(scope, slot, start, name, config)
            )
        )
    )


def checkpoint_starts(checkpointer: Checkpointer, claim: Claim) -> None:
    """The invoke's START and its timer's, in one checkpoint call."""
    if not claim.starts:
        return
    for update in claim.starts:
        checkpointer.defer(update)
    checkpointer.flush()


def invoke_outcome(
    state: ExecutionState, claim: Claim, function_name: str, result_type: type[R], config: InvokeConfig[Any, Any] | None
) -> Answer:
    """What the log says about the invoke (and its timer) now."""
    return invoke_answer(
        state.operation(claim.op_id),
        state.operation(claim.timer_id) if claim.timer_id is not None else None,
        function_name,
        config.timeout.total_seconds if config and config.timeout else 0,
        result_type,
        state.converter,
        config,
    )


def _with_timer(
    scope: Scope, slot: Slot, start: OperationUpdate | None, name: str | None, config: InvokeConfig[Any, Any] | None
) -> Result[Claim, DurableError]:
    """The invoke's claim, with its timeout timer's id and START when it has a timeout."""
    starts = (start,) if start is not None else ()
    timeout = config.timeout if config else None
    if timeout is None:
        return Success(Claim(slot.op_id, None, starts))
    timer_name = f"{name} timeout" if name else "invoke timeout"

    def arm(timer: Slot) -> Claim:
        timer_update = timer_start(timer, timeout.total_seconds)
        return Claim(slot.op_id, timer.op_id, starts + ((timer_update,) if timer_update is not None else ()))

    return scope.take(OperationType.WAIT, OperationSubType.WAIT.value, timer_name).map(arm)
