"""Callback bookkeeping of the local service (docs/protocol.md §8.3), as values.

A ``CallbackRecord`` binds an unguessable CallbackId to (execution, operation) and keeps
the two timers: the overall deadline from START and the heartbeat deadline that every
heartbeat pushes back. The service stores the records next to the operations; the
functions here decide ids, deadlines and what an external answer may carry.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

import attrs
from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable.wire import ErrorObject

MAX_RESULT_BYTES = 256 * 1024
"""SendDurableExecutionCallbackSuccess.Result: a blob of at most 256 KiB (model limit)."""
CALLBACK_ID_BYTES = 24
"""192 random bits; base64 of 24 bytes has no padding and is 32 characters long."""

TIMEOUT_ERROR = ErrorObject(error_type="Callback.Timeout", error_message="Callback timed out")
HEARTBEAT_ERROR = ErrorObject(error_type="Callback.Heartbeat", error_message="Callback timed out on heartbeat")
LONGEST_SECONDS = 31_622_400
"""366 days, the model's bound of an execution's timeout, a wait and a retry delay; past
it a time may not even be a date (datetime ends at year 9999)."""


def _timer(seconds: int) -> int:
    """The seconds of a timer that can fire; 0 (no timer) for one longer than any
    execution (the model bounds callback timeouts only below)."""
    return seconds if 0 < seconds <= LONGEST_SECONDS else 0


def new_callback_id() -> str:
    """An opaque id in the model's alphabet ``[A-Za-z0-9+/]+={0,2}`` (≤ 1024 chars)."""
    return base64.b64encode(secrets.token_bytes(CALLBACK_ID_BYTES)).decode("ascii")


@frozen
class CallbackRecord:
    """Where a CallbackId points and when its callback times out (None: never)."""

    callback_id: str
    arn: str
    op_id: str
    timeout_at: datetime | None = None
    heartbeat_seconds: int = 0
    heartbeat_at: datetime | None = None

    @classmethod
    def started(
        cls, callback_id: str, arn: str, op_id: str, now: datetime, timeout: int, heartbeat: int
    ) -> CallbackRecord:
        timeout, heartbeat = _timer(timeout), _timer(heartbeat)
        return cls(
            callback_id=callback_id,
            arn=arn,
            op_id=op_id,
            timeout_at=now + timedelta(seconds=timeout) if timeout else None,
            heartbeat_seconds=heartbeat,
            heartbeat_at=now + timedelta(seconds=heartbeat) if heartbeat else None,
        )

    @property
    def deadline(self) -> datetime | None:
        """The earlier of the two timers."""
        moments = [m for m in (self.timeout_at, self.heartbeat_at) if m is not None]
        return min(moments) if moments else None

    def expiry(self, now: datetime) -> ErrorObject | None:
        """The timeout error if a timer is due at ``now`` (the overall one wins a tie)."""
        if self.timeout_at is not None and self.timeout_at <= now:
            return TIMEOUT_ERROR
        if self.heartbeat_at is not None and self.heartbeat_at <= now:
            return HEARTBEAT_ERROR
        return None

    def heartbeat(self, now: datetime) -> CallbackRecord:
        """A heartbeat restarts the heartbeat timer; without one it changes nothing."""
        if self.heartbeat_seconds <= 0:
            return self
        return attrs.evolve(self, heartbeat_at=now + timedelta(seconds=self.heartbeat_seconds))


def callback_result(result: bytes | str | None) -> Result[str | None, str]:
    """The Result blob as stored text: UTF-8, at most 256 KiB; empty means no Result."""
    if result is None:
        return Success(None)
    raw = result.encode("utf-8") if isinstance(result, str) else bytes(result)
    if len(raw) > MAX_RESULT_BYTES:
        return Failure(f"Callback result size must be at most {MAX_RESULT_BYTES} bytes (got {len(raw)}).")
    if not raw:
        return Success(None)
    try:
        return Success(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Failure("Callback result must be UTF-8 text.")


@frozen
class CallbackStartedInfo:
    """A callback some invocation created, handed to ``on_callback_started`` hooks once
    that invocation has completed (as the conformance validator answers)."""

    arn: str
    callback_id: str
    op_id: str
    name: str | None = None
    parent_id: str | None = None
    timeout: int | None = None
    heartbeat_timeout: int | None = None
