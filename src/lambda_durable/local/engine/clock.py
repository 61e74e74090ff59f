"""Time for the local backend, injected so tests and ``run`` can skip waits.

Every timestamp the backend writes comes from a ``Clock``; the skipping clock jumps
over idle time instead of sleeping, yet the recorded times still show the modelled
durations (a 1-hour wait is 3600 s between WaitStarted and WaitSucceeded).

Skipped time belongs to one *family*: an execution plus the chained child executions it
waits on, named by the root execution's ARN. ``SkippingClock`` hands out one view per
family (``family``), so a family that jumps over its 1-hour wait does not move another
execution's callback timeouts or deadline, which share only the real time that passes.
A clock without views (``RealClock``, a test's manual clock) is shared by every family.

Each family's time starts from the real time at its start and moves ahead only by what
that family skipped, in this process or an earlier one on the same store: a ``SkipLedger``
(the store) keeps each family's skipped total, read when the family's view is made and
written on every jump, so a run that skipped a day leaves the next run's executions on
real time, and real time between two commands counts towards a family's timeouts.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    """Source of UTC-aware timestamps that can be slept on."""

    def now(self) -> datetime: ...

    def sleep_until(self, moment: datetime) -> None: ...


class SkipLedger(Protocol):
    """Where each family's skipped time outlives the process (the store)."""

    def skipped(self, root: str) -> timedelta:
        """What ``root``'s family has skipped so far (zero for a new one)."""
        ...

    def record_skipped(self, root: str, skipped: timedelta) -> None:
        """Keep ``root``'s family's new skipped total."""
        ...


@runtime_checkable
class FamilyClocks(Protocol):
    """A clock whose skipped time is kept per family of executions."""

    def family(self, root: str) -> Clock:
        """The clock of the family whose root execution is ``root``."""
        ...


def family_clock(clock: Clock, root: str) -> Clock:
    """``root``'s family view of ``clock``, or ``clock`` itself when it has no views
    (real time, and manual test clocks, pass alike for everyone)."""
    return clock.family(root) if isinstance(clock, FamilyClocks) else clock


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
    a history equals the order of their timestamps. The clock itself is the base
    timeline a new family starts from (real time unless ``start`` is given);
    ``family(root)`` is that family's view: the base time plus the gap the family
    skipped, so one family's jump leaves the others alone. With a ``ledger`` a view
    starts from the gap its family skipped before (another process on the same store)
    and every jump is recorded there.
    """

    def __init__(self, start: datetime | None = None, ledger: SkipLedger | None = None) -> None:
        self._lock = threading.Lock()
        self._ledger = ledger
        real = datetime.now(UTC)
        self._offset = (start - real) if start is not None else timedelta(0)
        self._last = real + self._offset
        self._families: dict[str, _FamilyView] = {}
        """Kept for the clock's lifetime: a view that was dropped and made again would
        restart at the base time, earlier than what its family already recorded."""

    def now(self) -> datetime:
        with self._lock:
            return self._base()

    def sleep_until(self, moment: datetime) -> None:
        """Jump the base timeline, and with it every family (none is left behind)."""
        with self._lock:
            current = self._base()
            if moment > current:
                self._offset += moment - current
                self._last = moment

    def family(self, root: str) -> Clock:
        """The view of ``root``'s family, created at the base time on first use."""
        with self._lock:
            view = self._families.get(root)
            if view is None:
                skipped = self._ledger.skipped(root) if self._ledger is not None else timedelta(0)
                view = self._families[root] = _FamilyView(self, root, skipped)
            return view

    def _base(self) -> datetime:
        """The base time (caller holds the lock)."""
        current = max(datetime.now(UTC) + self._offset, self._last)
        self._last = current
        return current


class _FamilyView:
    """One family's time: the base time plus what this family skipped; monotonic."""

    def __init__(self, base: SkippingClock, root: str, skipped: timedelta) -> None:
        self._base = base
        self._root = root
        self._skipped = skipped
        self._last = datetime.fromtimestamp(0, UTC)

    def now(self) -> datetime:
        with self._base._lock:
            return self._current()

    def sleep_until(self, moment: datetime) -> None:
        """Skip this family (only) ahead to ``moment``; the past changes nothing. The
        ledger records the jump first: if it cannot, the time stays where it was."""
        with self._base._lock:
            current = self._current()
            if moment > current:
                skipped = self._skipped + (moment - current)
                if self._base._ledger is not None:
                    self._base._ledger.record_skipped(self._root, skipped)
                self._skipped = skipped
                self._last = moment

    def _current(self) -> datetime:
        current = max(self._base._base() + self._skipped, self._last)
        self._last = current
        return current
