"""``lambda-durable resume`` and ``run --advance-through-timeouts``: timeout paths from the
command line, executions named by file and attribute, and bad input refused with one
line, exit 2 and the database unchanged."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from returns.result import Failure, Success

from lambda_durable.cli import main as cli_main
from lambda_durable.local import LocalBackend
from lambda_durable.local.cli.args import duration_seconds
from lambda_durable.local.engine.store import Store
from lambda_durable.wire import Event, EventType

APP = """\
from returns.result import Failure, Success

from lambda_durable import CallbackConfig, CallbackTimedOut, Duration, durable_handler


@durable_handler
def handler(event, ctx):
    config = CallbackConfig(timeout=Duration.hours(1))
    answer = ctx.create_callback(str, name="approval", config=config).bind(lambda cb: cb.result())
    match answer:
        case Failure(CallbackTimedOut()):
            return Success("escalated")
        case _:
            return answer


@durable_handler
def quick(event, ctx):
    return ctx.step(lambda _: "done", name="work")
"""

OTHER = """\
from lambda_durable import durable_handler


@durable_handler
def handler(event, ctx):
    return ctx.step(lambda _: "other", name="work")
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "approvals.py"
    path.write_text(APP)
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli_main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _execution_id(out: str) -> str:
    match = re.search(r"^execution (\S+)$", out, re.MULTILINE)
    assert match is not None, out
    return match.group(1).rsplit("/", 1)[-1]


def _events(db: str, execution_id: str) -> list[Event]:
    with LocalBackend(db) as backend:
        [arn] = [a for a in backend.executions() if a.endswith(execution_id)]
        return backend.history(arn)


def _between(events: list[Event], first: EventType, second: EventType) -> timedelta:
    stamp = {e.event_type: e.event_timestamp for e in events}
    return stamp[second] - stamp[first]


def _dump(db: str) -> str:
    store = Store(db)
    try:
        return store.dump()
    finally:
        store.close()


def test_resume_to_the_next_timer_times_the_callback_out(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["run", f"{app}:handler", "--db", "x.db"], capsys)
    assert status == 0 and "RUNNING" in out.splitlines()
    execution_id = _execution_id(out)
    assert f"lambda-durable resume {execution_id} --to-next-timer --db x.db" in out

    status, out, _ = _run(["resume", execution_id, "--to-next-timer", "--db", "x.db"], capsys)
    assert status == 0
    assert out.splitlines()[-2:] == ["SUCCEEDED", '"escalated"']
    events = _events("x.db", execution_id)
    assert _between(events, EventType.CALLBACK_STARTED, EventType.CALLBACK_TIMED_OUT) >= timedelta(hours=1)


def test_resume_advance_lives_through_exactly_that_much_time(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    execution_id = _execution_id(_run(["run", f"{app}:handler", "--db", "x.db"], capsys)[1])
    status, out, _ = _run(["resume", execution_id, "--advance", "30m", "--db", "x.db"], capsys)
    assert status == 0 and "RUNNING" in out.splitlines()  # 30 of the callback's 60 minutes
    assert EventType.CALLBACK_TIMED_OUT not in {e.event_type for e in _events("x.db", execution_id)}
    status, out, _ = _run(["resume", execution_id, "--advance", "31m", "--db", "x.db", "--json"], capsys)
    assert status == 0
    assert json.loads(out)["result"] == "escalated"


def test_run_can_go_through_timeouts_in_one_command(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["run", f"{app}:handler", "--db", "x.db", "--advance-through-timeouts"], capsys)
    assert status == 0
    assert out.splitlines()[-2:] == ["SUCCEEDED", '"escalated"']


def test_resume_without_a_timer_option_runs_what_an_answer_made_ready(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(["run", f"{app}:handler", "--db", "x.db"], capsys)[1]
    execution_id = _execution_id(out)
    match = re.search(r"waiting for callback approval: (\S+)", out)
    assert match is not None
    assert _run(["callback", "succeed", match.group(1), "--result", '"ok"', "--no-resume", "--db", "x.db"], capsys)[0] == 0
    status, out, _ = _run(["resume", execution_id, "--db", "x.db"], capsys)
    assert status == 0 and out.splitlines()[-2:] == ["SUCCEEDED", '"ok"']


def test_executions_are_named_by_file_and_attribute(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = app.parent / "billing.py"
    other.write_text(OTHER)
    same_stem = app.parent / "sub" / "approvals.py"
    same_stem.parent.mkdir()
    same_stem.write_text(OTHER)
    for ref in (f"{app}:handler", f"{other}:handler", f"{same_stem}:handler", f"{app}:quick"):
        assert cli_main(["run", ref, "--db", "x.db"]) == 0
    capsys.readouterr()
    with LocalBackend("x.db") as backend:
        names = [backend.store.execution(a).function_name for a in backend.executions()]  # type: ignore[union-attr]
    assert names[0] == "approvals-handler" and names[1] == "billing-handler" and names[3] == "approvals-quick"
    assert re.fullmatch(r"approvals-handler-[0-9a-f]{8}", names[2])  # another file of the same name
    assert len(set(names)) == 4


def test_the_callback_command_resumes_the_right_handler_of_two_named_alike(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(["run", f"{app}:handler", "--db", "x.db"], capsys)[1]
    match = re.search(r"waiting for callback approval: (\S+)", out)
    assert match is not None
    (app.parent / "billing.py").write_text(OTHER)
    assert cli_main(["run", "billing.py:handler", "--db", "x.db"]) == 0
    status, out, _ = _run(["callback", "succeed", match.group(1), "--result", '"yes"', "--db", "x.db"], capsys)
    assert status == 0 and out.splitlines()[-2:] == ["SUCCEEDED", '"yes"']


@pytest.mark.parametrize("problem", ["unknown", "finished", "moved", "bad duration"])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    app: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    waiting = _execution_id(_run(["run", f"{app}:handler", "--db", "x.db"], capsys)[1])
    finished = _execution_id(_run(["run", f"{app}:quick", "--db", "x.db"], capsys)[1])
    argv = ["resume", waiting, "--to-next-timer", "--db", "x.db"]
    expected = {
        "unknown": "no execution 'nope'",
        "finished": "has already finished (SUCCEEDED)",
        "moved": "was the file moved or renamed?",
        "bad duration": "is not a duration",
    }[problem]
    if problem == "unknown":
        argv[1] = "nope"
    elif problem == "finished":
        argv[1] = finished
    elif problem == "moved":
        app.rename(app.parent / "elsewhere.py")
    else:
        argv[2:3] = ["--advance", "soon"]
    before = _dump("x.db")
    status, out, err = _run(argv, capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("lambda-durable resume: ") and "Traceback" not in err
    assert expected in err
    assert _dump("x.db") == before


def test_a_missing_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(["resume", "x", "--db", str(tmp_path / "none.db")], capsys)
    assert status == 2 and "no database at" in err
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("2h", 7200.0), ("1d", 86400.0), ("1h30m", 5400.0), ("0.5s", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert duration_seconds(text) == Success(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5x", "m5", "-1s"])
def test_bad_durations(text: str) -> None:
    assert isinstance(duration_seconds(text), Failure)


def test_a_program_resumes_a_run_execution_with_the_remembered_handler(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(["run", f"{app}:handler", "--db", "x.db"], capsys)[1]
    execution_id = _execution_id(out)
    with LocalBackend("x.db") as backend:  # nothing registered: the store knows the handler
        [arn] = [a for a in backend.executions() if a.endswith(execution_id)]
        [waiting] = backend.open_callbacks(arn)
        backend.send_callback_success(waiting.callback_id, '"from python"').unwrap()
        outcome = backend.run_until_settled(arn)
    assert outcome.result == '"from python"'
