"""Wait for callback, asynchronous driver: the child context of
``operations.wait_for_callback`` (callback, submitter step, answer) with an ``async``
body; the submitter may be ``async def``. Names, ids and failure mapping are shared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from returns.pipeline import is_successful
from returns.result import Failure, Result

from lambda_durable.aio.callback import start_create
from lambda_durable.aio.child import start_child
from lambda_durable.aio.driver import Tasks, settled
from lambda_durable.aio.step import start_step
from lambda_durable.config import WaitForCallbackConfig
from lambda_durable.decisions.callback import decoder_for
from lambda_durable.decisions.step import StepContext
from lambda_durable.errors import DurableError
from lambda_durable.operations.callback import raw_answer
from lambda_durable.operations.wait_for_callback import (
    CHILD_CONFIG,
    discard,
    part_names,
    submitter_config,
    what_failed,
)
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope

T = TypeVar("T")

AsyncSubmitter = Callable[[str, StepContext], object]
"""``submitter(callback_id, step_ctx)``, plain or ``async def``."""


def start_wait_for_callback(
    scope: Scope,
    tasks: Tasks,
    submitter: AsyncSubmitter,
    result_type: type[T],
    name: str | None,
    config: WaitForCallbackConfig[Any] | None,
    logger: Logger,
) -> Awaitable[Result[T, DurableError]]:
    """Take the context's id now; when awaited, the decoded answer (or what failed)."""
    state = scope.state
    inner = scope.child(scope.peek_id())
    decode = decoder_for(result_type, state.converter, config.serdes if config else None)
    raw = start_child(
        scope, tasks, lambda child: _body(child, tasks, submitter, name, config, logger), name, CHILD_CONFIG, lambda s: s
    )

    async def answered() -> Result[T, DurableError]:
        return (await raw).alt(lambda error: what_failed(state, inner, error)).bind(decode)

    return tasks.start(answered())


async def _body(
    scope: Scope,
    tasks: Tasks,
    submitter: AsyncSubmitter,
    name: str | None,
    config: WaitForCallbackConfig[Any] | None,
    logger: Logger,
) -> Result[str, DurableError]:
    create_name, submit_name = part_names(name)
    created = await start_create(scope, tasks, create_name, config)

    async def submit(step_ctx: StepContext, callback_id: str) -> object:
        return discard(await settled(submitter(callback_id, step_ctx)))

    if not is_successful(created):
        return Failure(created.failure())
    op_id, callback_id = created.unwrap()
    submitted = await start_step(scope, tasks, lambda step_ctx: submit(step_ctx, callback_id), submit_name, submitter_config(config), logger)
    return submitted.bind(lambda _: raw_answer(scope.state, op_id))
