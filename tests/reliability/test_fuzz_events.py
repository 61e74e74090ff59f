"""Fuzz: malformed invocation events handed to a durable handler.

Whatever Lambda hands it, a handler answers an invocation output (SUCCEEDED, FAILED or
PENDING, as JSON) or raises one of its two typed errors: ``InvalidInvocationEvent`` for
an event that is not a durable invocation, ``ServiceUnavailable`` for a service that
asks to be retried. A FAILED output names a durable error, never a Python error from
deep inside (``KeyError``, ``TypeError``, ...): the workflow's own bodies cannot fail.
Events are random JSON, events with some of the right keys, and well-formed events
whose operation log holds anything (the workflow's own operation ids with the wrong
type, status or details, an EXECUTION operation with any input).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from fuzz import FUZZ, IDS, JSON, fields
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from lambda_durable import DurableContext, DurableError, Duration, durable_handler
from lambda_durable.client import ServiceError
from lambda_durable.handler import InvalidInvocationEvent, ServiceUnavailable
from lambda_durable.runtime.ids import operation_id
from lambda_durable.wire import CheckpointOutput, ExecutionStatePage, OperationUpdate

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fuzz:$LATEST/durable-execution/run/exec-1"
OWN_IDS = [operation_id(None, n) for n in (1, 2, 3)] + [operation_id(operation_id(None, 2), 1), "exec-1"]
"""The ids the workflow's operations take (and the execution's), so the log can collide."""
PYTHON_ERRORS = {"AttributeError", "KeyError", "TypeError", "IndexError", "ValueError", "AssertionError"}


class AnsweringClient:
    """A service that accepts every checkpoint and has no further pages."""

    def __init__(self) -> None:
        self.calls = 0

    def checkpoint(
        self, durable_execution_arn: str, checkpoint_token: str, updates: list[OperationUpdate]
    ) -> Result[CheckpointOutput, ServiceError]:
        self.calls += 1
        return Success(CheckpointOutput(new_execution_state=ExecutionStatePage(), checkpoint_token=f"t{self.calls}"))

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Result[ExecutionStatePage, ServiceError]:
        return Failure(ServiceError("InvalidParameterValueException", "Invalid marker", 400))


def _inner(child: DurableContext) -> Result[int, DurableError]:
    return child.step(lambda _: 2, name="two")


@durable_handler
def workflow(event: Any, ctx: DurableContext) -> int:
    """A step, a child context with a step, and a wait: each can meet a hostile log."""
    first = ctx.step(lambda _: 1, name="one").value_or(0)
    inner = ctx.run_in_child_context(_inner).value_or(0)
    ctx.wait(Duration.seconds(1))
    return first + inner


def _operations(loose: bool) -> st.SearchStrategy[dict[str, Any]]:
    timestamps: st.SearchStrategy[Any] = st.integers(min_value=-(2**63), max_value=2**63)
    if loose:
        timestamps |= st.floats() | st.text(max_size=30)
    errors = fields({"ErrorType": st.text(max_size=20), "ErrorMessage": st.text(max_size=20)}, loose)
    return fields(
        {
            "Id": st.sampled_from(OWN_IDS) | IDS,
            "ParentId": st.sampled_from(OWN_IDS) | IDS,
            "Name": st.sampled_from(["one", "two", "exec-1"]) | st.text(max_size=10),
            "Type": st.sampled_from(["EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE", "NOPE"]),
            "SubType": st.sampled_from(["Step", "Wait", "RunInChildContext", "Map"]) | st.text(max_size=10),
            "Status": st.sampled_from(
                ["STARTED", "PENDING", "READY", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED", "x"]
            ),
            "StartTimestamp": timestamps,
            "EndTimestamp": timestamps,
            "ExecutionDetails": fields({"InputPayload": st.text(max_size=30) | JSON.map(json.dumps)}, loose),
            "ContextDetails": fields(
                {"ReplayChildren": st.booleans(), "Result": st.sampled_from(["2", "{"]) | st.text(max_size=9), "Error": errors},
                loose,
            ),
            "StepDetails": fields(
                {
                    "Attempt": st.integers(min_value=-3, max_value=10),
                    "NextAttemptTimestamp": timestamps,
                    "Result": st.sampled_from(["1", "2", '"x"', "null", "{"]) | st.text(max_size=10),
                    "Error": errors,
                },
                loose,
            ),
            "WaitDetails": fields({"ScheduledEndTimestamp": timestamps}, loose),
            "CallbackDetails": fields({"CallbackId": st.text(max_size=10), "Result": st.text(max_size=10)}, loose),
        },
        loose,
        required=("Id", "Type", "Status", "StartTimestamp"),
    )


def _events(loose: bool) -> st.SearchStrategy[dict[str, Any]]:
    return fields(
        {
            "DurableExecutionArn": st.just(ARN) | st.text(max_size=30),
            "CheckpointToken": st.text(max_size=20),
            "InitialExecutionState": fields(
                {"Operations": st.lists(_operations(loose), max_size=6), "NextMarker": st.just("") | st.text(max_size=5)},
                loose,
                required=("Operations",),
            ),
            "UpdatedOperationIds": st.lists(IDS, max_size=3),
        },
        loose,
        required=("DurableExecutionArn", "CheckpointToken", "InitialExecutionState"),
    )


EVENTS = st.one_of(JSON, _events(loose=True), _events(loose=False))


@FUZZ
@given(EVENTS)
def test_fuzz_a_handler_answers_any_event_with_an_output_or_a_typed_error(event: Any) -> None:
    context = SimpleNamespace(durable_service_client=AnsweringClient())
    try:
        output = workflow(event, context)
    except (InvalidInvocationEvent, ServiceUnavailable):
        return
    assert output["Status"] in ("SUCCEEDED", "FAILED", "PENDING"), output
    assert output.get("Error", {}).get("ErrorType") not in PYTHON_ERRORS, output
    json.dumps(output)  # the runtime must be able to send it
