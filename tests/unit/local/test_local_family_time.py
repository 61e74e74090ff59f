"""Skipped time per family: one execution's jump does not move another's timers.

A family is an execution plus the chained child executions it waits on; on the
skipping clock each family has its own time (base time + what it skipped). Driven here
the way ``serve`` drives executions: the background ``Pump`` over one backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from returns.result import Failure, Result, Success

from lambda_durable import CallbackConfig, CallbackTimedOut, DurableContext, DurableError, Duration, durable_handler
from lambda_durable.local import LocalBackend, run_local
from lambda_durable.local.engine.clock import RealClock, SkippingClock, family_clock
from lambda_durable.local.http.pump import Pump
from lambda_durable.wire import Event, ExecutionStatus, OperationStatus, OperationType

HOUR = timedelta(hours=1)


@durable_handler
def hour_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.wait(Duration.hours(1), name="hour").map(lambda _: "waited")


@durable_handler
def approval(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """Suspends on a callback with a 5-minute timeout."""
    config = CallbackConfig(timeout=Duration.minutes(5))
    return ctx.create_callback(str, name="approval", config=config).bind(lambda cb: cb.result())


@durable_handler
def approval_then_hour(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """A 5-minute callback nobody answers, then its own 1-hour wait: its own skip times it out."""
    config = CallbackConfig(timeout=Duration.minutes(5))
    answer = ctx.create_callback(str, name="approval", config=config).bind(
        lambda cb: ctx.wait(Duration.hours(1), name="hour").bind(lambda _: cb.result())
    )
    match answer:
        case Failure(CallbackTimedOut()):
            return Success("timed out")
        case _:
            return answer


@durable_handler
def short_callback_then_long_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """A 3-minute callback nobody answers, then a 6-minute wait, then the callback's answer."""
    config = CallbackConfig(timeout=Duration.minutes(3))
    answer = ctx.create_callback(str, name="cb", config=config).bind(
        lambda cb: ctx.wait(Duration.minutes(6), name="six").bind(lambda _: cb.result())
    )
    match answer:
        case Failure(CallbackTimedOut()):
            return Success("timed out")
        case _:
            return answer


@durable_handler
def invokes_hour_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.invoke("hour_wait", None, str, name="child")


def _until(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _named(events: tuple[Event, ...] | list[Event], name: str, kind: str) -> Event:
    return next(e for e in events if e.name == name and e.event_type.value == kind)


@pytest.fixture
def pumped() -> Iterator[tuple[LocalBackend, Pump]]:
    with LocalBackend() as backend:  # the skipping clock, as ``serve`` without --real-time
        backend.register("hour_wait", hour_wait)
        backend.register("approval", approval, execution_timeout=600)
        backend.register("approval_then_hour", approval_then_hour)
        backend.register("invokes_hour_wait", invokes_hour_wait)
        backend.register("short_callback_then_long_wait", short_callback_then_long_wait)
        pump = Pump(backend)
        pump.start()
        try:
            yield backend, pump
        finally:
            pump.stop()


# --- the clock ---------------------------------------------------------------------------


def test_family_views_skip_independently_of_each_other_and_of_the_base() -> None:
    clock = SkippingClock()
    a, b = clock.family("a"), clock.family("b")
    assert clock.family("a") is a
    start_b = b.now()
    a.sleep_until(a.now() + HOUR)
    assert a.now() >= start_b + HOUR
    assert b.now() - start_b < timedelta(minutes=1)  # b did not skip
    assert clock.now() - start_b < timedelta(minutes=1)  # nor did the base
    late = clock.family("c")  # a new family starts at the base time, not at a's
    assert late.now() < a.now() - timedelta(minutes=59)


def test_a_family_view_is_monotonic_and_a_base_jump_moves_every_family() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    clock = SkippingClock(start=start)
    view = clock.family("a")
    stamps = [view.now() for _ in range(100)]
    assert stamps == sorted(stamps) and stamps[0] >= start
    view.sleep_until(start - timedelta(days=1))  # the past: no effect
    assert view.now() >= stamps[-1]
    before = view.now()
    clock.sleep_until(clock.now() + HOUR)
    assert view.now() >= before + HOUR


def test_clocks_without_views_are_shared() -> None:
    real = RealClock()
    assert family_clock(real, "a") is real and family_clock(real, "b") is real


# --- serve's pump: two families on one backend ------------------------------------------------


def test_one_executions_skipped_wait_does_not_time_out_anothers_callback(pumped: tuple[LocalBackend, Pump]) -> None:
    backend, pump = pumped
    b = backend.start("approval", "null").unwrap()  # 300 s callback timeout, 600 s execution timeout
    pump.watch(b)
    assert _until(lambda: backend.open_callbacks(b))
    a = backend.start("hour_wait", "null").unwrap()
    pump.watch(a)
    assert pump.wait_until_done(a, 10)

    done = backend.describe(a)
    assert done.status is ExecutionStatus.SUCCEEDED
    waited = _named(done.events, "hour", "WaitSucceeded").event_timestamp
    assert waited - _named(done.events, "hour", "WaitStarted").event_timestamp >= HOUR
    time.sleep(0.05)  # give the pump a few passes: nothing of b's may be due
    waiting = backend.describe(b)
    assert waiting.status is ExecutionStatus.RUNNING
    [cb] = [op for op in waiting.operations if op.type is OperationType.CALLBACK]
    assert cb.status is OperationStatus.STARTED
    assert backend.service.clock_of(b).now() < waited - timedelta(minutes=55)  # b's time stayed

    [info] = backend.open_callbacks(b)
    backend.send_callback_success(info.callback_id, '"yes"').unwrap()
    pump.poke()
    assert pump.wait_until_done(b, 10)
    answered = backend.describe(b)
    assert answered.status is ExecutionStatus.SUCCEEDED and answered.result == '"yes"'
    stamps = [e.event_timestamp for e in answered.events]
    assert stamps == sorted(stamps)


def test_an_executions_own_skipped_wait_still_times_out_its_callback(pumped: tuple[LocalBackend, Pump]) -> None:
    backend, pump = pumped
    bystander = backend.start("approval", "null").unwrap()
    pump.watch(bystander)
    arn = backend.start("approval_then_hour", "null").unwrap()
    pump.watch(arn)
    assert pump.wait_until_done(arn, 10)
    done = backend.describe(arn)
    assert done.status is ExecutionStatus.SUCCEEDED and done.result == '"timed out"'
    started = _named(done.events, "approval", "CallbackStarted").event_timestamp
    timed_out = _named(done.events, "approval", "CallbackTimedOut").event_timestamp
    assert timed_out - started >= timedelta(minutes=5)
    assert backend.describe(bystander).status is ExecutionStatus.RUNNING  # its 300 s are not up


def test_a_jump_to_a_wait_end_stops_first_at_a_callback_timeout_it_would_pass(
    pumped: tuple[LocalBackend, Pump],
) -> None:
    """The timeout fires at its own moment and re-invokes the handler; the wait ends
    later and re-invokes it again (two re-invocations, as on Lambda), not both at once."""
    backend, pump = pumped
    arn = backend.start("short_callback_then_long_wait", "null").unwrap()
    pump.watch(arn)
    assert pump.wait_until_done(arn, 10)
    done = backend.describe(arn)
    assert done.status is ExecutionStatus.SUCCEEDED and done.result == '"timed out"'
    started = _named(done.events, "cb", "CallbackStarted").event_timestamp
    timed_out = _named(done.events, "cb", "CallbackTimedOut")
    waited = _named(done.events, "six", "WaitSucceeded")
    assert timed_out.event_id < waited.event_id
    assert timedelta(minutes=3) <= timed_out.event_timestamp - started < timedelta(minutes=6)
    invocations = [e for e in done.events if e.event_type.value == "InvocationCompleted"]
    assert len(invocations) == 3


def test_a_chained_child_shares_its_parents_time_and_leaves_others_alone(pumped: tuple[LocalBackend, Pump]) -> None:
    backend, pump = pumped
    bystander = backend.start("approval", "null").unwrap()
    pump.watch(bystander)
    assert _until(lambda: backend.open_callbacks(bystander))
    parent = backend.start("invokes_hour_wait", "null").unwrap()
    pump.watch(parent)
    assert pump.wait_until_done(parent, 10)
    done = backend.describe(parent)
    assert done.status is ExecutionStatus.SUCCEEDED and done.result == '"waited"'
    invoked = _named(done.events, "child", "ChainedInvokeStarted")
    child_arn = invoked.details.durable_execution_arn
    assert child_arn is not None and backend.root_execution(child_arn) == parent
    child = backend.describe(child_arn)
    assert child.events[0].event_timestamp >= invoked.event_timestamp  # starts at the parent's time
    ended = _named(done.events, "child", "ChainedInvokeSucceeded").event_timestamp
    assert ended - invoked.event_timestamp >= HOUR  # the parent lived through the child's hour
    assert backend.describe(bystander).status is ExecutionStatus.RUNNING


def test_run_local_keeps_one_family_on_one_time() -> None:
    outcome = run_local(invokes_hour_wait, functions={"hour_wait": hour_wait})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    stamps = [e.event_timestamp for e in outcome.events]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] >= HOUR
