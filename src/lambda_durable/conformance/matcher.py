"""The history matcher of docs/protocol.md §10.2, returning the first difference it finds.

Rules, in order, for an expected value against an actual one:
``{}`` and ``"*"`` accept anything; a whole-string ``${NAME}`` binds NAME to the actual
value or, once bound (Variables count as bound), requires equality; a whole-string
``${/regex/}`` is ``re.search`` on ``str(actual)``; mappings check only the expected
keys, each of which must exist; lists need equal length and match element-wise; other
strings have bound ``${NAME}`` references substituted, then compare with ``==``;
anything else compares with ``==``.

Events are paired by ``EventId``; actual events nobody asked about are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.conformance.variables import (
    WHOLE_PLACEHOLDER,
    WHOLE_REGEX,
    Bindings,
    substitute_text,
)

_SHOW_LIMIT = 300


@frozen
class Mismatch:
    """Where (a dotted path) and what differs."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@frozen
class HistoryMismatch:
    """The first difference between expected and actual history, tied to its event."""

    event_id: object
    event_type: str | None
    mismatch: Mismatch

    def __str__(self) -> str:
        label = f"event {self.event_id}" + (f" {self.event_type}" if self.event_type else "")
        return f"{label}: {self.mismatch}"


def show(value: object) -> str:
    """A short readable rendering of a value for failure messages."""
    text = value.isoformat() if isinstance(value, datetime) else repr(value)
    return text if len(text) <= _SHOW_LIMIT else text[: _SHOW_LIMIT - 3] + "..."


def _child(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def match_value(
    expected: object, actual: object, bindings: Bindings, path: str = ""
) -> Result[Bindings, Mismatch]:
    """Match one expected value against an actual one; success carries the new bindings."""
    if isinstance(expected, Mapping) and not expected:
        return Success(bindings)
    if isinstance(expected, str):
        return _match_string(expected, actual, bindings, path)
    if isinstance(expected, Mapping):
        return _match_mapping(expected, actual, bindings, path)
    if isinstance(expected, list):
        return _match_list(expected, actual, bindings, path)
    if expected == actual:
        return Success(bindings)
    return Failure(Mismatch(path, f"expected {show(expected)}, got {show(actual)}"))


def _match_string(
    expected: str, actual: object, bindings: Bindings, path: str
) -> Result[Bindings, Mismatch]:
    if expected == "*":
        return Success(bindings)
    whole = WHOLE_PLACEHOLDER.match(expected)
    if whole:
        name = whole.group(1)
        if name not in bindings:
            return Success(bindings.bind(name, actual))
        if bindings[name] == actual:
            return Success(bindings)
        return Failure(
            Mismatch(path, f"{expected} is {show(bindings[name])}, got {show(actual)}")
        )
    regex = WHOLE_REGEX.match(expected)
    if regex:
        try:
            found = re.search(regex.group(1), str(actual))
        except re.error as exc:
            return Failure(Mismatch(path, f"invalid regex {expected}: {exc}"))
        if found:
            return Success(bindings)
        return Failure(Mismatch(path, f"{show(actual)} does not match /{regex.group(1)}/"))
    resolved = substitute_text(expected, bindings)
    if resolved == actual:
        return Success(bindings)
    return Failure(Mismatch(path, f"expected {show(resolved)}, got {show(actual)}"))


def _match_mapping(
    expected: Mapping[object, object], actual: object, bindings: Bindings, path: str
) -> Result[Bindings, Mismatch]:
    if not isinstance(actual, Mapping):
        return Failure(Mismatch(path, f"expected an object, got {show(actual)}"))
    for key, sub in expected.items():
        where = _child(path, key)
        if key not in actual:
            present = ", ".join(str(k) for k in actual) or "nothing"
            return Failure(Mismatch(where, f"missing (present: {present})"))
        result = match_value(sub, actual[key], bindings, where)
        if not is_successful(result):
            return result
        bindings = result.unwrap()
    return Success(bindings)


def _match_list(
    expected: list[object], actual: object, bindings: Bindings, path: str
) -> Result[Bindings, Mismatch]:
    if not isinstance(actual, list):
        return Failure(Mismatch(path, f"expected a list, got {show(actual)}"))
    if len(expected) != len(actual):
        return Failure(
            Mismatch(path, f"expected {len(expected)} elements, got {len(actual)}: {show(actual)}")
        )
    for index, (sub, item) in enumerate(zip(expected, actual, strict=True)):
        result = match_value(sub, item, bindings, f"{path}[{index}]")
        if not is_successful(result):
            return result
        bindings = result.unwrap()
    return Success(bindings)


def match_history(
    expected: Sequence[object],
    actual: Sequence[Mapping[str, object]],
    bindings: Bindings,
) -> Result[Bindings, HistoryMismatch]:
    """Match expected events to actual events of the same ``EventId``, in listed order."""
    by_id = {event.get("EventId"): event for event in actual}
    for position, wanted in enumerate(expected, start=1):
        if not isinstance(wanted, Mapping):
            where = Mismatch("", f"expected event #{position} is not a mapping: {show(wanted)}")
            return Failure(HistoryMismatch(f"#{position}", None, where))
        event_type = wanted.get("EventType")
        label = event_type if isinstance(event_type, str) else None
        if "EventId" not in wanted:
            missing = Mismatch("", f"expected event #{position} has no EventId")
            return Failure(HistoryMismatch(f"#{position}", label, missing))
        event_id = wanted["EventId"]
        got = by_id.get(event_id)
        if got is None:
            last = max((e for e in by_id if isinstance(e, int)), default=0)
            absent = Mismatch("", f"no such event (the history has {len(actual)} events, last EventId {last})")
            return Failure(HistoryMismatch(event_id, label, absent))
        result = match_value(wanted, got, bindings)
        if not is_successful(result):
            return Failure(HistoryMismatch(event_id, label, result.failure()))
        bindings = result.unwrap()
    return Success(bindings)


_NAMED_FROM_PARENT = frozenset({"CallbackStarted", "StepStarted", "StepSucceeded"})


def copy_wait_for_callback_names(
    events: Sequence[Mapping[str, object]],
) -> list[dict[str, object]]:
    """The validator's async-mode fix-up: a ``WaitForCallback`` context lends its Name
    to child ``CallbackStarted/StepStarted/StepSucceeded`` events that lack one."""
    names: dict[object, object] = {
        event["Id"]: event["Name"]
        for event in events
        if event.get("EventType") == "ContextStarted"
        and event.get("SubType") == "WaitForCallback"
        and "Id" in event
        and "Name" in event
    }
    copied: list[dict[str, object]] = []
    for event in events:
        fixed = dict(event)
        parent = event.get("ParentId")
        if event.get("EventType") in _NAMED_FROM_PARENT and "Name" not in event and parent in names:
            fixed["Name"] = names[parent]
        copied.append(fixed)
    return copied
