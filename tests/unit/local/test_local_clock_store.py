"""The clocks and the SQLite store."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lambda_durable.local.engine import codec
from lambda_durable.local.engine.clock import RealClock, SkippingClock
from lambda_durable.local.engine.store import SCHEMA_VERSION, ChangeSet, ExecutionRecord, Store, StoreVersionError
from lambda_durable.wire import Event, EventType, ExecutionStatus, Operation, OperationStatus, OperationType


def test_skipping_clock_jumps_without_sleeping() -> None:
    clock = SkippingClock()
    before = clock.now()
    began = time.monotonic()
    clock.sleep_until(before + timedelta(hours=5))
    assert time.monotonic() - began < 0.1
    assert clock.now() >= before + timedelta(hours=5)
    assert clock.now().tzinfo is not None


def test_skipping_clock_is_monotonic_and_can_start_later() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    clock = SkippingClock(start=start)
    stamps = [clock.now() for _ in range(100)]
    assert stamps == sorted(stamps) and stamps[0] >= start
    clock.sleep_until(start - timedelta(days=1))  # the past: no effect
    assert clock.now() >= stamps[-1]


def test_real_clock_sleeps() -> None:
    clock = RealClock()
    began = time.monotonic()
    clock.sleep_until(clock.now() + timedelta(milliseconds=50))
    assert time.monotonic() - began >= 0.045


T = datetime(2026, 1, 1, tzinfo=UTC)


def _record(arn: str = "arn-1") -> ExecutionRecord:
    return ExecutionRecord(arn, "id-1", "name-1", "fn", '"in"', 60, T)


def test_store_round_trips_and_survives_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    op = Operation("id-1", OperationType.EXECUTION, OperationStatus.STARTED, T)
    event = Event(EventType.EXECUTION_STARTED, 1, T, id="id-1")
    store = Store(path)
    store.apply(ChangeSet("arn-1", operations=((0, op),), events=(event,), execution=_record(), token_seq=3))
    store.close()
    again = Store(path)
    assert again.execution("arn-1") == _record()
    assert again.operations("arn-1") == [op]
    assert again.events("arn-1") == [event]
    assert again.token_seq("arn-1") == 3
    assert again.execution_named("fn", "name-1") == "arn-1"
    done = ExecutionRecord("arn-1", "id-1", "name-1", "fn", '"in"', 60, T, ExecutionStatus.SUCCEEDED, T, "1")
    again.apply(ChangeSet("arn-1", execution=done))
    assert again.execution("arn-1") == done
    mode = again._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_failed_write_changes_nothing() -> None:
    store = Store()
    event = Event(EventType.EXECUTION_STARTED, 1, T)
    store.apply(ChangeSet("arn-1", events=(event,), execution=_record()))
    before = store.dump()
    try:
        store.apply(ChangeSet("arn-1", events=(Event(EventType.STEP_STARTED, 2, T), event)))
    except sqlite3.IntegrityError as exc:  # EventId 2 again, then 1: not a continuation
        assert "EventId" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected a constraint failure")
    assert store.dump() == before


_V1_TABLES = """
CREATE TABLE executions (
    arn TEXT PRIMARY KEY, execution_id TEXT NOT NULL, name TEXT NOT NULL, function_name TEXT NOT NULL,
    input_payload TEXT, timeout_seconds INTEGER NOT NULL, start_ts TEXT NOT NULL, status TEXT NOT NULL,
    end_ts TEXT, result TEXT, error TEXT, invocation_count INTEGER NOT NULL DEFAULT 0,
    failed_invocations INTEGER NOT NULL DEFAULT 0, token_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (function_name, name)
);
CREATE TABLE operations (
    arn TEXT NOT NULL, op_id TEXT NOT NULL, position INTEGER NOT NULL, parent_id TEXT,
    type TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (arn, op_id)
);
CREATE INDEX operations_by_position ON operations (arn, position);
CREATE TABLE events (
    arn TEXT NOT NULL, event_id INTEGER NOT NULL, event_type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (arn, event_id)
);
"""


def test_a_file_from_before_integer_keys_is_migrated(tmp_path: Path) -> None:
    path = str(tmp_path / "v1.db")
    op = Operation("id-1", OperationType.EXECUTION, OperationStatus.STARTED, T)
    event = Event(EventType.EXECUTION_STARTED, 1, T, id="id-1")
    conn = sqlite3.connect(path)
    conn.executescript(_V1_TABLES)
    conn.execute(
        "INSERT INTO executions (arn, execution_id, name, function_name, input_payload, timeout_seconds,"
        " start_ts, status, token_seq) VALUES ('arn-1', 'id-1', 'name-1', 'fn', '\"in\"', 60, ?, 'RUNNING', 3)",
        (T.isoformat(),),
    )
    conn.execute(
        "INSERT INTO operations VALUES ('arn-1', 'id-1', 0, NULL, 'EXECUTION', 'STARTED', ?)", (codec.dumps(op),)
    )
    conn.execute("INSERT INTO events VALUES ('arn-1', 1, 'ExecutionStarted', ?)", (codec.dumps(event),))
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.execution("arn-1") == _record()
    assert store.operations("arn-1") == [op]
    assert store.events("arn-1") == [event]
    assert store.token_seq("arn-1") == 3
    second = Event(EventType.STEP_STARTED, 2, T, id="id-2")
    store.apply(ChangeSet("arn-1", events=(second,)))
    store.close()
    assert Store(path).events("arn-1") == [event, second]
    assert _version(path) == SCHEMA_VERSION


def _version(path: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_a_new_file_records_its_layout_version_and_is_not_migrated_again(tmp_path: Path) -> None:
    path = str(tmp_path / "new.db")
    Store(path).close()
    assert _version(path) == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (marker INTEGER)")  # the shape of layout 2, were it still read by shape
    conn.commit()
    conn.close()
    again = Store(path)
    again.apply(ChangeSet("arn-1", execution=_record(), events=_events(1, 1)))
    assert again.events("arn-1") == list(_events(1, 1))
    again.close()


def test_a_file_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = str(tmp_path / "newer.db")
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreVersionError, match=f"layout {SCHEMA_VERSION + 1}"):
        Store(path)
    assert _version(path) == SCHEMA_VERSION + 1


def _events(first: int, last: int) -> tuple[Event, ...]:
    return tuple(Event(EventType.STEP_STARTED, i, T, id=f"op-{i}") for i in range(first, last + 1))


def test_history_reads_cut_runs_of_events_at_any_event() -> None:
    store = Store()
    store.apply(ChangeSet("arn-1", execution=_record(), events=_events(1, 1)))
    store.apply(ChangeSet("arn-1", events=_events(2, 4)))
    store.apply(ChangeSet("arn-1", events=_events(5, 6)))
    assert [e.event_id for e in store.events("arn-1")] == [1, 2, 3, 4, 5, 6]
    assert [e.event_id for e in store.events("arn-1", after=2, limit=3)] == [3, 4, 5]
    assert [e.event_id for e in store.events("arn-1", after=4)] == [5, 6]
    assert [e.event_id for e in store.events("arn-1", after=1, limit=0)] == []
    assert store.events("arn-1", after=6) == []


def test_events_that_skip_an_id_are_refused() -> None:
    store = Store()
    store.apply(ChangeSet("arn-1", execution=_record(), events=_events(1, 2)))
    with pytest.raises(sqlite3.IntegrityError, match="EventId 4 does not continue the history"):
        store.apply(ChangeSet("arn-1", events=_events(4, 5)))
    assert [e.event_id for e in store.events("arn-1")] == [1, 2]


def _stored_execution(path: str) -> int:
    """A file holding one execution, for an older layout to be made from (no skipped
    time yet: layout 5 added it); its key."""
    store = Store(path)
    store.apply(ChangeSet("arn-1", execution=_record()))
    key = store._key(store._conn, "arn-1")
    store._conn.execute("ALTER TABLE executions DROP COLUMN skipped_seconds")
    store.close()
    return key


def test_a_file_with_one_row_per_event_is_migrated(tmp_path: Path) -> None:
    path = str(tmp_path / "v2.db")
    key = _stored_execution(path)
    conn = sqlite3.connect(path)  # the v2 layout: event_runs did not exist, events held one row each
    conn.execute("PRAGMA user_version = 0")  # files of that time kept no version
    _operations_table(conn)  # as in the v3 layout
    conn.execute("DROP TABLE event_runs")
    conn.execute(
        "CREATE TABLE events (execution INTEGER NOT NULL, event_id INTEGER NOT NULL, event_type TEXT NOT NULL,"
        " data TEXT NOT NULL, PRIMARY KEY (execution, event_id)) WITHOUT ROWID"
    )
    for event in _events(1, 3):
        conn.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (key, event.event_id, "StepStarted", codec.dumps(event)))
    conn.commit()
    conn.close()
    again = Store(path)
    assert again.events("arn-1") == list(_events(1, 3))
    again.apply(ChangeSet("arn-1", events=_events(4, 4)))
    assert [e.event_id for e in again.events("arn-1")] == [1, 2, 3, 4]
    tables = {r[0] for r in again._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "events" not in tables
    assert _version(path) == SCHEMA_VERSION


def _step_op(op_id: str, status: OperationStatus) -> Operation:
    return Operation(op_id, OperationType.STEP, status, T, sub_type="Step")


def test_operations_read_back_in_creation_order_as_their_latest_run_left_them(tmp_path: Path) -> None:
    path = str(tmp_path / "runs.db")
    store = Store(path)
    first, second = _step_op("a", OperationStatus.STARTED), _step_op("b", OperationStatus.STARTED)
    store.apply(ChangeSet("arn-1", execution=_record(), operations=((0, first), (1, second))))
    store.apply(ChangeSet("arn-1", operations=((1, _step_op("b", OperationStatus.SUCCEEDED)),)))
    store.close()
    again = Store(path)
    assert again.operations("arn-1") == [first, _step_op("b", OperationStatus.SUCCEEDED)]
    later = ((0, _step_op("a", OperationStatus.FAILED)), (2, _step_op("c", OperationStatus.READY)))
    again.apply(ChangeSet("arn-1", operations=later))
    assert [(op.id, op.status) for op in again.operations("arn-1")] == [
        ("a", OperationStatus.FAILED),
        ("b", OperationStatus.SUCCEEDED),
        ("c", OperationStatus.READY),
    ]
    assert again.operations("arn-2") == []


def _operations_table(conn: sqlite3.Connection) -> None:
    """The v2 and v3 layouts' operations: one row each, replaced in place."""
    conn.execute("DROP TABLE operation_runs")
    conn.execute(
        "CREATE TABLE operations (execution INTEGER NOT NULL, position INTEGER NOT NULL, op_id TEXT NOT NULL,"
        " type TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (execution, position))"
        " WITHOUT ROWID"
    )


def test_a_file_with_one_row_per_operation_is_migrated(tmp_path: Path) -> None:
    path = str(tmp_path / "v3.db")
    key = _stored_execution(path)
    ops = [_step_op("a", OperationStatus.SUCCEEDED), _step_op("b", OperationStatus.STARTED)]
    conn = sqlite3.connect(path)  # the v3 layout: one row per operation, replaced in place
    conn.execute("PRAGMA user_version = 0")  # files of that time kept no version
    _operations_table(conn)
    for position, op in enumerate(ops):
        conn.execute(
            "INSERT INTO operations VALUES (?, ?, ?, ?, ?, ?)",
            (key, position, op.id, op.type.value, op.status.value, codec.dumps(op)),
        )
    conn.commit()
    conn.close()
    again = Store(path)
    assert again.operations("arn-1") == ops
    again.apply(ChangeSet("arn-1", operations=((1, _step_op("b", OperationStatus.SUCCEEDED)),)))
    assert again.operations("arn-1") == [ops[0], _step_op("b", OperationStatus.SUCCEEDED)]
    tables = {r[0] for r in again._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "operations" not in tables
    assert _version(path) == SCHEMA_VERSION
