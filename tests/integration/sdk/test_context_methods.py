"""The DurableContext methods beyond the operations, as a user sees them on the backend:
completing the execution early, child contexts by id, loggers and structured log lines,
and the introspection of ids and counters (docs/context.md)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from returns.result import Failure, Result, Success

from lambda_durable import DurableContext, DurableError, Duration, SerdesFailed, durable_handler
from lambda_durable.local import run_local
from lambda_durable.wire import ErrorObject, EventType, ExecutionStatus, OperationType


class Collecting(logging.Handler):
    """Keeps every record it is handed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


def _collecting_logger(name: str) -> tuple[logging.Logger, Collecting]:
    logger = logging.getLogger(f"tests.context.{name}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    collecting = Collecting()
    logger.handlers = [collecting]
    return logger, collecting


@pytest.fixture
def mine() -> Iterator[tuple[logging.Logger, Collecting]]:
    logger, collecting = _collecting_logger("mine")
    yield logger, collecting
    logger.handlers = []


@pytest.fixture
def default_records() -> Iterator[Collecting]:
    """What reaches the SDK's default user logger (``lambda_durable.user``)."""
    collecting = Collecting()
    logger = logging.getLogger("lambda_durable.user")
    logger.addHandler(collecting)
    yield collecting
    logger.removeHandler(collecting)


def _field(record: logging.LogRecord, key: str) -> object:
    return record.__dict__.get(key)


# --- complete_execution_success / complete_execution_failure ------------------------


def test_complete_execution_success_stores_that_result_whatever_the_handler_returns() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.complete_execution_success({"total": 3}).map(lambda _: "returned later")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert json.loads(outcome.result or "") == {"total": 3}
    assert outcome.events[-1].event_type is EventType.EXECUTION_SUCCEEDED


def test_after_complete_execution_success_the_next_operation_ends_the_invocation() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
        return ctx.complete_execution_success("early").bind(
            lambda _: ctx.wait(Duration.hours(1), name="never recorded")
        )

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"early"'
    assert [e.event_type for e in outcome.events] == [
        EventType.EXECUTION_STARTED,
        EventType.INVOCATION_COMPLETED,
        EventType.EXECUTION_SUCCEEDED,
    ]


def test_no_step_body_runs_after_the_execution_was_completed() -> None:
    runs: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        def side_effect(_: object) -> str:
            runs.append("charged")
            return "charged"

        return ctx.complete_execution_success("early").bind(lambda _: ctx.step(side_effect, name="charge"))

    outcome = run_local(handler, {})
    assert outcome.result == '"early"'
    assert runs == []


def test_create_child_context_refuses_an_id_that_is_not_a_context() -> None:
    errors: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        step_id = ctx.next_operation_id()

        def then(value: str) -> str:
            _refused(ctx, step_id, errors)
            return value

        return ctx.step(lambda _: "x").map(then)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(errors) == 2
    assert "is a STEP, not a CONTEXT" in errors[0] and "is no operation" in errors[1]


def _refused(ctx: DurableContext, step_id: str, errors: list[str]) -> None:
    for bad in (step_id, "no-such-id"):
        with pytest.raises(ValueError) as refused:
            ctx.create_child_context(bad)
        errors.append(str(refused.value))


def test_complete_execution_success_refuses_a_value_it_cannot_serialize() -> None:
    seen: list[Result[None, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> str:
        seen.append(ctx.complete_execution_success(object()))
        return "the handler's own result"

    outcome = run_local(handler, {})
    assert len(seen) == 1 and isinstance(seen[0], Failure)
    assert isinstance(seen[0].failure(), SerdesFailed)
    # nothing was checkpointed: the execution ends with what the handler returned
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "\"the handler's own result\""


def test_complete_execution_failure_fails_the_execution_with_that_error() -> None:
    rejected = ErrorObject(error_type="OutOfStock", error_message="no widgets left")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.complete_execution_failure(rejected).map(lambda _: "returned later")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error == rejected
    assert outcome.result is None
    assert outcome.events[-1].event_type is EventType.EXECUTION_FAILED


# --- create_child_context -------------------------------------------------------------


def test_create_child_context_records_operations_under_the_given_context() -> None:
    ids: dict[str, str] = {}
    runs: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        ids["context"] = ctx.next_operation_id()

        def body(child: DurableContext) -> Result[str, DurableError]:
            ids["first inside"] = child.next_operation_id()
            again = ctx.create_child_context(ids["context"])

            def work(_: object) -> str:
                runs.append("work")
                return "done"

            return again.step(work, name="work").bind(
                lambda v: again.wait(Duration.seconds(5), name="pause").map(lambda _: v)
            )

        return ctx.run_in_child_context(body, name="outer")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"done"'
    step = next(op for op in outcome.operations if op.name == "work")
    # the same id and parent the child context's own first operation would get
    assert step.parent_id == ids["context"]
    assert step.id == ids["first inside"]
    assert runs == ["work"]  # replayed from the log after the wait


# --- loggers ----------------------------------------------------------------------------


def test_with_logger_returns_a_context_that_logs_through_that_logger(
    mine: tuple[logging.Logger, Collecting], default_records: Collecting
) -> None:
    logger, collecting = mine
    counters: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        quiet = ctx.with_logger(logger)
        quiet.logger.info("through mine")
        ctx.logger.info("through the default")

        def count(_: int) -> str:
            counters.extend([quiet.current_step_counter(), ctx.current_step_counter()])
            return "ok"

        # one context underneath: both draw ids from the same counter
        return quiet.step(lambda _: 1, name="a").bind(lambda _: ctx.step(lambda _: 2, name="b")).map(count)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert collecting.messages() == ["through mine"]
    assert default_records.messages() == ["through the default"]
    assert _field(collecting.records[0], "executionArn") == outcome.arn
    assert counters == [2, 2]


@pytest.mark.parametrize("method", ["set_logger", "configure_logger"])
def test_set_logger_switches_this_context_and_the_children_it_creates_later(
    method: str, mine: tuple[logging.Logger, Collecting], default_records: Collecting
) -> None:
    logger, collecting = mine

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        ctx.logger.info("before")
        getattr(ctx, method)(logger)
        ctx.logger.info("after")

        def body(child: DurableContext) -> Result[str, DurableError]:
            child.logger.info("in the child")
            return Success("ok")

        return ctx.run_in_child_context(body, name="child")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert default_records.messages() == ["before"]
    assert collecting.messages() == ["after", "in the child"]
    child_record = collecting.records[1]
    child_op = next(op for op in outcome.operations if op.name == "child")
    assert _field(child_record, "parentId") == child_op.id


def test_log_with_methods_write_each_level_with_the_fields_once_per_execution(
    mine: tuple[logging.Logger, Collecting],
) -> None:
    logger, collecting = mine
    invocations: list[int] = []

    @durable_handler(logger=logger)
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        invocations.append(1)
        ctx.log_info_with("order received", {"orderId": "o-1"})
        ctx.log_debug_with("looking up stock", {"sku": "w-7"})

        def after_wait(_: None) -> Result[str, DurableError]:
            ctx.log_warn_with("stock is low", {"left": 2})
            ctx.log_error_with("payment declined", {"code": "E42"})
            return Success("done")

        return ctx.wait(Duration.seconds(10), name="cool-off").bind(after_wait)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(invocations) == 2  # the lines before the wait were replayed, not repeated
    seen = [(r.levelname, r.getMessage()) for r in collecting.records]
    assert seen == [
        ("INFO", "order received"),
        ("DEBUG", "looking up stock"),
        ("WARNING", "stock is low"),
        ("ERROR", "payment declined"),
    ]
    fields = [(_field(r, "orderId"), _field(r, "sku"), _field(r, "left"), _field(r, "code")) for r in collecting.records]
    assert fields == [("o-1", None, None, None), (None, "w-7", None, None), (None, None, 2, None), (None, None, None, "E42")]
    assert {_field(r, "executionArn") for r in collecting.records} == {outcome.arn}


def test_a_step_body_logs_through_its_contexts_logger(mine: tuple[logging.Logger, Collecting]) -> None:
    logger, collecting = mine

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        ctx.set_logger(logger)

        def body(step: Any) -> str:
            step.logger.info("inside the step")
            return "ok"

        return ctx.step(body, name="logged")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert collecting.messages() == ["inside the step"]
    assert _field(collecting.records[0], "operationName") == "logged"


def test_a_field_named_like_a_log_record_attribute_is_kept_not_fatal(mine: tuple[logging.Logger, Collecting]) -> None:
    logger, collecting = mine

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> str:
        ctx.with_logger(logger).log_info_with("who", {"name": "bob", "msg": "hi", "plain": 1})
        return "ok"

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    record = collecting.records[0]
    assert (_field(record, "name_"), _field(record, "msg_"), _field(record, "plain")) == ("bob", "hi", 1)


# --- introspection -------------------------------------------------------------------


def test_next_operation_identifier_names_the_operation_recorded_next() -> None:
    seen: dict[str, Any] = {}

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        seen["root"] = ctx.next_operation_identifier("fetch")

        def body(child: DurableContext) -> Result[str, DurableError]:
            first = child.next_operation_identifier("inner")
            assert child.next_operation_identifier("inner") == first  # nothing is consumed
            seen["inner"] = first
            return child.step(lambda _: "x", name="inner")

        return ctx.run_in_child_context(body, name="fetch")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    by_name = {op.name: op for op in outcome.operations}
    root, inner = seen["root"], seen["inner"]
    assert (root.operation_id, root.parent_id, root.name) == (by_name["fetch"].id, None, "fetch")
    assert (inner.operation_id, inner.parent_id, inner.name) == (by_name["inner"].id, by_name["fetch"].id, "inner")
    assert by_name["inner"].type is OperationType.STEP


def test_current_step_counter_counts_the_ids_this_context_has_taken() -> None:
    counters: list[list[int]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        seen = [ctx.current_step_counter()]
        counters.append(seen)
        refused = ctx.wait(Duration.seconds(0))  # refused before an id is taken
        assert isinstance(refused, Failure)
        seen.append(ctx.current_step_counter())

        def note(value: object) -> int:
            seen.append(ctx.current_step_counter())
            return 0

        def body(child: DurableContext) -> Result[int, DurableError]:
            seen.append(child.current_step_counter())  # a child counts on its own
            return child.step(lambda _: 1).map(lambda _: child.current_step_counter())

        return (
            ctx.step(lambda _: 1)
            .map(note)
            .bind(lambda _: ctx.run_in_child_context(body))
            .map(seen.append)
            .bind(lambda _: ctx.wait(Duration.seconds(3)))
            .map(note)
            .map(lambda _: "ok")
        )

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    first, replay = counters
    # root: 0 at first, still 0 after the refused wait, 1 after the step; child: 0, then 1
    assert first == [0, 0, 1, 0, 1]  # the invocation ended at the wait (the root's third id)
    # the replay takes the same ids; the child's body is not run again (its result, 1, comes
    # from the log), and after the wait the root has taken 3 ids
    assert replay == [0, 0, 1, 1, 3]
