"""End to end on the real local backend: tiny requirements against tiny raw handlers.

The handlers are plain ``(event, context) -> dict`` functions speaking the wire protocol
through ``context.durable_service_client`` (no SDK), written to a temporary handlers
file so the crash case can re-import them in its own process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_durable.conformance import cli

HANDLERS = '''\
import json
import logging
import os

from lambda_durable.wire import OperationAction, OperationType, OperationUpdate

LOG = logging.getLogger("tiny")


def _input(event):
    ops = event["InitialExecutionState"]["Operations"]
    return json.loads(ops[0]["ExecutionDetails"]["InputPayload"])


def _step(event, context, action, payload=None):
    update = OperationUpdate(
        id="step-1", type=OperationType.STEP, action=action, name="greet", sub_type="Step", payload=payload
    )
    client = context.durable_service_client
    answer = client.checkpoint(event["DurableExecutionArn"], event["CheckpointToken"], [update]).unwrap()
    event["CheckpointToken"] = answer.checkpoint_token


def greet(event, context):
    name = _input(event)
    result = json.dumps(f"Hello, {name}!")
    _step(event, context, OperationAction.START)
    LOG.warning("greeting %s", name, extra={"executionArn": event["DurableExecutionArn"]})
    _step(event, context, OperationAction.SUCCEED, result)
    return {"Status": "SUCCEEDED", "Result": result}


def crash_once(event, context):
    ops = event["InitialExecutionState"]["Operations"]
    if not any(op["Id"] == "step-1" for op in ops):
        _step(event, context, OperationAction.START)
        os._exit(3)
    _step(event, context, OperationAction.SUCCEED, json.dumps("survived"))
    return {"Status": "SUCCEEDED", "Result": json.dumps("survived")}


HANDLERS = {"1-1": greet, "1-2": greet, "1-17": crash_once}
'''

GREETING = """\
Variables:
  INPUT_1: ${GEN_STR:8}
Input: ${INPUT_1}
ExpectedResult:
  ExecutionStatus: SUCCEEDED
  Result: %(result)s
ExpectedExecutionHistory:
  - EventType: StepStarted
    SubType: Step
    EventId: 2
    Id: ${ID1}
    Name: greet
    EventTimestamp: '*'
    StepStartedDetails: {}
  - EventType: StepSucceeded
    SubType: Step
    EventId: 3
    Id: ${ID1}
    EventTimestamp: '*'
    StepSucceededDetails:
      Result:
        Payload: '"Hello, ${INPUT_1}!"'
  - EventType: InvocationCompleted
    EventId: 4
    EventTimestamp: '*'
    InvocationCompletedDetails: {}
  - EventType: ExecutionSucceeded
    EventId: 5
    Id: '*'
    ExecutionSucceededDetails:
      Result:
        Payload: '*'
ExpectedLogs:
  - match:
      message: /^greeting ${INPUT_1}$/
      level: WARNING
    count: 1
"""

CRASH = """\
Input: null
ExpectedResult:
  ExecutionStatus: SUCCEEDED
  Result: survived
ExpectedExecutionHistory:
  - EventType: StepStarted
    EventId: 2
    Id: ${ID1}
  - EventType: InvocationCompleted
    EventId: 3
    InvocationCompletedDetails:
      Error:
        Payload:
          ErrorType: Runtime.ExitError
          ErrorMessage: '*'
  - EventType: StepSucceeded
    EventId: 4
    Id: ${ID1}
  - EventType: InvocationCompleted
    EventId: 5
"""


@pytest.fixture
def suite(tmp_path: Path) -> tuple[Path, Path]:
    requirements = tmp_path / "requirements" / "step"
    requirements.mkdir(parents=True)
    (requirements / "1-1.yaml").write_text(GREETING % {"result": "Hello, ${INPUT_1}!"})
    (requirements / "1-2.yaml").write_text(GREETING % {"result": "Goodbye, ${INPUT_1}!"})
    (requirements / "1-17.yaml").write_text(CRASH)
    handlers = tmp_path / "handlers.py"
    handlers.write_text(HANDLERS)
    return requirements.parent, handlers


def test_pass_and_fail_are_detected(suite: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    requirements, handlers = suite
    argv = ["--requirements", str(requirements), "--handlers", str(handlers), "--only", "1-1", "1-2"]
    status = cli.main(argv)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "PASS 1-1"
    assert lines[1].startswith("FAIL 1-2: Result: expected 'Goodbye, ")
    assert lines[2] == "1 passed, 1 failed"
    assert status == 1


def test_history_difference_on_the_real_backend(
    suite: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    requirements, handlers = suite
    path = requirements / "step" / "1-1.yaml"
    path.write_text(path.read_text().replace("Name: greet", "Name: welcome"))
    status = cli.main(["--requirements", str(requirements), "--handlers", str(handlers), "--only", "1-1"])
    out = capsys.readouterr().out
    assert out == "FAIL 1-1: event 2 StepStarted: Name: expected 'welcome', got 'greet'\n0 passed, 1 failed\n"
    assert status == 1


def test_crashing_handler_runs_isolated(suite: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    requirements, handlers = suite
    status = cli.main(["--requirements", str(requirements), "--handlers", str(handlers), "--only", "1-17"])
    assert capsys.readouterr().out == "PASS 1-17\n1 passed, 0 failed\n"
    assert status == 0
