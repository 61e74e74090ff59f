"""The shared workloads, written with the official aws-durable-execution-sdk-python 3.x."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python import (
    BatchResult,
    DurableContext,
    StepContext,
    durable_execution,
)
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def steps(event: Any, ctx: DurableContext) -> int:
    def add(acc: int, i: int) -> Callable[[StepContext], int]:
        return lambda _: acc + i

    total = 0
    for i in (1, 2, 3):
        total = ctx.step(add(total, i), name=f"add-{i}")
    return total


@durable_execution
def wait(event: Any, ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(30), name="pause")
    return ctx.step(lambda _: "woke", name="after")


@durable_execution
def callback(event: Any, ctx: DurableContext) -> str:
    cb = ctx.create_callback(name="approval")
    answer = cb.result()  # the official SDK hands back the raw Result text by default
    return f"approved: {json.loads(answer) if answer is not None else None}"


@durable_execution
def child(event: Any, ctx: DurableContext) -> int:
    def inner(c: DurableContext) -> int:
        v = c.step(lambda _: 20, name="twenty")
        return c.step(lambda _: v + 1, name="plus-one")

    return ctx.run_in_child_context(inner, name="child") * 2


@durable_execution
def fan_out(event: Any, ctx: DurableContext) -> list[int]:
    batch: BatchResult[int] = ctx.map([1, 2, 3], lambda c, item, _i, _items: c.step(lambda _: item * 10), name="tens")
    return batch.get_results()


HANDLERS = {"steps": steps, "wait": wait, "callback": callback, "child": child, "map": fan_out}
