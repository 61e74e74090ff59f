"""Step, asynchronous driver: the same decisions as ``operations.step``; the body may be
``async def`` and is awaited. The id is taken, and the log read, when the step is called."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from returns.result import Failure, Result

from lambda_durable.aio.driver import Tasks, before_body, conclude, perform, queued_at_once, settled, uncancel
from lambda_durable.config import StepConfig, StepSemantics
from lambda_durable.decisions.step import (
    PLAIN,
    FailAttempt,
    Raised,
    RunAttempt,
    StepContext,
    failed_attempt,
    opened,
    settle_step,
    settle_value,
)
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer
from lambda_durable.operations.step import prepare_step, step_context
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationSubType, OperationType

AsyncStepFn = Callable[[StepContext], object]
"""A step body: plain or ``async def``; it may return a value, a ``Result``, an ``IO``, an
``IOResult`` or a ``FutureResult`` (or a coroutine of any of them)."""

_STEP = OperationSubType.STEP.value


class StepCancelled(Exception):
    """The task running a step body was cancelled (``Task.cancel``, a timeout around it):
    the attempt failed, and the step's retry strategy decides what comes next."""


def start_step(
    scope: Scope, tasks: Tasks, fn: AsyncStepFn, name: str | None, config: StepConfig[Any] | None, logger: Logger
) -> Awaitable[Result[Any, DurableError]]:
    """Take the step's id now; replay it at once or start its attempt. The body's
    ``StepContext.logger`` writes through ``logger`` (its context's)."""
    slot = scope.claim(OperationType.STEP, _STEP, name)
    if slot.diverged is not None:
        return tasks.ready(Failure(slot.diverged))
    state = scope.state
    codec, semantics, plan = prepare_step(state, slot, config)
    if isinstance(plan, Replayed):
        return tasks.ready(plan.answer)
    return tasks.start(_attempt(state, tasks, slot, plan, fn, config, codec, semantics, logger))


async def _attempt(
    state: ExecutionState,
    tasks: Tasks,
    slot: Slot,
    plan: RunAttempt | FailAttempt,
    fn: AsyncStepFn,
    config: StepConfig[Any] | None,
    codec: Codec[Any],
    semantics: StepSemantics,
    logger: Logger,
) -> Result[Any, DurableError]:
    """One attempt. Every step passes here, so what needs no await (an update queued at
    once, no call due before the body, a plain value) is done without one."""
    checkpointer = state.checkpointer
    if isinstance(plan, FailAttempt):
        return await conclude(checkpointer, failed_attempt(slot, plan.error, plan.number, config))
    hooks = state.hooks
    started = None
    value: object = None
    error: Exception | None = None
    try:
        if queued_at_once(checkpointer, plan.start) is not None:
            await perform(checkpointer, plan.start)
        if checkpointer.due_before_user_code():
            await before_body(checkpointer)
        if hooks is not None:
            started = hooks.function_started(slot, plan.number)
        value = fn(step_context(state, slot, plan.number, logger))
        if type(value) not in PLAIN and inspect.isawaitable(value):
            value = await settled(value)
    except asyncio.CancelledError:
        if not tasks.cancellation_fails_attempts():  # the next invocation runs the attempt again
            raise
        uncancel()
        error = StepCancelled(f"step {slot.name or slot.op_id} was cancelled while it ran")
    except Exception as exc:  # a body may raise anything: a failed attempt
        error = exc
    if error is not None:
        verdict, failed = failed_attempt(slot, error, plan.number, config), error
    elif type(value) in PLAIN:  # no container to open: the common case
        verdict, failed = settle_value(slot, value, codec, semantics), None
    else:
        outcome = opened(value)
        verdict = settle_step(slot, outcome, plan.number, config, codec, semantics)
        failed = outcome.error if isinstance(outcome, Raised) else None
    if hooks is not None and started is not None:
        hooks.function_ended(started, failed)
    if queued_at_once(checkpointer, verdict.send) is None:
        return answer(verdict.answer)
    return await conclude(checkpointer, verdict)
