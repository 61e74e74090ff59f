"""Callbacks: pause a workflow until an external system answers.

``create_callback`` registers a callback and returns a handle at once; a step sends its
``callback_id`` to the approver, and ``callback.result()`` suspends the execution (no
Lambda waits) until someone calls ``SendDurableExecutionCallbackSuccess`` or ``...Failure``
with that id, or the timeout expires. Here the approver is played by this script through
``LocalBackend``: it runs the execution until it waits for an answer, reads the open
callback and answers it.

    python docs/examples/callbacks.py
"""

from __future__ import annotations

import json

from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable import (
    CallbackConfig,
    CallbackFailed,
    CallbackTimedOut,
    DurableContext,
    DurableError,
    Duration,
    ErrorObject,
    durable_handler,
)


@frozen
class Expense:
    expense_id: str
    amount: float


@frozen
class Decision:
    approved: bool
    by: str


def ask_manager(callback_id: str, expense: Expense) -> str:
    """Stand-in for an e-mail with approve/reject links carrying the callback id."""
    return f"asked the manager about {expense.expense_id} (callback {callback_id})"


@durable_handler
def handler(event: Expense, ctx: DurableContext) -> Result[str, DurableError]:
    """Ask for approval, give the manager two days, and turn every outcome into a verdict."""
    answer = ctx.create_callback(
        Decision, name="manager approval", config=CallbackConfig(timeout=Duration.days(2))
    ).bind(
        lambda callback: ctx.step(lambda _: ask_manager(callback.callback_id, event), name="notify").bind(
            lambda _: callback.result()
        )
    )

    def settle(decision: Decision) -> Result[str, DurableError]:
        if decision.approved:
            return ctx.step(lambda _: f"{event.expense_id} paid, approved by {decision.by}", name="pay")
        return Success(f"{event.expense_id} rejected by {decision.by}")

    def excuse(error: DurableError) -> Result[str, DurableError]:
        match error:
            case CallbackTimedOut():
                return Success(f"{event.expense_id} expired unanswered")
            case CallbackFailed():
                return Success(f"{event.expense_id} not decided: {error.error_message}")
        return Failure(error)

    return answer.bind(settle).lash(excuse)


def run(expense: dict[str, object], reply: str | ErrorObject | None) -> str:
    """Run one execution; answer its callback with ``reply`` (JSON text, an error, or
    nothing at all), and return the execution's final status and result."""
    from lambda_durable.local import LocalBackend

    with LocalBackend() as backend:
        backend.register("expenses", handler)
        arn = backend.start("expenses", json.dumps(expense)).unwrap()
        backend.run_until_suspended(arn)  # stops while the callback waits for an answer
        for callback in backend.open_callbacks(arn):
            if isinstance(reply, str):
                backend.send_callback_success(callback.callback_id, reply)
            elif isinstance(reply, ErrorObject):
                backend.send_callback_failure(callback.callback_id, reply)
        outcome = backend.run_until_settled(arn)  # unanswered: the timeout fires
        return f"{outcome.status.value} {outcome.result_as(str).value_or('<none>')}"


if __name__ == "__main__":
    approved = run({"expense_id": "e-1", "amount": 80.0}, json.dumps({"approved": True, "by": "ada"}))
    rejected = run({"expense_id": "e-2", "amount": 9000.0}, json.dumps({"approved": False, "by": "bob"}))
    failed = run({"expense_id": "e-3", "amount": 5.0}, ErrorObject("Withdrawn", "the employee withdrew it"))
    expired = run({"expense_id": "e-4", "amount": 1.0}, None)
    outcomes = [approved, rejected, failed, expired]
    status = "SUCCEEDED" if all(o.startswith("SUCCEEDED") for o in outcomes) else "FAILED"
    print(f"status: {status}")
    for line in outcomes:
        print(f"  {line}")
