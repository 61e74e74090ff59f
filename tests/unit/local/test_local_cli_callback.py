"""``lambda-durable run`` stopping on a callback, and ``lambda-durable callback`` answering
it and resuming the execution from the database (a second process in real use)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lambda_durable.cli import main as cli_main
from lambda_durable.local import LocalBackend
from lambda_durable.local.engine.store import Store

APP = '''\
from lambda_durable.wire import CallbackOptions, OperationAction, OperationType, OperationUpdate


def handler(event, context):
    client = context.durable_service_client
    arn, token = event["DurableExecutionArn"], event["CheckpointToken"]
    ops = {op["Id"]: op for op in event["InitialExecutionState"]["Operations"]}
    if "cb" not in ops:
        client.checkpoint(arn, token, [
            OperationUpdate(id="cb", type=OperationType.CALLBACK, action=OperationAction.START,
                            sub_type="Callback", name="approval",
                            callback_options=CallbackOptions(3600, 0)),
        ]).unwrap()
        return {"Status": "PENDING"}
    cb = ops["cb"]
    if cb["Status"] == "STARTED":
        return {"Status": "PENDING"}
    if cb["Status"] == "SUCCEEDED":
        return {"Status": "SUCCEEDED", "Result": cb["CallbackDetails"].get("Result", "null")}
    return {"Status": "FAILED", "Error": cb["CallbackDetails"]["Error"]}


handler.__durable_handler__ = True
'''


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Run the app until it waits on its callback; (db path, CallbackId)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "approval_app.py").write_text(APP)
    db = str(tmp_path / "x.db")
    assert cli_main(["run", "approval_app.py:handler", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "RUNNING" in out.splitlines()
    match = re.search(r"waiting for callback approval: (\S+)", out)
    assert match is not None
    callback_id = match.group(1)
    assert f"lambda-durable callback succeed {callback_id} --result JSON --db {db}" in out
    return db, callback_id


def _dump(db: str) -> str:
    store = Store(db)
    try:
        return store.dump()
    finally:
        store.close()


def test_succeed_resumes_the_execution_to_its_end(
    started: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, callback_id = started
    monkeypatch.chdir(tmp_path.parent)  # the recorded handler reference does not depend on cwd
    assert cli_main(["callback", "succeed", callback_id, "--result", '{"ok": true}', "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "callback succeed accepted"
    assert "SUCCEEDED" in lines and '{"ok": true}' in lines
    with LocalBackend(db) as backend:
        [arn] = backend.executions()
        kinds = [e.event_type.value for e in backend.history(arn)]
    assert kinds == [
        "ExecutionStarted",
        "CallbackStarted",
        "InvocationCompleted",
        "CallbackSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_fail_resumes_and_reports_the_failure(started: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    db, callback_id = started
    argv = ["callback", "fail", callback_id, "--error-type", "Rejected", "--error-message", "no", "--db", db]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert "FAILED" in out.splitlines() and "Rejected: no" in out


def test_heartbeat_and_no_resume_leave_the_execution_waiting(
    started: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, callback_id = started
    assert cli_main(["callback", "heartbeat", callback_id, "--db", db]) == 0
    assert cli_main(["callback", "succeed", callback_id, "--no-resume", "--db", db]) == 0
    assert capsys.readouterr().out == "callback heartbeat accepted\ncallback succeed accepted\n"
    with LocalBackend(db) as backend:
        [arn] = backend.executions()
        assert backend.describe(arn).status.value == "RUNNING"
        assert backend.history(arn)[-1].event_type.value == "CallbackSucceeded"


def test_a_second_answer_is_rejected_with_one_line_and_changes_nothing(
    started: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, callback_id = started
    assert cli_main(["callback", "succeed", callback_id, "--db", db]) == 0
    capsys.readouterr()
    before = _dump(db)
    assert cli_main(["callback", "succeed", callback_id, "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lambda-durable callback: InvalidParameterValueException: ") and err.count("\n") == 1
    assert _dump(db) == before


def test_an_unknown_id_is_rejected(started: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = started
    assert cli_main(["callback", "heartbeat", "bm9wZQ==", "--db", db]) == 1
    assert "InvalidParameterValueException" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["succeed", "x", "--result", "{nope"], "--result is not valid JSON"),
        (["fail", "x", "--result", "1"], "--result is only for 'succeed'"),
        (["succeed", "x", "--error-type", "E"], "only for 'fail'"),
        (["finish", "x"], "invalid choice"),
        (["succeed"], "required"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    started: tuple[str, str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    db, _ = started
    assert cli_main(["callback", *argv, "--db", db]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_missing_database_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["callback", "succeed", "x", "--db", str(tmp_path / "none.db")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
