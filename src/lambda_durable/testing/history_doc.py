"""A saved history read back: the ``GetDurableExecutionHistory`` shape, checked whole.

Accepts what ``lambda-durable history --json`` writes, what ``aws lambda
get-durable-execution-history`` prints (ISO timestamps) and a boto3 response (datetime
objects). Replay needs every event with its payloads, so a page of a longer history or
one fetched without execution data is refused with a reason, not replayed wrongly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from returns.pipeline import is_successful

from lambda_durable.wire import API_JSON, Event, EventType


class InvalidHistory(ValueError):
    """The document is not a complete execution history (the message says why)."""


def events_of(history: Mapping[str, Any] | Iterable[Event]) -> tuple[Event, ...]:
    """The events of a history document (or of events already decoded), checked."""
    events = _decoded(history) if isinstance(history, Mapping) else tuple(history)
    if not all(isinstance(e, Event) for e in events):
        raise InvalidHistory("a history is a GetDurableExecutionHistory document or a sequence of Event")
    if not events:
        raise InvalidHistory("the history has no events")
    ordered = tuple(sorted(events, key=lambda e: e.event_id))  # ReverseOrder output too
    ids = [e.event_id for e in ordered]
    if ids != list(range(1, len(ids) + 1)):
        missing = next(n for n, got in enumerate(ids, start=1) if got != n)
        raise InvalidHistory(f"the history is truncated: EventId {missing} is missing")
    if ordered[0].event_type is not EventType.EXECUTION_STARTED:
        raise InvalidHistory(f"the history starts with {ordered[0].event_type.value}, not ExecutionStarted")
    truncated = next((e for e in ordered if _truncated(e)), None)
    if truncated is not None:
        raise InvalidHistory(
            f"event {truncated.event_id} has no payload (Truncated): fetch the history with its "
            "execution data (--include-execution-data)"
        )
    return ordered


def _decoded(document: Mapping[str, Any]) -> tuple[Event, ...]:
    items = document.get("Events")
    if not isinstance(items, list):
        raise InvalidHistory('not a GetDurableExecutionHistory document: no "Events" list')
    if document.get("NextMarker") or document.get("NextToken"):  # the service's, the AWS CLI's
        raise InvalidHistory("the history is truncated: it has a NextMarker (fetch every page)")
    events: list[Event] = []
    for index, item in enumerate(items):
        decoded = API_JSON.decode(Event, item)
        if not is_successful(decoded):
            raise InvalidHistory(f"Events[{index}]: {decoded.failure()}")
        events.append(decoded.unwrap())
    return tuple(events)


def _truncated(event: Event) -> bool:
    details = event.details
    return any(part is not None and part.truncated for part in (details.input, details.result, details.error))
