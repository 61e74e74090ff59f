"""An execution as a timeline: its operations nested under their contexts and branches.

Built from the stored operations and the history's ``InvocationCompleted`` events, so
the same rows feed the terminal table and the HTML page. Two durations per operation:
``elapsed`` from its recorded timestamps (on the skipping clock: virtual time, a skipped
1-hour wait shows as 1 hour) and ``active``, the part of it during which an invocation
of the handler was running (real time: nothing is skipped inside an invocation).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from attrs import frozen

from lambda_durable.local.engine.store import ExecutionRecord
from lambda_durable.wire import ErrorObject, Event, EventType, Operation, OperationType

KINDS = {
    # what each sub type is called on a line of the timeline and of `run`'s progress
    "Step": "step",
    "Wait": "wait",
    "Callback": "callback",
    "RunInChildContext": "child",
    "Map": "map",
    "MapIteration": "item",
    "Parallel": "parallel",
    "ParallelBranch": "branch",
    "WaitForCallback": "wait-for-callback",
    "WaitForCondition": "condition",
    "ChainedInvoke": "invoke",
}


@frozen
class TimelineRow:
    """One operation: where it sits in the tree and how long it took."""

    depth: int
    op: Operation
    kind: str
    label: str
    offset: float
    """Seconds from the execution's start to the operation's."""
    elapsed: float | None
    """Seconds between its start and end timestamps; None while it is open."""
    active: float
    """Seconds of it during which an invocation was running."""
    attempts: int | None
    input: str | None
    """The payload the operation started with (a chained invoke's), if any."""
    result: str | None
    error: ErrorObject | None


@frozen
class Timeline:
    record: ExecutionRecord
    rows: tuple[TimelineRow, ...]
    invocations: tuple[tuple[datetime, datetime], ...]
    active: float
    """Seconds of the whole execution during which an invocation was running."""


def build_timeline(record: ExecutionRecord, operations: Sequence[Operation], events: Sequence[Event]) -> Timeline:
    invocations = tuple(
        (e.details.start_timestamp, e.details.end_timestamp)
        for e in events
        if e.event_type is EventType.INVOCATION_COMPLETED
        and e.details.start_timestamp is not None
        and e.details.end_timestamp is not None
    )
    last = max([record.end or record.start, *(end for _, end in invocations)])
    known = {op.id for op in operations if op.type is not OperationType.EXECUTION}
    children: dict[str | None, list[Operation]] = {}
    for op in operations:
        if op.type is not OperationType.EXECUTION:
            children.setdefault(op.parent_id if op.parent_id in known else None, []).append(op)
    inputs = {e.id: e.details.input.payload for e in events if e.details.input is not None and e.id is not None}
    rows: list[TimelineRow] = []

    def visit(parent: str | None, depth: int) -> None:
        for op in children.get(parent, []):
            rows.append(_row(op, depth, record.start, last, invocations, inputs.get(op.id)))
            visit(op.id, depth + 1)

    visit(None, 0)
    return Timeline(record, tuple(rows), invocations, _overlap(record.start, last, invocations))


def _row(
    op: Operation,
    depth: int,
    start: datetime,
    last: datetime,
    invocations: Sequence[tuple[datetime, datetime]],
    payload: str | None,
) -> TimelineRow:
    end = op.end_timestamp
    details = op.step_details or op.context_details or op.callback_details or op.chained_invoke_details
    return TimelineRow(
        depth=depth,
        op=op,
        kind=KINDS.get(op.sub_type or "", op.type.value.lower()),
        label=op.name or op.id[:12],
        offset=(op.start_timestamp - start).total_seconds(),
        elapsed=(end - op.start_timestamp).total_seconds() if end is not None else None,
        active=_overlap(op.start_timestamp, end or last, invocations),
        attempts=op.step_details.attempt if op.step_details is not None else None,
        input=payload,
        result=details.result if details is not None else None,
        error=details.error if details is not None else None,
    )


def _overlap(start: datetime, end: datetime, spans: Sequence[tuple[datetime, datetime]]) -> float:
    return sum(max(0.0, (min(end, b) - max(start, a)).total_seconds()) for a, b in spans)


def duration(seconds: float | None) -> str:
    """``12.3ms``, ``4.20s``, ``3m05s``, ``1h00m00s``, ``2d03h``; ``-`` while open."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m{whole % 60:02d}s"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def render_text(timeline: Timeline, width: int = 100) -> str:
    """The terminal table: fixed columns, then the operation indented by its depth."""
    record = timeline.record
    elapsed = (record.end - record.start).total_seconds() if record.end is not None else None
    lines = [
        f"execution {record.arn}",
        _clip(f"  {record.status.value}  function {record.function_name}  started {record.start:%Y-%m-%d %H:%M:%S}", width),
        f"  elapsed {duration(elapsed)}  active {duration(timeline.active)}  invocations {len(timeline.invocations)}",
    ]
    if record.error is not None:
        lines.append(_clip(f"  ! {_error_line(record.error)}", width))
    lines.append(f"  {'START':>9} {'ELAPSED':>9} {'ACTIVE':>9} {'STATUS':<9} {'TRY':>3}  OPERATION")
    for row in timeline.rows:
        tries = str(row.attempts) if row.attempts else ""
        head = (
            f"  {'+' + duration(row.offset):>9} {duration(row.elapsed):>9} {duration(row.active):>9}"
            f" {row.op.status.value:<9} {tries:>3}  "
        )
        lines.append(_clip(f"{head}{'  ' * row.depth}{row.kind} {row.label}", width))
        if row.error is not None:
            lines.append(_clip(f"{' ' * len(head)}{'  ' * row.depth}! {_error_line(row.error)}", width))
    return "\n".join(lines)


def _error_line(error: ErrorObject) -> str:
    return f"{error.error_type or 'Error'}: {error.error_message or ''}".strip()


def _clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"
