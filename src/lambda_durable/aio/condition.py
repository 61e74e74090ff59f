"""Wait for condition, asynchronous driver: the next check of a poll (the check may be
``async def``), or the poll's outcome. The decisions live in ``decisions/condition.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.aio.driver import Tasks, before_body, conclude, perform, settled
from lambda_durable.config import WaitForConditionConfig
from lambda_durable.decisions.condition import Checked, RunCheck, checked_decision, plan_condition, settle_check
from lambda_durable.decisions.step import Raised, StepContext
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import DurableError
from lambda_durable.operations.step import step_context
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.wire import OperationSubType, OperationType

AsyncCheckFn = Callable[[Any, StepContext], object]


def start_wait_for_condition(
    scope: Scope,
    tasks: Tasks,
    check: AsyncCheckFn,
    config: WaitForConditionConfig[Any],
    name: str | None,
    logger: Logger,
) -> Awaitable[Result[Any, DurableError]]:
    """Take the poll's id now; replay its outcome at once or run the next check as a task."""
    taken = scope.take(OperationType.STEP, OperationSubType.WAIT_FOR_CONDITION.value, name)
    if not is_successful(taken):
        return tasks.ready(taken)
    slot = taken.unwrap()
    codec: Codec[Any] = Codec(config.serdes) if config.serdes else scope.state.default_codec
    plan = plan_condition(slot, codec, config.initial_state)
    if isinstance(plan, Replayed):
        return tasks.ready(plan.answer)
    return tasks.start(_check(scope, slot, check, config, codec, plan, logger))


async def _check(
    scope: Scope,
    slot: Slot,
    check: AsyncCheckFn,
    config: WaitForConditionConfig[Any],
    codec: Codec[Any],
    plan: RunCheck,
    logger: Logger,
) -> Result[Any, DurableError]:
    checkpointer = scope.state.checkpointer
    await perform(checkpointer, plan.start)
    if not is_successful(plan.state):
        return plan.state
    await before_body(checkpointer)
    hooks = scope.state.hooks
    started = hooks.function_started(slot, plan.number) if hooks is not None else None
    outcome: Checked | Raised
    try:
        new_state = await settled(check(plan.state.unwrap(), step_context(scope.state, slot, plan.number, logger)))
        outcome = Checked(new_state, checked_decision(config.wait_strategy(new_state, plan.number)))
    except Exception as exc:  # a raising check or strategy ends the poll
        outcome = Raised(exc)
    if hooks is not None and started is not None:
        hooks.function_ended(started, outcome.error if isinstance(outcome, Raised) else None)
    return await conclude(checkpointer, settle_check(slot, outcome, codec))
