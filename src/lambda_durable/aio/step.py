"""Step, asynchronous driver: the same decisions as ``operations.step``; the body may be
``async def`` and is awaited. The id is taken, and the log read, when the step is called."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from returns.result import Failure, Result

from lambda_durable.aio.driver import Tasks, before_body, conclude, perform, settled, uncancel
from lambda_durable.config import StepConfig, StepSemantics
from lambda_durable.decisions.step import (
    FailAttempt,
    Raised,
    RunAttempt,
    StepContext,
    failed_attempt,
    opened,
    settle_step,
)
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import DurableError
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
    """Take the step's id now; replay it at once or start its attempt as a task. The
    body's ``StepContext.logger`` writes through ``logger`` (its context's)."""
    taken = scope.take(OperationType.STEP, _STEP, name)
    if isinstance(taken, Failure):
        return tasks.ready(taken)
    state = scope.state
    slot = taken.unwrap()
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
    checkpointer = state.checkpointer
    if isinstance(plan, FailAttempt):
        return await conclude(checkpointer, failed_attempt(slot, plan.error, plan.number, config))
    hooks = state.hooks
    started = None
    try:
        await perform(checkpointer, plan.start)
        await before_body(checkpointer)
        if hooks is not None:
            started = hooks.function_started(slot, plan.number)
        outcome = opened(await settled(fn(step_context(state, slot, plan.number, logger))))
    except asyncio.CancelledError:
        if not tasks.cancellation_fails_attempts():  # the next invocation runs the attempt again
            raise
        uncancel()
        outcome = Raised(StepCancelled(f"step {slot.name or slot.op_id} was cancelled while it ran"))
    except Exception as exc:  # a body may raise anything: a failed attempt
        outcome = Raised(exc)
    if hooks is not None and started is not None:
        hooks.function_ended(started, outcome.error if isinstance(outcome, Raised) else None)
    return await conclude(checkpointer, settle_step(slot, outcome, plan.number, config, codec, semantics))

