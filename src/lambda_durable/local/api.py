"""The embedded backend's public face: ``LocalBackend``, ``run_local``, ``ExecutionOutcome``.

``LocalBackend`` wires a store, a clock, the service and one invoker per registered
function; ``run_until_settled`` drives an execution to its end. Registered functions are
also chained-invoke targets (durable ones run as child executions, plain ones are called
once). The callback APIs answer callbacks; ``on_callback_started`` hooks let a program
answer them from inside a run. Everything hangs off the instance, so several backends
can live in one process.

Errors, one rule: a method that stands for a service API (``start``, the
``send_callback_*`` calls, ``stop``, ``call_plain``) returns a ``Result`` holding the
service's answer (a ``ServiceError`` with its code and HTTP status) and never raises for
it; the harness's own methods (``register``, ``run_until_*``, ``describe``, ``history``,
...) return plain values and raise ``LocalBackendError`` when the program misuses the
harness (a function not registered, an unknown ARN, a handler that cannot be loaded).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

from attrs import field, frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.errors import DurableError, ExecutionFailed, SerdesFailed
from lambda_durable.client import ServiceError
from lambda_durable.local.engine.callbacks import CallbackStartedInfo
from lambda_durable.local.errors import LocalBackendError, expect_service
from lambda_durable.local.engine.clock import Clock, RealClock, SkippingClock
from lambda_durable.local.engine.service import (
    DEFAULT_EXECUTION_TIMEOUT,
    DEFAULT_PAGE_BYTES,
    EventListener,
    InvocationTicket,
    LocalService,
)
from lambda_durable.local.engine.store import DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, Store
from lambda_durable.local.engine.targets import ChainedRecord, Target, function_name_of as target_name
from lambda_durable.local.engine.tokens import function_arn
from lambda_durable.local.invoke.command import Command, CommandInvoker, prepare
from lambda_durable.local.invoke.handler_ref import Handler, HandlerRef, resolve_handler
from lambda_durable.local.invoke.invokers import (
    InProcessInvoker,
    Invoker,
    LocalLambdaContext,
    exception_error,
)
from lambda_durable.local.invoke.isolated import ProcessInvoker
from lambda_durable.local.invoke.logs import LogSink
from lambda_durable.local.invoke.scheduler import Driver
from lambda_durable.serdes import default_converter
from lambda_durable.wire import ErrorObject, Event, EventType, ExecutionStatus, InvocationOutput, Operation

T = TypeVar("T")


class CallbackSender(Protocol):
    """The callback APIs, as a hook sees them (``LocalBackend`` is one)."""

    def send_callback_success(
        self, callback_id: str, result: str | bytes | None = None
    ) -> Result[None, ServiceError]: ...

    def send_callback_failure(
        self, callback_id: str, error: ErrorObject | None = None
    ) -> Result[None, ServiceError]: ...

    def send_callback_heartbeat(self, callback_id: str) -> Result[None, ServiceError]: ...


CallbackHook = Callable[[CallbackStartedInfo, CallbackSender], None]
"""Called once per new callback, after the invocation that created it has completed."""

LogListener = Callable[[str, dict[str, Any]], None]
"""Called with (execution ARN, structured record) for each handler log record kept."""


@frozen
class ExecutionOutcome:
    """An execution as it stands (terminal after ``run_until_settled``).

    ``events`` is the history as it stood then, built on first read: a test that only
    looks at the result does not pay for thousands of event objects."""

    arn: str
    status: ExecutionStatus
    result: str | None
    error: ErrorObject | None
    operations: tuple[Operation, ...]
    _history: Callable[[], tuple[Event, ...]] = field(alias="history", eq=lambda view: view(), repr=False)

    @cached_property
    def events(self) -> tuple[Event, ...]:
        """The history (``GetDurableExecutionHistory``'s events) at the time of the outcome."""
        return self._history()

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
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        if not 1 <= retention_days <= MAX_RETENTION_DAYS:
            raise LocalBackendError(f"retention_days must be 1 to {MAX_RETENTION_DAYS}, got {retention_days}")
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
        self._targets: dict[str, Target] = {}
        self._callables: dict[str, Handler] = {}
        self._hooks: list[CallbackHook] = []
        self._log_listeners: list[LogListener] = []
        self._fresh: list[CallbackStartedInfo] = []
        self.keep_stdout = keep_stdout
        """Also keep what handlers print to stdout in ``logs(arn)`` (as Lambda's log group does)."""
        self.service.resolver = self._resolve
        self.service.add_listener(self._notice_callback, kinds=(EventType.CALLBACK_STARTED,))
        self._driver = Driver(self.service, self._invoke, self._call, self._after_invocation)
        self.retention_days = retention_days
        """Closed executions older than this are deleted by ``maintain``."""

    def _default_clock(self, real_time: bool) -> Clock:
        """Real time, or a skipping clock on which each execution (family) starts at the
        real time and goes on from what it skipped before, as the store recorded."""
        return RealClock() if real_time else SkippingClock(ledger=self.store)

    # --- functions ----------------------------------------------------------------------

    def register(
        self,
        name: str,
        handler: Handler | HandlerRef | Command,
        isolated: bool = False,
        *,
        durable: bool | None = None,
        execution_timeout: int | None = None,
        endpoint: str | None = None,
        invoker: Invoker | None = None,
    ) -> None:
        """Make ``name`` invokable, by ``start`` and as a chained-invoke target.

        ``isolated`` runs each invocation in a subprocess (needs a ``HandlerRef``, or a
        module-level function whose file can be found). ``durable`` (default: whether the
        handler has ``__durable_handler__ = True``) makes an invoke of ``name`` a child
        durable execution, else a plain call. ``execution_timeout`` (seconds) applies to
        executions of ``name``, including child executions. A ``HandlerRef`` is also
        remembered in the store, so ``lambda-durable callback`` can resume executions.
        ``endpoint`` (with ``isolated``): the subprocess gets no client but
        ``AWS_ENDPOINT_URL_LAMBDA=endpoint``, as on Lambda (``lambda-durable serve``).
        ``invoker`` runs the invocations instead (``serve``'s worker pool).
        A ``Command`` (a durable function in any language) needs ``endpoint`` (the URL
        of a ``DurableServer`` on this backend): its program reaches the service there."""
        if isinstance(handler, Command):
            self._register_command(name, handler, durable, execution_timeout, endpoint, invoker)
            return
        function: Handler | None
        if invoker is not None:
            function = resolve_handler(handler).value_or(None) if isinstance(handler, HandlerRef) else handler
            self._invokers[name] = invoker
        elif isolated:
            ref = Success(handler) if isinstance(handler, HandlerRef) else HandlerRef.of(handler)
            if not is_successful(ref):
                raise LocalBackendError(ref.failure())
            self._invokers[name] = ProcessInvoker(ref.unwrap(), keep_stdout=self.keep_stdout, endpoint=endpoint)
            # loading may fail here; then each invocation fails, in its own process
            function = resolve_handler(ref.unwrap()).value_or(None)
        elif isinstance(handler, HandlerRef):
            resolved = resolve_handler(handler)
            if not is_successful(resolved):
                raise LocalBackendError(resolved.failure())
            function = resolved.unwrap()
            self._invokers[name] = InProcessInvoker(function, self.keep_stdout)
        else:
            function = handler
            self._invokers[name] = InProcessInvoker(function, self.keep_stdout)
        if isinstance(handler, HandlerRef):
            self._remember(name, handler)
        if function is not None:
            self._callables[name] = function
        marked = getattr(function, "__durable_handler__", False) is True if function is not None else isolated
        self._targets[name] = Target(
            name, durable=durable if durable is not None else marked, execution_timeout=execution_timeout
        )

    def _register_command(
        self,
        name: str,
        command: Command,
        durable: bool | None,
        execution_timeout: int | None,
        endpoint: str | None,
        invoker: Invoker | None,
    ) -> None:
        if durable is False:
            raise LocalBackendError(f"{name}: a Command is a durable function (durable=False is not supported)")
        if invoker is None:
            if endpoint is None:
                raise LocalBackendError(f"{name}: a Command reaches the service over HTTP: pass endpoint=")
            prepared = prepare(command, Path.cwd())
            if not is_successful(prepared):
                raise LocalBackendError(f"{name}: {prepared.failure()}")
            invoker = CommandInvoker(prepared.unwrap(), endpoint, keep_stdout=self.keep_stdout)
        self._invokers[name] = invoker
        self._callables.pop(name, None)
        self._targets[name] = Target(name, durable=True, execution_timeout=execution_timeout)

    def _remember(self, name: str, ref: HandlerRef) -> None:
        target = os.path.abspath(ref.target) if ref.is_file else ref.target
        self.store.put_function(name, target, ref.attribute, ref.key)

    def remembered(self, name: str) -> HandlerRef | None:
        """The reference a function was registered with in this store, if any."""
        row = self.store.function(name)
        return HandlerRef(*row) if row is not None else None

    def _resolve(self, reference: str) -> Target | None:
        name = target_name(reference)
        return self._targets.get(name) if name is not None else None

    # --- executions -----------------------------------------------------------------------

    def start(
        self,
        function_name: str,
        payload: str | None,
        execution_name: str | None = None,
        *,
        execution_timeout: int | None = None,
    ) -> Result[str, ServiceError]:
        """Create the execution (``ExecutionStarted``) and return its ARN; does not run it.
        The service's answer otherwise: ``ResourceNotFoundException`` (404) for a function
        not registered, ``DurableExecutionAlreadyStartedException`` (409) for a name taken,
        ``InvalidParameterValueException`` (400) for a malformed name.
        ``execution_timeout`` (seconds) overrides the one ``register`` gave the function."""
        target = self._targets.get(function_name)
        if target is None:
            return Failure(ServiceError("ResourceNotFoundException", f"Function not found: {function_name}", 404))
        timeout = execution_timeout if execution_timeout is not None else target.execution_timeout
        return self.service.start_execution(
            function_name, payload, execution_name=execution_name, timeout_seconds=timeout
        )

    def is_durable(self, name: str) -> bool:
        """Whether an Invoke of ``name`` starts a durable execution (else: one plain call)."""
        target = self._targets.get(name)
        return target is not None and target.durable

    def call_plain(self, name: str, payload: str | None) -> Result[str | None, ErrorObject]:
        """Invoke a registered non-durable function once: JSON in, JSON out."""
        return self._call(ChainedRecord(arn="", op_id="", function_name=name, child_arn="", durable=False, payload=payload))

    def run_until_settled(self, arn: str) -> ExecutionOutcome:
        """Drive invocations, invoke targets and timers until the execution is terminal.

        Nothing ever hangs: an execution waiting only on callbacks nobody answers jumps
        (on the skipping clock) to the next callback timeout or its execution timeout, and
        a store that cannot be written raises ``LocalBackendError`` (call again once it
        can: no recorded or unrecorded work is lost)."""
        self._check_function(arn)
        self._driver.settle(arn)
        return self.describe(arn)

    def run_until_idle(self, arn: str) -> ExecutionOutcome:
        """Run invocations and invoke targets (and fire what is already due) until the
        execution ends or only time or a callback answer can move it; the clock stays."""
        self._check_function(arn)
        self._driver.run_until_idle(arn)
        return self.describe(arn)

    def step(self, arn: str) -> bool:
        """Run one wanted invocation (or one plain invoke call) of ``arn`` alone; False if
        it wanted none. Safe from several threads, one execution per thread."""
        return self._driver.step_one(arn)

    def wants_step(self, arn: str) -> bool:
        """Whether ``step`` has something to do for ``arn`` (an invocation, a plain invoke
        call, or an invocation end an outage kept from the store)."""
        return self._driver.wants_step(arn)

    def registered(self, name: str) -> bool:
        return name in self._invokers

    def advance_clock(self, arn: str, seconds: float | None = None) -> bool:
        """Move the execution's (family's) clock ``seconds`` ahead (None: to its next
        timer) and fire what became due; on the skipping clock other executions' time
        stays. False if the execution ended or has nothing scheduled."""
        return self._driver.advance(arn, seconds)

    def run_until_suspended(self, arn: str) -> ExecutionOutcome:
        """Like ``run_until_settled``, but stop (RUNNING) instead of letting an open
        callback time out: waits and retries still pass, callback answers are awaited.
        What ``lambda-durable run`` and ``lambda-durable callback`` use."""
        self._check_function(arn)
        while True:
            self._driver.run_until_idle(arn)
            family = self._driver.family(arn)
            if not self._driver.running(arn) or any(self.service.open_callbacks(a) for a in family):
                return self.describe(arn)
            if not self._driver.advance(arn):
                return self.describe(arn)

    def root_execution(self, arn: str) -> str:
        """The execution that (through chained invokes) started ``arn``, or ``arn``."""
        return self.service.family_root(arn)

    def open_callbacks(self, arn: str) -> list[CallbackStartedInfo]:
        """Callbacks of the execution (and its child executions) still awaiting an answer."""
        found: list[CallbackStartedInfo] = []
        for member in self._driver.family(arn):
            ops = {op.id: op for op in self.service.operations(member).value_or(())}
            for record in self.service.open_callbacks(member):
                op = ops.get(record.op_id)
                found.append(
                    CallbackStartedInfo(
                        arn=member,
                        callback_id=record.callback_id,
                        op_id=record.op_id,
                        name=op.name if op else None,
                        parent_id=op.parent_id if op else None,
                    )
                )
        return found

    # --- callbacks ------------------------------------------------------------------------

    def send_callback_success(self, callback_id: str, result: str | bytes | None = None) -> Result[None, ServiceError]:
        """SendDurableExecutionCallbackSuccess (``result``: the raw blob, e.g. JSON text)."""
        return self.service.send_callback_success(callback_id, result)

    def send_callback_failure(self, callback_id: str, error: ErrorObject | None = None) -> Result[None, ServiceError]:
        """SendDurableExecutionCallbackFailure."""
        return self.service.send_callback_failure(callback_id, error)

    def send_callback_heartbeat(self, callback_id: str) -> Result[None, ServiceError]:
        """SendDurableExecutionCallbackHeartbeat."""
        return self.service.send_callback_heartbeat(callback_id)

    def on_callback_started(self, hook: CallbackHook) -> None:
        """``hook(info, backend)`` runs for each new callback once the invocation that
        created it has completed; it may answer through the ``send_callback_*`` methods."""
        self._hooks.append(hook)

    def stop(self, arn: str, error: ErrorObject | None = None) -> Result[datetime, ServiceError]:
        """StopDurableExecution."""
        return self.service.stop_execution(arn, error)

    def _notice_callback(self, arn: str, event: Event) -> None:
        """A CALLBACK_STARTED event (the only kind it is registered for) for the hooks."""
        if not self._hooks:
            return
        details = event.details
        self._fresh.append(
            CallbackStartedInfo(
                arn=arn,
                callback_id=details.callback_id or "",
                op_id=event.id or "",
                name=event.name,
                parent_id=event.parent_id,
                timeout=details.timeout,
                heartbeat_timeout=details.heartbeat_timeout,
            )
        )

    def _after_invocation(self, arn: str) -> None:
        fresh, self._fresh = self._fresh, []
        for info in fresh:
            for hook in list(self._hooks):
                hook(info, self)

    # --- driving ----------------------------------------------------------------------------

    def _check_function(self, arn: str) -> None:
        """Make sure ``arn``'s function can be invoked: registered here, or remembered in
        the store by reference (``lambda-durable run`` does that), and then loaded."""
        function_name = expect_service(self.service.execution(arn)).function_name
        if function_name in self._invokers:
            return
        ref = self.remembered(function_name)
        if ref is None:
            raise LocalBackendError(f"no function registered as {function_name!r}")
        self.register(function_name, ref)

    def _invoke(self, ticket: InvocationTicket) -> Result[InvocationOutput, ErrorObject]:
        invoker = self._invokers.get(ticket.function_name)
        if invoker is None:
            message = f"no function registered as {ticket.function_name!r}"
            return Failure(ErrorObject(error_type="ResourceNotFoundException", error_message=message))
        return invoker.invoke(ticket, self.service, self._sink(ticket.arn))

    def _call(self, call: ChainedRecord) -> Result[str | None, ErrorObject]:
        """Call a plain invoke target once: JSON in, JSON out, an exception is a failure."""
        handler = self._callables.get(call.function_name)
        if handler is None:
            message = f"Function not found: {call.function_name}"
            return Failure(ErrorObject(error_type="ResourceNotFoundException", error_message=message))
        try:
            event: Any = json.loads(call.payload) if call.payload is not None else None
        except ValueError:
            event = call.payload
        context = LocalLambdaContext(
            aws_request_id=str(uuid.uuid4()),
            function_name=call.function_name,
            invoked_function_arn=function_arn(call.function_name),
            durable_service_client=self.service,
        )
        try:
            value: object = handler(event, context)
            return Success(json.dumps(value))
        except Exception as exc:  # the target's failure is the invoke's result
            return Failure(exception_error(exc))

    def describe(self, arn: str) -> ExecutionOutcome:
        record = expect_service(self.service.execution(arn))
        return ExecutionOutcome(
            arn=arn,
            status=record.status,
            result=record.result,
            error=record.error,
            operations=expect_service(self.service.operations(arn)),
            history=expect_service(self.service.history_view(arn)),
        )

    def history(self, arn: str) -> list[Event]:
        """The execution's history events, in order."""
        return list(expect_service(self.service.history(arn)))

    def logs(self, arn: str) -> list[dict[str, Any]]:
        """The execution's structured log records, in the order they were emitted."""
        return self.store.logs(arn)

    def executions(self) -> list[str]:
        """ARNs of every execution in the store, oldest first."""
        return self.service.execution_arns()

    def add_listener(self, listener: EventListener) -> None:
        """``listener(arn, event)`` is called for each event as it is appended."""
        self.service.add_listener(listener)

    def add_log_listener(self, listener: LogListener) -> None:
        """``listener(arn, record)`` is called for each structured handler log record as
        it is kept (``logs(arn)``), from the thread that logged it."""
        self._log_listeners.append(listener)

    def maintain(self) -> Result[list[str], ServiceError]:
        """Delete the executions closed more than ``retention_days`` ago and compact the
        finished ones (one version of each operation); the ARNs deleted. ``serve`` calls
        it when it starts and once a minute, ``run`` when its execution stops; it costs
        about the time it took to write the executions it compacts, so it stays off the
        path of a running execution."""
        return self.service.maintain(self.retention_days)

    def close(self) -> None:
        self._log_listeners.clear()
        self.service.close()
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

    def _sink(self, arn: str) -> LogSink:
        def sink(record: dict[str, Any]) -> None:
            self.store.append_log(arn, record)
            for listener in self._log_listeners:
                listener(arn, record)

        return sink


def run_local(
    handler: Handler | HandlerRef,
    input: object = None,  # noqa: A002 - the documented name
    *,
    functions: Mapping[str, Handler | HandlerRef] | None = None,
    real_time: bool = False,
    db: str | None = None,
    isolated: bool = False,
    callbacks: CallbackHook | None = None,
) -> ExecutionOutcome:
    """Run one execution of ``handler`` with ``json.dumps(input)`` as its payload.

    ``functions`` are invoke targets by name; ``callbacks(info, sender)`` is called for
    each callback once the invocation that created it has completed, and may answer it
    with ``sender.send_callback_success/failure/heartbeat``. Raises ``LocalBackendError``
    if a handler cannot be registered or the execution cannot start."""
    with LocalBackend(db, real_time=real_time) as backend:
        for name, target in (functions or {}).items():
            backend.register(name, target)
        if callbacks is not None:
            backend.on_callback_started(callbacks)
        name = function_name_of(handler)
        backend.register(name, handler, isolated=isolated)
        arn = expect_service(backend.start(name, json.dumps(input)))
        return backend.run_until_settled(arn)


def function_name_of(handler: Callable[..., Any] | HandlerRef) -> str:
    raw = handler.attribute if isinstance(handler, HandlerRef) else getattr(handler, "__name__", "handler")
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in raw).strip("-")
    return cleaned or "handler"
