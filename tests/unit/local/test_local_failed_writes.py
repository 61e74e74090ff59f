"""A store write that fails changes nothing: not the store, not the service's working
state; the caller gets a ``ServiceException`` (500) and a retry once the store writes
again goes through. One test per path that writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from local_support import (
    A,
    ManualClock,
    callback,
    callback_id_of,
    end_session,
    invoke,
    open_session,
    step,
    wait,
)
from returns.pipeline import is_successful
from returns.result import Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.local.engine.service import LocalService
from lambda_durable.local.engine.store import ChangeSet, Store
from lambda_durable.local.engine.targets import Target
from lambda_durable.wire import (
    ExecutionStatus,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
    OperationType,
    OperationUpdate,
)


class FailingStore(Store):
    """A store whose writes fail while ``failing`` is set, as a full disk would."""

    failing = False

    def apply(self, *changes: ChangeSet) -> None:
        if self.failing:
            raise sqlite3.OperationalError("database or disk is full")
        super().apply(*changes)


def _image(service: LocalService) -> dict[str, Any]:
    """Everything the service holds about its executions, comparable with ``==``."""
    image: dict[str, Any] = {"executions": sorted(service._live)}
    for arn, live in service._live.items():
        image[arn] = (
            live.record,
            dict(live.ops),
            dict(live.positions),
            list(live.order),
            live.events.first(len(live.events)),
            live.token_seq,
            live.invocation,
            set(live.dirty),
            dict(live.updated_ids),
            dict(live.timers),
            set(live.ready),
            live.ready_seen,
            set(live.waiting),
            dict(live.callbacks),
            dict(live.chained),
            live.reinvoke,
            live.retry_at,
            live.completion,
        )
    return image


class Env:
    def __init__(self) -> None:
        self.store = FailingStore(":memory:")
        self.clock = ManualClock()
        self.service = LocalService(self.store, self.clock)
        self.service.resolver = lambda name: Target(name, durable=name == "child")

    def start(self, function_name: str = "fn") -> str:
        return self.service.start_execution(function_name, "null").unwrap()

    def fails_without_change(self, call: Callable[[], Result[Any, ServiceError]]) -> None:
        """``call`` with the store failing: a ``ServiceException`` and no change at all."""
        before, dump = _image(self.service), self.store.dump()
        self.store.failing = True
        try:
            answer = call()
        finally:
            self.store.failing = False
        assert not is_successful(answer)
        error = answer.failure()
        assert (error.code, error.http_status) == ("ServiceException", 500)
        assert "database or disk is full" in error.message
        assert _image(self.service) == before
        assert self.store.dump() == dump


@pytest.fixture
def env() -> Iterator[Env]:
    made = Env()
    yield made
    made.store.close()


def _status(env: Env, arn: str) -> ExecutionStatus:
    return env.service.execution(arn).unwrap().status


def test_start_execution(env: Env) -> None:
    env.fails_without_change(lambda: env.service.start_execution("fn", "null", execution_name="x"))
    assert env.service.start_execution("fn", "null", execution_name="x").unwrap()  # the name was not taken


def test_begin_invocation_and_checkpoint(env: Env) -> None:
    arn = env.start()
    env.fails_without_change(lambda: env.service.begin_invocation(arn))
    session = open_session(env.service, arn)
    env.fails_without_change(lambda: session.try_checkpoint(step("s1", A.START)))
    session.checkpoint(step("s1", A.START))  # the token did not move


def test_finishing_an_invocation_that_completes_the_execution(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    assert session.ticket is not None
    ticket, output = session.ticket, Success(InvocationOutput(InvocationStatus.SUCCEEDED, result='"done"'))
    env.fails_without_change(lambda: env.service.finish_invocation(ticket, output))
    assert _status(env, arn) is ExecutionStatus.RUNNING
    env.service.finish_invocation(ticket, output).unwrap()
    assert _status(env, arn) is ExecutionStatus.SUCCEEDED


def test_finishing_an_invocation_that_failed(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    assert session.ticket is not None
    ticket, output = session.ticket, Success(InvocationOutput(InvocationStatus.PENDING))  # nothing to wait on
    env.fails_without_change(lambda: env.service.finish_invocation(ticket, output))
    env.service.finish_invocation(ticket, output).unwrap()
    assert env.service.execution(arn).unwrap().failed_invocations == 1


def test_stopping_an_execution(env: Env) -> None:
    arn = env.start()
    env.fails_without_change(lambda: env.service.stop_execution(arn))
    env.service.stop_execution(arn).unwrap()
    assert _status(env, arn) is ExecutionStatus.STOPPED


def test_a_due_timer_fired_by_advance(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    session.checkpoint(wait("w1", 5))
    end_session(env.service, session)
    env.clock.advance(5)
    env.fails_without_change(lambda: env.service.advance(arn))
    env.service.advance(arn).unwrap()
    assert env.service.wants_invocation(arn)


def test_the_deadline_reached_by_advance_and_by_a_checkpoint(env: Env) -> None:
    arn = env.service.start_execution("fn", "null", timeout_seconds=10).unwrap()
    session = open_session(env.service, arn)
    env.clock.advance(10)
    env.fails_without_change(lambda: session.try_checkpoint(step("s1", A.START)))
    env.fails_without_change(lambda: env.service.advance(arn))
    env.service.advance(arn).unwrap()
    assert _status(env, arn) is ExecutionStatus.TIMED_OUT


def test_the_deadline_reached_by_a_callback_answer(env: Env) -> None:
    arn = env.service.start_execution("fn", "null", timeout_seconds=10).unwrap()
    session = open_session(env.service, arn)
    callback_id = callback_id_of(session.checkpoint(callback("cb")), "cb")
    end_session(env.service, session)
    env.clock.advance(10)
    env.fails_without_change(lambda: env.service.send_callback_success(callback_id, '"late"'))
    assert env.service.send_callback_success(callback_id, '"late"').failure().code == "InvalidParameterValueException"
    assert _status(env, arn) is ExecutionStatus.TIMED_OUT


def test_a_callback_timed_out_when_answered(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    callback_id = callback_id_of(session.checkpoint(callback("cb", heartbeat=5)), "cb")
    end_session(env.service, session)
    env.clock.advance(5)
    env.fails_without_change(lambda: env.service.send_callback_success(callback_id, '"late"'))
    assert env.service.send_callback_success(callback_id, '"late"').failure().code == "CallbackTimeoutException"


def test_callback_answers_and_heartbeats(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    callback_id = callback_id_of(session.checkpoint(callback("cb", heartbeat=5)), "cb")
    end_session(env.service, session)
    env.fails_without_change(lambda: env.service.send_callback_heartbeat(callback_id))
    env.fails_without_change(lambda: env.service.send_callback_failure(callback_id))
    env.fails_without_change(lambda: env.service.send_callback_success(callback_id, '"yes"'))
    env.service.send_callback_success(callback_id, '"yes"').unwrap()


def test_a_plain_invoke_target_returning(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    session.checkpoint(invoke("inv", "plain"))
    end_session(env.service, session)
    env.fails_without_change(lambda: env.service.complete_call(arn, "inv", Success('"hi"')))
    env.service.complete_call(arn, "inv", Success('"hi"')).unwrap()


def test_a_child_execution_starts_with_its_invoke_or_not_at_all(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    env.fails_without_change(lambda: session.try_checkpoint(invoke("inv", "child")))
    assert env.store.execution_arns() == [arn]
    session.checkpoint(invoke("inv", "child"))
    assert env.service.children(arn)


def test_a_child_execution_ends_with_its_parents_invoke_or_not_at_all(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    session.checkpoint(invoke("inv", "child"))
    end_session(env.service, session)
    [child_arn] = env.service.children(arn)
    child = open_session(env.service, child_arn)
    assert child.ticket is not None
    ticket, output = child.ticket, Success(InvocationOutput(InvocationStatus.SUCCEEDED, result='"from child"'))
    env.fails_without_change(lambda: env.service.finish_invocation(ticket, output))
    env.service.finish_invocation(ticket, output).unwrap()
    op = next(op for op in env.service.operations(arn).unwrap() if op.id == "inv")
    assert op.status is OperationStatus.SUCCEEDED
    assert op.chained_invoke_details is not None and op.chained_invoke_details.result == '"from child"'


def test_a_cancelled_invoke_stops_its_child_in_the_same_write(env: Env) -> None:
    arn = env.start()
    session = open_session(env.service, arn)
    session.checkpoint(invoke("inv", "child"))
    [child_arn] = env.service.children(arn)
    cancel = OperationUpdate(id="inv", type=OperationType.CHAINED_INVOKE, action=A.CANCEL, sub_type="ChainedInvoke")
    env.fails_without_change(lambda: session.try_checkpoint(cancel))
    assert _status(env, child_arn) is ExecutionStatus.RUNNING
    session.checkpoint(cancel)
    assert _status(env, child_arn) is ExecutionStatus.STOPPED


def test_an_abandoned_invocation_is_closed_when_the_store_writes_again(tmp_path: Any) -> None:
    path = str(tmp_path / "state.db")
    first = LocalService(Store(path), ManualClock())
    arn = first.start_execution("fn", "null").unwrap()
    first.begin_invocation(arn).unwrap()  # the process "dies" with this invocation open
    first.store.close()
    store = FailingStore(path)
    again = LocalService(store, ManualClock(first.clock.now() + timedelta(seconds=1)))
    dump = store.dump()
    store.failing = True
    error = again.begin_invocation(arn).failure()
    assert (error.code, error.http_status) == ("ServiceException", 500)
    assert store.dump() == dump and not again._live
    store.failing = False
    again.begin_invocation(arn).unwrap()
    assert again.execution(arn).unwrap().invocation_count == 2
    store.close()
