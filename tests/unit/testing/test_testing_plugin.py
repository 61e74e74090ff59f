"""The ``durable_backend`` fixture the pytest plugin provides (through the installed entry point)."""

from __future__ import annotations

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, Duration, durable_handler
from lambda_durable.local import CallbackSender, CallbackStartedInfo, LocalBackend
from lambda_durable.wire import ExecutionStatus


@durable_handler
def approval(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.wait_for_callback(lambda _id, _ctx: None, str, name="manager").map(lambda v: f"{event}: {v}")


@durable_handler
def reminder(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.wait(Duration.hours(1)).bind(lambda _: ctx.step(lambda _: f"remind {event}"))


def test_the_fixture_is_an_empty_in_memory_backend(durable_backend: LocalBackend) -> None:
    assert isinstance(durable_backend, LocalBackend)
    assert durable_backend.executions() == []
    assert durable_backend.store.path == ":memory:"


def test_each_test_gets_its_own_backend(durable_backend: LocalBackend) -> None:
    durable_backend.register("reminder", reminder)
    durable_backend.start("reminder", '"bo"').unwrap()
    assert len(durable_backend.executions()) == 1  # the test above saw none


def test_a_callback_answered_when_it_starts(durable_backend: LocalBackend) -> None:
    def answer(info: CallbackStartedInfo, sender: CallbackSender) -> None:
        sender.send_callback_success(info.callback_id, '"yes"')

    durable_backend.on_callback_started(answer)
    durable_backend.register("approval", approval)
    arn = durable_backend.start("approval", '"o-1"').unwrap()
    assert durable_backend.run_until_settled(arn).result_as(str) == Success("o-1: yes")


def test_run_to_the_next_suspension_then_advance_the_clock(durable_backend: LocalBackend) -> None:
    durable_backend.register("reminder", reminder)
    arn = durable_backend.start("reminder", '"ana"').unwrap()
    assert durable_backend.run_until_idle(arn).status is ExecutionStatus.RUNNING
    assert durable_backend.advance_clock(arn, 3600)
    assert durable_backend.run_until_idle(arn).result == '"remind ana"'
