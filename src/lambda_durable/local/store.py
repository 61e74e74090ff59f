"""The durable record of the local backend: SQLite via the stdlib.

Every service transition is written as one ``ChangeSet`` in one transaction, so a crash
leaves the previous consistent state and a new backend on the same file resumes from it.
Operations are stored as wire JSON plus indexed columns (creation position, type,
status); events are append-only with ``EventId`` contiguous from 1 per execution.
Per-write work is proportional to what changed, never to the size of the execution.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from attrs import frozen

from lambda_durable.local import codec
from lambda_durable.wire import ErrorObject, Event, ExecutionStatus, Operation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY,
    execution_id TEXT NOT NULL,
    name TEXT NOT NULL,
    function_name TEXT NOT NULL,
    input_payload TEXT,
    timeout_seconds INTEGER NOT NULL,
    start_ts TEXT NOT NULL,
    status TEXT NOT NULL,
    end_ts TEXT,
    result TEXT,
    error TEXT,
    invocation_count INTEGER NOT NULL DEFAULT 0,
    failed_invocations INTEGER NOT NULL DEFAULT 0,
    token_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (function_name, name)
);
CREATE TABLE IF NOT EXISTS operations (
    arn TEXT NOT NULL,
    op_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    parent_id TEXT,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (arn, op_id)
);
CREATE INDEX IF NOT EXISTS operations_by_position ON operations (arn, position);
CREATE TABLE IF NOT EXISTS events (
    arn TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (arn, event_id)
);
CREATE TABLE IF NOT EXISTS invocations (
    arn TEXT NOT NULL,
    number INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    start_ts TEXT NOT NULL,
    end_ts TEXT,
    error TEXT,
    PRIMARY KEY (arn, number)
);
CREATE TABLE IF NOT EXISTS logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    arn TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_arn ON logs (arn, seq);
"""


@frozen
class ExecutionRecord:
    """The execution-level row: identity, input, status and outcome."""

    arn: str
    execution_id: str
    name: str
    function_name: str
    input_payload: str | None
    timeout_seconds: int
    start: datetime
    status: ExecutionStatus = ExecutionStatus.RUNNING
    end: datetime | None = None
    result: str | None = None
    error: ErrorObject | None = None
    invocation_count: int = 0
    failed_invocations: int = 0


@frozen
class InvocationRecord:
    """One handler invocation (the source of ``InvocationCompleted``)."""

    arn: str
    number: int
    request_id: str
    start: datetime
    end: datetime | None = None
    error: ErrorObject | None = None


@frozen
class ChangeSet:
    """Everything one service transition writes, applied atomically."""

    arn: str
    operations: tuple[tuple[int, Operation], ...] = ()
    events: tuple[Event, ...] = ()
    execution: ExecutionRecord | None = None
    invocation: InvocationRecord | None = None
    token_seq: int | None = None


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _error_text(error: ErrorObject | None) -> str | None:
    return None if error is None else codec.dumps(error)


def _error(text: str | None) -> ErrorObject | None:
    return None if text is None else codec.loads(ErrorObject, text).value_or(ErrorObject())


class Store:
    """One SQLite connection; callers serialise access (the service holds a lock)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # writes -------------------------------------------------------------------

    def apply(self, change: ChangeSet) -> None:
        """Write one transition in one transaction (raises ``sqlite3.Error`` on failure)."""
        with self._transaction() as conn:
            if change.execution is not None:
                self._put_execution(conn, change.execution)
            if change.operations:
                conn.executemany(
                    "INSERT OR REPLACE INTO operations (arn, op_id, position, parent_id, type, status, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (change.arn, op.id, pos, op.parent_id, op.type.value, op.status.value, codec.dumps(op))
                        for pos, op in change.operations
                    ],
                )
            if change.events:
                conn.executemany(
                    "INSERT INTO events (arn, event_id, event_type, data) VALUES (?, ?, ?, ?)",
                    [(change.arn, e.event_id, e.event_type.value, codec.dumps(e)) for e in change.events],
                )
            if change.invocation is not None:
                inv = change.invocation
                conn.execute(
                    "INSERT OR REPLACE INTO invocations (arn, number, request_id, start_ts, end_ts, error)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (inv.arn, inv.number, inv.request_id, _ts(inv.start), _ts(inv.end), _error_text(inv.error)),
                )
            if change.token_seq is not None:
                conn.execute("UPDATE executions SET token_seq = ? WHERE arn = ?", (change.token_seq, change.arn))

    def append_log(self, arn: str, record: dict[str, Any]) -> None:
        """Keep one structured handler log record (its own small transaction)."""
        with self._lock:
            self._conn.execute("INSERT INTO logs (arn, data) VALUES (?, ?)", (arn, json.dumps(record)))

    @staticmethod
    def _put_execution(conn: sqlite3.Connection, rec: ExecutionRecord) -> None:
        conn.execute(
            "INSERT INTO executions (arn, execution_id, name, function_name, input_payload, timeout_seconds,"
            " start_ts, status, end_ts, result, error, invocation_count, failed_invocations)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (arn) DO UPDATE SET status = excluded.status, end_ts = excluded.end_ts,"
            " result = excluded.result, error = excluded.error,"
            " invocation_count = excluded.invocation_count, failed_invocations = excluded.failed_invocations",
            (
                rec.arn,
                rec.execution_id,
                rec.name,
                rec.function_name,
                rec.input_payload,
                rec.timeout_seconds,
                _ts(rec.start),
                rec.status.value,
                _ts(rec.end),
                rec.result,
                _error_text(rec.error),
                rec.invocation_count,
                rec.failed_invocations,
            ),
        )

    # reads ------------------------------------------------------------------

    def execution(self, arn: str) -> ExecutionRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT arn, execution_id, name, function_name, input_payload, timeout_seconds, start_ts,"
                " status, end_ts, result, error, invocation_count, failed_invocations"
                " FROM executions WHERE arn = ?",
                (arn,),
            ).fetchone()
        if row is None:
            return None
        start = _dt(row[6])
        assert start is not None
        return ExecutionRecord(
            arn=row[0],
            execution_id=row[1],
            name=row[2],
            function_name=row[3],
            input_payload=row[4],
            timeout_seconds=row[5],
            start=start,
            status=ExecutionStatus(row[7]),
            end=_dt(row[8]),
            result=row[9],
            error=_error(row[10]),
            invocation_count=row[11],
            failed_invocations=row[12],
        )

    def execution_named(self, function_name: str, name: str) -> str | None:
        """ARN of the execution with that name for that function, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT arn FROM executions WHERE function_name = ? AND name = ?", (function_name, name)
            ).fetchone()
        return None if row is None else str(row[0])

    def execution_arns(self) -> list[str]:
        """Every stored execution, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT arn FROM executions ORDER BY start_ts, rowid").fetchall()
        return [str(r[0]) for r in rows]

    def operations(self, arn: str) -> list[Operation]:
        """All operations of an execution in creation order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM operations WHERE arn = ? ORDER BY position", (arn,)
            ).fetchall()
        return [codec.loads(Operation, r[0]).unwrap() for r in rows]

    def events(self, arn: str, after: int = 0, limit: int = -1) -> list[Event]:
        """History events with ``EventId > after``, in order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM events WHERE arn = ? AND event_id > ? ORDER BY event_id LIMIT ?",
                (arn, after, limit),
            ).fetchall()
        return [codec.loads(Event, r[0]).unwrap() for r in rows]

    def event_count(self, arn: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COALESCE(MAX(event_id), 0) FROM events WHERE arn = ?", (arn,)).fetchone()
        return int(row[0])

    def token_seq(self, arn: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT token_seq FROM executions WHERE arn = ?", (arn,)).fetchone()
        return 0 if row is None else int(row[0])

    def latest_timestamp(self) -> datetime | None:
        """The latest time recorded anywhere (a skipping clock must not restart before it)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT MAX(start_ts) FROM executions), (SELECT MAX(end_ts) FROM executions),"
                " (SELECT MAX(start_ts) FROM invocations), (SELECT MAX(end_ts) FROM invocations)"
            ).fetchone()
        stamps = [datetime.fromisoformat(v) for v in row if v is not None]
        return max(stamps) if stamps else None

    def logs(self, arn: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT data FROM logs WHERE arn = ? ORDER BY seq", (arn,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def invocations(self, arn: str) -> list[InvocationRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT arn, number, request_id, start_ts, end_ts, error FROM invocations"
                " WHERE arn = ? ORDER BY number",
                (arn,),
            ).fetchall()
        out: list[InvocationRecord] = []
        for row in rows:
            start = _dt(row[3])
            assert start is not None
            out.append(InvocationRecord(row[0], row[1], row[2], start, _dt(row[4]), _error(row[5])))
        return out

    def dump(self) -> str:
        """A deterministic text image of every table (tests compare before/after)."""
        with self._lock:
            parts = []
            for table in ("executions", "operations", "events", "invocations", "logs"):
                rows = self._conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608
                parts.append(json.dumps([table, rows], default=str))
        return "\n".join(parts)
