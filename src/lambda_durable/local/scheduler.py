"""Driving one execution to a terminal status (EMULATOR.md §4.1).

One invocation at a time. Between invocations: fire what is due, invoke if the service
wants it, else sleep on the clock until the next timer, invocation retry or the
execution deadline. On the skipping clock that sleep is an instant jump, so a run never
idles; an execution that can never progress jumps straight to its deadline (TIMED_OUT).
"""

from __future__ import annotations

from collections.abc import Callable

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.local.clock import Clock
from lambda_durable.local.service import InvocationTicket, LocalService
from lambda_durable.wire import ErrorObject, InvocationOutput

InvokeFn = Callable[[InvocationTicket], Result[InvocationOutput, ErrorObject]]


def drive(service: LocalService, clock: Clock, arn: str, invoke: InvokeFn) -> None:
    """Run invocations and timers until the execution is terminal."""
    while True:
        service.advance(arn)
        if service.wants_invocation(arn):
            ticket = service.begin_invocation(arn)
            if not is_successful(ticket):
                return
            opened = ticket.unwrap()
            service.finish_invocation(opened, invoke(opened))
            continue
        wake = service.next_wakeup(arn)
        if wake is None:
            return
        clock.sleep_until(wake)
