"""Structured handler logs, kept per execution (conformance ``ExpectedLogs`` reads them).

Only records that carry an ``executionArn`` attribute are kept (the SDK's replay-aware
logger adds it as ``extra``); each becomes a JSON dict of ``message``, ``level``,
``timestamp``, ``logger`` and every extra field. In-process the records are caught by a
handler on the root logger for the duration of one invocation; a child process writes
them as JSON lines on its stderr and the parent reads them back. Lines the handler prints
to stdout can be kept too, as ``{"message": line, "stream": "stdout", ...}`` records, the
way Lambda puts raw prints in the function's log group.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

LogSink = Callable[[dict[str, Any]], None]
SDK_LOGGER = "lambda_durable"

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _jsonable(value: object) -> object:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def record_to_json(record: logging.LogRecord) -> dict[str, Any] | None:
    """The JSON form of a record that belongs to an execution, else None."""
    if not isinstance(getattr(record, "executionArn", None), str):
        return None
    out: dict[str, Any] = {
        "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            out[key] = _jsonable(value)
    return out


class CapturingHandler(logging.Handler):
    """Hands the JSON form of one execution's records to a sink."""

    def __init__(self, execution_arn: str, sink: LogSink) -> None:
        super().__init__(logging.DEBUG)
        self.execution_arn = execution_arn
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        data = record_to_json(record)
        if data is not None and data.get("executionArn") == self.execution_arn:
            self.sink(data)


class JsonLinesHandler(logging.Handler):
    """Writes execution records as one JSON object per line (the child's stderr)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        data = record_to_json(record)
        if data is None:
            return
        try:
            self.stream.write(json.dumps(data) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.handleError(record)


@contextmanager
def capture_logs(execution_arn: str, sink: LogSink) -> Iterator[None]:
    """Catch one execution's records while the block runs.

    The SDK logger is lowered to INFO for the block when it has no level of its own, so
    ``logger.info`` records exist to be caught (nested blocks keep the outer setting).
    """
    handler = CapturingHandler(execution_arn, sink)
    root = logging.getLogger()
    sdk = logging.getLogger(SDK_LOGGER)
    _SDK_LEVEL.enter(sdk)
    # A record reaches both only if it propagates past ``sdk``, which then it does not.
    targets = [root] if sdk.propagate else [root, sdk]
    for target in targets:
        target.addHandler(handler)
    try:
        yield
    finally:
        for target in targets:
            target.removeHandler(handler)
        _SDK_LEVEL.leave(sdk)


class _LoweredLevel:
    """The SDK logger's INFO level while any capture runs: invocations in other threads
    capture at the same time, and the first to end must not raise the level under the
    others (their records would be dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._lowered = False

    def enter(self, sdk: logging.Logger) -> None:
        with self._lock:
            if self._open == 0:
                self._lowered = sdk.level == logging.NOTSET
                if self._lowered:
                    sdk.setLevel(logging.INFO)
            self._open += 1

    def leave(self, sdk: logging.Logger) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0 and self._lowered and sdk.level == logging.INFO:
                sdk.setLevel(logging.NOTSET)


_SDK_LEVEL = _LoweredLevel()


def parse_log_line(line: str) -> dict[str, Any] | None:
    """A JSON log record from a child's stderr line, or None for any other text."""
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("executionArn"), str):
        return data
    return None


def stdout_record(execution_arn: str, line: str) -> dict[str, Any]:
    """A line the handler printed, as a record of its execution."""
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "stream": "stdout",
        "executionArn": execution_arn,
        "message": line.rstrip("\n"),
    }


class _Route:
    """Where one invocation's printed lines go, with its unfinished last line."""

    def __init__(self, execution_arn: str, sink: LogSink) -> None:
        self.execution_arn = execution_arn
        self.sink = sink
        self.pending = ""

    def take(self, text: str) -> None:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.sink(stdout_record(self.execution_arn, line))

    def close(self) -> None:
        if self.pending:
            self.sink(stdout_record(self.execution_arn, self.pending))
            self.pending = ""


_ROUTE: ContextVar[_Route | None] = ContextVar("lambda_durable_stdout_route", default=None)


class _RoutingStdout:
    """A ``sys.stdout`` that passes writes through and hands each complete line to the
    invocation printing it: the route is a context variable, so invocations running in
    several threads at once each keep their own lines."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(text)
        route = _ROUTE.get()
        if route is not None:
            route.take(text)
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_installed: list[_RoutingStdout] = []  # the router while any capture is open (at most one)
_users = 0
_install_lock = threading.Lock()


@contextmanager
def capture_stdout(execution_arn: str, sink: LogSink) -> Iterator[None]:
    """Keep what the block prints to ``sys.stdout`` as records of ``execution_arn``.

    One router replaces ``sys.stdout`` while any capture is open; each block sees only
    the lines printed from its own thread (or context), however many run at once."""
    global _users
    with _install_lock:
        if _users == 0:
            _installed[:] = [_RoutingStdout(sys.stdout)]
            sys.stdout = _installed[0]
        _users += 1
    route = _Route(execution_arn, sink)
    token = _ROUTE.set(route)
    try:
        yield
    finally:
        _ROUTE.reset(token)
        route.close()
        with _install_lock:
            _users -= 1
            if _users == 0:
                router = _installed.pop()
                if sys.stdout is router:  # else someone replaced it since: leave theirs
                    sys.stdout = router.inner
