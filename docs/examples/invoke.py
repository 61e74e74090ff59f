"""Invoke: call another durable function and use its result.

``invoke(function_name, payload, result_type)`` starts an execution of the target (a
chained invoke), suspends until it finishes and returns its result, decoded into
``result_type``. Payload and result travel as plain JSON, so the target may be written
in any language. A failed target comes back as ``Failure(InvokeFailed(...))`` with the
target's error; ``InvokeConfig(timeout=...)`` bounds the wait.

Locally, targets are registered by name (``run_local(..., functions={...})``).

    python docs/examples/invoke.py
"""

from __future__ import annotations

from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    InvokeConfig,
    InvokeFailed,
    durable_handler,
)


@frozen
class Line:
    sku: str
    quantity: int


@frozen
class Quote:
    sku: str
    unit_price: float


@frozen
class Invoice:
    total: float
    unpriced: list[str]


PRICES = {"book": 12.5, "lamp": 30.0}


class UnknownSku(Exception):
    pass


@durable_handler
def pricing(event: str, ctx: DurableContext) -> Result[Quote, DurableError]:
    """The target: a durable function of its own (its steps are checkpointed in its own
    execution)."""

    def look_up(_: object) -> float:
        if event not in PRICES:
            raise UnknownSku(f"no price for {event}")
        return PRICES[event]

    return ctx.step(look_up, name="look up").map(lambda price: Quote(event, price))


@durable_handler
def invoicing(event: list[Line], ctx: DurableContext) -> Result[Invoice, DurableError]:
    """Price every line through the ``pricing`` function, one chained invoke per line;
    a line the pricing function cannot price is listed instead of failing the invoice."""
    config = InvokeConfig(timeout=Duration.minutes(5))
    invoice: Result[Invoice, DurableError] = Success(Invoice(0.0, []))
    for line in event:

        def add(so_far: Invoice, line: Line = line) -> Result[Invoice, DurableError]:
            def priced(quote: Quote) -> Invoice:
                return Invoice(so_far.total + quote.unit_price * line.quantity, so_far.unpriced)

            def unpriced(error: DurableError) -> Result[Invoice, DurableError]:
                if isinstance(error, InvokeFailed):  # the target failed: note the line, go on
                    return Success(Invoice(so_far.total, [*so_far.unpriced, line.sku]))
                return Failure(error)

            return (
                ctx.invoke("pricing", line.sku, Quote, name=f"price {line.sku}", config=config)
                .map(priced)
                .lash(unpriced)
            )

        invoice = invoice.bind(add)
    return invoice


if __name__ == "__main__":
    from lambda_durable.local import run_local

    lines = [{"sku": "book", "quantity": 2}, {"sku": "lamp", "quantity": 1}, {"sku": "chair", "quantity": 4}]
    outcome = run_local(invoicing, lines, functions={"pricing": pricing})
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(Invoice).value_or(None)}")
    for event in outcome.events:
        label = f" {event.name}" if event.name else ""
        print(f"  {event.event_id:>2} {event.event_type.value}{label}")
