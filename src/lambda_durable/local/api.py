"""The embedded backend's public face: ``LocalBackend``, ``run_local``, ``ExecutionOutcome``.

``LocalBackend`` wires a store, a clock, the service and one invoker per registered
function; ``run_until_settled`` drives an execution to its end. Everything hangs off
the instance, so several backends can live in one process.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.errors import DurableError, ExecutionFailed, SerdesFailed
from lambda_durable.local.clock import Clock, RealClock, SkippingClock
from lambda_durable.local.handler_ref import Handler, HandlerRef, resolve_handler
from lambda_durable.local.invokers import InProcessInvoker, Invoker
from lambda_durable.local.isolated import ProcessInvoker
from lambda_durable.local.logs import LogSink
from lambda_durable.local.scheduler import drive
from lambda_durable.local.service import (
    DEFAULT_EXECUTION_TIMEOUT,
    DEFAULT_PAGE_BYTES,
    EventListener,
    InvocationTicket,
    LocalService,
)
from lambda_durable.local.store import ExecutionRecord, Store
from lambda_durable.serdes import default_converter
from lambda_durable.wire import ErrorObject, Event, ExecutionStatus, InvocationOutput, Operation

T = TypeVar("T")


@frozen
class ExecutionOutcome:
    """An execution as it stands (terminal after ``run_until_settled``)."""

    arn: str
    status: ExecutionStatus
    result: str | None
    error: ErrorObject | None
    operations: tuple[Operation, ...]
    events: tuple[Event, ...]

    def result_as(self, cls: type[T]) -> Result[T, DurableError]:
        """The result decoded into ``cls`` with the SDK's default converter."""
        if self.status is not ExecutionStatus.SUCCEEDED:
            return Failure(ExecutionFailed(self.error or ErrorObject(error_message=self.status.value)))
        try:
            value: T = default_converter().structure(json.loads(self.result or "null"), cls)
        except Exception as exc:  # cattrs raises many types; any of them means "does not fit"
            return Failure(SerdesFailed(ErrorObject(error_type=type(exc).__name__, error_message=str(exc))))
        return Success(value)


class LocalBackend:
    """Store + service + scheduler + invokers. A context manager; ``close`` frees the DB."""

    def __init__(
        self,
        db: str | None = None,
        *,
        real_time: bool = False,
        clock: Clock | None = None,
        execution_timeout: int = DEFAULT_EXECUTION_TIMEOUT,
        page_bytes: int = DEFAULT_PAGE_BYTES,
        keep_stdout: bool = False,
    ) -> None:
        path = db if db is not None else ":memory:"
        if path != ":memory:":
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)
        self.store = Store(path)
        self.clock: Clock = clock if clock is not None else self._default_clock(real_time)
        self.service = LocalService(
            self.store, self.clock, execution_timeout=execution_timeout, page_bytes=page_bytes
        )
        self._invokers: dict[str, Invoker] = {}
        self._keep_stdout = keep_stdout
        """Also keep what handlers print to stdout in ``logs(arn)`` (as Lambda's log group does)."""

    def _default_clock(self, real_time: bool) -> Clock:
        if real_time:
            return RealClock()
        latest = self.store.latest_timestamp()
        now = datetime.now(UTC)
        return SkippingClock(start=latest if latest is not None and latest > now else None)

    # --- functions ----------------------------------------------------------------------

    def register(self, name: str, handler: Handler | HandlerRef, isolated: bool = False) -> None:
        """Make ``name`` invokable. ``isolated`` runs each invocation in a subprocess
        (needs a ``HandlerRef``, or a module-level function whose file can be found)."""
        if isolated:
            ref = Success(handler) if isinstance(handler, HandlerRef) else HandlerRef.of(handler)
            if not is_successful(ref):
                raise ValueError(ref.failure())
            self._invokers[name] = ProcessInvoker(ref.unwrap(), keep_stdout=self._keep_stdout)
            return
        if isinstance(handler, HandlerRef):
            resolved = resolve_handler(handler)
            if not is_successful(resolved):
                raise ValueError(resolved.failure())
            self._invokers[name] = InProcessInvoker(resolved.unwrap(), self._keep_stdout)
            return
        self._invokers[name] = InProcessInvoker(handler, self._keep_stdout)

    # --- executions -----------------------------------------------------------------------

    def start(
        self,
        function_name: str,
        payload: str | None,
        execution_name: str | None = None,
        *,
        execution_timeout: int | None = None,
    ) -> str:
        """Create the execution (``ExecutionStarted``) and return its ARN; does not run it."""
        if function_name not in self._invokers:
            raise ValueError(f"no function registered as {function_name!r}")
        started = self.service.start_execution(
            function_name, payload, execution_name=execution_name, timeout_seconds=execution_timeout
        )
        if not is_successful(started):
            raise ValueError(str(started.failure()))
        return started.unwrap()

    def run_until_settled(self, arn: str) -> ExecutionOutcome:
        """Drive invocations and timers until the execution is terminal."""
        function_name = self._record(arn).function_name
        invoker = self._invokers.get(function_name)
        if invoker is None:
            raise ValueError(f"no function registered as {function_name!r}")
        sink = self._sink(arn)

        def invoke(ticket: InvocationTicket) -> Result[InvocationOutput, ErrorObject]:
            return invoker.invoke(ticket, self.service, sink)

        drive(self.service, self.clock, arn, invoke)
        return self.describe(arn)

    def describe(self, arn: str) -> ExecutionOutcome:
        record = self._record(arn)
        return ExecutionOutcome(
            arn=arn,
            status=record.status,
            result=record.result,
            error=record.error,
            operations=self.service.operations(arn).unwrap(),
            events=self.service.history(arn).unwrap(),
        )

    def history(self, arn: str) -> list[Event]:
        return list(self.service.history(arn).value_or(()))

    def logs(self, arn: str) -> list[dict[str, Any]]:
        """The execution's structured log records, in the order they were emitted."""
        return self.store.logs(arn)

    def executions(self) -> list[str]:
        """ARNs of every execution in the store, oldest first."""
        return self.service.execution_arns()

    def add_listener(self, listener: EventListener) -> None:
        """``listener(arn, event)`` is called for each event as it is appended."""
        self.service.add_listener(listener)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- helpers --------------------------------------------------------------------------

    def _record(self, arn: str) -> ExecutionRecord:
        found = self.service.execution(arn)
        if not is_successful(found):
            raise ValueError(str(found.failure()))
        return found.unwrap()

    def _sink(self, arn: str) -> LogSink:
        def sink(record: dict[str, Any]) -> None:
            self.store.append_log(arn, record)

        return sink


def run_local(
    handler: Handler | HandlerRef,
    input: object = None,  # noqa: A002 - the documented name
    *,
    functions: Mapping[str, Handler | HandlerRef] | None = None,
    real_time: bool = False,
    db: str | None = None,
    isolated: bool = False,
) -> ExecutionOutcome:
    """Run one execution of ``handler`` with ``json.dumps(input)`` as its payload."""
    with LocalBackend(db, real_time=real_time) as backend:
        for name, target in (functions or {}).items():
            backend.register(name, target)
        name = function_name_of(handler)
        backend.register(name, handler, isolated=isolated)
        arn = backend.start(name, json.dumps(input))
        return backend.run_until_settled(arn)


def function_name_of(handler: Callable[..., Any] | HandlerRef) -> str:
    raw = handler.attribute if isinstance(handler, HandlerRef) else getattr(handler, "__name__", "handler")
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in raw).strip("-")
    return cleaned or "handler"
