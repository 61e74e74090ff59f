"""Structured handler logs, kept per execution (conformance ``ExpectedLogs`` reads them).

Only records that carry an ``executionArn`` attribute are kept (the SDK's replay-aware
logger adds it as ``extra``); each becomes a JSON dict of ``message``, ``level``,
``timestamp``, ``logger`` and every extra field. A capture is context-local: one handler,
installed once, hands each record to the capture its own thread (or task) opened for
that execution, so concurrent invocations never lose or swap records. A child process
writes them as JSON lines on its stderr and the parent reads them back. Lines the handler prints
to stdout can be kept too, as ``{"message": line, "stream": "stdout", ...}`` records, the
way Lambda puts raw prints in the function's log group.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
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


_OPEN: ContextVar[Mapping[str, LogSink]] = ContextVar("lambda_durable_log_captures", default={})
"""The captures open in this context (thread or task), by execution ARN."""


class _Dispatcher(logging.Handler):
    """Installed once, never removed: hands each record to the capture of its execution
    open in the emitting context. Adding and removing a handler per invocation is what
    lost records under concurrency: ``removeHandler`` mutates the list another thread
    is iterating, which then skips a handler."""

    def __init__(self, only_if_sdk_stops: bool) -> None:
        super().__init__(logging.DEBUG)
        self.only_if_sdk_stops = only_if_sdk_stops
        """On the SDK logger: act only when its records do not also reach the root's."""

    def handle(self, record: logging.LogRecord) -> bool:  # no handler lock: emit is reentrant
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        captures = _OPEN.get()
        if not captures or (self.only_if_sdk_stops and logging.getLogger(SDK_LOGGER).propagate):
            return
        arn = getattr(record, "executionArn", None)
        sink = captures.get(arn) if isinstance(arn, str) else None
        if sink is not None:
            data = record_to_json(record)
            if data is not None:
                sink(data)


_dispatch_lock = threading.Lock()
_dispatching: list[_Dispatcher] = []


def _install_dispatchers() -> None:
    with _dispatch_lock:
        if not _dispatching:
            _dispatching.extend((_Dispatcher(False), _Dispatcher(True)))
            logging.getLogger().addHandler(_dispatching[0])
            logging.getLogger(SDK_LOGGER).addHandler(_dispatching[1])


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
    """Catch the records of ``execution_arn`` logged from this context while the block runs.

    Exact under any concurrency: the capture is context-local (a thread sees only its
    own), so two invocations running at once never see each other's records. The SDK
    logger is lowered to INFO for the block when it has no level of its own, so
    ``logger.info`` records exist to be caught.
    """
    _install_dispatchers()
    sdk = logging.getLogger(SDK_LOGGER)
    _SDK_LEVEL.enter(sdk)
    _OPEN.set({**_OPEN.get(), execution_arn: sink})
    try:
        yield
    finally:
        _OPEN.set({arn: kept for arn, kept in _OPEN.get().items() if arn != execution_arn})
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
    return stream_record(execution_arn, line, "stdout")


def stream_record(execution_arn: str, line: str, stream: str) -> dict[str, Any]:
    """A line the handler wrote on ``stream`` (stdout or stderr), as a record of its execution."""
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "stream": stream,
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
