"""AWS Lambda Powertools' ``Logger`` as the durable logger: the handler's ``logger=``,
``ctx.set_logger`` and ``ctx.with_logger`` keep replay suppression and add the
execution and operation fields to Powertools' JSON lines."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from aws_lambda_powertools import Logger as PowertoolsLogger
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, StepContext, durable_handler
from lambda_durable.local import run_local
from lambda_durable.wire import ExecutionStatus


def _powertools(service: str) -> tuple[PowertoolsLogger, io.StringIO]:
    """A Powertools logger writing to a buffer (one service name per logger: Powertools
    shares the stdlib logger, and its handler, between loggers of one service)."""
    out = io.StringIO()
    logger = PowertoolsLogger(service=service, logger_handler=logging.StreamHandler(out))
    return logger, out


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _work(step: StepContext) -> str:
    step.logger.info("in the step")
    return "done"


def test_the_handler_logger_over_two_invocations() -> None:
    logger, out = _powertools("orders")

    @durable_handler(logger=logger)
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        ctx.logger.info("starting", extra={"order": 7, "name": "shadowed"})
        return (
            ctx.step(_work, name="work")
            .bind(lambda _: ctx.wait(Duration.seconds(2)))
            .map(lambda _: ctx.logger.info("resumed"))
            .map(lambda _: "ok")
        )

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    lines = _lines(out)
    # the first invocation's lines are not written again by the replay
    assert [line["message"] for line in lines] == ["starting", "in the step", "resumed"]
    assert all(line["service"] == "orders" and line["executionArn"] == outcome.arn for line in lines)
    starting, in_step, _ = lines
    assert starting["order"] == 7 and starting["name_"] == "shadowed"  # a LogRecord name is renamed, not fatal
    assert in_step["operationName"] == "work" and in_step["attempt"] == 1 and in_step["operationId"]


def test_set_logger_and_with_logger() -> None:
    root_logger, root_out = _powertools("orders-root")
    child_logger, child_out = _powertools("orders-child")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        ctx.set_logger(root_logger)
        ctx.logger.info("root")

        def child(c: DurableContext) -> Result[str, DurableError]:
            c.with_logger(child_logger).logger.info("child")
            return c.step(lambda _: "x")

        return ctx.run_in_child_context(child, name="sub").bind(lambda _: ctx.wait(Duration.seconds(1))).map(
            lambda _: "ok"
        )

    assert run_local(handler, {}).status is ExecutionStatus.SUCCEEDED
    assert [line["message"] for line in _lines(root_out)] == ["root"]
    (child_line,) = _lines(child_out)
    assert child_line["message"] == "child" and child_line["service"] == "orders-child"
