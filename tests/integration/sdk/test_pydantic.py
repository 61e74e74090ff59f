"""Pydantic models (the ``pydantic`` extra): a step output, with or without
``pydantic_serdes``; a handler input annotated with a model; a model as the result."""

from __future__ import annotations

import json

from pydantic import BaseModel
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, StepConfig, durable_handler
from lambda_durable.local import run_local
from lambda_durable.serdes import pydantic_serdes
from lambda_durable.wire import ExecutionStatus


class Line(BaseModel):
    sku: str
    qty: int


class Order(BaseModel):
    order_id: str
    amount: float
    lines: list[Line] = []


QUOTES = pydantic_serdes(Order)


def test_a_step_output_through_the_pydantic_serdes_is_the_same_model_on_replay() -> None:
    seen: list[Order] = []

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[None, DurableError]:
        return (
            ctx.step(lambda _: Order(order_id="o-1", amount=9.5, lines=[Line(sku="a", qty=2)]),
                     config=StepConfig(serdes=QUOTES))
            .map(seen.append)
            .bind(lambda _: ctx.wait(Duration.seconds(1)))
        )

    run_local(handler, {})
    expected = Order(order_id="o-1", amount=9.5, lines=[Line(sku="a", qty=2)])
    assert seen == [expected, expected]
    assert QUOTES.serialize(seen[0]) == '{"order_id":"o-1","amount":9.5,"lines":[{"sku":"a","qty":2}]}'


def test_a_model_is_durable_without_a_serdes_too() -> None:
    seen: list[Order] = []

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[None, DurableError]:
        return (
            ctx.step(lambda _: Order(order_id="o-2", amount=1.25))
            .map(seen.append)
            .bind(lambda _: ctx.wait(Duration.seconds(1)))
        )

    run_local(handler, {})
    assert seen == [Order(order_id="o-2", amount=1.25)] * 2
    assert all(type(model) is Order for model in seen)


@durable_handler
def total(event: Order, ctx: DurableContext) -> Order:
    return Order(order_id=event.order_id, amount=event.amount * 2, lines=event.lines)


def test_a_handler_input_annotated_with_a_model_is_validated_and_a_model_result_is_json() -> None:
    outcome = run_local(total, {"order_id": "o-1", "amount": 2.5, "lines": [{"sku": "a", "qty": 1}]})
    assert json.loads(outcome.result or "null") == {
        "order_id": "o-1",
        "amount": 5.0,
        "lines": [{"sku": "a", "qty": 1}],
    }


def test_a_model_input_that_does_not_fit_names_each_field() -> None:
    outcome = run_local(total, {"order_id": "o-1", "lines": [{"sku": "a", "qty": "many"}]})
    assert outcome.status is ExecutionStatus.FAILED and outcome.error is not None
    assert outcome.error.error_message == (
        "the execution input does not fit Order: $.amount: missing; "
        "$.lines[0].qty: Input should be a valid integer, unable to parse string as an integer"
    )
