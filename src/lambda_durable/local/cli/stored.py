"""Opening a store for the read-only commands (``list``, ``history``) without changing it.

``Store`` upgrades a file of an older layout as it opens it; a command that only reads
must not. The layout is checked on a read-only connection first: a file that is not a
store, or one an older version wrote, is refused with one line and left as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.local.cli.args import usage_error
from lambda_durable.local.engine.store import Store

_CURRENT = {"executions": {"key", "arn", "skipped_seconds"}, "operation_runs": {"execution", "seq"}, "event_runs": {"execution"}}
_OLDER = ("operations", "events")


def open_for_reading(path: str) -> Result[Store, str]:
    """The store at ``path``, if it is one in the current layout; else why not."""
    if not os.path.isfile(path):
        return Failure(f"no database at {path}")
    try:
        with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as conn:
            tables = {
                name: {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    except sqlite3.Error as exc:
        return Failure(f"{path} is not a lambda-durable store ({exc})")
    if "executions" not in tables:
        return Failure(f"{path} is not a lambda-durable store (no executions table)")
    if any(name in tables for name in _OLDER) or any(not cols <= tables.get(t, set()) for t, cols in _CURRENT.items()):
        return Failure(
            f"{path} was written by an older lambda-durable; open it once with this version "
            "(e.g. LocalBackend(path)) to upgrade it"
        )
    try:
        return Success(Store(path))
    except sqlite3.Error as exc:
        return Failure(f"cannot open {path}: {exc}")


def reading(prog: str, path: str, use: Callable[[Store], int]) -> int:
    """``use(store)`` on the store at ``path``, closed afterwards; exit 2 with one line
    on stderr when ``path`` cannot be read as a store."""
    opened = open_for_reading(path)
    if not is_successful(opened):
        return usage_error(prog, opened.failure())
    store = opened.unwrap()
    try:
        return use(store)
    finally:
        store.close()


def find_execution(store: Store, wanted: str, db: str) -> Result[str, str]:
    """The ARN of the one execution whose ARN, id or name is ``wanted``; else why not."""
    arns = [a for a in store.execution_arns() if wanted in (a, a.rsplit("/", 1)[-1], a.rsplit("/", 2)[-2])]
    if len(arns) == 1:
        return Success(arns[0])
    found = "several executions match" if arns else "no execution"
    return Failure(f"{found} {wanted!r} in {db} ('lambda-durable list --db {db}' shows them)")
