"""Run an ``async def`` handler from the synchronous Lambda entry point: one event loop
per invocation, closed with every task the invocation started.

A caller that already runs an event loop in this thread (a notebook, an async test, an
async server calling the handler) cannot nest ``asyncio.run``; the handler's loop then
runs on a thread of its own while the caller waits, as it waits for any sync handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambda_durable.aio.context import AsyncDurableContext
from lambda_durable.aio.driver import EXECUTION_SIGNALS, Tasks, settled
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.signals import Suspend
from lambda_durable.runtime.state import ExecutionState

AsyncHandlerFn = Callable[[Any, AsyncDurableContext], Any]


def run_async_handler(fn: AsyncHandlerFn, user_input: object, state: ExecutionState) -> object:
    """What the handler returned (a ``FutureResult`` awaited to its ``IOResult``); the
    control signals (suspension, failing the execution) raised as in the sync API."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_main(fn, user_input, state))
    with ThreadPoolExecutor(1, thread_name_prefix="lambda-durable-loop") as pool:
        return pool.submit(asyncio.run, _main(fn, user_input, state)).result()


async def _main(fn: AsyncHandlerFn, user_input: object, state: ExecutionState) -> object:
    tasks = Tasks()
    ctx = AsyncDurableContext(Scope(state, prefix=None, parent_id=None), tasks)
    try:
        outcome = await _handled(fn, user_input, ctx)
    except Suspend:
        await _drained(tasks)
        raise
    else:
        await _drained(tasks)
        return outcome
    finally:
        await tasks.close()


async def _handled(fn: AsyncHandlerFn, user_input: object, ctx: AsyncDurableContext) -> object:
    try:
        return await settled(fn(user_input, ctx))
    except BaseExceptionGroup as group:  # a TaskGroup or gather(...) wrapped a signal
        raise signal_in(group) from None


async def _drained(tasks: Tasks) -> None:
    """Let the operations still running reach their end or their next durable pause
    before the invocation ends; a signal of the whole execution one raised wins."""
    signal = await tasks.drain()
    if signal is not None:
        raise signal


def signal_in(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """What an exception group means for the invocation: a signal of the whole execution
    it holds; else suspension when every error in it is a suspension (or a cancellation
    it caused); else the group itself, a failure of the handler."""
    leaves = list(_leaves(group))
    for kind in EXECUTION_SIGNALS:
        for leaf in leaves:
            if isinstance(leaf, kind):
                return leaf
    if any(isinstance(leaf, Suspend) for leaf in leaves) and all(
        isinstance(leaf, (Suspend, asyncio.CancelledError)) for leaf in leaves
    ):
        return Suspend()
    return group


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error
