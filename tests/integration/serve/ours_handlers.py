"""The shared workloads, written with lambda-durable (served by function name)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    durable_handler,
)


@durable_handler
def steps(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    """Sequential steps: 1 + 2 + 3."""
    def add(i: int) -> Callable[[int], Result[int, DurableError]]:
        return lambda acc: ctx.step(lambda _: acc + i, name=f"add-{i}")

    total: Result[int, DurableError] = Success(0)
    for i in (1, 2, 3):
        total = total.bind(add(i))
    return total


@durable_handler
def wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """A 30-second wait (skipped on the virtual clock), then a step."""
    return ctx.wait(Duration.seconds(30), name="pause").bind(lambda _: ctx.step(lambda _: "woke", name="after"))


@durable_handler
def short_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """A one-second wait, for the real-time clock."""
    return ctx.wait(Duration.seconds(1), name="second").bind(lambda _: ctx.step(lambda _: "later", name="after"))


@durable_handler
def callback(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """Suspends until someone answers the callback with a JSON string."""
    return ctx.create_callback(str, name="approval").bind(lambda cb: cb.result()).map(lambda v: f"approved: {v}")


@durable_handler
def callback_during(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """The answer arrives while this invocation is still busy in a step."""

    def busy(_: object) -> str:
        time.sleep(1.0)
        return "busy"

    return ctx.create_callback(str, name="early").bind(
        lambda cb: ctx.step(busy, name="busy").bind(lambda _: cb.result())
    )


@durable_handler
def child(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    """Two steps in a child context."""

    def inner(c: DurableContext) -> Result[int, DurableError]:
        return c.step(lambda _: 20, name="twenty").bind(lambda v: c.step(lambda _: v + 1, name="plus-one"))

    return ctx.run_in_child_context(inner, name="child").map(lambda v: v * 2)


@durable_handler
def fan_out(event: Any, ctx: DurableContext) -> Result[list[int], DurableError]:
    """A map over three items, one step each."""
    batch = ctx.map([1, 2, 3], lambda c, item, _i: c.step(lambda _: item * 10), name="tens",
                    config=MapConfig(max_concurrency=1))
    return batch.bind(lambda b: b.to_result())


@durable_handler
def where(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """Reports how it reaches the service (for the isolation test)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_LAMBDA")
    injected = ctx.lambda_context.map(lambda c: hasattr(c, "durable_service_client")).value_or(None)
    return ctx.step(lambda _: {"pid": os.getpid(), "endpoint": endpoint, "injected": injected}, name="where")


@durable_handler
def chain(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """Chained invokes: a durable target (a child execution) and a plain one."""
    return ctx.invoke("child", {}, int, name="durable-target").bind(
        lambda n: ctx.invoke("plain", n, dict, name="plain-target").map(lambda echoed: f"{n} {echoed['echo']}")
    )


def plain(event: Any, context: Any) -> dict[str, Any]:
    """A non-durable function: Invoke calls it once."""
    return {"echo": event}


HANDLERS = {"steps": steps, "wait": wait, "callback": callback, "callback_during": callback_during, "child": child, "map": fan_out, "where": where, "chain": chain, "short_wait": short_wait}
FUNCTIONS = {"plain": plain}
