"""Raw handlers for the process-isolated invoker tests (imported by reference in a child)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from lambda_durable.wire import ErrorObject, OperationAction, OperationType, OperationUpdate

LOG = logging.getLogger("isolated.user")


def _ops(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["Id"]: op for op in event["InitialExecutionState"]["Operations"]}


def crash_in_step(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """CR 1-17 shape: START (sync), log, die; the replay fails the interrupted step."""
    client = context.durable_service_client
    arn, token = event["DurableExecutionArn"], event["CheckpointToken"]
    ops = _ops(event)
    step = ops.get("s1")
    if step is None:
        start = OperationUpdate(
            id="s1", type=OperationType.STEP, action=OperationAction.START, sub_type="Step", name="flaky"
        )
        client.checkpoint(arn, token, [start]).unwrap()
        LOG.info("about to crash", extra={"executionArn": arn, "operationId": "s1"})
        print("stdout chatter is fine")
        print("so is plain stderr", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    assert step["Status"] == "STARTED"
    error = ErrorObject(error_type="StepInterruptedError", error_message="interrupted")
    fail = OperationUpdate(
        id="s1", type=OperationType.STEP, action=OperationAction.FAIL, sub_type="Step", error=error
    )
    client.checkpoint(arn, token, [fail]).unwrap()
    return {"Status": "FAILED", "Error": {"ErrorType": "StepInterruptedError", "ErrorMessage": "interrupted"}}


def steps_and_pages(event: dict[str, Any], context: Any) -> dict[str, Any]:
    client = context.durable_service_client
    arn, token = event["DurableExecutionArn"], event["CheckpointToken"]
    updates = [
        OperationUpdate(id=f"s{i}", type=OperationType.STEP, action=action, sub_type="Step", payload=payload)
        for i in range(3)
        for action, payload in ((OperationAction.START, None), (OperationAction.SUCCEED, f'"{i}"'))
    ]
    out = client.checkpoint(arn, token, updates).unwrap()
    assert out.checkpoint_token
    page = client.get_execution_state(arn, out.checkpoint_token, "", 2).unwrap()
    assert page.next_marker
    rest = client.get_execution_state(arn, out.checkpoint_token, page.next_marker, 10).unwrap()
    ids = [op.id for op in (*page.operations, *rest.operations)]
    stale = client.checkpoint(arn, token, [])
    assert stale.value_or(None) is None
    return {"Status": "SUCCEEDED", "Result": '"' + ",".join(ids[1:]) + '"'}


def raises(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise KeyError("missing thing")


HANDLERS = {"crash": crash_in_step, "pages": steps_and_pages}
