"""A finished batch is the same value on the first run and on replay, whichever path built it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import frozen
from returns.result import Result

from lambda_durable import (
    BatchResult,
    CompletionConfig,
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.values import DurableOutput


@frozen
class Box:
    value: int


def _twice(ctx: DurableContext, item: int, index: int) -> Result[int, DurableError]:
    return ctx.step(lambda _: item * 2)


def _boxed(ctx: DurableContext, item: int, index: int) -> Result[Box, DurableError]:
    return ctx.step(lambda _: Box(item))


def _failing(ctx: DurableContext, item: int, index: int) -> Result[int, DurableError]:
    if item == 1:
        raise ValueError("item 1 fails")
    return ctx.step(lambda _: item)


def _seen_twice(mapper: Callable[[DurableContext, int, int], Result[DurableOutput, DurableError]]) -> Any:
    """A handler that maps [0, 1, 2], waits (so a replay follows) and compares what the
    first run saw with what the replay sees."""
    firsts: list[BatchResult[Any]] = []

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[bool, DurableError]:
        def after_wait(batch: BatchResult[Any]) -> Result[bool, DurableError]:
            firsts.append(batch)
            return ctx.wait(Duration.seconds(5)).map(lambda _: firsts[0] == batch)

        every_item: MapConfig[int, Any] = MapConfig(completion=CompletionConfig.all_completed())  # same items whatever finishes first
        return ctx.map([0, 1, 2], mapper, config=every_item).bind(after_wait)

    return handler, firsts


def test_integer_results_are_the_same_batch_on_replay() -> None:
    handler, firsts = _seen_twice(_twice)
    outcome = run_local(handler, {})
    assert outcome.result == "true" and len(firsts) == 2
    assert [i.result for i in firsts[0].items] == [0, 2, 4]


def test_class_results_are_decoded_the_same_on_the_first_run_as_on_replay() -> None:
    handler, firsts = _seen_twice(_boxed)
    outcome = run_local(handler, {})
    assert outcome.result == "true" and len(firsts) == 2
    assert [i.result for i in firsts[0].items] == [Box(0), Box(1), Box(2)]


def test_a_batch_with_a_failed_item_is_the_same_on_replay() -> None:
    handler, firsts = _seen_twice(_failing)
    outcome = run_local(handler, {})
    assert outcome.result == "true" and len(firsts) == 2
    assert firsts[0].items[1].error is not None
