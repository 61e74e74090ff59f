"""The README's order workflow, grown into something worth deploying: an approval
callback and a chained invoke between the steps.

One deployment package holds two Lambda functions (see ``../template.yaml``):
``orders.handler``, the durable workflow, and ``orders.charge``, an ordinary function
the workflow invokes. The approval is a callback: whoever approves reads its id from
the execution's history and answers with ``SendDurableExecutionCallbackSuccess``
(``docs/deploy.md`` shows it with the AWS CLI).
"""

from __future__ import annotations

import os

from attrs import frozen
from returns.result import Result, Success

from lambda_durable import CallbackConfig, DurableContext, DurableError, Duration, durable_handler


@frozen
class Order:
    order_id: str
    amount: float


@frozen
class Approval:
    """The callback's answer, e.g. ``{"approved": true, "by": "ada"}``."""

    approved: bool
    by: str


@frozen
class Receipt:
    order_id: str
    charged: float


def charge(event: dict[str, object], context: object) -> dict[str, object]:
    """The invoke target: a plain Lambda handler (JSON in, JSON out), not durable."""
    amount = event["amount"]
    if not isinstance(amount, (int, float)):
        raise TypeError(f"amount must be a number, not {amount!r}")
    return {"order_id": event["order_id"], "charged": round(float(amount), 2)}


@durable_handler
def handler(event: Order, ctx: DurableContext) -> Result[str, DurableError]:
    """Validate, wait up to a day for approval, charge through ``CHARGE_FUNCTION`` (the
    ``charge`` function's name or ARN), cool off for five seconds, then confirm."""
    charge_function = os.environ.get("CHARGE_FUNCTION", "charge")

    def settle(approval: Approval) -> Result[str, DurableError]:
        if not approval.approved:
            return Success(f"{event.order_id} rejected by {approval.by}")
        return (
            ctx.invoke(charge_function, event, Receipt, name="charge")
            .bind(lambda receipt: ctx.wait(Duration.seconds(5), name="cool-off").map(lambda _: receipt))
            .bind(
                lambda receipt: ctx.step(
                    lambda _: f"{receipt.order_id} charged {receipt.charged:.2f}, approved by {approval.by}",
                    name="confirm",
                )
            )
        )

    approval = CallbackConfig(timeout=Duration.days(1))
    return (
        ctx.step(lambda _: f"validated {event.order_id}", name="validate")
        .bind(lambda _: ctx.create_callback(Approval, name="approval", config=approval))
        .bind(lambda callback: callback.result())
        .bind(settle)
    )
