"""Replay-aware logging: user log lines appear once, however often the code replays.

``Logger`` is a Protocol that stdlib ``logging.Logger`` (and AWS Lambda Powertools'
``Logger``) satisfy. The wrapper adds the execution's identity as structured ``extra``
fields (``executionArn`` at top level, as Lambda's JSON log format and the conformance
checks expect) and drops records while its context is replaying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from attrs import frozen
from typing import Protocol


class Logger(Protocol):
    """The logging surface the SDK needs; ``logging.getLogger(...)`` satisfies it."""

    def debug(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def warning(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def exception(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...


@frozen
class LogInfo:
    """Who is logging: execution, operation and whether that code is replaying."""

    execution_arn: str
    operation_id: str | None = None
    parent_id: str | None = None
    operation_name: str | None = None
    attempt: int | None = None
    is_replaying: bool = False

    def fields(self) -> dict[str, object]:
        out: dict[str, object] = {"executionArn": self.execution_arn}
        for key, value in (
            ("operationId", self.operation_id),
            ("parentId", self.parent_id),
            ("operationName", self.operation_name),
            ("attempt", self.attempt),
        ):
            if value is not None:
                out[key] = value
        return out


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
"""Names stdlib logging refuses as ``extra`` keys (it raises ``KeyError``): a user field
called e.g. ``name`` or ``msg`` is written as ``name_`` / ``msg_`` instead of failing the
execution. Renamed whatever the logger: loggers built on stdlib logging (Powertools'
``Logger`` among them) pass ``extra`` down to a ``LogRecord`` too."""


class ReplayAwareLogger:
    """A ``Logger`` that stays silent while its context replays."""

    def __init__(self, inner: Logger, info: Callable[[], LogInfo]) -> None:
        self._inner = inner
        self._info = info

    @property
    def inner(self) -> Logger:
        return self._inner

    def _extra(self, extra: Mapping[str, object] | None) -> dict[str, object] | None:
        info = self._info()
        if info.is_replaying:
            return None
        merged = info.fields()
        if extra:
            merged.update({f"{k}_" if k in _RECORD_FIELDS else k: v for k, v in extra.items()})
        return merged

    def debug(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        if (fields := self._extra(extra)) is not None:
            self._inner.debug(msg, *args, extra=fields)

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        if (fields := self._extra(extra)) is not None:
            self._inner.info(msg, *args, extra=fields)

    def warning(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        if (fields := self._extra(extra)) is not None:
            self._inner.warning(msg, *args, extra=fields)

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        if (fields := self._extra(extra)) is not None:
            self._inner.error(msg, *args, extra=fields)

    def exception(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        if (fields := self._extra(extra)) is not None:
            self._inner.exception(msg, *args, extra=fields)
