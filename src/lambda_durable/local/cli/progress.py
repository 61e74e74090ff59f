"""What ``run``, ``resume`` and ``callback`` print while an execution moves.

One line per thing a reader acts on, indented under its context: a step's outcome (a
retried attempt reads ``attempt 1 failed (ValueError: ...), retrying in 5 s``, not as a
failure), a wait, a callback and what became of it, an invoke, and the handler's log
records inline with the operation that wrote them (``quiet`` hides them). A map or a
parallel is one line: on a terminal a live ``done / failed / running`` bar redrawn in
place, piped one summary line when it ends; ``verbose`` shows every item and every
start instead. Colour only on a terminal, and never with ``NO_COLOR`` set. The outcome
is printed by the command after ``close``, so it is always last.

Events arrive from the service (under its lock) and log records from the threads that
logged them (a map's branches): one lock keeps lines whole.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from typing import Any, TextIO

from attrs import define, frozen

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.cli.timeline import KINDS, duration
from lambda_durable.wire import ErrorObject, Event, EventType

_PREFIXES = (("ChainedInvoke", "invoke"), ("Callback", "callback"), ("Context", "child"), ("Step", "step"), ("Wait", "wait"))
_BATCHES = frozenset({"Map", "Parallel"})
_GREEN, _RED, _YELLOW, _DIM, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m"
_BAR = 20


@frozen
class Style:
    """How the stream shows text: a terminal (live lines, clipped to ``width``) or not."""

    tty: bool
    color: bool
    width: int | None

    @classmethod
    def of(cls, stream: TextIO) -> Style:
        tty = stream.isatty()
        width = shutil.get_terminal_size().columns if tty else None
        return cls(tty=tty, color=tty and not os.environ.get("NO_COLOR"), width=width)


@define
class _Op:
    kind: str
    label: str
    depth: int
    hidden: bool
    batch: _Batch | None = None


@define
class _Batch:
    """Counts of one map or parallel's items, for its one line."""

    label: str
    kind: str
    depth: int
    done: int = 0
    failed: int = 0
    running: int = 0
    first_failure: str | None = None

    def counts(self) -> str:
        return f"{self.done} done, {self.failed} failed, {self.running} running"

    def bar(self) -> str:
        total = self.done + self.failed + self.running
        if total == 0:
            return "[" + " " * _BAR + "]"
        done = round(_BAR * self.done / total)
        failed = round(_BAR * self.failed / total)
        return "[" + "#" * done + "x" * failed + "." * max(0, _BAR - done - failed) + "]"


def _completion_reason(event: Event) -> str | None:
    """The ``completion_reason`` of a batch's result, when its payload is the default
    JSON ``BatchResult`` (a custom serdes may write anything)."""
    result = event.details.result
    try:
        value = json.loads(result.payload) if result is not None and result.payload else None
    except ValueError:
        return None
    reason = (value.get("completionReason") or value.get("completion_reason")) if isinstance(value, dict) else None
    return reason if isinstance(reason, str) else None


def error_text(error: ErrorObject | None) -> str:
    """``Type: message`` of an error, for one line."""
    if error is None:
        return "error"
    return f"{error.error_type or 'Error'}: {error.error_message or ''}".strip().rstrip(":")


class Progress:
    """Turns an execution's events and log records into lines on ``stream``."""

    def __init__(self, stream: TextIO, style: Style, *, verbose: bool = False, quiet: bool = False) -> None:
        self._stream = stream
        self._style = style
        self._verbose = verbose
        self._quiet = quiet
        self._lock = threading.RLock()
        self._ops: dict[tuple[str, str], _Op] = {}
        self._followed: set[str] = set()
        self._live: _Batch | None = None
        """The batch whose bar is drawn on the last line (terminal only)."""
        self._waiting_logs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """Log records of operations not recorded yet, by (ARN, operation id)."""

    def follow(self, arn: str) -> None:
        """Show ``arn``'s operations (others, e.g. chained children, only when verbose)."""
        self._followed.add(arn)

    def line(self, text: str, colour: str = "", *, clip: bool = True) -> None:
        """Print one line (cut to the terminal's width unless not ``clip``), keeping a
        live bar below it."""
        with self._lock:
            self._clear_live()
            self._write(self._clip(text) if clip else text, colour)
            self._draw_live()

    def outcome(self, status: str, text: str | None = None) -> None:
        """The execution's status (coloured by how it went), then its result or error."""
        self.close()
        colour = {"SUCCEEDED": _GREEN, "RUNNING": _YELLOW}.get(status, _RED)
        self.line(status, colour)
        if text is not None:
            self.line(text, clip=False)

    def close(self) -> None:
        """End a live bar (what follows starts on a fresh line) after the log records
        whose operation never showed up."""
        with self._lock:
            waiting, self._waiting_logs = self._waiting_logs, {}
            for (arn, _), records in waiting.items():
                for record in records:
                    self._show_log(arn, record, None)
            if self._live is not None and self._style.tty:
                self._stream.write("\n")
                self._stream.flush()
            self._live = None

    # --- events ----------------------------------------------------------------------------

    def event(self, arn: str, event: Event) -> None:
        with self._lock:
            if event.event_type is EventType.INVOCATION_COMPLETED:
                if event.details.error is not None:
                    self.line(f"  invocation failed: {error_text(event.details.error.payload)}", _RED)
                return
            if event.id is None or event.event_type.value.startswith("Execution"):
                return
            op = self._op(arn, event)
            waiting = self._waiting_logs.pop((arn, event.id), [])
            header = event.event_type.value.endswith("Started")  # its logs come under it
            for record in [] if header else waiting:
                self._show_log(arn, record, op)
            self._show_event(arn, op, event)
            for record in waiting if header else []:
                self._show_log(arn, record, op)

    def _show_event(self, arn: str, op: _Op, event: Event) -> None:
        if op.batch is not None:
            self._batch_event(op, event)
            return
        self._item_event(arn, event)
        if op.hidden and not self._verbose:
            return
        said = self._describe(op, event)
        if said is not None:
            text, colour = said
            self.line(f"  {'  ' * op.depth}{op.kind} {op.label}  {text}", colour)

    def _op(self, arn: str, event: Event) -> _Op:
        key = (arn, event.id or "")
        op = self._ops.get(key)
        if op is not None:
            return op
        parent = self._ops.get((arn, event.parent_id)) if event.parent_id is not None else None
        sub_type = event.sub_type or ""
        kind = KINDS.get(sub_type) or next((k for p, k in _PREFIXES if event.event_type.value.startswith(p)), "operation")
        label = event.name or (event.id or "")[:12]
        depth = parent.depth + 1 if parent is not None else 0
        hidden = arn not in self._followed or (parent is not None and (parent.hidden or parent.batch is not None))
        op = _Op(kind=kind, label=label, depth=depth, hidden=hidden)
        if sub_type in _BATCHES:
            op.batch = _Batch(label=label, kind=kind, depth=depth)
        self._ops[key] = op
        return op

    def _item_event(self, arn: str, event: Event) -> None:
        """An item's start or end moves its batch's counts (other events: nothing)."""
        parent = self._ops.get((arn, event.parent_id or ""))
        batch = parent.batch if parent is not None else None
        if batch is None:
            return
        match event.event_type:
            case EventType.CONTEXT_STARTED:
                batch.running += 1
            case EventType.CONTEXT_SUCCEEDED:
                batch.running, batch.done = max(0, batch.running - 1), batch.done + 1
            case EventType.CONTEXT_FAILED:
                batch.running, batch.failed = max(0, batch.running - 1), batch.failed + 1
                if batch.first_failure is None:
                    error = event.details.error.payload if event.details.error is not None else None
                    batch.first_failure = f"{event.name or event.id}: {error_text(error)}"
            case _:
                return
        if batch is self._live:
            self._clear_live()
            self._draw_live()

    def _batch_event(self, op: _Op, event: Event) -> None:
        batch = op.batch
        assert batch is not None
        if op.hidden and not self._verbose:
            return
        head = f"  {'  ' * op.depth}{op.kind} {op.label}"
        if event.event_type is EventType.CONTEXT_STARTED:
            if self._verbose:
                self.line(f"{head}  started")
            elif self._style.tty and self._live is None:
                self._live = batch
                self._draw_live()
            return
        if batch is self._live:
            self._clear_live()
            self._live = None
        total = batch.done + batch.failed + batch.running
        left = f", {batch.running} not finished" if batch.running else ""
        first = f" (first: {batch.first_failure})" if batch.first_failure is not None else ""
        summary = f"{head}  {total} items: {batch.done} done, {batch.failed} failed{left}{first}"
        if event.event_type is EventType.CONTEXT_SUCCEEDED:
            reason = _completion_reason(event)
            early = reason is not None and reason != "ALL_COMPLETED"
            self.line(f"{summary}; ended {reason}" if early else summary, _YELLOW if batch.failed or early else _GREEN)
        else:
            error = event.details.error.payload if event.details.error is not None else None
            self.line(f"{summary}: {error_text(error)}", _RED)

    def _describe(self, op: _Op, event: Event) -> tuple[str, str] | None:
        """What to say about ``event`` (and its colour), or None to say nothing."""
        details = event.details
        error = details.error.payload if details.error is not None else None
        kind = event.event_type
        retry = details.retry_details
        attempt = retry.current_attempt if retry is not None else None
        if kind is EventType.STEP_SUCCEEDED:
            return ("succeeded" + (f" on attempt {attempt}" if attempt and attempt > 1 else ""), _GREEN)
        if kind is EventType.STEP_FAILED:
            delay = retry.next_attempt_delay_seconds if retry is not None else None
            if delay is not None and op.kind == "condition":
                return (f"check {attempt}: not yet, checking again in {delay} s", "")
            if delay is not None:
                return (f"attempt {attempt} failed ({error_text(error)}), retrying in {delay} s", _YELLOW)
            after = f" after {attempt} attempts" if attempt and attempt > 1 else ""
            return (f"failed{after} ({error_text(error)})", _RED)
        if kind is EventType.WAIT_STARTED:
            return (f"waiting {duration(details.duration)}", "")
        if kind is EventType.WAIT_SUCCEEDED:
            return ("done", "")
        if kind is EventType.CALLBACK_STARTED:
            limit = f" (timeout {duration(details.timeout)})" if details.timeout else ""
            return (f"waiting for an answer{limit}", "")
        if kind is EventType.CALLBACK_SUCCEEDED:
            return ("answered", _GREEN)
        if kind is EventType.CALLBACK_TIMED_OUT:
            return (f"timed out ({error_text(error)})", _YELLOW)
        if kind is EventType.CONTEXT_STARTED:  # a header for the operations indented under it
            return ("started", "")
        if kind is EventType.CHAINED_INVOKE_STARTED:
            return (f"invoking {details.function_name or op.label}", "")
        if kind.value.endswith("Succeeded"):
            return ("succeeded", _GREEN)
        if kind.value.endswith(("Failed", "TimedOut", "Stopped", "Cancelled")):
            verb = {"Failed": "failed", "TimedOut": "timed out", "Stopped": "stopped", "Cancelled": "cancelled"}
            word = next(v for k, v in verb.items() if kind.value.endswith(k))
            return (f"{word} ({error_text(error)})" if error is not None else word, _RED)
        if self._verbose and kind.value.endswith("Started"):
            return ("started", "")
        return None

    # --- logs --------------------------------------------------------------------------------

    def log(self, arn: str, record: dict[str, Any]) -> None:
        """A log record, shown with the operation that wrote it (a step's, or a context's
        for ``ctx.logger``). An operation is often recorded after its first log line (its
        START goes out with a later checkpoint): until then the record waits, so a map
        item's logs are hidden with the item, and each line comes under its header."""
        if self._quiet:
            return
        with self._lock:
            op_id, parent_id = record.get("operationId"), record.get("parentId")
            anchor_id = op_id if isinstance(op_id, str) else parent_id if isinstance(parent_id, str) else None
            if anchor_id is None:
                self._show_log(arn, record, None)
            elif (arn, anchor_id) in self._ops:
                self._show_log(arn, record, self._ops[(arn, anchor_id)])
            else:
                self._waiting_logs.setdefault((arn, anchor_id), []).append(record)

    def _show_log(self, arn: str, record: dict[str, Any], anchor: _Op | None) -> None:
        if (arn not in self._followed or (anchor is not None and anchor.hidden)) and not self._verbose:
            return
        if anchor is None:
            where, depth = "log", 0
        elif isinstance(record.get("operationId"), str):
            where, depth = f"{anchor.kind} {anchor.label}", anchor.depth
        else:
            where, depth = "log", anchor.depth + 1
        level = str(record.get("level", "INFO"))
        self.line(f"  {'  ' * depth}{where}  {level} {record.get('message', '')}", _DIM)

    # --- drawing -----------------------------------------------------------------------------

    def _write(self, text: str, colour: str) -> None:
        if colour and self._style.color:
            text = f"{colour}{text}{_RESET}"
        self._stream.write(text + "\n")
        self._stream.flush()

    def _clip(self, text: str) -> str:
        width = self._style.width
        return text if width is None or len(text) <= width else text[: width - 1] + "…"

    def _draw_live(self) -> None:
        batch = self._live
        if batch is None or not self._style.tty:
            return
        text = self._clip(f"  {'  ' * batch.depth}{batch.kind} {batch.label}  {batch.bar()} {batch.counts()}")
        self._stream.write(text)
        self._stream.flush()

    def _clear_live(self) -> None:
        if self._live is not None and self._style.tty:
            self._stream.write("\r\x1b[K")


def watch(backend: LocalBackend, *, verbose: bool = False, quiet: bool = False) -> Progress:
    """A ``Progress`` on stdout, fed with the backend's events and log records."""
    progress = Progress(sys.stdout, Style.of(sys.stdout), verbose=verbose, quiet=quiet)
    backend.add_listener(progress.event)
    backend.add_log_listener(progress.log)
    return progress
