"""wait_for_condition on the embedded backend: polling, state, failures, replay."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    PollingStrategy,
    SerdesFailed,
    StepContext,
    WaitDecision,
    WaitForConditionConfig,
    WaitForConditionExhausted,
    WaitForConditionFailed,
    WaitStrategy,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import EventType, ExecutionStatus, OperationStatus


def wfc_events(outcome: Any) -> list[Any]:
    return [e for e in outcome.events if e.sub_type == "WaitForCondition"]


def test_polls_until_the_strategy_stops_carrying_the_state() -> None:
    seen: list[tuple[int, int]] = []

    def check(state: int, step: StepContext) -> int:
        seen.append((state, step.attempt))
        return state + 1

    @durable_handler
    def handler(event: int, ctx: DurableContext) -> Result[int, DurableError]:
        strategy: WaitStrategy[int] = WaitStrategy.fixed(Duration(2), should_continue=lambda n: n < event)
        return ctx.wait_for_condition(check, WaitForConditionConfig(0, strategy), name="poll-status")

    outcome = run_local(handler, 3)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "3"
    # each check ran exactly once, with the state the previous attempt stored
    assert seen == [(0, 1), (1, 2), (2, 3)]
    kinds = [(e.event_type, e.details.result.payload if e.details.result else None) for e in wfc_events(outcome)]
    assert kinds == [
        (EventType.STEP_STARTED, None),
        (EventType.STEP_SUCCEEDED, "1"),
        (EventType.STEP_STARTED, None),
        (EventType.STEP_SUCCEEDED, "2"),
        (EventType.STEP_STARTED, None),
        (EventType.STEP_SUCCEEDED, "3"),
    ]
    retries = [e.details.retry_details for e in wfc_events(outcome) if e.details.retry_details]
    assert [r.next_attempt_delay_seconds for r in retries] == [2, 2, None]
    assert all(e.name == "poll-status" for e in wfc_events(outcome))
    assert [e.event_type for e in outcome.events].count(EventType.INVOCATION_COMPLETED) == 3


def test_met_on_the_first_check_succeeds_in_one_invocation() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = WaitForConditionConfig("ready", WaitStrategy.fixed(Duration(5), should_continue=lambda s: s != "ready"))
        return ctx.wait_for_condition(lambda s, _: s, cfg)

    outcome = run_local(handler, None)
    assert outcome.result == '"ready"'
    assert [e.event_type for e in outcome.events].count(EventType.INVOCATION_COMPLETED) == 1


def test_code_before_and_after_replays_exactly_as_expected() -> None:
    steps: list[str] = []
    checks: list[int] = []

    def before(_: StepContext) -> str:
        steps.append("before")
        return "b"

    def after(_: StepContext) -> str:
        steps.append("after")
        return "a"

    def check(n: int, _: StepContext) -> int:
        checks.append(n)
        return n + 1

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda n: n < 2))
        return (
            ctx.step(before, name="before")
            .bind(lambda _: ctx.wait_for_condition(check, cfg, name="poll"))
            .bind(lambda n: ctx.step(after, name="after").map(lambda a: f"{a}{n}"))
        )

    outcome = run_local(handler, None)
    assert outcome.result == '"a2"'
    assert steps == ["before", "after"]
    assert checks == [0, 1]


@frozen
class Job:
    job_id: str
    polls: int
    done: bool


def test_attrs_state_round_trips_between_attempts() -> None:
    def check(job: Job, _: StepContext) -> Job:
        assert isinstance(job, Job)
        polls = job.polls + 1
        return Job(job.job_id, polls, polls >= 2)

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[Job, DurableError]:
        cfg = WaitForConditionConfig(
            Job("j-1", 0, False), WaitStrategy.fixed(Duration(1), should_continue=lambda j: not j.done)
        )
        return ctx.wait_for_condition(check, cfg)

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result_as(Job) == Success(Job("j-1", 2, True))


def test_exhausted_attempts_fail_never_a_silent_success() -> None:
    checks: list[int] = []

    def check(n: int, _: StepContext) -> int:
        checks.append(n)
        return n + 1

    results: list[Result[int, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda _: True, max_attempts=3))
        out = ctx.wait_for_condition(check, cfg, name="never")
        results.append(out)
        return out

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert checks == [0, 1, 2]
    assert outcome.error is not None
    assert outcome.error.error_type == "WaitForConditionExhausted"
    assert "exhausted 3 attempts" in (outcome.error.error_message or "")
    match results[-1]:
        case Failure(WaitForConditionFailed()):
            pass
        case other:
            pytest.fail(f"expected WaitForConditionFailed, got {other}")
    assert wfc_events(outcome)[-1].event_type is EventType.STEP_FAILED
    op = next(o for o in outcome.operations if o.name == "never")
    assert op.status is OperationStatus.FAILED


def test_condition_met_on_the_last_permitted_attempt_succeeds() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda n: n < 3, max_attempts=3))
        return ctx.wait_for_condition(lambda n, _: n + 1, cfg)

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "3"


def test_a_raising_check_fails_at_once_and_replays_the_same_failure() -> None:
    checks: list[int] = []
    results: list[Result[int, DurableError]] = []

    def check(n: int, _: StepContext) -> int:
        checks.append(n)
        raise RuntimeError("service unreachable")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda _: True))
        out = ctx.wait_for_condition(check, cfg)
        results.append(out)
        # a wait afterwards forces a replay of the failed poll
        return ctx.wait(Duration(1)).bind(lambda _: out.map(str).lash(lambda e: Success(f"caught {e.error_type}")))

    outcome = run_local(handler, None)
    assert outcome.result == '"caught RuntimeError"'
    assert checks == [0]  # never retried
    assert len(results) == 2 and results[0] == results[1]
    match results[0]:
        case Failure(WaitForConditionFailed() as err):
            assert err.error_message == "service unreachable"
        case other:
            pytest.fail(f"expected WaitForConditionFailed, got {other}")


def test_a_raising_strategy_fails_the_poll() -> None:
    def strategy(state: int, attempt: int) -> WaitDecision:
        raise ValueError("bad strategy")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.wait_for_condition(lambda n, _: n, WaitForConditionConfig(0, strategy))

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "ValueError"


def test_a_function_strategy_and_the_one_second_floor() -> None:
    def strategy(state: int, attempt: int) -> WaitDecision:
        return WaitDecision.continue_after(Duration(0)) if state < 2 else WaitDecision.stop()

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.wait_for_condition(lambda n, _: n + 1, WaitForConditionConfig(0, strategy))

    outcome = run_local(handler, None)
    assert outcome.result == "2"
    delays = [e.details.retry_details.next_attempt_delay_seconds for e in wfc_events(outcome) if e.details.retry_details]
    assert delays[0] == 1


class Upper:
    def serialize(self, value: str, /) -> str:
        return value.upper()

    def deserialize(self, data: str, /) -> str:
        return data.lower()


def test_custom_serdes_stores_the_state_verbatim() -> None:
    seen: list[str] = []

    def check(s: str, _: StepContext) -> str:
        seen.append(s)
        return s + "x"

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = WaitForConditionConfig(
            "a", WaitStrategy.fixed(Duration(1), should_continue=lambda s: len(s) < 3), serdes=Upper()
        )
        return ctx.wait_for_condition(check, cfg)

    outcome = run_local(handler, None)
    assert outcome.result == '"axx"'
    assert seen == ["a", "ax"]
    payloads = [e.details.result.payload for e in wfc_events(outcome) if e.details.result]
    assert payloads == ["AX", "AXX"]


def test_a_state_that_cannot_be_stored_is_a_serdes_failure() -> None:
    class Broken:
        def serialize(self, value: int, /) -> str:
            raise TypeError("cannot write")

        def deserialize(self, data: str, /) -> int:
            return 0

    results: list[Result[int, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda _: False), serdes=Broken())
        out = ctx.wait_for_condition(lambda n, _: n, cfg)
        results.append(out)
        return out

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert isinstance(results[0], Failure) and isinstance(results[0].failure(), SerdesFailed)


def test_changed_name_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        runs.append(1)
        cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda n: n < 2))
        return ctx.wait_for_condition(lambda n, _: n + 1, cfg, name="poll" if len(runs) == 1 else "poll-v2")

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_changed_type_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[Any, DurableError]:
        runs.append(1)
        if len(runs) == 1:
            cfg = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda n: n < 2))
            return ctx.wait_for_condition(lambda n, _: n + 1, cfg)
        return ctx.step(lambda _: 1)

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


# --- the built-in strategies, as documented ---------------------------------------------


def test_fixed_strategy() -> None:
    s: WaitStrategy[int] = WaitStrategy.fixed(Duration(7), should_continue=lambda n: n < 10, max_attempts=4)
    assert s(1, 1) == WaitDecision.continue_after(Duration(7))
    assert s(1, 3) == WaitDecision.continue_after(Duration(7))
    assert s(10, 4) == WaitDecision.stop()  # met on the last attempt: stop, not exhausted
    with pytest.raises(WaitForConditionExhausted, match="exhausted 4 attempts"):
        s(1, 4)


def test_exponential_strategy_without_jitter_grows_and_caps() -> None:
    s: WaitStrategy[int] = WaitStrategy.exponential(
        should_continue=lambda _: True,
        initial_delay=Duration(2),
        max_delay=Duration(10),
        backoff_rate=2.0,
        jitter=JitterStrategy.NONE,
        max_attempts=None,
    )
    assert [s(0, a).delay.total_seconds for a in range(1, 6)] == [2, 4, 8, 10, 10]
    assert s(0, 1000).should_continue  # no attempt limit


def test_exponential_strategy_jitter_stays_in_bounds() -> None:
    full: WaitStrategy[int] = WaitStrategy.exponential(should_continue=lambda _: True, initial_delay=Duration(8), backoff_rate=1.0)
    half: WaitStrategy[int] = WaitStrategy.exponential(
        should_continue=lambda _: True, initial_delay=Duration(8), backoff_rate=1.0, jitter=JitterStrategy.HALF
    )
    for _ in range(200):
        assert 1 <= full(0, 1).delay.total_seconds <= 8
        assert 4 <= half(0, 1).delay.total_seconds <= 8


def test_exponential_defaults_match_the_documentation() -> None:
    s: WaitStrategy[int] = WaitStrategy.exponential(should_continue=lambda _: True)
    assert isinstance(s, PollingStrategy)
    assert (s.max_attempts, s.initial_delay, s.max_delay, s.backoff_rate, s.jitter) == (
        60,
        Duration(5),
        Duration(300),
        1.5,
        JitterStrategy.FULL,
    )


def test_strategy_validation() -> None:
    with pytest.raises(ValueError):
        WaitStrategy.fixed(Duration(1), should_continue=lambda _: True, max_attempts=0)
    with pytest.raises(ValueError):
        WaitStrategy.exponential(should_continue=lambda _: True, backoff_rate=0.5)


class Counter:
    """Not a durable value: only a codec can store it."""

    def __init__(self, n: int) -> None:
        self.n = n


class CounterCodec:
    def serialize(self, value: Counter, /) -> str:
        return f"count={value.n}"

    def deserialize(self, data: str, /) -> Counter:
        return Counter(int(data.removeprefix("count=")))


def test_any_state_type_with_a_codec() -> None:
    def strategy(state: Counter, attempt: int) -> WaitDecision:
        return WaitDecision.continue_after(Duration(1)) if state.n < 2 else WaitDecision.stop()

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        cfg = WaitForConditionConfig.with_serdes(Counter(0), strategy, CounterCodec())
        return ctx.wait_for_condition(lambda c, _: Counter(c.n + 1), cfg).map(lambda c: c.n)

    outcome = run_local(handler, None)
    assert outcome.result == "2"
    payloads = [e.details.result.payload for e in wfc_events(outcome) if e.details.result]
    assert payloads == ["count=1", "count=2"]
