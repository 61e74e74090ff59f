"""``OpenTelemetryPlugin``: durable executions as OpenTelemetry traces (extra ``otel``).

Uses the OpenTelemetry API only; the application configures the SDK and its exporter
(or passes a ``tracer_provider``). What it emits (docs/observability.md):

* one trace per execution: every invocation's spans hang under a parent whose trace
  and span ids are derived from the execution ARN, so the invocations of one execution
  share a trace although they run in different processes;
* one span per invocation (``durable.invocation``), ERROR when the execution failed;
* one span per operation, emitted in the invocation where the operation reaches its
  terminal status, covering its recorded start and end; operations already terminal in
  an earlier invocation are replayed, not emitted again;
* context operations (child contexts, map and parallel, their branches) are open spans
  while their bodies run, and the operations inside are their children. A context that
  suspends is closed with the invocation (``durable.operation.suspended``) and opened
  again by the invocation that resumes it;
* a failed attempt that is retried is an event ``durable.retry`` on its step's span;
  a failed operation has status ERROR with the error's message.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime

try:
    from opentelemetry import trace
except ImportError as missing:  # the extra is not installed: say which one
    raise ImportError("lambda_durable.otel needs opentelemetry-api: pip install 'lambda-durable[otel]'") from missing
from opentelemetry.context import Context
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    Tracer,
    TracerProvider,
)
from opentelemetry.util.types import AttributeValue

from lambda_durable.plugins import (
    DurablePlugin,
    InvocationInfo,
    InvocationStatus,
    OperationInfo,
    UserFunctionInfo,
    UserFunctionOutcome,
)
from lambda_durable.wire import ErrorObject, OperationStatus, OperationType

__all__ = ["OpenTelemetryPlugin"]

TRACER_NAME = "lambda_durable"
_FAILED = frozenset({OperationStatus.FAILED, OperationStatus.TIMED_OUT, OperationStatus.CANCELLED, OperationStatus.STOPPED})


class _Invocation:
    """The spans of one invocation: its own, the open contexts, the failed attempts seen."""

    def __init__(self, span: Span, arn: str) -> None:
        self.span = span
        self.arn = arn
        self.contexts: dict[str, Span] = {}
        """Context spans still open."""
        self.parents: dict[str, Span] = {}
        """Every context span of the invocation, open or ended: an answer may end a
        context before the operations inside it, and they still hang under it."""
        self.retries: dict[str, dict[int, tuple[int, ErrorObject | None]]] = {}
        """Failed attempts by operation id: attempt -> (time in ns, error)."""
        self.lock = threading.Lock()


_CURRENT: ContextVar[_Invocation | None] = ContextVar("lambda_durable_otel_invocation", default=None)
"""The invocation the hooks belong to: branch threads and asyncio tasks run in a copy of
the handler's context, so each hook finds its own invocation even when several run at once."""


class OpenTelemetryPlugin(DurablePlugin):
    """Emits the spans of each invocation through ``tracer_provider`` (default: the global
    provider the application configured)."""

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        self._tracer: Tracer = (
            tracer_provider.get_tracer(TRACER_NAME) if tracer_provider is not None else trace.get_tracer(TRACER_NAME)
        )

    # --- invocation ------------------------------------------------------------------

    def on_invocation_start(self, info: InvocationInfo) -> None:
        active = trace.get_current_span().get_span_context()
        links = [Link(active)] if active.is_valid else None
        span = self._tracer.start_span(
            "durable.invocation",
            context=trace.set_span_in_context(execution_root(info.execution_arn)),
            kind=SpanKind.INTERNAL,
            attributes=_present(
                {
                    "durable.execution.arn": info.execution_arn,
                    "faas.invocation_id": info.request_id,
                    "durable.invocation.first": info.is_first_invocation,
                    "durable.operations.count": info.operations_count,
                    "durable.operations.updated_count": info.updated_operations_count,
                }
            ),
            links=links,
        )
        _CURRENT.set(_Invocation(span, info.execution_arn))

    def on_invocation_end(self, info: InvocationInfo) -> None:
        run = _CURRENT.get()
        if run is None:
            return
        _CURRENT.set(None)
        with run.lock:
            suspended = list(run.contexts.values())
            run.contexts.clear()
        for span in suspended:  # contexts the invocation leaves running
            span.set_attribute("durable.operation.suspended", True)
            span.end()
        status = info.status
        if status is not None:
            run.span.set_attribute("durable.invocation.status", status.value)
        if status is InvocationStatus.FAILED:
            run.span.set_status(Status(StatusCode.ERROR, _message(info.error)))
        elif info.error is not None:  # Lambda retries the invocation
            run.span.set_attribute("durable.invocation.error", _message(info.error) or "")
        run.span.end()

    # --- operations ------------------------------------------------------------------

    def on_operation_start(self, info: OperationInfo) -> None:
        run = _CURRENT.get()
        if run is None:
            return
        if info.operation_type is OperationType.CONTEXT:
            self._open_context(run, info)
        elif info.is_replayed and info.error is not None and info.attempt is not None and info.attempt > 1:
            # a retry begins: the log holds the error of the attempt before
            with run.lock:
                run.retries.setdefault(info.operation_id, {}).setdefault(info.attempt - 1, (_now_ns(), info.error))

    def on_operation_end(self, info: OperationInfo) -> None:
        run = _CURRENT.get()
        if run is None:
            return
        with run.lock:
            span = run.contexts.pop(info.operation_id, None)
            retries = run.retries.pop(info.operation_id, {})
        if span is None:
            span = self._tracer.start_span(
                _span_name(info),
                context=self._parent(run, info.parent_id),
                start_time=_ns(info.start_time),
            )
            if info.operation_type is OperationType.CONTEXT:
                with run.lock:
                    run.parents[info.operation_id] = span
        span.set_attributes(_attributes(run.arn, info))
        final = info.attempt if info.status in _FAILED else None
        for attempt, (when, error) in sorted(retries.items()):
            if attempt == final:  # the last attempt failed the step: that is the span's status
                continue
            span.add_event("durable.retry", _present(_retry_attributes(attempt, error)), timestamp=when)
        if info.status in _FAILED:
            span.set_status(Status(StatusCode.ERROR, _message(info.error)))
        span.end(end_time=_ns(info.end_time))

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        run = _CURRENT.get()
        if run is None or info.outcome is not UserFunctionOutcome.FAILED or info.attempt is None:
            return
        if info.operation_type is OperationType.STEP:
            when = _ns(info.end_time)
            with run.lock:
                run.retries.setdefault(info.operation_id, {})[info.attempt] = (when, info.error)

    # --- helpers ---------------------------------------------------------------------

    def _open_context(self, run: _Invocation, info: OperationInfo) -> None:
        with run.lock:
            if info.operation_id in run.contexts:
                return
        span = self._tracer.start_span(
            _span_name(info),
            context=self._parent(run, info.parent_id),
            start_time=_ns(info.start_time),
            attributes=_attributes(run.arn, info),
        )
        with run.lock:
            run.contexts[info.operation_id] = span
            run.parents[info.operation_id] = span

    def _parent(self, run: _Invocation, parent_id: str | None) -> Context:
        with run.lock:
            parent = run.parents.get(parent_id) if parent_id is not None else None
        return trace.set_span_in_context(parent if parent is not None else run.span)


def execution_root(arn: str) -> NonRecordingSpan:
    """The parent every invocation of the execution ``arn`` hangs under: its ids are a
    hash of the ARN, so all invocations build one trace."""
    digest = hashlib.sha256(arn.encode()).digest()
    trace_id = int.from_bytes(digest[:16], "big") or 1
    span_id = int.from_bytes(digest[16:24], "big") or 1
    return NonRecordingSpan(SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)))


def _span_name(info: OperationInfo) -> str:
    kind = info.sub_type or info.operation_type.value
    return f"{kind} {info.name}" if info.name else kind


def _attributes(arn: str, info: OperationInfo) -> dict[str, AttributeValue]:
    return _present(
        {
            "durable.execution.arn": arn,
            "durable.operation.id": info.operation_id,
            "durable.operation.type": info.operation_type.value,
            "durable.operation.subtype": info.sub_type,
            "durable.operation.name": info.name,
            "durable.operation.parent_id": info.parent_id,
            "durable.operation.attempt": info.attempt,
            "durable.operation.status": info.status.value if info.status is not None else None,
            "durable.operation.replayed": info.is_replayed,
        }
    )


def _retry_attributes(attempt: int, error: ErrorObject | None) -> dict[str, AttributeValue | None]:
    return {
        "durable.operation.attempt": attempt,
        "error.type": error.error_type if error else None,
        "error.message": error.error_message if error else None,
    }


def _present(fields: Mapping[str, AttributeValue | None]) -> dict[str, AttributeValue]:
    return {key: value for key, value in fields.items() if value is not None}


def _message(error: ErrorObject | None) -> str | None:
    if error is None:
        return None
    return error.error_message or error.error_type


def _ns(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1_000_000_000) if moment is not None else _now_ns()


def _now_ns() -> int:
    return time.time_ns()
