"""The vocabulary decisions answer in: updates to send, and what the call returns.

Decision records are slotted attrs classes, ``define(weakref_slot=False)``, and nothing
mutates them: a frozen attrs ``__init__`` costs twice as much and a ``NamedTuple`` half as
much again, and every operation builds two or three of them."""

from __future__ import annotations

from typing import Any, Final, final

from attrs import define
from returns.result import Result

from lambda_durable.errors import DurableError
from lambda_durable.wire import OperationUpdate


@final
class Suspended:
    """The operation waits on the service (a timer, a callback, a retry, an invoke): the
    invocation ends as PENDING and a later one resumes. Not a ``Result``: user code must
    never be able to handle it (the driver raises the ``Suspend`` signal)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SUSPENDED"


SUSPENDED: Final = Suspended()


@define(weakref_slot=False)
class Send:
    """An update to checkpoint; ``wait`` when the caller needs the service's answer before
    going on (the update is flushed at once), else it rides with the next call."""

    update: OperationUpdate
    wait: bool


Answer = Result[Any, DurableError] | Suspended
"""What an operation call ends with: a ``Result`` for the caller, or suspension."""


@define(weakref_slot=False)
class Verdict:
    """The end of an attempt: checkpoint ``send`` (if any), then answer ``answer``."""

    send: Send | None
    answer: Answer


@define(weakref_slot=False)
class Replayed:
    """The log answers the call: no user code runs."""

    answer: Answer
