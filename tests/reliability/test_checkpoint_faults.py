"""Checkpoint fault injection: one service call in ten fails (throttled, server error,
connection reset, read timeout, or the answer lost after the service applied it).

Every execution of a workflow mixing steps, an at-most-once step, a child context, a
map and a wait must still end with the right result, the failed calls showing only as
failed invocations the service re-invoked; each operation completes once in the
history; an at-most-once body never runs twice in one attempt.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from collections.abc import Callable

import pytest
from returns.result import Result

from lambda_durable import (
    BatchResult,
    DurableContext,
    DurableError,
    Duration,
    StepContext,
    durable_handler,
)
from lambda_durable.local import LocalBackend
from lambda_durable.local.invoke.invokers import InProcessInvoker
from lambda_durable.wire import ExecutionStatus
from crash_workflow import AT_MOST_ONCE
from faults import Fault, FaultPlan, FaultyInvoker

RATE = 0.1
EXECUTIONS = int(os.environ.get("LAMBDA_DURABLE_FAULT_EXECUTIONS", "40"))
"""Executions in the run (the long run: ``LAMBDA_DURABLE_FAULT_EXECUTIONS=1000``)."""
SEED = 20261202
SIDE_EFFECTS_VAR = "LAMBDA_DURABLE_SIDE_EFFECTS"

def _charge(event: int, amount: int) -> Callable[[StepContext], int]:
    def body(step: StepContext) -> int:
        with open(os.environ[SIDE_EFFECTS_VAR], "a") as effects:  # one line per body run
            effects.write(json.dumps([event, step.attempt]) + "\n")
        return amount

    return body


def _times(factor: int) -> Callable[[DurableContext, int, int], Result[int, DurableError]]:
    def item_step(item_ctx: DurableContext, item: int, _index: int) -> Result[int, DurableError]:
        return item_ctx.step(lambda _: item * factor, name="times")

    return item_step


def _total(batch: BatchResult[int]) -> Result[list[int], DurableError]:
    return batch.to_result()


@durable_handler
def order(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """20 * (event + 1), through every kind of operation."""
    return (
        ctx.step(lambda _: event + 1, name="first")
        .bind(lambda a: ctx.step(_charge(event, a), name="charge", config=AT_MOST_ONCE))
        .bind(lambda b: ctx.run_in_child_context(lambda child: child.step(lambda _: 2 * b, name="double"), name="inner"))
        .bind(lambda c: ctx.map([1, 2, 3, 4], _times(c), name="fan"))
        .bind(_total)
        .bind(lambda items: ctx.wait(Duration.seconds(5), name="pause").map(lambda _: sum(items)))
    )


@pytest.fixture
def side_effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "side-effects.jsonl"
    monkeypatch.setenv(SIDE_EFFECTS_VAR, str(path))
    return path


def test_executions_complete_right_under_checkpoint_faults(side_effects: Path) -> None:
    plan = FaultPlan(RATE, SEED)
    with LocalBackend() as backend:
        backend.register("order", order, invoker=FaultyInvoker(InProcessInvoker(order), plan))
        arns = {backend.start("order", json.dumps(n)).unwrap(): n for n in range(EXECUTIONS)}
        failed_invocations = 0
        for arn, n in arns.items():
            outcome = backend.run_until_settled(arn)
            assert outcome.status is ExecutionStatus.SUCCEEDED, (n, outcome.error)
            assert json.loads(outcome.result or "null") == 20 * (n + 1)
            events = backend.history(arn)
            closing = Counter(
                e.id for e in events if e.event_type.value in ("StepSucceeded", "ContextSucceeded", "WaitSucceeded")
            )
            assert set(closing.values()) == {1}, closing  # each operation completed once
            failed_invocations += sum(
                1 for e in events if e.event_type.value == "InvocationCompleted" and e.details.error is not None
            )
    runs = Counter(tuple(json.loads(line)) for line in side_effects.read_text().splitlines())
    assert set(runs.values()) == {1}  # an at-most-once body never ran twice in one attempt
    assert {event for event, _attempt in runs} == set(range(EXECUTIONS))
    assert set(plan.injected) == set(Fault)  # every kind of fault was met ...
    assert failed_invocations >= sum(plan.injected.values()) // 2  # ... and cost invocations, not executions
