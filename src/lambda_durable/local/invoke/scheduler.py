"""Driving an execution, and the chained executions it waits on, on their clock (docs/protocol.md §8.1-§8.2).

One invocation at a time per execution. A *family* is an execution plus, recursively,
the child executions of its pending chained invokes; it lives on one clock, the
service's ``clock_of`` its root. ``step`` makes one unit of progress without moving the
clock: fire what is due, run one wanted invocation, or call one plain invoke target.
Children run only between the parent's invocations, so a child's result lands after the
parent's ``InvocationCompleted`` (CR 5-1). When nothing can progress, ``advance`` sleeps
on the family's clock until its next timer, invocation retry or deadline; on the
skipping clock that is an instant jump of this family's time only, so a run never idles,
an execution that can never progress reaches its deadline (TIMED_OUT) at once, and
other families' timers stay where they were.

Every service answer that records progress is checked: when the service cannot record it
(its store cannot be written), the driver raises ``LocalBackendError`` instead of trying
the same thing again forever. An invocation's output that could not be recorded is kept
and recorded first on the next step, so an outage loses no handler's work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.local.engine.service import InvocationTicket, LocalService
from lambda_durable.local.engine.targets import ChainedRecord
from lambda_durable.local.errors import expect_service
from lambda_durable.wire import ErrorObject, ExecutionStatus, InvocationOutput

InvokeFn = Callable[[InvocationTicket], Result[InvocationOutput, ErrorObject]]
CallFn = Callable[[ChainedRecord], Result[str | None, ErrorObject]]
AfterFn = Callable[[str], None]


class Driver:
    """Runs invocations, plain invoke targets and timers for executions of one service."""

    def __init__(self, service: LocalService, invoke: InvokeFn, call: CallFn, after: AfterFn | None = None) -> None:
        self.service = service
        self._invoke = invoke
        self._call = call
        self._after = after if after is not None else (lambda _arn: None)
        self._unrecorded: dict[str, tuple[InvocationTicket, Result[InvocationOutput, ErrorObject]]] = {}
        """Per execution: an invocation that ran but whose end the service could not record."""

    def running(self, arn: str) -> bool:
        record = self.service.execution(arn)
        return is_successful(record) and record.unwrap().status is ExecutionStatus.RUNNING

    def family(self, arn: str) -> list[str]:
        """The execution and the running children it waits on, parents first."""
        found: list[str] = []
        queue = [arn]
        while queue:
            current = queue.pop(0)
            if current in found:
                continue
            found.append(current)
            queue.extend(self.service.children(current))
        return found

    def step(self, arn: str) -> bool:
        """One unit of progress in the family without moving the clock; False if none."""
        for member in self.family(arn):
            if self._record_unrecorded(member):
                return True
            expect_service(self.service.advance(member))
            if self.service.wants_invocation(member):
                ticket = self._begin(member)
                if ticket is None:
                    continue
                self._run(member, ticket)
                return True
            for call in self.service.pending_calls(member):
                expect_service(self.service.complete_call(member, call.op_id, self._call(call)))
                return True
        return False

    def step_one(self, arn: str) -> bool:
        """Run one wanted invocation or one plain invoke call of ``arn`` alone (not its
        family): what a background worker does, one execution per worker."""
        if self._record_unrecorded(arn):
            return True
        if self.service.wants_invocation(arn):
            ticket = self._begin(arn)
            if ticket is not None:
                self._run(arn, ticket)
                return True
        for call in self.service.pending_calls(arn):
            expect_service(self.service.complete_call(arn, call.op_id, self._call(call)))
            return True
        return False

    def wants_step(self, arn: str) -> bool:
        """Whether ``step_one`` has something to do for ``arn``."""
        return arn in self._unrecorded or self.service.wants_invocation(arn) or bool(self.service.pending_calls(arn))

    def _begin(self, arn: str) -> InvocationTicket | None:
        """The opened invocation, or None when another caller got there first (the
        execution ended or runs): only a service fault (5xx) is an error."""
        opened = self.service.begin_invocation(arn)
        if is_successful(opened):
            return opened.unwrap()
        if (opened.failure().http_status or 500) >= 500:
            expect_service(opened)
        return None

    def _run(self, arn: str, ticket: InvocationTicket) -> None:
        self._record(arn, ticket, self._invoke(ticket))

    def _record(self, arn: str, ticket: InvocationTicket, output: Result[InvocationOutput, ErrorObject]) -> None:
        finished = self.service.finish_invocation(ticket, output)
        if not is_successful(finished):
            self._unrecorded[arn] = (ticket, output)
            expect_service(finished)
        self._after(arn)

    def _record_unrecorded(self, arn: str) -> bool:
        """Record the end of an invocation an outage left open; True if there was one."""
        pending = self._unrecorded.pop(arn, None)
        if pending is None:
            return False
        self._record(arn, *pending)
        return True

    def run_until_idle(self, arn: str) -> None:
        while self.running(arn) and self.step(arn):
            pass

    def next_wakeup(self, arn: str) -> datetime | None:
        moments = [m for m in (self.service.next_wakeup(a) for a in self.family(arn)) if m is not None]
        return min(moments) if moments else None

    def advance(self, arn: str, seconds: float | None = None) -> bool:
        """Move the family's clock to the next wake-up (``seconds`` None) and fire what is
        due, or live through ``seconds``: each timer due on the way fires at its moment
        and the invocations it causes run then. False when the execution is not running
        or (for None) nothing is scheduled. Other families' clocks do not move."""
        if not self.running(arn):
            return False
        if seconds is None:
            wake = self.next_wakeup(arn)
            if wake is None:
                return False
            self._jump(arn, wake)
            return True
        target = self.service.clock_of(arn).now() + timedelta(seconds=seconds)
        last: datetime | None = None
        while self.running(arn):
            wake = self.next_wakeup(arn)
            if wake is None or wake >= target or wake == last:  # (== last: it did not fire)
                break
            last = wake
            self._jump(arn, wake)
            self.run_until_idle(arn)
        self._jump(arn, target)
        return True

    def _jump(self, arn: str, moment: datetime) -> None:
        expect_service(self.service.skip_to(arn, moment))
        for member in self.family(arn):
            expect_service(self.service.advance(member))

    def settle(self, arn: str) -> None:
        """Run invocations and timers until the execution is terminal."""
        while True:
            self.run_until_idle(arn)
            if not self.advance(arn):
                return
