"""``lambda_durable.testing.replay``: edited handlers against saved histories."""

from __future__ import annotations

import json
from typing import Any

import pytest
import replay_handlers as h
from returns.pipeline import is_successful
from returns.result import Success

from lambda_durable.handler import DurableHandler
from lambda_durable.local import LocalBackend, run_local
from lambda_durable.testing import InvalidHistory, OperationIdentity, ReplayDivergence, ReplayEnd, replay
from lambda_durable.wire import API_JSON, Event, InvocationStatus, OperationType


def _history(handler: DurableHandler[Any, Any]) -> tuple[Event, ...]:
    return run_local(handler, "o-1").events


def _in_flight(handler: DurableHandler[Any, Any]) -> list[Event]:
    """The history of an execution waiting (on a one-hour wait) in its child context."""
    with LocalBackend() as backend:
        backend.register("w", handler)
        arn = backend.start("w", '"o-1"').unwrap()
        backend.run_until_idle(arn)
        return backend.history(arn)


def _divergence(handler: DurableHandler[Any, Any], history: Any) -> ReplayDivergence:
    before = dict(h.BODY_RUNS)
    outcome = replay(handler, history)
    assert dict(h.BODY_RUNS) == before, "a replay ran a step body"
    assert not is_successful(outcome), outcome
    return outcome.failure()


def _step(name: str, parent: str | None = None) -> OperationIdentity:
    return OperationIdentity(OperationType.STEP, "Step", name, parent)


def test_the_unchanged_handler_replays_cleanly_without_running_a_body() -> None:
    history = _history(h.original)
    before = dict(h.BODY_RUNS)
    report = replay(h.original, history).unwrap()
    assert dict(h.BODY_RUNS) == before
    assert (report.end, report.operations, report.status) == (ReplayEnd.COMPLETED, 3, InvocationStatus.SUCCEEDED)


def test_the_history_document_replays_as_its_events_do() -> None:
    history = _history(h.original)
    document = json.loads(json.dumps({"Events": [API_JSON.encode(e) for e in history]}))
    assert replay(h.original, document) == replay(h.original, history)


@pytest.mark.parametrize(
    ("edited", "produced"),
    [(h.reordered, "ship"), (h.renamed, "bill"), (h.inserted, "check fraud"), (h.removed, "ship")],
    ids=["reordered", "renamed", "inserted", "removed"],
)
def test_an_edited_step_is_the_first_divergence(edited: DurableHandler[Any, Any], produced: str) -> None:
    history = _history(h.original)
    charge = next(e for e in history if e.name == "charge")
    divergence = _divergence(edited, history)
    assert divergence.operation_id == charge.id
    assert (divergence.recorded, divergence.produced) == (_step("charge"), _step(produced))
    assert "'charge'" in str(divergence) and f"'{produced}'" in str(divergence)


def test_a_removed_last_step_is_an_operation_the_code_no_longer_reaches() -> None:
    history = _history(h.original)
    divergence = _divergence(h.removed_last, history)
    assert divergence.operation_id == history[-3].id  # StepStarted, StepSucceeded, ExecutionSucceeded
    assert (divergence.recorded, divergence.produced) == (_step("ship"), None)
    assert "no longer reaches" in divergence.message


def test_a_step_after_the_recorded_end_diverges() -> None:
    divergence = _divergence(h.appended, _history(h.original))
    assert (divergence.recorded, divergence.produced) == (None, _step("thank"))
    assert "ExecutionSucceeded" in divergence.message


def test_a_changed_step_inside_a_running_child_context() -> None:
    history = _in_flight(h.with_child)
    packing = next(e for e in history if e.name == "packing")
    divergence = _divergence(h.with_child_changed, history)
    assert (divergence.recorded, divergence.produced) == (_step("pack", packing.id), _step("wrap", packing.id))


def test_a_renamed_child_context() -> None:
    divergence = _divergence(h.with_child_renamed, _in_flight(h.with_child))
    assert divergence.recorded == OperationIdentity(OperationType.CONTEXT, "RunInChildContext", "packing", None)
    assert divergence.produced == OperationIdentity(OperationType.CONTEXT, "RunInChildContext", "boxing", None)


def test_an_execution_in_flight_replays_to_its_open_wait() -> None:
    report = replay(h.with_child, _in_flight(h.with_child)).unwrap()
    assert (report.end, report.operations, report.status) == (ReplayEnd.SUSPENDED, 4, InvocationStatus.PENDING)


def test_the_code_going_past_the_history_runs_no_new_body() -> None:
    history = _history(h.original)[:5]  # ... StepSucceeded of "charge"
    before = dict(h.BODY_RUNS)
    report = replay(h.original, history).unwrap()
    assert dict(h.BODY_RUNS) == before
    assert (report.end, report.next_operation) == (ReplayEnd.CONTINUES, _step("ship"))


def test_a_step_in_flight_is_not_run_again() -> None:
    history = _history(h.original)[:4]  # ... StepStarted of "charge"
    before = dict(h.BODY_RUNS)
    assert replay(h.original, history).map(lambda r: r.end) == Success(ReplayEnd.SUSPENDED)
    assert dict(h.BODY_RUNS) == before


def test_a_changed_map_item_of_a_running_map() -> None:
    with LocalBackend() as backend:
        backend.register("w", h.fan_out_waiting)
        arn = backend.start("w", '"o-1"').unwrap()
        backend.run_until_idle(arn)
        history = backend.history(arn)
    assert replay(h.fan_out_waiting, history).map(lambda r: r.end) == Success(ReplayEnd.SUSPENDED)
    divergence = _divergence(h.fan_out_waiting_changed, history)
    # the branches run at once: either item's step may be the first one checked
    assert divergence.recorded is not None and divergence.recorded.name in {"pick a", "pick b"}
    assert divergence.produced is not None and divergence.produced.name == "take " + divergence.recorded.name[-1]


def _doc(events: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"Events": events, **more}


@pytest.mark.parametrize(
    ("mangle", "says"),
    [
        (lambda d: {"events": d["Events"]}, 'no "Events" list'),
        (lambda d: _doc([]), "no events"),
        (lambda d: _doc(d["Events"][1:]), "EventId 1 is missing"),
        (lambda d: _doc(d["Events"][:2] + d["Events"][3:]), "EventId 3 is missing"),
        (lambda d: _doc(d["Events"], NextMarker="5"), "NextMarker"),
        (lambda d: _doc(d["Events"][:3], NextToken="eyJNYXJrZXIiOiI0In0="), "NextMarker"),  # aws --max-items
        (lambda d: _doc([{**d["Events"][0], "EventType": "Nope"}] + d["Events"][1:]), "Events[0]"),
        (lambda d: _doc([{"EventId": 1}]), "Events[0]"),
    ],
    ids=["no-events-key", "empty", "first-missing", "gap", "next-marker", "cli-next-token", "bad-type", "bad-event"],
)
def test_a_document_that_is_no_whole_history_is_refused(mangle: Any, says: str) -> None:
    document = {"Events": [API_JSON.encode(e) for e in _history(h.original)]}
    with pytest.raises(InvalidHistory, match=says.replace("[", r"\[").replace("]", r"\]")):
        replay(h.original, mangle(document))


def test_a_history_without_execution_data_is_refused() -> None:
    document = {"Events": [API_JSON.encode(e) for e in _history(h.original)]}
    document["Events"][0]["ExecutionStartedDetails"]["Input"] = {"Truncated": True}
    with pytest.raises(InvalidHistory, match="include-execution-data"):
        replay(h.original, document)


def test_a_plain_function_is_refused() -> None:
    with pytest.raises(TypeError, match="durable_handler"):
        replay(lambda event, context: None, _history(h.original))  # type: ignore[arg-type]
