"""Driving every running execution of a backend in the background (for ``serve``).

``run``/``run_local`` drive one execution in the caller's thread; a server cannot: its
executions start, wait and get callback answers through HTTP requests at any time. The
pump keeps a set of watched executions. One scheduler thread fires due timers, hands an
execution that wants an invocation (or a plain invoke call) to a worker pool, at most
one job per execution, and sleeps until the next timer or a ``poke``. On the skipping
clock a family (an execution and the child executions it waits on) whose members are
all idle jumps its own clock to its next wait or retry at once; other families' time is
not moved, so their callback timeouts and deadlines are not advanced by it. Callback
timeouts and execution deadlines are never jumped to, since an answer may still arrive:
they run in real time, unless the family's own jump to its next wait end or retry would
pass one: then it jumps to that timeout first, so the timeout fires at its own moment,
before what the wait brings (as the service orders them). All state changes go through
the service, whose lock serialises every transition. When the service cannot record
progress (its store cannot be written), the pump logs it and looks at that execution
again after ``IDLE_POLL_SECONDS`` instead of spinning on it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from returns.pipeline import is_successful

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.engine.clock import RealClock
from lambda_durable.local.errors import LocalBackendError

_log = logging.getLogger("lambda_durable.serve")

IDLE_POLL_SECONDS = 1.0
"""Upper bound on a sleep, so a missed poke costs at most this much latency."""
MAINTENANCE_SECONDS = 60.0
"""How often the store is maintained (expired executions deleted, finished ones compacted)."""


class Pump:
    """Background scheduler + worker pool over one ``LocalBackend``."""

    def __init__(self, backend: LocalBackend, *, workers: int = 8) -> None:
        self._backend = backend
        self._service = backend.service
        self._skip = not isinstance(backend.clock, RealClock)
        self._cond = threading.Condition()
        self._watched: set[str] = set()
        self._busy: set[str] = set()
        self._stopping = False
        self._dirty = False
        """Something changed since the scheduler last looked (no lost wake-ups)."""
        self._stalled: dict[str, float] = {}
        """Executions the service could not move on, and when (monotonic) to try again."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-durable-invoke")
        self._thread = threading.Thread(target=self._loop, name="lambda-durable-pump", daemon=True)
        self._maintained = time.monotonic()

    def start(self) -> None:
        self._backend.maintain()
        for arn in self._service.execution_arns():
            self.watch(arn)  # a store reopened by a new server resumes what was running
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def watch(self, arn: str) -> None:
        """Drive ``arn`` until it ends."""
        with self._cond:
            self._watched.add(arn)
            self._dirty = True
            self._cond.notify_all()

    def poke(self) -> None:
        """Something changed outside the pump (a callback answer, a stop): look again."""
        with self._cond:
            self._dirty = True
            self._cond.notify_all()

    def wait_until_done(self, arn: str, timeout: float) -> bool:
        """Block until ``arn`` is no longer RUNNING; False on timeout or shutdown."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._running(arn):
                left = deadline - time.monotonic()
                if self._stopping or left <= 0:
                    return False
                self._cond.wait(min(left, IDLE_POLL_SECONDS))
        return True

    # --- the scheduler thread ---------------------------------------------------------

    def _running(self, arn: str) -> bool:
        found = self._service.execution(arn)
        return found.map(lambda r: r.status.value == "RUNNING").value_or(False)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                self._dirty = False
                now = time.monotonic()
                idle = sorted(a for a in self._watched - self._busy if self._stalled.get(a, 0.0) <= now)
            if time.monotonic() - self._maintained >= MAINTENANCE_SECONDS:
                self._maintained = time.monotonic()
                self._backend.maintain()  # a failed write changes nothing: the next round retries
            wake = self._pass(idle)
            if wake == 0.0:
                continue
            with self._cond:
                if not self._stopping and not self._dirty:
                    self._cond.wait(min(wake if wake is not None else IDLE_POLL_SECONDS, IDLE_POLL_SECONDS))

    def _pass(self, arns: list[str]) -> float | None:
        """One look at every idle execution; seconds until the next thing to do (0: now).

        Idle executions are grouped by family. A family may jump (skipping clock) only
        when none of its members runs, wants to run or was just discovered: a jump while
        a member works would make time pass under a running invocation."""
        with self._cond:
            busy = set(self._busy)
        blocked = {self._service.family_root(arn) for arn in busy}
        seen = set(arns)
        families: dict[str, list[str]] = {}
        for arn in arns:
            advanced = self._service.advance(arn)
            if not is_successful(advanced):
                self._stall(arn, str(advanced.failure()))
                continue
            if not self._running(arn):
                with self._cond:
                    self._watched.discard(arn)
                    self._stalled.pop(arn, None)
                    self._cond.notify_all()
                continue
            root = self._service.family_root(arn)
            for child in self._service.children(arn):
                if child not in seen:
                    blocked.add(root)  # not looked at yet: it may want to run first
                self.watch(child)
            if self._backend.wants_step(arn):
                self._submit(arn)
                blocked.add(root)
                continue
            families.setdefault(root, []).append(arn)
        jumped = False
        delays: list[float] = []
        for root, members in families.items():
            clock = self._service.clock_of(root)
            if self._skip and root not in blocked:
                timers = [t for t in map(self._service.next_timer, members) if t is not None]
                if timers:
                    # a callback timeout the jump would pass fires first, at its own time
                    passed = [t for t in map(self._service.next_callback_timeout, members) if t is not None]
                    skipped = self._service.skip_to(root, min(timers + passed))  # this family's time only
                    if not is_successful(skipped):
                        for member in members:
                            self._stall(member, str(skipped.failure()))
                        continue
                    jumped = True
                    continue
            wakes = [w for w in map(self._service.next_wakeup, members) if w is not None]
            if wakes:
                delays.append(max(0.0, (min(wakes) - clock.now()).total_seconds()))
        if jumped:
            return 0.0
        return min(delays) if delays else None

    def _stall(self, arn: str, why: str) -> None:
        _log.warning("execution %s cannot go on (trying again in %.0f s): %s", arn, IDLE_POLL_SECONDS, why)
        with self._cond:
            self._stalled[arn] = time.monotonic() + IDLE_POLL_SECONDS

    def _submit(self, arn: str) -> None:
        with self._cond:
            if arn in self._busy or self._stopping:
                return
            self._busy.add(arn)
        try:
            self._pool.submit(self._work, arn)
        except RuntimeError:  # the pool is shutting down
            with self._cond:
                self._busy.discard(arn)

    def _work(self, arn: str) -> None:
        try:
            self._backend.step(arn)
        except LocalBackendError as exc:
            self._stall(arn, str(exc))
        finally:
            with self._cond:
                self._busy.discard(arn)
                self._dirty = True
                self._cond.notify_all()
