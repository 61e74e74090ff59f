"""What the runner needs from the local backend, as Protocols.

The runner drives handlers only through this surface (start, settle, read history and
logs), never through SDK internals; ``runner.local_backend`` builds the real one, and
the Protocols let mypy check that it fits. ``CallbackBackend`` is the extra surface
that driving ``CallbackActions`` needs; a backend that lacks it makes those
requirements fail with a clear reason instead of hanging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from returns.result import Result

from lambda_durable.client import ServiceError
from lambda_durable.wire import ErrorObject, Event


class Outcome(Protocol):
    """The execution as it stands, as far as the result check reads it."""

    @property
    def arn(self) -> str: ...

    @property
    def status(self) -> Any: ...

    @property
    def result(self) -> str | None: ...

    @property
    def error(self) -> ErrorObject | None: ...


def status_text(status: object) -> str:
    """``ExecutionStatus.SUCCEEDED`` or ``"SUCCEEDED"`` -> ``"SUCCEEDED"``."""
    return str(getattr(status, "value", status))


class Backend(Protocol):
    def register(self, name: str, handler: Any, isolated: bool = False) -> None: ...

    def start(
        self, function_name: str, payload: str | None, execution_name: str | None = None
    ) -> Result[str, ServiceError]: ...

    def run_until_settled(self, arn: str) -> Outcome: ...

    def history(self, arn: str) -> Sequence[Event]: ...

    def logs(self, arn: str) -> Sequence[Mapping[str, object]]: ...

    def close(self) -> None: ...


@runtime_checkable
class CallbackBackend(Protocol):
    """Stepwise driving plus the three callback APIs (docs/protocol.md §8.3).

    ``run_until_idle`` runs invocations (and fires what is already due) until the
    execution is terminal or only time or the outside world can move it, without
    moving the clock. ``advance_clock`` moves the clock by ``seconds`` (``None``: to
    the next timer) and fires what becomes due; False when there is nothing to wait
    for. With ``seconds`` the execution lives through the interval: a timer due inside
    it fires at its moment and the invocations it causes run then. A send answers
    ``None`` or a failed ``returns`` ``Result`` carrying why not.
    """

    def run_until_idle(self, arn: str) -> Outcome: ...

    def advance_clock(self, arn: str, seconds: float | None) -> bool: ...

    def send_callback_success(self, callback_id: str, result: str | None) -> Result[None, ServiceError]: ...

    def send_callback_failure(self, callback_id: str, error: ErrorObject) -> Result[None, ServiceError]: ...

    def send_callback_heartbeat(self, callback_id: str) -> Result[None, ServiceError]: ...
