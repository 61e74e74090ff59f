"""Child context, asynchronous driver: the decisions of ``decisions/context.py``, with a
body that is awaited. The id is taken when the child is called."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from returns.pipeline import is_successful
from returns.result import Failure, Result

from lambda_durable.aio.driver import Tasks, conclude, perform, settled
from lambda_durable.config import ChildConfig
from lambda_durable.decisions.context import Rebuild, RunBody, body_result, plan_context, read_back, settle_context
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import ChildContextFailed, DurableError, error_object_from_exception
from lambda_durable.operations.child import child_codec, take_child
from lambda_durable.operations.driver import answer
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.hooks import Hooks
from lambda_durable.runtime.scope import Scope, Slot

C = TypeVar("C")

Body = Callable[[C], object]
"""A context body: an ``async def`` (or a function returning an awaitable) whose result is a
``Result`` or a value."""


def start_child(
    scope: Scope,
    tasks: Tasks,
    fn: Body[C],
    name: str | None,
    config: ChildConfig[Any] | None,
    make_context: Callable[[Scope], C],
) -> Awaitable[Result[Any, DurableError]]:
    """Take the child's id now; replay it at once or run its body as a task."""
    slot = take_child(scope, name, config)
    if slot.diverged is not None:
        return tasks.ready(Failure(slot.diverged))
    codec = child_codec(scope, config)
    plan = plan_context(slot, codec, ChildContextFailed)
    if isinstance(plan, Replayed):
        return tasks.ready(plan.answer)
    return tasks.start(run_in_slot(scope, slot, fn, codec, make_context))


async def run_in_slot(
    scope: Scope, slot: Slot, fn: Body[C], codec: Codec[Any], make_context: Callable[[Scope], C]
) -> Result[Any, DurableError]:
    """A child context at an id already claimed (by ``start_child`` or a batch branch)."""
    plan = plan_context(slot, codec, ChildContextFailed)
    if isinstance(plan, Replayed):
        return answer(plan.answer)
    state = scope.state
    checkpointer = state.checkpointer
    body = call_body if state.hooks is None else observed_body(state.hooks, slot, plan)
    if isinstance(plan, RunBody):
        await perform(checkpointer, plan.start)
        outcome = await body(fn, make_context(scope.child(slot.op_id)))
        return await conclude(checkpointer, settle_context(slot, outcome, codec))
    rebuilt = await body(fn, make_context(scope.child(slot.op_id)))  # the children answer from the log
    return read_back(codec, rebuilt).alt(ChildContextFailed.from_child)


async def run_virtual(
    scope: Scope, fn: Body[C], codec: Codec[Any], make_context: Callable[[Scope], C]
) -> Result[Any, DurableError]:
    """A child context that records no operation of its own (FLAT batch branches)."""
    return read_back(codec, await call_body(fn, make_context(scope)))


def observed_body(
    hooks: Hooks, slot: Slot, plan: RunBody | Rebuild
) -> Callable[[Body[Any], Any], Awaitable[Result[Any, DurableError]]]:
    """``call_body`` with the plugins' user-function hooks around it."""

    async def body(fn: Body[Any], ctx: Any) -> Result[Any, DurableError]:
        started = hooks.context_started(slot, rebuilding=isinstance(plan, Rebuild))
        outcome = await call_body(fn, ctx)
        hooks.function_ended(started, outcome.failure().error if not is_successful(outcome) else None)
        return outcome

    return body


async def call_body(fn: Body[C], ctx: C) -> Result[Any, DurableError]:
    """Run a context body; a raised exception counts as the context's failure, and so
    does a body that is not async (a branch written for the sync API)."""
    try:
        called = fn(ctx)
        out = await settled(called) if inspect.isawaitable(called) else _plain(called)
    except Exception as exc:
        return Failure(ChildContextFailed(error_object_from_exception(exc)))
    return body_result(out)


def _plain(value: object) -> object:
    raise TypeError(
        f"the branch or child context function returned a {type(value).__name__}, nothing to "
        "await (a plain function?): the async API takes async def functions of an "
        "AsyncDurableContext; a plain function of a DurableContext belongs to a sync handler"
    )
