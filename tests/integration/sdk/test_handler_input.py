"""A handler input that does not fit its annotation fails the execution with a message that
points at each field, not with cattrs' ``While structuring Order (1 sub-exception)``."""

from __future__ import annotations

from attrs import frozen

from lambda_durable import DurableContext, durable_handler
from lambda_durable.local import run_local
from lambda_durable.wire import ExecutionStatus


@frozen
class Line:
    sku: str
    qty: int


@frozen
class Order:
    order_id: str
    amount: float
    lines: list[Line]


@durable_handler
def handler(event: Order, ctx: DurableContext) -> str:
    return event.order_id


def _failure(payload: object) -> str:
    outcome = run_local(handler, payload)
    assert outcome.status is ExecutionStatus.FAILED and outcome.error is not None
    assert outcome.error.error_type == "SerdesFailed"
    return outcome.error.error_message or ""


def test_a_missing_field_is_named_by_its_path() -> None:
    message = _failure({"order_id": "o-1", "lines": []})
    assert message == "the execution input does not fit Order: $.amount: missing"


def test_every_field_that_does_not_fit_is_listed_with_the_expected_type() -> None:
    lines = [{"sku": "a", "qty": "x"}, {"sku": "b"}]
    message = _failure({"order_id": "o-1", "amount": "ten", "lines": lines})
    assert message == (
        "the execution input does not fit Order: $.amount: expected float; "
        "$.lines[0].qty: expected int; $.lines[1].qty: missing"
    )


def test_an_input_that_fits_runs() -> None:
    outcome = run_local(handler, {"order_id": "o-1", "amount": 9.5, "lines": [{"sku": "a", "qty": 1}]})
    assert outcome.result == '"o-1"'
