"""An execution's history as the service holds it: events are built when read.

A transition stages each event as a ``PendingEvent``: a named tuple of the event's
fields, where a frozen wire ``Event`` costs several times as much to build. The details
of a closing event that carry only a result (and a step's attempt) are staged the same
way, as ``ResultDetails``, instead of the 17-field ``EventDetails``. The store
writes the JSON text straight from it; ``History`` builds the ``Event`` objects the first
time someone reads them, which most runs never do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from lambda_durable.wire import Event, EventDetails, EventResult, EventType, RetryDetails


class ResultDetails(NamedTuple):
    """``EventDetails(result=EventResult(payload, truncated=False))``, with
    ``retry_details=RetryDetails(current_attempt=attempt)`` when ``attempt`` is set."""

    payload: str | None
    attempt: int | None

    def details(self) -> EventDetails:
        """The wire details block."""
        retry = None if self.attempt is None else RetryDetails(current_attempt=self.attempt)
        return EventDetails(result=EventResult(payload=self.payload, truncated=False), retry_details=retry)


class PendingEvent(NamedTuple):
    """One staged event: an ``Event``'s fields in an ``Event``'s order, so the store's text
    writer reads either alike."""

    event_type: EventType
    event_id: int
    event_timestamp: datetime
    details: EventDetails | ResultDetails
    id: str | None
    name: str | None
    parent_id: str | None
    sub_type: str | None

    def event(self) -> Event:
        """The wire event."""
        details = self.details
        if isinstance(details, ResultDetails):
            details = details.details()
        return Event(
            event_type=self.event_type, event_id=self.event_id, event_timestamp=self.event_timestamp,
            details=details, id=self.id, name=self.name, parent_id=self.parent_id, sub_type=self.sub_type,
        )  # fmt: skip


class History:
    """An execution's events in order: those read back from the store as ``Event``
    objects, then those staged since as ``PendingEvent`` records until first read.
    Not thread-safe: the service reads and extends it under its lock."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._events: list[Event] = list(events)
        self._pending: list[PendingEvent] = []

    def __len__(self) -> int:
        return len(self._events) + len(self._pending)

    def extend(self, staged: Iterable[PendingEvent]) -> None:
        self._pending.extend(staged)

    def first(self, count: int) -> tuple[Event, ...]:
        """The first ``count`` events as wire events (building those still pending)."""
        if self._pending:
            self._events.extend([staged.event() for staged in self._pending])
            self._pending.clear()
        return tuple(self._events[:count])
