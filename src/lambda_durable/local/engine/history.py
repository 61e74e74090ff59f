"""An execution's history as the service holds it: events are built when read.

A transition stages each event as a ``PendingEvent``: a named tuple of the event's
fields, where a frozen wire ``Event`` costs several times as much to build. The store
writes the JSON text straight from it; ``History`` builds the ``Event`` objects the first
time someone reads them, which most runs never do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from lambda_durable.wire import Event, EventDetails, EventType


class PendingEvent(NamedTuple):
    """One staged event: an ``Event``'s fields in an ``Event``'s order, so the store's text
    writer reads either alike."""

    event_type: EventType
    event_id: int
    event_timestamp: datetime
    details: EventDetails
    id: str | None
    name: str | None
    parent_id: str | None
    sub_type: str | None

    def event(self) -> Event:
        """The wire event."""
        return Event(*self)


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
