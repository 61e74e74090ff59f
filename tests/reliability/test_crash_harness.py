"""Crash harness: every execution's worker process is SIGKILLed mid-invocation, at one or
two points of the workflow chosen per execution (``crash_workflow``), and the service
re-invokes on a new worker.

Each execution must end with the right result after at least one killed invocation;
the at-most-once step's body never runs twice in one attempt (its side effects are
counted in a file); every operation completes exactly once in the history and none is
lost. The default run keeps a short version; the long one is
``LAMBDA_DURABLE_CRASH_EXECUTIONS=1000 pytest tests/reliability/test_crash_harness.py``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from lambda_durable.local import HandlerRef, LocalBackend
from lambda_durable.local.engine.callbacks import CallbackStartedInfo
from lambda_durable.local.api import CallbackSender
from lambda_durable.local.invoke.pool import WorkerPool
from lambda_durable.wire import ExecutionStatus, OperationStatus
from crash_workflow import FOLDER_VAR, kill_points

WORKFLOW = HandlerRef(str(Path(__file__).with_name("crash_workflow.py")), "HANDLERS", "workflow")
EXECUTIONS = int(os.environ.get("LAMBDA_DURABLE_CRASH_EXECUTIONS", "4"))
CLOSING = ("StepSucceeded", "ContextSucceeded", "WaitSucceeded", "CallbackSucceeded")


def _approve(info: CallbackStartedInfo, sender: CallbackSender) -> None:
    sender.send_callback_success(info.callback_id, '"approved"').unwrap()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(FOLDER_VAR, str(tmp_path))
    return tmp_path


def test_every_execution_survives_its_killed_workers(folder: Path) -> None:
    with WorkerPool(2) as pool, LocalBackend() as backend:
        backend.register("workflow", WORKFLOW, durable=True, invoker=pool.invoker(WORKFLOW))
        backend.on_callback_started(_approve)
        arns = {backend.start("workflow", json.dumps(n)).unwrap(): n for n in range(EXECUTIONS)}
        for arn, n in arns.items():
            outcome = backend.run_until_settled(arn)
            assert outcome.status is ExecutionStatus.SUCCEEDED, (n, outcome.error)
            assert json.loads(outcome.result or "null") == 12 * (n + 1)
            events = backend.history(arn)
            killed = [
                e.details.error
                for e in events
                if e.event_type.value == "InvocationCompleted" and e.details.error is not None
            ]
            messages = [k.payload.error_message if k.payload else None for k in killed]
            assert messages and all("signal 9" in (m or "") for m in messages), messages
            assert len(killed) <= len(kill_points(arn))
            closing = Counter(e.id for e in events if e.event_type.value in CLOSING)
            assert set(closing.values()) == {1}, closing  # no outcome recorded twice ...
            assert {op.status for op in outcome.operations} == {OperationStatus.SUCCEEDED}  # ... or lost
    runs = Counter(tuple(json.loads(line)) for line in (folder / "side-effects.jsonl").read_text().splitlines())
    assert set(runs.values()) == {1}  # an at-most-once body never ran twice in one attempt
    assert {arn for arn, _attempt in runs} == set(arns)
