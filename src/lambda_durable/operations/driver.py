"""The synchronous driver's primitives: perform a decision's updates, give its answer.

Every operation module uses these three, so "send or defer" and "suspend or return"
are written once; an asynchronous driver has its own versions of the same three."""

from __future__ import annotations

from typing import Any

from returns.result import Result

from lambda_durable.decisions.verdict import Answer, Send, Suspended, Verdict
from lambda_durable.errors import DurableError
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.runtime.signals import Suspend


def perform(checkpointer: Checkpointer, send: Send | None) -> None:
    """Checkpoint ``send``: at once when its caller waits on the answer, else queued."""
    if send is None:
        return
    if send.wait:
        checkpointer.send(send.update)
    else:
        checkpointer.defer(send.update)


def answer(outcome: Answer) -> Result[Any, DurableError]:
    """The ``Result`` for the caller; suspension unwinds the handler instead."""
    if isinstance(outcome, Suspended):
        raise Suspend()
    return outcome


def conclude(checkpointer: Checkpointer, verdict: Verdict) -> Result[Any, DurableError]:
    """Perform a verdict: its update first, then its answer (``perform`` and ``answer``
    written out: every step and child ends here)."""
    send = verdict.send
    if send is not None:
        if send.wait:
            checkpointer.send(send.update)
        else:
            checkpointer.defer(send.update)
    outcome = verdict.answer
    if isinstance(outcome, Suspended):
        raise Suspend()
    return outcome
