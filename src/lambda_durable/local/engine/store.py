"""The durable record of the local backend: SQLite via the stdlib.

Every service transition is written as one ``ChangeSet`` in one transaction, so a crash
leaves the previous consistent state and a new backend on the same file resumes from it.
Both operations and events are stored as runs: one row per transition. An operation run
holds the operations that transition changed, as a JSON array of ``[position, wire
JSON]`` pairs; reading an execution back keeps each position's latest version. An event
run holds the transition's events as a JSON array, ``EventId`` contiguous from 1 per
execution. A checkpoint of 125 steps (250 updates) writes two rows, not 126: a row costs
SQLite more than writing the JSON text of one operation. Rows are keyed by the execution's small
integer key, not its long ARN, in ``WITHOUT ROWID`` tables: the key is the row's only
copy (half the bytes of a rowid table plus index, which matters for an in-memory
database).
Per-write work is proportional to what changed, never to the size of the execution.
Maintenance keeps the file small over time, off the hot path: a finished execution's runs
are compacted into one holding each operation's last version (``compact_finished``), and
an execution past its retention period is deleted with every row that names it
(``expire``).
The layout's version is the file's ``PRAGMA user_version`` (``SCHEMA_VERSION``); opening
an older file migrates it step by step in one transaction, a newer one is refused
(``StoreVersionError``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from attrs import frozen

from lambda_durable.local.engine import codec
from lambda_durable.local.engine.callbacks import CallbackRecord
from lambda_durable.local.engine.history import PendingEvent
from lambda_durable.local.engine.targets import ChainedRecord
from lambda_durable.wire import ErrorObject, Event, ExecutionStatus, Operation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    key INTEGER PRIMARY KEY,
    arn TEXT NOT NULL UNIQUE,
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
    skipped_seconds REAL NOT NULL DEFAULT 0,
    UNIQUE (function_name, name)
);
CREATE TABLE IF NOT EXISTS operation_runs (
    execution INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (execution, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_runs (
    execution INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (execution, first_id)
) WITHOUT ROWID;
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
CREATE TABLE IF NOT EXISTS callbacks (
    callback_id TEXT PRIMARY KEY,
    arn TEXT NOT NULL,
    op_id TEXT NOT NULL,
    timeout_at TEXT,
    heartbeat_seconds INTEGER NOT NULL,
    heartbeat_at TEXT
);
CREATE INDEX IF NOT EXISTS callbacks_by_arn ON callbacks (arn);
CREATE TABLE IF NOT EXISTS chained_invokes (
    arn TEXT NOT NULL,
    op_id TEXT NOT NULL,
    function_name TEXT NOT NULL,
    child_arn TEXT NOT NULL,
    durable INTEGER NOT NULL,
    payload TEXT,
    PRIMARY KEY (arn, op_id)
);
CREATE INDEX IF NOT EXISTS chained_by_child ON chained_invokes (child_arn);
CREATE TABLE IF NOT EXISTS functions (
    name TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    attribute TEXT NOT NULL,
    key TEXT
);
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
    events: tuple[Event | PendingEvent, ...] = ()
    execution: ExecutionRecord | None = None
    invocation: InvocationRecord | None = None
    token_seq: int | None = None
    callbacks: tuple[CallbackRecord, ...] = ()
    chained: tuple[ChainedRecord, ...] = ()


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _error_text(error: ErrorObject | None) -> str | None:
    return None if error is None else codec.dumps(error)


def _error(text: str | None) -> ErrorObject | None:
    return None if text is None else codec.loads(ErrorObject, text).value_or(ErrorObject())


DEFAULT_RETENTION_DAYS = 14
"""How long a closed execution is kept (the service's ``RetentionPeriodInDays`` default)."""
MAX_RETENTION_DAYS = 90
"""The service model's upper bound for ``RetentionPeriodInDays``."""

SCHEMA_VERSION = 5
"""The layout ``_SCHEMA`` creates, kept in the file's ``PRAGMA user_version``. 1: rows
keyed by ARN; 2: integer execution keys, one row per event; 3: runs of events, one row
per operation; 4: runs of operations too; 5: each execution's skipped time
(``skipped_seconds``, kept on a family's root execution)."""


class StoreVersionError(ValueError):
    """The file was written by a newer lambda-durable (a layout this one cannot read)."""


_V1_COPY = (
    "ALTER TABLE executions RENAME TO executions_v1",
    "ALTER TABLE operations RENAME TO operations_v1",
    "ALTER TABLE events RENAME TO events_v1",
    "DROP INDEX IF EXISTS operations_by_position",
    *_SCHEMA.split(";"),
    "INSERT INTO executions (arn, execution_id, name, function_name, input_payload, timeout_seconds, start_ts,"
    " status, end_ts, result, error, invocation_count, failed_invocations, token_seq)"
    " SELECT arn, execution_id, name, function_name, input_payload, timeout_seconds, start_ts, status, end_ts,"
    " result, error, invocation_count, failed_invocations, token_seq FROM executions_v1 ORDER BY rowid",
    "INSERT INTO operation_runs (execution, seq, data) SELECT x.key, o.position,"
    " '[[' || o.position || ',' || o.data || ']]' FROM operations_v1 o JOIN executions x USING (arn)",
    "INSERT INTO event_runs (execution, first_id, last_id, data)"
    " SELECT x.key, e.event_id, e.event_id, '[' || e.data || ']' FROM events_v1 e JOIN executions x USING (arn)",
    "DROP TABLE events_v1",
    "DROP TABLE operations_v1",
    "DROP TABLE executions_v1",
)


_V2_COPY = (
    *_SCHEMA.split(";"),
    "INSERT INTO event_runs (execution, first_id, last_id, data)"
    " SELECT execution, event_id, event_id, '[' || data || ']' FROM events",
    "DROP TABLE events",
)


_V3_COPY = (
    *_SCHEMA.split(";"),
    "INSERT INTO operation_runs (execution, seq, data)"
    " SELECT execution, position, '[[' || position || ',' || data || ']]' FROM operations",
    "DROP TABLE operations",
)


_MIGRATIONS: dict[int, tuple[int, tuple[str, ...]]] = {
    1: (SCHEMA_VERSION, _V1_COPY),  # every table rewritten: straight to the current layout
    2: (3, _V2_COPY),
    3: (4, _V3_COPY),
    4: (5, ("ALTER TABLE executions ADD COLUMN skipped_seconds REAL NOT NULL DEFAULT 0",)),
}
"""Layout version -> (the version it becomes, the statements that make it so)."""


def _unversioned(conn: sqlite3.Connection) -> int:
    """The layout of a file from before ``user_version`` was kept (0 there), told by its
    tables once; a file without tables is new."""

    def columns(table: str) -> set[str]:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}

    if not columns("executions"):
        return SCHEMA_VERSION
    if "arn" in columns("operations"):
        return 1
    if columns("events"):
        return 2
    if columns("operations"):
        return 3
    return SCHEMA_VERSION


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to ``SCHEMA_VERSION``, one recorded layout step after another."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0]) or _unversioned(conn)
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"the store has layout {version}; this lambda-durable reads up to {SCHEMA_VERSION}: upgrade it"
        )
    while version < SCHEMA_VERSION:
        version, statements = _MIGRATIONS[version]
        for statement in statements:
            conn.execute(statement)
    for statement in _SCHEMA.split(";"):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class Store:
    """One SQLite connection; callers serialise access (the service holds a lock)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._keys: dict[str, int] = {}
        self._next_event: dict[int, int] = {}
        """Per execution key, the EventId the next run must start with (read once)."""
        self._next_run: dict[int, int] = {}
        """Per execution key, the sequence number of its next operation run (read once)."""
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        if self._conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            try:
                with self._transaction() as conn:
                    _migrate(conn)
            except BaseException:
                self._conn.close()
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute(f"BEGIN {mode}")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._keys.clear()  # a key read or assigned in this transaction may be gone
                self._next_event.clear()
                self._next_run.clear()
                raise
            self._conn.execute("COMMIT")

    # writes -------------------------------------------------------------------

    def apply(self, *changes: ChangeSet) -> None:
        """Write transitions (of one or several executions) in one transaction: all or
        none of them (raises ``sqlite3.Error`` on failure, having written nothing)."""
        with self._transaction() as conn:
            for change in changes:
                self._write(conn, change)

    def _write(self, conn: sqlite3.Connection, change: ChangeSet) -> None:
        """One transition's rows, inside the caller's transaction."""
        if change.execution is not None:
            self._put_execution(conn, change.execution)
        if change.operations or change.events:
            key = self._key(conn, change.arn)
            if change.operations:
                self._append_operations(conn, key, change.operations)
            if change.events:
                self._append_events(conn, key, change.events)
        if change.invocation is not None:
            inv = change.invocation
            conn.execute(
                "INSERT OR REPLACE INTO invocations (arn, number, request_id, start_ts, end_ts, error)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (inv.arn, inv.number, inv.request_id, _ts(inv.start), _ts(inv.end), _error_text(inv.error)),
            )
        if change.token_seq is not None:
            conn.execute("UPDATE executions SET token_seq = ? WHERE arn = ?", (change.token_seq, change.arn))
        if change.callbacks:
            conn.executemany(
                "INSERT OR REPLACE INTO callbacks (callback_id, arn, op_id, timeout_at, heartbeat_seconds,"
                " heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (c.callback_id, c.arn, c.op_id, _ts(c.timeout_at), c.heartbeat_seconds, _ts(c.heartbeat_at))
                    for c in change.callbacks
                ],
            )
        if change.chained:
            conn.executemany(
                "INSERT OR REPLACE INTO chained_invokes (arn, op_id, function_name, child_arn, durable, payload)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(c.arn, c.op_id, c.function_name, c.child_arn, int(c.durable), c.payload) for c in change.chained],
            )

    def _append_operations(
        self, conn: sqlite3.Connection, key: int, operations: tuple[tuple[int, Operation], ...]
    ) -> None:
        """One run of changed operations, after every earlier run of the execution."""
        seq = self._next_run.get(key)
        if seq is None:
            row = conn.execute("SELECT MAX(seq) FROM operation_runs WHERE execution = ?", (key,)).fetchone()
            seq = 0 if row[0] is None else int(row[0]) + 1
        conn.execute(
            "INSERT INTO operation_runs (execution, seq, data) VALUES (?, ?, ?)",
            (key, seq, codec.dumps_positioned(operations)),
        )
        self._next_run[key] = seq + 1

    def _append_events(self, conn: sqlite3.Connection, key: int, events: tuple[Event | PendingEvent, ...]) -> None:
        """One run of events; EventIds must continue the history without gap or overlap."""
        first = events[0].event_id
        if any(e.event_id != first + i for i, e in enumerate(events)):
            raise sqlite3.IntegrityError(f"EventIds of one transition must be consecutive, from {first}")
        expected = self._next_event.get(key)
        if expected is None:
            row = conn.execute("SELECT MAX(last_id) FROM event_runs WHERE execution = ?", (key,)).fetchone()
            expected = (row[0] or 0) + 1
        if first != expected:
            raise sqlite3.IntegrityError(f"EventId {first} does not continue the history (next is {expected})")
        conn.execute(
            "INSERT INTO event_runs (execution, first_id, last_id, data) VALUES (?, ?, ?, ?)",
            (key, first, events[-1].event_id, codec.dumps_all(events)),
        )
        self._next_event[key] = events[-1].event_id + 1

    def _key(self, conn: sqlite3.Connection, arn: str) -> int:
        """The execution's integer key: operation and event rows carry it, not the long ARN."""
        key = self._keys.get(arn)
        if key is None:
            row = conn.execute("SELECT key FROM executions WHERE arn = ?", (arn,)).fetchone()
            if row is None:
                raise sqlite3.IntegrityError(f"no execution {arn}")
            key = self._keys[arn] = int(row[0])
        return key

    def record_skipped(self, root: str, skipped: timedelta) -> None:
        """Keep the time the family of execution ``root`` skipped (``SkipLedger``); its
        own small transaction, as a jump is not a service transition."""
        with self._lock:
            self._conn.execute(
                "UPDATE executions SET skipped_seconds = ? WHERE arn = ?", (skipped.total_seconds(), root)
            )

    def put_function(self, name: str, target: str, attribute: str, key: str | None) -> None:
        """Remember how to load function ``name`` (so another process can resume it)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO functions (name, target, attribute, key) VALUES (?, ?, ?, ?)",
                (name, target, attribute, key),
            )

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

    # maintenance ---------------------------------------------------------------

    def expire(self, ended_before: datetime) -> list[str]:
        """Delete every execution that ended before ``ended_before``, with its operations,
        events, invocations, logs, callbacks and chained invokes; the ARNs deleted."""
        with self._transaction() as conn:
            rows = conn.execute("SELECT key, arn, end_ts FROM executions WHERE end_ts IS NOT NULL").fetchall()
            gone = [(int(key), str(arn)) for key, arn, end in rows if datetime.fromisoformat(end) < ended_before]
            for key, arn in gone:
                for table in ("operation_runs", "event_runs"):
                    conn.execute(f"DELETE FROM {table} WHERE execution = ?", (key,))  # noqa: S608
                for table in ("invocations", "logs", "callbacks", "chained_invokes"):
                    conn.execute(f"DELETE FROM {table} WHERE arn = ?", (arn,))  # noqa: S608
                conn.execute("DELETE FROM executions WHERE key = ?", (key,))
        for key, arn in gone:
            self._keys.pop(arn, None)
            self._next_event.pop(key, None)
            self._next_run.pop(key, None)
        return [arn for _, arn in gone]

    def compact_finished(self) -> int:
        """Compact every finished execution that has more than one run; how many there were."""
        with self._transaction() as conn:
            keys = conn.execute(
                "SELECT r.execution FROM operation_runs r JOIN executions x ON r.execution = x.key"
                " WHERE x.status != 'RUNNING' GROUP BY r.execution HAVING COUNT(*) > 1"
            ).fetchall()
            for (key,) in keys:
                self._compact(conn, int(key))
        return len(keys)

    @staticmethod
    def _compact(conn: sqlite3.Connection, key: int) -> None:
        """Rewrite the execution's operation runs as one holding each operation's last
        version, numbered as the last run was (a later run still follows it)."""
        runs = conn.execute("SELECT seq, data FROM operation_runs WHERE execution = ? ORDER BY seq", (key,)).fetchall()
        if len(runs) < 2:
            return
        latest: dict[int, Any] = {}
        for _, data in runs:
            latest.update(codec.positioned(data))
        last = runs[-1][0]
        merged = json.dumps([[position, latest[position]] for position in sorted(latest)], separators=(",", ":"))
        conn.execute("DELETE FROM operation_runs WHERE execution = ? AND seq < ?", (key, last))
        conn.execute("UPDATE operation_runs SET data = ? WHERE execution = ? AND seq = ?", (merged, key, last))

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
        """All operations of an execution in creation order, each as its latest run left it."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT r.data FROM operation_runs r JOIN executions x ON r.execution = x.key"
                " WHERE x.arn = ? ORDER BY r.seq",
                (arn,),
            ).fetchall()
        latest: dict[int, Any] = {}
        for (data,) in rows:
            latest.update(codec.positioned(data))
        return [codec.decode(Operation, latest[position]).unwrap() for position in sorted(latest)]

    def events(self, arn: str, after: int = 0, limit: int = -1) -> list[Event]:
        """History events with ``EventId > after``, in order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT e.first_id, e.data FROM event_runs e JOIN executions x ON e.execution = x.key"
                " WHERE x.arn = ? AND e.last_id > ? ORDER BY e.first_id",
                (arn, after),
            )
            found: list[Event] = []
            for first, data in rows:
                run = codec.loads_all(Event, data).unwrap()
                found.extend(run[max(0, after + 1 - first) :])
                if 0 <= limit <= len(found):
                    return found[:limit]
        return found

    def token_seq(self, arn: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT token_seq FROM executions WHERE arn = ?", (arn,)).fetchone()
        return 0 if row is None else int(row[0])

    def skipped(self, root: str) -> timedelta:
        """The time the family of execution ``root`` has skipped (``SkipLedger``)."""
        with self._lock:
            row = self._conn.execute("SELECT skipped_seconds FROM executions WHERE arn = ?", (root,)).fetchone()
        return timedelta(seconds=float(row[0])) if row is not None else timedelta(0)

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
            out.append(
                InvocationRecord(
                    arn=row[0], number=row[1], request_id=row[2], start=start, end=_dt(row[4]), error=_error(row[5])
                )
            )
        return out

    _CALLBACK_COLUMNS = "callback_id, arn, op_id, timeout_at, heartbeat_seconds, heartbeat_at"
    _CHAINED_COLUMNS = "arn, op_id, function_name, child_arn, durable, payload"

    @staticmethod
    def _callback_row(row: Any) -> CallbackRecord:
        return CallbackRecord(
            callback_id=row[0],
            arn=row[1],
            op_id=row[2],
            timeout_at=_dt(row[3]),
            heartbeat_seconds=int(row[4]),
            heartbeat_at=_dt(row[5]),
        )

    @staticmethod
    def _chained_row(row: Any) -> ChainedRecord:
        return ChainedRecord(
            arn=row[0], op_id=row[1], function_name=row[2], child_arn=row[3], durable=bool(row[4]), payload=row[5]
        )

    def callback(self, callback_id: str) -> CallbackRecord | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {self._CALLBACK_COLUMNS} FROM callbacks WHERE callback_id = ?",  # noqa: S608
                (callback_id,),
            ).fetchone()
        return None if row is None else self._callback_row(row)

    def callbacks(self, arn: str) -> list[CallbackRecord]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {self._CALLBACK_COLUMNS} FROM callbacks WHERE arn = ?", (arn,)  # noqa: S608
            ).fetchall()
        return [self._callback_row(r) for r in rows]

    def chained(self, arn: str) -> list[ChainedRecord]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {self._CHAINED_COLUMNS} FROM chained_invokes WHERE arn = ?", (arn,)  # noqa: S608
            ).fetchall()
        return [self._chained_row(r) for r in rows]

    def chained_by_child(self, child_arn: str) -> ChainedRecord | None:
        """The invoke that started execution ``child_arn``, if it was started by one."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {self._CHAINED_COLUMNS} FROM chained_invokes WHERE child_arn = ? AND durable = 1",  # noqa: S608
                (child_arn,),
            ).fetchone()
        return None if row is None else self._chained_row(row)

    def function(self, name: str) -> tuple[str, str, str | None] | None:
        """(target, attribute, key) of a function remembered with ``put_function``."""
        with self._lock:
            row = self._conn.execute("SELECT target, attribute, key FROM functions WHERE name = ?", (name,)).fetchone()
        return None if row is None else (str(row[0]), str(row[1]), row[2])

    def dump(self) -> str:
        """A deterministic text image of every table (tests compare before/after)."""
        with self._lock:
            parts = []
            for table in (
                "executions", "operation_runs", "event_runs", "invocations", "logs", "callbacks", "chained_invokes"
            ):
                rows = self._conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608
                parts.append(json.dumps([table, rows], default=str))
        return "\n".join(parts)
