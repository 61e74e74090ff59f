"""Shared callback / wait_for_callback / invoke requirements on the real local backend.

The handlers are raw ``(event, context) -> dict`` functions that checkpoint exactly what
the SDK would (CALLBACK, WAIT, CONTEXT, CHAINED_INVOKE updates through
``context.durable_service_client``), so these tests prove the runner's callback driving
(actions, Delay on the virtual clock, heartbeats, names) and ``FUNCTIONS`` registration
end to end, independently of the SDK.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lambda_durable.conformance import cli

SHARED = Path(os.environ.get("CONFORMANCE_REQUIREMENTS", "/work/shared/conformance/requirements"))

HANDLERS = '''\
import json

from lambda_durable.wire import (
    PYTHON,
    CallbackOptions,
    ChainedInvokeOptions,
    OperationAction as A,
    OperationType as T,
    OperationUpdate,
    WaitOptions,
)

PENDING = {"Status": "PENDING"}


class Session:
    def __init__(self, event, context):
        self.client = context.durable_service_client
        self.arn = event["DurableExecutionArn"]
        self.token = event["CheckpointToken"]
        self.ops = {op["Id"]: op for op in event["InitialExecutionState"]["Operations"]}
        execution = next(op for op in self.ops.values() if op["Type"] == "EXECUTION")
        self.input = json.loads(execution["ExecutionDetails"].get("InputPayload") or "null")

    def checkpoint(self, *updates):
        out = self.client.checkpoint(self.arn, self.token, list(updates)).unwrap()
        self.token = out.checkpoint_token
        for op in out.new_execution_state.operations:
            self.ops[op.id] = PYTHON.encode(op)

    def status(self, op_id):
        return self.ops.get(op_id, {}).get("Status")

    def outcome(self, op_id, details):
        found = self.ops[op_id].get(details, {})
        if self.status(op_id) == "SUCCEEDED":
            return {"Status": "SUCCEEDED", "Result": found.get("Result", "null")}
        error = dict(found.get("Error") or {})
        return {"Status": "FAILED", "Error": {"ErrorType": "CallbackError", **error}}


def callback(op_id, name=None, parent=None, timeout=0, heartbeat=0):
    return OperationUpdate(
        id=op_id, type=T.CALLBACK, action=A.START, name=name, parent_id=parent, sub_type="Callback",
        callback_options=CallbackOptions(timeout, heartbeat),
    )


def timed_callback(event, context):  # 4-3 / 4-4
    s = Session(event, context)
    if "cb" not in s.ops:
        heartbeat = 5 if s.input.endswith("!hb") else 0
        s.checkpoint(callback("cb", s.input, timeout=0 if heartbeat else 5, heartbeat=heartbeat))
    if s.status("cb") == "STARTED":
        return PENDING
    return s.outcome("cb", "CallbackDetails")


def callback_then_wait(event, context):  # 4-9
    s = Session(event, context)
    if "cb" not in s.ops:
        wait = OperationUpdate(id="w", type=T.WAIT, action=A.START, sub_type="Wait", wait_options=WaitOptions(5))
        s.checkpoint(callback("cb", s.input), wait)
    if s.status("w") != "SUCCEEDED" or s.status("cb") == "STARTED":
        return PENDING
    return s.outcome("cb", "CallbackDetails")


def two_callbacks(event, context):  # 4-18: one re-invocation per answer
    s = Session(event, context)
    if "a" not in s.ops:
        s.checkpoint(callback("a", s.input[0]), callback("b", s.input[1]))
    if "STARTED" in (s.status("a"), s.status("b")):
        return PENDING
    results = [s.ops[i]["CallbackDetails"]["Result"] for i in ("a", "b")]
    return {"Status": "SUCCEEDED", "Result": json.dumps(results)}


def wait_for_callback(event, context):  # 7-13
    s = Session(event, context)
    if "ctx" not in s.ops:
        def step(action, payload=None):
            return OperationUpdate(
                id="ctx-2", type=T.STEP, action=action, parent_id="ctx", sub_type="Step", payload=payload
            )

        s.checkpoint(
            OperationUpdate(id="ctx", type=T.CONTEXT, action=A.START, name=s.input, sub_type="WaitForCallback"),
            callback("ctx-1", parent="ctx", heartbeat=10),
            step(A.START),
            step(A.SUCCEED, "null"),
        )
    if s.status("ctx-1") == "STARTED":
        return PENDING
    result = s.ops["ctx-1"]["CallbackDetails"].get("Result")
    s.checkpoint(
        OperationUpdate(id="ctx", type=T.CONTEXT, action=A.SUCCEED, sub_type="WaitForCallback", payload=result)
    )
    return {"Status": "SUCCEEDED", "Result": result}


def invoker(target, payload=lambda value: value, tenant=lambda value: None):
    def handler(event, context):
        s = Session(event, context)
        if "inv" not in s.ops:
            options = ChainedInvokeOptions(function_name=target, tenant_id=tenant(s.input))
            s.checkpoint(
                OperationUpdate(
                    id="inv", type=T.CHAINED_INVOKE, action=A.START, sub_type="ChainedInvoke",
                    payload=json.dumps(payload(s.input)), chained_invoke_options=options,
                )
            )
        if s.status("inv") == "STARTED":
            return PENDING
        return s.outcome("inv", "ChainedInvokeDetails")

    return handler


def plain_echo(event, context):
    return event


def durable_echo(event, context):
    s = Session(event, context)
    return {"Status": "SUCCEEDED", "Result": json.dumps(s.input)}


durable_echo.__durable_handler__ = True


def plain_fails(event, context):
    raise RuntimeError("target failed")


HANDLERS = {
    "4-3": timed_callback,
    "4-4": timed_callback,
    "4-9": callback_then_wait,
    "4-18": two_callbacks,
    "7-13": wait_for_callback,
    "5-1": invoker("plain-echo"),
    "5-5": invoker("arn:aws:lambda:us-east-1:123456789012:function:plain-fails:$LATEST"),
    "5-8": invoker("durable-echo", lambda value: value["payload"], lambda value: value["tenantId"]),
}
FUNCTIONS = {"plain-echo": plain_echo, "durable-echo": durable_echo, "plain-fails": plain_fails}
'''

REQUIREMENTS = {
    "callback": ["4-3", "4-4", "4-9", "4-18"],
    "wait_for_callback": ["7-13"],
    "invoke": ["5-1", "5-5", "5-8"],
}


@pytest.fixture
def suite(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "requirements"
    for suite_name, ids in REQUIREMENTS.items():
        (root / suite_name).mkdir(parents=True)
        for requirement_id in ids:
            shutil.copy(SHARED / suite_name / f"{requirement_id}.yaml", root / suite_name)
    # 4-4's handler needs to know it is the heartbeat case: its input is the callback name
    path = root / "callback" / "4-4.yaml"
    text = path.read_text().replace("CB_NAME: ${GEN_STR:10}", "CB_NAME: abc!hb")
    path.write_text(text)
    handlers = tmp_path / "handlers.py"
    handlers.write_text(HANDLERS)
    return root, handlers


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared requirements not available")
def test_callback_and_invoke_requirements_pass_on_the_local_backend(
    suite: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, handlers = suite
    status = cli.main(["--requirements", str(root), "--handlers", str(handlers)])
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if not line.startswith("PASS")] == ["8 passed, 0 failed"], lines
    assert status == 0


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared requirements not available")
def test_a_wrong_callback_payload_is_reported(suite: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, handlers = suite
    path = root / "callback" / "4-9.yaml"
    path.write_text(path.read_text().replace("Payload: '\"${CB_PAYLOAD}\"'", "Payload: 'other'"))
    status = cli.main(["--requirements", str(root), "--handlers", str(handlers), "--only", "4-9"])
    out = capsys.readouterr().out
    assert out.startswith("FAIL 4-9: event 5 CallbackSucceeded") and status == 1
