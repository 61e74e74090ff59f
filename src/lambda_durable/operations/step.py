"""Step, synchronous driver: run a body once per attempt, checkpoint its outcome, replay it
forever after. The decisions live in ``decisions/step.py``."""

from __future__ import annotations

from typing import Any

from returns.result import Failure, Result

from lambda_durable.config import StepConfig, StepSemantics
from lambda_durable.decisions.step import (
    PLAIN,
    FailAttempt,
    Raised,
    StepContext,
    StepFn,
    StepPlan,
    failed_attempt,
    opened,
    plan_step,
    settle_step,
    settle_value,
)
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer, conclude
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.hooks import Hooks
from lambda_durable.runtime.logger import Logger, LogInfo, ReplayAwareLogger
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationSubType, OperationType

_STEP = OperationSubType.STEP.value
"""Read once: an enum member's ``.value`` goes through a descriptor on every access."""


def run_step(
    scope: Scope, fn: StepFn[Any], name: str | None, config: StepConfig[Any] | None, logger: Logger
) -> Result[Any, DurableError]:
    """The step operation (docs/protocol.md §5.1), with replay and non-determinism checks;
    the body's ``StepContext.logger`` writes through ``logger`` (its context's)."""
    slot = scope.claim(OperationType.STEP, _STEP, name)
    if slot.diverged is not None:
        return Failure(slot.diverged)
    state = scope.state
    if config is None:  # ``prepare_step`` written out for the common case
        codec: Codec[Any] = state.default_codec
        semantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
        plan = plan_step(slot, semantics, codec)
    else:
        codec, semantics, plan = prepare_step(state, slot, config)
    if isinstance(plan, Replayed):
        return answer(plan.answer)
    checkpointer = state.checkpointer
    if isinstance(plan, FailAttempt):
        return conclude(checkpointer, failed_attempt(slot, plan.error, plan.number, config))
    start = plan.start  # ``perform`` written out: every attempt passes here
    if start is not None:
        if start.wait:
            checkpointer.send(start.update)
        else:
            checkpointer.defer(start.update)
    checkpointer.before_user_code()
    if state.hooks is not None:
        return observed_step(state.hooks, state, slot, fn, plan.number, config, codec, semantics, logger)
    try:
        value = fn(step_context(state, slot, plan.number, logger))
    except Exception as exc:  # a body may raise anything: a failed attempt
        return conclude(checkpointer, failed_attempt(slot, exc, plan.number, config))
    if type(value) in PLAIN:  # no container to open: the common case, without a wrapper
        return conclude(checkpointer, settle_value(slot, value, codec, semantics))
    return conclude(checkpointer, settle_step(slot, opened(value), plan.number, config, codec, semantics))


def observed_step(
    hooks: Hooks,
    state: ExecutionState,
    slot: Slot,
    fn: StepFn[Any],
    number: int,
    config: StepConfig[Any] | None,
    codec: Codec[Any],
    semantics: StepSemantics,
    logger: Logger,
) -> Result[Any, DurableError]:
    """One attempt with the plugins' user-function hooks around the body (kept apart so
    the path without plugins stays as short as it was)."""
    started = hooks.function_started(slot, number)
    try:
        value = fn(step_context(state, slot, number, logger))
    except Exception as exc:  # a body may raise anything: a failed attempt
        hooks.function_ended(started, exc)
        return conclude(state.checkpointer, failed_attempt(slot, exc, number, config))
    outcome = opened(value)
    hooks.function_ended(started, outcome.error if isinstance(outcome, Raised) else None)
    return conclude(state.checkpointer, settle_step(slot, outcome, number, config, codec, semantics))


def prepare_step(
    state: ExecutionState, slot: Slot, config: StepConfig[Any] | None
) -> tuple[Codec[Any], StepSemantics, StepPlan]:
    """The step's codec and semantics (from its config) and what the log says it does."""
    codec: Codec[Any] = Codec(config.serdes) if config and config.serdes else state.default_codec
    semantics = config.semantics if config else StepSemantics.AT_LEAST_ONCE_PER_RETRY
    return codec, semantics, plan_step(slot, semantics, codec)


def step_context(state: ExecutionState, slot: Slot, attempt: int, logger: Logger) -> StepContext:
    """What a body (a step's, a condition check's) receives; its logger writes through
    ``logger`` with the operation's id, name and attempt, built only when the body logs."""
    step_logger = ReplayAwareLogger(
        logger,
        lambda: LogInfo(
            execution_arn=state.arn,
            operation_id=slot.op_id,
            parent_id=slot.parent_id,
            operation_name=slot.name,
            attempt=attempt,
        ),
    )
    return StepContext(attempt, slot.op_id, step_logger)  # positional: cheaper for attrs
