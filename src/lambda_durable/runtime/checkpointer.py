"""Checkpoint batching: queue what nobody waits on, flush at once when someone does.

There is no background thread and no idle sleep. Deferred updates ride along with the
next synchronous call, or go out when a batch fills (250 updates / 750 KiB), when they
have waited longer than ``max_delay`` and user code is about to run, or when the
invocation ends.

The checkpointer is the one owner of what branches running on several threads share:
the queue, the checkpoint token and the operations the service sends back. The queue is
a ``deque``: appending and taking from its front are atomic, so deferring needs no lock
and an update appended while a flush drains the queue goes out in that flush or the
next, never lost. ``_call_lock`` makes checkpoint calls one at a time and is held from
draining the queue until the answer is merged. So a ``send`` returns only once its own
update is in the log (whoever drained it held the call lock until the merge), calls
leave in queue order, and the updates of one thread keep their order.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from returns.result import Failure, Success

from lambda_durable.client import DurableServiceClient
from lambda_durable.runtime.signals import AbortInvocation, ExecutionEnded
from lambda_durable.wire import Operation, OperationAction, OperationUpdate

MAX_UPDATES_PER_CALL = 250
MAX_BYTES_PER_CALL = 768_000


_START = OperationAction.START
_ESCAPE_ABOVE = 4096
_FIXED_OVERHEAD = 1024
"""Room for an update's identity fields, keys and options (ids are hashes, types enums)."""


def update_size(update: OperationUpdate) -> int:
    """An upper bound of the bytes an update adds to a checkpoint call (its compact JSON),
    tight enough to respect the per-call byte limit.

    A short text is bounded by its length with every character escaped; a long payload
    is escaped as the wire writes it, so a big batch result is not counted six times.
    Never encodes the whole update: that would build a converter hook on first use (a
    few milliseconds) and encode the payload twice.
    """
    payload = update.payload or ""
    size = _FIXED_OVERHEAD + 6 * len(update.name or "")
    size += 6 * len(payload) if len(payload) <= _ESCAPE_ABOVE else len(_escaped(payload))
    error = update.error
    if error is not None:
        texts = (error.error_type, error.error_message, error.error_data, *(error.stack_trace or ()))
        size += sum(len(_escaped(text)) + 1 for text in texts if text is not None)
    return size


_escaped = json.encoder.encode_basestring_ascii
"""A string as JSON writes it by default (quoted, non-ASCII escaped)."""


class Checkpointer:
    """Owns the checkpoint token and the queue of not-yet-sent updates."""

    def __init__(
        self,
        client: DurableServiceClient,
        arn: str,
        token: str,
        on_operations: Callable[[Iterable[Operation]], None],
        *,
        max_delay: float = 0.1,
        on_start: Callable[[OperationUpdate], None] | None = None,
    ) -> None:
        self._client = client
        self._arn = arn
        self._token: str | None = token
        self.ended = False
        """True once the service answered without a token: the execution is over."""
        self._on_operations = on_operations
        self._on_start = on_start
        """Told of every START before it is queued (the plugins' operation-start hook)."""
        self._queue: deque[tuple[OperationUpdate, int]] = deque()
        self._queue_bytes = 0
        """About the bytes queued (threads add to it without a lock: it only decides
        when to flush early; ``flush`` splits calls by exact sizes)."""
        self._oldest: float | None = None
        self._max_delay = max_delay
        self._call_lock = threading.Lock()
        self._broken: AbortInvocation | None = None
        self.calls = 0
        self.has_checkpointed = False

    @property
    def token(self) -> str | None:
        return self._token

    def defer(self, update: OperationUpdate) -> None:
        """Queue an update nobody waits on; it goes out with the next call.

        A full queue is flushed first, unless another thread is flushing right now: then
        the update just joins the queue (``flush`` splits by the limits anyway), so that
        branches never wait on each other's checkpoint calls for updates nobody waits on."""
        size = update_size(update)
        queue = self._queue
        if queue and (len(queue) >= MAX_UPDATES_PER_CALL or self._queue_bytes + size > MAX_BYTES_PER_CALL):
            self._flush(wait=False)  # ``_full`` written out: every checkpointed update passes here
        self._append(update, size)

    def defer_unless_full(self, update: OperationUpdate) -> bool:
        """``defer(update)`` when that makes no checkpoint call first; False, and nothing
        queued, when the queue is full (an asynchronous driver then defers off the loop)."""
        size = update_size(update)
        if self._full(size):
            return False
        self._append(update, size)
        return True

    def _append(self, update: OperationUpdate, size: int) -> None:
        if self._on_start is not None and update.action is _START:
            self._on_start(update)
        if self._oldest is None:
            self._oldest = time.monotonic()
        self._queue.append((update, size))
        self._queue_bytes += size

    def _full(self, size: int) -> bool:
        queue = self._queue
        return bool(queue) and (len(queue) >= MAX_UPDATES_PER_CALL or self._queue_bytes + size > MAX_BYTES_PER_CALL)

    def send(self, update: OperationUpdate) -> None:
        """Queue ``update`` and flush: returns once the service's answer to it is merged."""
        self.defer(update)
        self.flush()

    def before_user_code(self) -> None:
        """Make earlier work durable before a body runs, unless it is still fresh.

        The first body of an invocation always sees its START recorded (a crash then
        shows as an interrupted step); a hot loop of fast steps still shares one call.
        Never waits for another thread's call: that call is making things durable already.
        """
        if not self._queue:  # ``due_before_user_code`` written out: every step body passes here
            return
        oldest = self._oldest
        if not self.has_checkpointed or (oldest is not None and time.monotonic() - oldest > self._max_delay):
            self._flush(wait=not self.has_checkpointed)

    def due_before_user_code(self) -> bool:
        """Whether ``before_user_code`` would checkpoint now (an asynchronous driver then
        runs it off the event loop)."""
        if not self._queue:  # a racy read is fine: a miss only delays a deferred update
            return False
        oldest = self._oldest
        stale = oldest is not None and time.monotonic() - oldest > self._max_delay
        return stale or not self.has_checkpointed

    def flush(self) -> None:
        """Send everything queued (in order, in as many calls as the limits need)."""
        self._flush(wait=True)

    def flush_queued(self) -> bool:
        """For a caller with nothing better to do (a batch waiting on its branches): send
        what is queued now, so that the call that must wait later carries less. Does not
        wait for another thread's call (that call carries the queue anyway). True when
        something was queued."""
        if not self._queue:
            return False
        self._flush(wait=False)
        return True

    def _flush(self, *, wait: bool) -> None:
        """``flush``; without ``wait``, nothing happens while another thread is flushing."""
        if not self._call_lock.acquire(blocking=wait):
            return
        try:
            if self._broken is not None:
                raise self._broken
            self._queue_bytes, self._oldest = 0, None  # first: an update appended now sets them again
            queue = self._queue
            queued = [queue.popleft() for _ in range(len(queue))]
            if not queued:
                return
            batch: list[OperationUpdate] = []
            size = 0
            for update, item in queued:
                if batch and (len(batch) >= MAX_UPDATES_PER_CALL or size + item > MAX_BYTES_PER_CALL):
                    self._call(batch)
                    batch, size = [], 0
                batch.append(update)
                size += item
            self._call(batch)
        finally:
            self._call_lock.release()

    def _call(self, updates: list[OperationUpdate]) -> None:
        """One checkpoint call (and the pages of its answer); the caller holds the call lock.
        A failed call breaks the checkpointer for good: the updates it carried are gone,
        so nothing may be sent after them."""
        token = self._token
        if token is None:
            raise ExecutionEnded()
        self.calls += 1
        self.has_checkpointed = True
        match self._client.checkpoint(self._arn, token, updates):
            case Success(output):
                pass
            case Failure(error):
                self._broken = AbortInvocation(error, "CheckpointDurableExecution")
                raise self._broken
        self._token = output.checkpoint_token
        self.ended = self._token is None
        self._on_operations(output.new_execution_state.operations)
        marker = output.new_execution_state.next_marker
        while marker and self._token is not None:
            match self._client.get_execution_state(self._arn, self._token, marker):
                case Success(page):
                    self._on_operations(page.operations)
                    marker = page.next_marker
                case Failure(error):
                    self._broken = AbortInvocation(error, "GetDurableExecutionState")
                    raise self._broken
