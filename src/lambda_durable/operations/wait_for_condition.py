"""Wait for condition, synchronous driver: run the next check of a poll, or replay the
poll's outcome (docs/protocol.md §5.6). The decisions live in ``decisions/condition.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from returns.result import Result

from lambda_durable.config import WaitForConditionConfig
from lambda_durable.decisions.condition import Checked, RunCheck, checked_decision, plan_condition, settle_check
from lambda_durable.decisions.step import Raised
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer, conclude, perform
from lambda_durable.decisions.step import StepContext
from lambda_durable.operations.step import step_context
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.wire import OperationSubType, OperationType

CheckFn = Callable[[Any, StepContext], Any]


def run_wait_for_condition(
    scope: Scope, check: CheckFn, config: WaitForConditionConfig[Any], name: str | None, logger: Logger
) -> Result[Any, DurableError]:
    """Run the next check of the poll, or replay the poll's outcome from the log."""
    return scope.take(OperationType.STEP, OperationSubType.WAIT_FOR_CONDITION.value, name).bind(
        lambda slot: _drive(scope, slot, check, config, logger)
    )


def _drive(
    scope: Scope, slot: Slot, check: CheckFn, config: WaitForConditionConfig[Any], logger: Logger
) -> Result[Any, DurableError]:
    codec: Codec[Any] = Codec(config.serdes) if config.serdes else scope.state.default_codec
    plan = plan_condition(slot, codec, config.initial_state)
    if isinstance(plan, Replayed):
        return answer(plan.answer)
    perform(scope.state.checkpointer, plan.start)
    return plan.state.bind(lambda state: _check(scope, slot, check, config, codec, plan, state, logger))


def _check(
    scope: Scope,
    slot: Slot,
    check: CheckFn,
    config: WaitForConditionConfig[Any],
    codec: Codec[Any],
    plan: RunCheck,
    state: Any,
    logger: Logger,
) -> Result[Any, DurableError]:
    checkpointer = scope.state.checkpointer
    checkpointer.before_user_code()
    hooks = scope.state.hooks
    started = hooks.function_started(slot, plan.number) if hooks is not None else None
    outcome: Checked | Raised
    try:
        new_state = check(state, step_context(scope.state, slot, plan.number, logger))
        outcome = Checked(new_state, checked_decision(config.wait_strategy(new_state, plan.number)))
    except Exception as exc:  # a raising check or strategy ends the poll
        outcome = Raised(exc)
    if hooks is not None and started is not None:
        hooks.function_ended(started, outcome.error if isinstance(outcome, Raised) else None)
    return conclude(checkpointer, settle_check(slot, outcome, codec))
