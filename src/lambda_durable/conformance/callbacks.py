"""Answering callbacks as the validator does (docs/protocol.md §10.4), minus the polling.

Each ``CallbackStarted`` (by CallbackId) takes the first unused action whose
``CallbackName`` is ``"*"``, equals the event's Name, or is a ``${/re/}`` that matches
it. A heartbeat uses up its action but leaves the callback open, so the next action can
answer it later. A callback that no unused action matches is an error, unless an
earlier action already answered it with a heartbeat (then it is left open).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence

from attrs import frozen
from returns.maybe import Some
from returns.result import Failure, Result, Success

from lambda_durable.conformance.matcher import copy_wait_for_callback_names
from lambda_durable.conformance.requirements import CallbackAction, CallbackOperation
from lambda_durable.conformance.variables import WHOLE_REGEX
from lambda_durable.wire import ErrorObject

_ERROR_KEYS = {
    "ErrorType": "error_type",
    "ErrorMessage": "error_message",
    "ErrorData": "error_data",
    "StackTrace": "stack_trace",
}


@frozen
class OpenCallback:
    """A callback the history shows started: its id and the Name actions match on."""

    callback_id: str
    name: str | None


@frozen
class Reply:
    """One action to perform on one callback."""

    callback_id: str
    action: CallbackAction

    @property
    def closes(self) -> bool:
        return self.action.operation is not CallbackOperation.HEARTBEAT

    def result_payload(self) -> str | None:
        """Success sends ``json.dumps(Payload)``; no Payload, no Result."""
        match self.action.payload:
            case Some(value):
                return json.dumps(value)
        return None

    def error_object(self) -> ErrorObject:
        """Failure sends the Payload's ErrorObject members (and nothing else)."""
        fields: dict[str, object] = {}
        match self.action.payload:
            case Some(value) if isinstance(value, Mapping):
                fields = {_ERROR_KEYS[k]: v for k, v in value.items() if k in _ERROR_KEYS}
        stack = fields.pop("stack_trace", None)
        texts = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        trace = tuple(str(s) for s in stack) if isinstance(stack, list) else None
        return ErrorObject(
            error_type=texts.get("error_type"),
            error_message=texts.get("error_message"),
            error_data=texts.get("error_data"),
            stack_trace=trace,
        )


def name_matches(pattern: str, name: str | None) -> bool:
    if pattern == "*":
        return True
    regex = WHOLE_REGEX.match(pattern)
    if regex:
        try:
            return re.search(regex.group(1), name or "") is not None
        except re.error:
            return False
    return pattern == name


def started_callbacks(events: Sequence[Mapping[str, object]]) -> list[OpenCallback]:
    """Every ``CallbackStarted`` in history order, named as the validator names them
    (a WaitForCallback child borrows its parent's Name)."""
    found: list[OpenCallback] = []
    for event in copy_wait_for_callback_names(events):
        if event.get("EventType") != "CallbackStarted":
            continue
        details = event.get("CallbackStartedDetails")
        callback_id = details.get("CallbackId") if isinstance(details, Mapping) else None
        name = event.get("Name")
        if isinstance(callback_id, str):
            found.append(OpenCallback(callback_id, name if isinstance(name, str) else None))
    return found


@frozen
class CallbackPlan:
    """Which actions are used and which callbacks are answered; immutable, like bindings."""

    actions: tuple[CallbackAction, ...]
    used: frozenset[int] = frozenset()
    closed: frozenset[str] = frozenset()
    heartbeaten: frozenset[str] = frozenset()

    def next_replies(self, started: Iterable[OpenCallback]) -> Result[tuple[CallbackPlan, list[Reply]], str]:
        """Pick one action for each open callback; the plan advances past them."""
        plan = self
        replies: list[Reply] = []
        for callback in started:
            if callback.callback_id in plan.closed:
                continue
            index = plan._first_unused(callback.name)
            if index is None:
                if callback.callback_id in plan.heartbeaten:
                    continue
                return Failure(f"no unused CallbackAction matches callback {callback.name!r}")
            reply = Reply(callback.callback_id, plan.actions[index])
            replies.append(reply)
            plan = plan._after(index, reply)
        return Success((plan, replies))

    def _first_unused(self, name: str | None) -> int | None:
        for index, action in enumerate(self.actions):
            if index not in self.used and name_matches(action.callback_name, name):
                return index
        return None

    def _after(self, index: int, reply: Reply) -> CallbackPlan:
        closed = self.closed | {reply.callback_id} if reply.closes else self.closed
        beaten = self.heartbeaten if reply.closes else self.heartbeaten | {reply.callback_id}
        return CallbackPlan(self.actions, self.used | {index}, closed, beaten)
