"""Storage over time: finished executions are compacted to one version of each operation,
and executions closed longer ago than the retention period are deleted with every row
that names them. Running executions are never touched."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from returns.result import Success

from lambda_durable.local import LocalBackend, LocalBackendError
from lambda_durable.local.cli import cli_run, cli_serve
from lambda_durable.local.engine.service import LocalService
from lambda_durable.local.engine.store import DEFAULT_RETENTION_DAYS, Store
from lambda_durable.local.http.server import DurableServer
from lambda_durable.wire import (
    CallbackOptions,
    InvocationOutput,
    InvocationStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
"""Long before the wall clock: retention is measured on the earlier of the two."""
HANDLER = str(Path(__file__).with_name("bench_handlers.py")) + ":steps"


class ManualClock:
    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def sleep_until(self, moment: datetime) -> None:
        self.current = max(self.current, moment)


def step(op_id: str, action: OperationAction, payload: str | None = None) -> OperationUpdate:
    return OperationUpdate(op_id, OperationType.STEP, action, sub_type="Step", payload=payload)


def finished_execution(service: LocalService, name: str, steps: int = 5) -> str:
    """An execution whose steps were checkpointed one call each (a run per call), then ended."""
    arn = service.start_execution("fn", "{}", execution_name=name).unwrap()
    ticket = service.begin_invocation(arn).unwrap()
    token = ticket.event.checkpoint_token
    for n in range(steps):
        for action, payload in ((OperationAction.START, None), (OperationAction.SUCCEED, json.dumps(n))):
            out = service.checkpoint(arn, token, [step(f"s{n}", action, payload)]).unwrap()
            assert out.checkpoint_token is not None
            token = out.checkpoint_token
    service.finish_invocation(ticket, Success(InvocationOutput(InvocationStatus.SUCCEEDED, result="1"))).unwrap()
    return arn


def waiting_execution(service: LocalService) -> str:
    """A running execution, suspended on a callback (with a log record and a callback row)."""
    arn = service.start_execution("fn", "{}", execution_name="waiting", timeout_seconds=365 * 86400).unwrap()
    ticket = service.begin_invocation(arn).unwrap()
    update = OperationUpdate(
        "cb", OperationType.CALLBACK, OperationAction.START, sub_type="Callback", callback_options=CallbackOptions()
    )
    service.checkpoint(arn, ticket.event.checkpoint_token, [update]).unwrap()
    service.finish_invocation(ticket, Success(InvocationOutput(InvocationStatus.PENDING))).unwrap()
    return arn


def runs(path: Path) -> dict[str, int]:
    """Operation runs per execution name, read from the file."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT x.name, COUNT(*) FROM operation_runs r JOIN executions x ON r.execution = x.key GROUP BY x.name"
        ).fetchall()
    return {str(name): int(count) for name, count in rows}


def rows_naming(path: Path, arn: str) -> int:
    with sqlite3.connect(path) as conn:
        key = conn.execute("SELECT key FROM executions WHERE arn = ?", (arn,)).fetchone()
        by_arn = sum(
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE arn = ?", (arn,)).fetchone()[0]  # noqa: S608
            for table in ("invocations", "logs", "callbacks", "chained_invokes")
        )
        by_key = 0 if key is None else sum(
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE execution = ?", key).fetchone()[0]  # noqa: S608
            for table in ("operation_runs", "event_runs")
        )
    return int(by_arn + by_key + (key is not None))


def test_a_finished_execution_is_compacted_to_one_version_of_each_operation(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    clock = ManualClock()
    service = LocalService(Store(str(path)), clock)
    waiting = waiting_execution(service)
    running = runs(path)["waiting"]
    done = finished_execution(service, "done")  # 11 checkpoint calls, then it ends
    ops, events = service.operations(done).unwrap(), service.history(done).unwrap()
    service.store.append_log(done, {"message": "kept"})
    assert runs(path)["done"] > 10
    assert service.maintain(DEFAULT_RETENTION_DAYS).unwrap() == []
    assert runs(path) == {"done": 1, "waiting": running}  # the running one is left alone
    assert len(ops) == 6 and service.operations(done).unwrap() == ops
    service.store.close()
    reopened = LocalService(Store(str(path)), clock)  # what is read back is the same
    assert reopened.operations(done).unwrap() == ops
    assert reopened.history(done).unwrap() == events
    assert reopened.store.logs(done) == [{"message": "kept"}]
    assert reopened.execution(waiting).unwrap().status.value == "RUNNING"
    reopened.store.close()


def test_an_execution_past_its_retention_is_deleted_and_a_running_one_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    clock = ManualClock()
    service = LocalService(Store(str(path)), clock)
    old = finished_execution(service, "old")
    waiting = waiting_execution(service)
    service.store.append_log(old, {"message": "old"})
    clock.current = T0 + timedelta(days=DEFAULT_RETENTION_DAYS, hours=-1)
    assert service.maintain(DEFAULT_RETENTION_DAYS).unwrap() == []
    clock.current = T0 + timedelta(days=DEFAULT_RETENTION_DAYS, hours=1)
    assert service.maintain(DEFAULT_RETENTION_DAYS).unwrap() == [old]
    assert rows_naming(path, old) == 0
    assert service.execution(old).failure().code == "ResourceNotFoundException"
    assert service.history(old).failure().code == "ResourceNotFoundException"
    assert service.execution(waiting).unwrap().status.value == "RUNNING"
    assert [c.op_id for c in service.store.callbacks(waiting)] == ["cb"]
    assert finished_execution(service, "old") != old  # the name is free again
    service.store.close()


def test_skipped_time_never_ages_an_execution_out_early(tmp_path: Path) -> None:
    """A clock far ahead of the wall clock (a skipping clock after long waits): age is
    measured on the wall clock then."""
    ahead = ManualClock(datetime.now(UTC) + timedelta(days=200))
    service = LocalService(Store(str(tmp_path / "store.db")), ahead)
    done = finished_execution(service, "done")
    ahead.current += timedelta(days=DEFAULT_RETENTION_DAYS + 1)
    assert service.maintain(DEFAULT_RETENTION_DAYS).unwrap() == []
    assert service.execution(done).unwrap().status.value == "SUCCEEDED"
    service.store.close()


def test_serve_maintains_the_store_when_it_starts_and_opening_it_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    service = LocalService(Store(str(path)), ManualClock())
    old = finished_execution(service, "old")  # closed on 2026-01-01, long before the wall clock
    service.store.close()
    with LocalBackend(str(path), retention_days=90) as backend:
        before = backend.store.dump()
        assert backend.executions() == [old]  # a backend that only reads (``history``, ``callback``)
        assert backend.store.dump() == before
        with DurableServer(backend, port=0):
            assert backend.executions() == []
    assert rows_naming(path, old) == 0


def test_retention_days_are_checked_where_they_enter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(LocalBackendError, match="retention_days"):
        LocalBackend(retention_days=0)
    db = str(tmp_path / "cli.db")
    assert cli_run.main([HANDLER, "--db", db, "--retention-days", "91"]) == 2
    assert "--retention-days" in capsys.readouterr().err
    assert cli_serve.main(["--handlers", "x.py", "--db", db, "--retention-days", "0"]) == 2
    assert "--retention-days" in capsys.readouterr().err

    service = LocalService(Store(db), ManualClock())
    old = finished_execution(service, "old")
    service.store.close()
    assert cli_run.main([HANDLER, "--db", db, "--retention-days", "90", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "SUCCEEDED"
    assert rows_naming(Path(db), old) == 0  # ``run`` maintains the store once its execution stops
    assert list(runs(Path(db)).values()) == [1]  # its own execution, compacted
