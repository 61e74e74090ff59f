"""The process-isolated invoker: one child per invocation, RPC over pipes, crashes survived."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambda_durable.local import HandlerRef, LocalBackend
from lambda_durable.wire import ExecutionStatus

HANDLERS_FILE = str(Path(__file__).with_name("local_isolated_handlers.py"))


def _kinds(backend: LocalBackend, arn: str) -> list[str]:
    return [e.event_type.value for e in backend.history(arn)]


def test_a_crashed_child_is_a_failed_invocation_and_is_reinvoked(capfd: pytest.CaptureFixture[str]) -> None:
    with LocalBackend() as backend:
        backend.register("fn", HandlerRef(HANDLERS_FILE, "HANDLERS", "crash"), isolated=True)
        arn = backend.start("fn", '"in"').unwrap()
        outcome = backend.run_until_settled(arn)
        logs = backend.logs(arn)
    assert outcome.status is ExecutionStatus.FAILED
    assert [e.event_type.value for e in outcome.events] == [
        "ExecutionStarted",
        "StepStarted",
        "InvocationCompleted",
        "StepFailed",
        "InvocationCompleted",
        "ExecutionFailed",
    ]
    crashed = outcome.events[2].details.error
    assert crashed is not None and crashed.payload is not None
    assert crashed.payload.error_type == "Runtime.ExitError"
    assert "exit status 1" in (crashed.payload.error_message or "")
    assert outcome.events[4].details.error is None
    failed = outcome.events[3]
    assert failed.name == "flaky"
    assert failed.details.retry_details is not None and failed.details.retry_details.current_attempt == 1
    assert [(r["message"], r["operationId"], r["level"]) for r in logs] == [("about to crash", "s1", "INFO")]
    assert logs[0]["executionArn"] == arn
    captured = capfd.readouterr()
    assert "stdout chatter is fine" in captured.out
    assert "so is plain stderr" in captured.err


def test_rpc_checkpoint_and_paging_from_a_child() -> None:
    with LocalBackend() as backend:
        backend.register("fn", HandlerRef(HANDLERS_FILE, "HANDLERS", "pages"), isolated=True)
        outcome = backend.run_until_settled(backend.start("fn", None).unwrap())
    assert outcome.status is ExecutionStatus.SUCCEEDED, outcome.events
    assert outcome.result == '"s0,s1,s2"'


def test_a_module_level_function_can_be_isolated_by_itself() -> None:
    import local_isolated_handlers

    with LocalBackend() as backend:
        backend.register("fn", local_isolated_handlers.raises, isolated=True)
        outcome = backend.run_until_settled(backend.start("fn", None).unwrap())
    assert outcome.status is ExecutionStatus.FAILED
    error = outcome.events[1].details.error
    assert error is not None and error.payload is not None
    assert error.payload.error_type == "KeyError"
    assert outcome.error is not None and outcome.error.error_type == "KeyError"


def test_an_unloadable_reference_fails_the_invocations() -> None:
    with LocalBackend() as backend:
        backend.register("fn", HandlerRef(HANDLERS_FILE, "HANDLERS", "nope"), isolated=True)
        outcome = backend.run_until_settled(backend.start("fn", None).unwrap())
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.error_type == "Runtime.ImportModuleError"
    assert "has no key 'nope'" in (outcome.error.error_message or "")


def _prints(event: dict[str, Any], context: Any) -> dict[str, Any]:
    print("hello from the handler")
    return {"Status": "SUCCEEDED", "Result": "1"}


def test_printed_lines_are_kept_per_execution_when_asked() -> None:
    with LocalBackend(keep_stdout=True) as backend:
        backend.register("isolated", HandlerRef(HANDLERS_FILE, "HANDLERS", "crash"), isolated=True)
        backend.register("in-process", _prints)
        crashed = backend.start("isolated", '"in"').unwrap()
        backend.run_until_settled(crashed)
        plain = backend.start("in-process", "{}").unwrap()
        backend.run_until_settled(plain)
        for arn, expected in ((crashed, ["stdout chatter is fine"]), (plain, ["hello from the handler"])):
            printed = [r for r in backend.logs(arn) if r.get("stream") == "stdout"]
            assert [r["message"] for r in printed] == expected
            assert all(r["executionArn"] == arn for r in printed)


def test_printed_lines_are_not_kept_by_default() -> None:
    with LocalBackend() as backend:
        backend.register("fn", _prints)
        arn = backend.start("fn", "{}").unwrap()
        backend.run_until_settled(arn)
        assert backend.logs(arn) == []
