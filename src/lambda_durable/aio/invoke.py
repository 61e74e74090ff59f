"""Invoke, asynchronous driver: the ids are taken when ``invoke`` is called
(``operations.invoke.claim_invoke``); the STARTs are checkpointed off the loop."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.aio.driver import Tasks, off_loop
from lambda_durable.config import InvokeConfig
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer
from lambda_durable.operations.invoke import Claim, checkpoint_starts, claim_invoke, invoke_outcome
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.state import ExecutionState

R = TypeVar("R")


def start_invoke(
    scope: Scope,
    tasks: Tasks,
    function_name: str,
    payload: object,
    result_type: type[R],
    name: str | None,
    config: InvokeConfig[Any, Any] | None,
) -> Awaitable[Result[R, DurableError]]:
    claimed = claim_invoke(scope, function_name, payload, name, config)
    if not is_successful(claimed):
        return tasks.ready(claimed)
    claim = claimed.unwrap()
    state = scope.state
    if not claim.starts:
        return tasks.ready(invoke_outcome(state, claim, function_name, result_type, config))
    return tasks.start(_started(state, claim, function_name, result_type, config))


async def _started(
    state: ExecutionState, claim: Claim, function_name: str, result_type: type[R], config: InvokeConfig[Any, Any] | None
) -> Result[R, DurableError]:
    await off_loop(checkpoint_starts, state.checkpointer, claim)
    return answer(invoke_outcome(state, claim, function_name, result_type, config))
