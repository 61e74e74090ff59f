"""Plugin hooks on the embedded backend: what fires when, isolation of a failing plugin,
and the infos' fields (the conformance suite 10-x covers the rest)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from returns.result import Result, Success

from lambda_durable import (
    AsyncDurableContext,
    ChildConfig,
    DurableContext,
    DurableError,
    DurablePlugin,
    Duration,
    InvocationInfo,
    InvocationStatus,
    JitterStrategy,
    OperationChangeInfo,
    OperationInfo,
    OperationStatus,
    OperationType,
    ParallelConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    UserFunctionInfo,
    UserFunctionOutcome,
    WaitDecision,
    WaitForConditionConfig,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import ExecutionStatus

RETRY_ONCE = StepConfig(retry_strategy=RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE))


class Recorder(DurablePlugin):
    """Keeps every hook call as (hook, info)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def on_invocation_start(self, info: InvocationInfo) -> None:
        self.calls.append(("invocation-start", info))

    def on_invocation_end(self, info: InvocationInfo) -> None:
        self.calls.append(("invocation-end", info))

    def on_operation_start(self, info: OperationInfo) -> None:
        self.calls.append(("operation-start", info))

    def on_operation_end(self, info: OperationInfo) -> None:
        self.calls.append(("operation-end", info))

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        self.calls.append(("operation-change", info))

    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        self.calls.append(("fn-start", info))

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        self.calls.append(("fn-end", info))

    def hooks(self, hook: str) -> list[Any]:
        return [info for name, info in self.calls if name == hook]


class Exploding(DurablePlugin):
    """Raises from every hook."""

    def on_invocation_start(self, info: InvocationInfo) -> None:
        raise RuntimeError("start")

    def on_invocation_end(self, info: InvocationInfo) -> None:
        raise RuntimeError("end")

    def on_operation_start(self, info: OperationInfo) -> None:
        raise RuntimeError("op start")

    def on_operation_end(self, info: OperationInfo) -> None:
        raise RuntimeError("op end")

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        raise RuntimeError("change")

    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        raise RuntimeError("fn start")

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        raise RuntimeError("fn end")


def _operations(events: Any) -> list[tuple[str, str | None, str | None]]:
    """The history's operation events (the execution's own carry per-run ids)."""
    return [(e.event_type.value, e.id, e.name) for e in events if e.sub_type is not None]


def _flaky(step: StepContext) -> str:
    if step.attempt == 1:
        raise ValueError("first attempt")
    return "ok"


def test_a_retried_step_over_two_invocations() -> None:
    plugin = Recorder()

    @durable_handler(plugins=[plugin])
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(_flaky, name="flaky", config=RETRY_ONCE)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED

    starts = plugin.hooks("invocation-start")
    ends = plugin.hooks("invocation-end")
    assert [i.is_first_invocation for i in starts] == [True, False]
    assert [i.status for i in ends] == [InvocationStatus.PENDING, InvocationStatus.SUCCEEDED]
    assert all(i.request_id for i in starts) and starts[0].request_id != starts[1].request_id
    assert starts[0].execution_start_time is not None and starts[0].execution_arn == outcome.arn

    op_starts = plugin.hooks("operation-start")
    assert [(i.is_replayed, i.attempt) for i in op_starts] == [(False, 1), (True, 2)]
    assert op_starts[1].status is OperationStatus.READY

    fn_ends = plugin.hooks("fn-end")
    assert [(i.attempt, i.outcome) for i in fn_ends] == [(1, UserFunctionOutcome.FAILED), (2, UserFunctionOutcome.SUCCEEDED)]
    assert fn_ends[0].error is not None and fn_ends[0].error.error_message == "first attempt"
    assert fn_ends[0].end_time is not None and fn_ends[0].end_time >= fn_ends[0].start_time

    (end,) = plugin.hooks("operation-end")
    assert end.status is OperationStatus.SUCCEEDED and end.attempt == 2 and end.result == '"ok"'
    assert end.name == "flaky" and end.operation_type is OperationType.STEP and end.sub_type == "Step"
    assert end.is_replayed  # the step was in the log when the second invocation began


def test_a_failing_plugin_changes_nothing_and_the_next_plugin_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    healthy = Recorder()
    alone = Recorder()

    def workflow(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "a", name="a").bind(
            lambda _: ctx.run_in_child_context(lambda c: c.step(lambda _: "b"), name="child")
        )

    with caplog.at_level(logging.WARNING, logger="lambda_durable.plugins"):
        both = run_local(durable_handler(plugins=[Exploding(), healthy])(workflow), {})
    reference = run_local(durable_handler(plugins=[alone])(workflow), {})

    assert both.status is ExecutionStatus.SUCCEEDED and both.result == reference.result
    assert _operations(both.events) == _operations(reference.events)
    assert [name for name, _ in healthy.calls] == [name for name, _ in alone.calls]
    assert any("Exploding raised in on_operation_end" in r.getMessage() for r in caplog.records)


def test_the_change_hook_reports_what_moved_and_the_full_map() -> None:
    plugin = Recorder()

    @durable_handler(plugins=[plugin])
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "x", name="one").bind(lambda _: ctx.step(lambda _: "y", name="two"))

    run_local(handler, {})
    changes: list[OperationChangeInfo] = plugin.hooks("operation-change")
    assert changes
    last = changes[-1]
    assert set(last.operations) >= set(last.updated_operations)
    assert {i.name for i in last.operations.values()} == {"one", "two"}
    assert all(i.status is OperationStatus.SUCCEEDED for i in last.operations.values())
    assert all(c.execution_arn.startswith("arn:") for c in changes)


def test_context_bodies_report_their_first_run_and_their_resumption() -> None:
    plugin = Recorder()

    @durable_handler(plugins=[plugin])
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.run_in_child_context(
            lambda c: c.wait(Duration.seconds(1)).map(lambda _: "done"), name="outer", config=ChildConfig()
        )

    run_local(handler, {})
    contexts = [i for i in plugin.hooks("fn-start") if i.operation_type is OperationType.CONTEXT]
    assert [(i.attempt, i.is_replayed, i.is_replay_children) for i in contexts] == [(1, False, False), (None, True, False)]
    # the first invocation suspends inside the body: no end for that run
    assert [i.outcome for i in plugin.hooks("fn-end")] == [UserFunctionOutcome.SUCCEEDED]
    # the context was still running on replay: announced again, once
    replayed = [i for i in plugin.hooks("operation-start") if i.is_replayed]
    assert [(i.operation_type, i.status) for i in replayed] == [(OperationType.CONTEXT, OperationStatus.STARTED)]


def test_condition_checks_are_user_functions() -> None:
    plugin = Recorder()

    @durable_handler(plugins=[plugin])
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        config = WaitForConditionConfig(
            initial_state=0,
            wait_strategy=lambda state, attempt: WaitDecision.stop()
            if state >= 2
            else WaitDecision.continue_after(Duration.seconds(1)),
        )
        return ctx.wait_for_condition(lambda state, check: state + 1, config=config)

    run_local(handler, {})
    checks = plugin.hooks("fn-end")
    assert [(i.attempt, i.outcome) for i in checks] == [(1, UserFunctionOutcome.SUCCEEDED), (2, UserFunctionOutcome.SUCCEEDED)]


def test_parallel_branches_take_their_names_from_the_item_namer() -> None:
    plugin = Recorder()

    @durable_handler(plugins=[plugin])
    def handler(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
        branches = [lambda c: Success("a"), lambda c: Success("b")]
        config = ParallelConfig(item_namer=lambda branch, index: f"lane-{index}")
        return ctx.parallel(branches, config=config).bind(lambda batch: batch.to_result())

    outcome = run_local(handler, {})
    assert outcome.result == '["a", "b"]'
    names = {e.name for e in outcome.events if e.sub_type == "ParallelBranch"}
    assert names == {"lane-0", "lane-1"}
    assert {i.name for i in plugin.hooks("fn-start")} == {"lane-0", "lane-1"}


def test_plugins_must_be_durable_plugins() -> None:
    with pytest.raises(TypeError, match="DurablePlugin"):
        durable_handler(plugins=[object()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="a list"):
        durable_handler(plugins=Recorder())  # type: ignore[call-overload]


def test_the_infos_are_frozen() -> None:
    plugin = Recorder()

    @durable_handler(plugins=[plugin])
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "x")

    run_local(handler, {})
    info = plugin.hooks("operation-end")[0]
    with pytest.raises(AttributeError):
        info.status = OperationStatus.FAILED


# --- the async API fires the same hooks ------------------------------------------------------


def _sequence(plugin: Recorder) -> list[tuple[str, str | None, int | None, str | None]]:
    """Each hook with what identifies it: the operation's name, attempt and outcome."""
    out: list[tuple[str, str | None, int | None, str | None]] = []
    for hook, info in plugin.calls:
        if isinstance(info, (OperationInfo, UserFunctionInfo)):
            outcome = info.outcome.value if isinstance(info, UserFunctionInfo) and info.outcome else None
            status = info.status.value if isinstance(info, OperationInfo) and info.status else None
            out.append((hook, info.name, info.attempt, outcome or status))
        elif isinstance(info, InvocationInfo):
            out.append((hook, None, None, info.status.value if info.status else None))
    return out


def test_the_async_api_fires_what_the_sync_api_fires() -> None:
    sync_plugin, async_plugin = Recorder(), Recorder()

    @durable_handler(plugins=[sync_plugin])
    def sync_handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(_flaky, name="flaky", config=RETRY_ONCE).bind(
            lambda _: ctx.run_in_child_context(lambda c: c.step(lambda _: "in", name="inner"), name="child")
        )

    @durable_handler(plugins=[async_plugin])
    async def async_handler(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
        await ctx.step(_flaky, name="flaky", config=RETRY_ONCE)

        async def child(c: AsyncDurableContext) -> Result[str, DurableError]:
            return await c.step(lambda _: "in", name="inner")

        return await ctx.run_in_child_context(child, name="child")

    assert run_local(sync_handler, {}).status is ExecutionStatus.SUCCEEDED
    assert run_local(async_handler, {}).status is ExecutionStatus.SUCCEEDED
    assert _sequence(async_plugin) == _sequence(sync_plugin)
    assert ("fn-end", "inner", 1, "SUCCEEDED") in _sequence(async_plugin)
