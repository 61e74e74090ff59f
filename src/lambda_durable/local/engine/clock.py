"""Time for the local backend, injected so tests and ``run`` can skip waits.

Every timestamp the backend writes comes from one ``Clock``; the skipping clock jumps
over idle time instead of sleeping, yet the recorded times still show the modelled
durations (a 1-hour wait is 3600 s between WaitStarted and WaitSucceeded).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of UTC-aware timestamps that can be slept on."""

    def now(self) -> datetime: ...

    def sleep_until(self, moment: datetime) -> None: ...


class RealClock:
    """Wall-clock time; ``sleep_until`` really sleeps. Never goes backwards."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = datetime.fromtimestamp(0, UTC)

    def now(self) -> datetime:
        with self._lock:
            current = max(datetime.now(UTC), self._last)
            self._last = current
            return current

    def sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds()
        if delay > 0:
            time.sleep(delay)


class SkippingClock:
    """Real time plus an accumulated skipped gap: sleeping jumps ahead instantly.

    Monotonic (never returns an earlier time than before), so the order of events in
    a history equals the order of their timestamps.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        real = datetime.now(UTC)
        self._offset = (start - real) if start is not None else timedelta(0)
        self._last = real + self._offset

    def now(self) -> datetime:
        with self._lock:
            current = max(datetime.now(UTC) + self._offset, self._last)
            self._last = current
            return current

    def sleep_until(self, moment: datetime) -> None:
        with self._lock:
            current = max(datetime.now(UTC) + self._offset, self._last)
            if moment > current:
                self._offset += moment - current
                self._last = moment
