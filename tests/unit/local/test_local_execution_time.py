"""Each execution lives on its own time: real time at its start plus what it skipped.

The leak this guards against (issue 18): a run that skipped a 1-day wait moved the
database's clock a day ahead, so the next run's executions started a day in the future
and real time between two commands no longer counted towards a callback's timeout.
Reproduced on one database through the CLI (two backends, as two processes would be),
and once with two real ``lambda-durable run`` processes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lambda_durable.cli import main as cli_main
from lambda_durable.local import LocalBackend
from lambda_durable.local.engine.store import SCHEMA_VERSION, Store
from lambda_durable.wire import EventType

APP = """\
from lambda_durable import CallbackConfig, Duration, durable_handler


@durable_handler
def day_wait(event, ctx):
    return ctx.wait(Duration.days(1), name="day").map(lambda _: "waited")


@durable_handler
def approval(event, ctx):
    config = CallbackConfig(timeout=Duration.seconds(1))
    return ctx.create_callback(str, name="approval", config=config).bind(lambda cb: cb.result())
"""

DAY = timedelta(days=1)
NEAR = timedelta(minutes=5)
"""How far from real time an execution that skipped nothing may be (slow machines)."""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "timeapp.py"
    path.write_text(APP)
    return path


def _arns(db: str) -> list[str]:
    with LocalBackend(db) as backend:
        return backend.executions()


def _started_at(db: str, arn: str) -> datetime:
    with LocalBackend(db) as backend:
        return backend.history(arn)[0].event_timestamp


def _callback_id(out: str) -> str:
    match = re.search(r"waiting for callback approval: (\S+)", out)
    assert match is not None, out
    return match.group(1)


def test_a_skipped_day_in_one_run_does_not_move_the_next_runs_time(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(app.parent / "runs.db")
    assert cli_main(["run", f"{app}:day_wait", "--db", db]) == 0
    assert cli_main(["run", f"{app}:approval", "--db", db]) == 0
    _, second = _arns(db)
    assert abs(_started_at(db, second) - datetime.now(UTC)) < NEAR


def test_real_time_between_commands_counts_towards_a_callback_timeout(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(app.parent / "runs.db")
    assert cli_main(["run", f"{app}:day_wait", "--db", db]) == 0
    assert cli_main(["run", f"{app}:approval", "--db", db]) == 0
    callback_id = _callback_id(capsys.readouterr().out)
    time.sleep(1.2)  # past the callback's 1 s timeout, in real time
    assert cli_main(["callback", "succeed", callback_id, "--result", '"yes"', "--db", db]) == 1
    captured = capsys.readouterr()
    assert "CallbackTimeoutException" in captured.err
    assert "FAILED" in captured.out.splitlines()  # the timeout was recorded and the handler resumed


def test_an_execution_keeps_the_time_it_skipped_when_the_store_is_reopened(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(app.parent / "runs.db")
    assert cli_main(["run", f"{app}:day_wait", "--db", db]) == 0
    [arn] = _arns(db)
    with LocalBackend(db) as backend:
        events = backend.history(arn)
        ended = events[-1].event_timestamp
        assert ended - events[0].event_timestamp >= DAY
        assert backend.service.clock_of(arn).now() >= ended  # its time goes on from there
        assert backend.store.skipped(arn) >= DAY - NEAR


def test_two_run_processes_on_one_database(app: Path) -> None:
    db = str(app.parent / "runs.db")
    env = {**os.environ, "NO_COLOR": "1"}
    for handler in ("day_wait", "approval"):
        subprocess.run(
            [sys.executable, "-m", "lambda_durable.cli", "run", f"{app}:{handler}", "--db", db],
            check=True,
            capture_output=True,
            env=env,
        )
    first, second = _arns(db)
    with LocalBackend(db) as backend:
        history = backend.history(second)
    started = next(e for e in history if e.event_type is EventType.CALLBACK_STARTED).event_timestamp
    assert abs(started - datetime.now(UTC)) < NEAR
    assert abs(_started_at(db, first) - datetime.now(UTC)) < NEAR


def test_a_version_4_store_is_migrated_and_its_executions_have_skipped_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    store = Store(path)
    store._conn.execute("ALTER TABLE executions DROP COLUMN skipped_seconds")
    store._conn.execute("PRAGMA user_version = 4")
    store._conn.execute(
        "INSERT INTO executions (arn, execution_id, name, function_name, timeout_seconds, start_ts, status)"
        " VALUES ('arn-1', 'id', 'n', 'fn', 60, '2026-01-01T00:00:00+00:00', 'RUNNING')"
    )
    store.close()
    again = Store(path)
    try:
        assert again._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert again.skipped("arn-1") == timedelta(0)
        again.record_skipped("arn-1", timedelta(hours=2))
        assert again.skipped("arn-1") == timedelta(hours=2)
    finally:
        again.close()


def _hour_wait_handler() -> object:
    from returns.result import Result

    from lambda_durable import DurableContext, DurableError, Duration, durable_handler

    @durable_handler
    def hour_wait(event: object, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.wait(Duration.hours(1), name="hour").map(lambda _: "waited")

    return hour_wait


def test_a_jump_the_store_cannot_record_leaves_the_time_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from lambda_durable.local import LocalBackendError

    with LocalBackend() as backend:
        backend.register("hour_wait", _hour_wait_handler())  # type: ignore[arg-type]
        arn = backend.start("hour_wait", "null").unwrap()
        backend.run_until_idle(arn)  # waiting: the next move is the jump

        def full(root: str, skipped: timedelta) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(backend.store, "record_skipped", full)
        before = backend.service.clock_of(arn).now()
        with pytest.raises(LocalBackendError, match="store write failed: database or disk is full"):
            backend.run_until_settled(arn)
        assert backend.service.clock_of(arn).now() - before < NEAR  # not an hour on
        assert backend.store.skipped(arn) == timedelta(0)
        monkeypatch.undo()
        outcome = backend.run_until_settled(arn)  # room again: it goes on
        assert outcome.result == '"waited"'
        assert backend.store.skipped(arn) >= timedelta(hours=1) - NEAR


def test_serves_pump_waits_until_a_jump_can_be_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from lambda_durable.local.http.pump import Pump

    with LocalBackend() as backend:
        backend.register("hour_wait", _hour_wait_handler())  # type: ignore[arg-type]
        unwritable = True
        record = backend.store.record_skipped

        def maybe_full(root: str, skipped: timedelta) -> None:
            if unwritable:
                raise sqlite3.OperationalError("database or disk is full")
            record(root, skipped)

        monkeypatch.setattr(backend.store, "record_skipped", maybe_full)
        pump = Pump(backend)
        pump.start()
        try:
            arn = backend.start("hour_wait", "null").unwrap()
            pump.watch(arn)
            assert not pump.wait_until_done(arn, timeout=1.5)  # its hour cannot pass yet
            unwritable = False
            pump.poke()
            assert pump.wait_until_done(arn, timeout=30)
        finally:
            pump.stop()
        assert backend.describe(arn).result == '"waited"'
