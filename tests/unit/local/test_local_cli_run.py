"""``lambda-durable run``: progress, outcome, exit codes, one-line usage errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lambda_durable.cli import main as cli_main
from lambda_durable.local.cli.cli_run import main

APP = '''\
from lambda_durable.wire import OperationAction, OperationType, OperationUpdate, WaitOptions


def _ops(event):
    return {op["Id"]: op for op in event["InitialExecutionState"]["Operations"]}


def handler(event, context):
    client = context.durable_service_client
    arn, token = event["DurableExecutionArn"], event["CheckpointToken"]
    ops = _ops(event)
    if "w" not in ops:
        client.checkpoint(arn, token, [
            OperationUpdate(id="s", type=OperationType.STEP, action=OperationAction.START,
                            sub_type="Step", name="validate"),
            OperationUpdate(id="s", type=OperationType.STEP, action=OperationAction.SUCCEED,
                            sub_type="Step", payload='"ok"'),
            OperationUpdate(id="w", type=OperationType.WAIT, action=OperationAction.START,
                            sub_type="Wait", name="pause", wait_options=WaitOptions(3600)),
        ]).unwrap()
        return {"Status": "PENDING"}
    execution = next(op for op in ops.values() if op["Type"] == "EXECUTION")
    return {"Status": "SUCCEEDED", "Result": execution["ExecutionDetails"]["InputPayload"]}


handler.__durable_handler__ = True


def failing(event, context):
    return {"Status": "FAILED", "Error": {"ErrorType": "Nope", "ErrorMessage": "no way"}}


failing.__durable_handler__ = True


def plain(event, context):
    return {}


not_callable = 3
'''


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text(APP)
    return path


def test_run_prints_progress_and_result(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([f"{app}:handler", "--input", '{"n": 1}']) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert lines == [
        ["step", "validate", "succeeded"],
        ["wait", "pause", "waiting", "1h00m00s"],
        ["wait", "pause", "done"],
    ]
    assert out.splitlines()[-2:] == ["SUCCEEDED", '{"n": 1}']
    assert (app.parent / ".lambda-durable" / "executions.db").is_file()


def test_failed_execution_exits_1(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app.py:failing", "--db", "other.db"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "Nope: no way" in out
    assert os.path.isfile("other.db")


def test_module_reference_and_dispatcher(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["run", "app:handler", "--db", ":memory:"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "null"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["app.py:handler", "--input", "{nope"], "--input is not valid JSON"),
        (["missing.py:handler"], "no such file: missing.py"),
        (["app.py:absent"], "app.py has no attribute 'absent'"),
        (["app.py:not_callable"], "is not callable"),
        (["app.py:plain"], "is not a durable handler"),
        (["no_such_module:handler"], "no module named 'no_such_module'"),
        (["app.py"], "expected FILE_OR_MODULE:HANDLER"),
        ([], "required"),
        (["app.py:handler", "--bogus"], "unrecognized arguments"),
    ],
)
def test_usage_errors_are_one_line(
    app: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert message in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--real-time" in capsys.readouterr().out


def test_json_prints_only_the_outcome(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([f"{app}:handler", "--input", '{"n": 1}', "--json"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1
    body = json.loads(out)
    assert body["arn"].startswith("arn:aws:lambda:")
    assert {k: v for k, v in body.items() if k != "arn"} == {"status": "SUCCEEDED", "result": {"n": 1}, "error": None}


def test_json_of_a_failed_execution(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app.py:failing", "--json", "--db", "other.db"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert (body["status"], body["result"]) == ("FAILED", None)
    assert body["error"] == {"ErrorType": "Nope", "ErrorMessage": "no way"}


def test_json_of_an_execution_waiting_for_a_callback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "approval.py"
    app.write_text(
        "from lambda_durable import durable_handler\n\n"
        "@durable_handler\n"
        "def handler(event, ctx):\n"
        "    return ctx.create_callback(str, name='approval').bind(lambda cb: cb.result())\n"
    )
    assert main([f"{app}:handler", "--json", "--db", str(tmp_path / "runs.db")]) == 0
    body = json.loads(capsys.readouterr().out)
    assert (body["status"], body["result"], body["error"]) == ("RUNNING", None, None)
    [waiting] = body["callbacks"]
    assert waiting["name"] == "approval" and waiting["callback_id"]
