"""Child contexts: group operations under one checkpointed result.

A child context has its own operation ids (recorded with the child as ``ParentId``) and
one result. Once it succeeded, replay returns that result without running the body again,
so its steps, waits and log lines are not repeated. A failure inside it comes back as
``Failure(ChildContextFailed(...))``, which the caller may handle like any ``Result``.

    python docs/examples/child_contexts.py
"""

from __future__ import annotations

from functools import partial

from attrs import frozen
from returns.result import Result, Success

from lambda_durable import (
    ChildConfig,
    DurableContext,
    DurableError,
    Duration,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)


@frozen
class Shipment:
    order_id: str
    items: list[str]


@frozen
class Receipt:
    order_id: str
    packed: list[str]
    label: str


def _pack_one(ctx: DurableContext, item: str, done: list[str]) -> Result[list[str], DurableError]:
    return ctx.step(lambda _: f"packed {item}", name=f"pack {item}").map(lambda line: [*done, line])


def pack(ctx: DurableContext, shipment: Shipment) -> Result[list[str], DurableError]:
    """One step per item, inside the child's own id space; the first failure stops it."""
    packed: Result[list[str], DurableError] = Success([])
    for item in shipment.items:
        packed = packed.bind(partial(_pack_one, ctx, item))
    return packed


def print_label(step: StepContext) -> str:
    raise RuntimeError("label printer offline")


@durable_handler
def handler(event: Shipment, ctx: DurableContext) -> Result[Receipt, DurableError]:
    """Pack in one child context, wait for the courier in another, then try a label
    printer (in a third child) and fall back to a handwritten label if it fails."""

    def packing(child: DurableContext) -> Result[list[str], DurableError]:
        child.logger.info("packing", extra={"order": event.order_id})  # logged once, never on replay
        return pack(child, event)

    def courier(child: DurableContext) -> Result[None, DurableError]:
        return child.step(lambda _: "courier booked", name="book").bind(
            lambda _: child.wait(Duration.seconds(30), name="courier-arrives")
        )

    def label(child: DurableContext) -> Result[str, DurableError]:
        return child.step(print_label, config=StepConfig(retry_strategy=RetryStrategy.none()))

    return ctx.run_in_child_context(packing, name="packing").bind(
        lambda packed: ctx.run_in_child_context(courier, name="courier")
        .bind(lambda _: ctx.run_in_child_context(label, name="label", config=ChildConfig(sub_type="Label")))
        .lash(lambda _: Success(f"handwritten label for {event.order_id}"))
        .map(lambda text: Receipt(event.order_id, packed, text))
    )


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, {"order_id": "o-7", "items": ["book", "lamp"]})
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(Receipt).value_or(None)}")
    names = {op.id: op.name for op in outcome.operations}
    for event in outcome.events:
        parent = f"  (in {names.get(event.parent_id)})" if event.parent_id else ""
        print(f"  {event.event_id:>2} {event.event_type.value} {event.name or ''}{parent}".rstrip())
