"""An order workflow and edited versions of it, for the replay tests (and the CLI's).

``BODY_RUNS`` counts step bodies that really ran: a replay must leave it alone."""

from __future__ import annotations

from collections import Counter

from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, durable_handler

BODY_RUNS: Counter[str] = Counter()


def body(label: str) -> str:
    BODY_RUNS[label] += 1
    return label


def _steps(ctx: DurableContext, names: list[str]) -> Result[str, DurableError]:
    result: Result[str, DurableError] = ctx.step(lambda _: body(names[0]), name=names[0])
    for name in names[1:]:
        result = result.bind(lambda _, n=name: ctx.step(lambda _: body(n), name=n))  # type: ignore[misc]
    return result


@durable_handler
def original(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "charge", "ship"])


@durable_handler
def reordered(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "ship", "charge"])


@durable_handler
def renamed(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "bill", "ship"])


@durable_handler
def inserted(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "check fraud", "charge", "ship"])


@durable_handler
def removed(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "ship"])


@durable_handler
def removed_last(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "charge"])


@durable_handler
def appended(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return _steps(ctx, ["reserve", "charge", "ship", "thank"])


def _packing(ctx: DurableContext, inner: str) -> Result[str, DurableError]:
    return ctx.step(lambda _: body(inner), name=inner).bind(
        lambda _: ctx.wait(Duration.hours(1), name="cool-off").map(lambda _: inner)
    )


@durable_handler
def with_child(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: body("reserve"), name="reserve").bind(
        lambda _: ctx.run_in_child_context(lambda c: _packing(c, "pack"), name="packing")
    )


@durable_handler
def with_child_changed(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: body("reserve"), name="reserve").bind(
        lambda _: ctx.run_in_child_context(lambda c: _packing(c, "wrap"), name="packing")
    )


@durable_handler
def with_child_renamed(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: body("reserve"), name="reserve").bind(
        lambda _: ctx.run_in_child_context(lambda c: _packing(c, "pack"), name="boxing")
    )


def _pick_then_wait(ctx: DurableContext, verb: str, item: str) -> Result[str, DurableError]:
    return ctx.step(lambda _: body(item), name=f"{verb} {item}").bind(
        lambda _: ctx.wait(Duration.hours(1), name="settle").map(lambda _: item)
    )


@durable_handler
def fan_out_waiting(event: str, ctx: DurableContext) -> Result[list[str], DurableError]:
    return ctx.map(["a", "b"], lambda c, item, _: _pick_then_wait(c, "pick", item)).bind(
        lambda batch: batch.to_result()
    )


@durable_handler
def fan_out_waiting_changed(event: str, ctx: DurableContext) -> Result[list[str], DurableError]:
    return ctx.map(["a", "b"], lambda c, item, _: _pick_then_wait(c, "take", item)).bind(
        lambda batch: batch.to_result()
    )
