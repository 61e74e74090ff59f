"""An order workflow: two steps around a 5 s cool-off wait, composed with ``bind``.

Run it on the embedded local backend (waits are skipped on a virtual clock)::

    python docs/examples/order_workflow.py

or from the command line::

    lambda-durable run docs/examples/order_workflow.py:handler --input '{"order_id": "o-1", "amount": 12.5}'
"""

from __future__ import annotations

from attrs import frozen
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, durable_handler


@frozen
class Order:
    """The execution input, structured from JSON by the handler's cattrs converter."""

    order_id: str
    amount: float


@durable_handler
def handler(event: Order, ctx: DurableContext) -> Result[str, DurableError]:
    """Validate, wait five seconds, then shout. Each operation is checkpointed once:
    after the wait the function is re-invoked and the first step is replayed from the log."""
    return (
        ctx.step(lambda _: f"validated {event.order_id}", name="validate")
        .bind(lambda v: ctx.wait(Duration.seconds(5), name="cool-off").map(lambda _: v))
        .bind(lambda v: ctx.step(lambda _: v.upper(), name="shout"))
    )


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, {"order_id": "o-1", "amount": 12.5})
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(str).value_or('<none>')}")
    for event in outcome.events:
        label = f" {event.name}" if event.name else ""
        print(f"  {event.event_id:>2} {event.event_type.value}{label}")
