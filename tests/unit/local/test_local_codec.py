"""The planned encoders write exactly what the ``ISO`` (store) and ``INVOCATION`` (page
size) wire converters write."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any, Union, get_args, get_origin

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_durable.local.engine import codec
from lambda_durable.local.engine.history import PendingEvent, ResultDetails
from lambda_durable.wire import (
    INVOCATION,
    ISO,
    CheckpointOutput,
    ErrorObject,
    Event,
    EventDetails,
    EventType,
    InvocationInput,
    Operation,
    OperationUpdate,
)

MODELS = [Operation, Event, EventDetails, ErrorObject, OperationUpdate, CheckpointOutput, InvocationInput]


_zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7, minutes=-30)), None])
_stamps = st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(min_value=datetime(1971, 1, 1)), _zones)


def _values(tp: Any) -> st.SearchStrategy[Any]:
    """Values of one field type, built from the models' own annotations."""
    if get_origin(tp) in (Union, types.UnionType):
        return st.one_of(*[_values(a) for a in get_args(tp)])
    if get_origin(tp) is tuple:
        return st.lists(_values(get_args(tp)[0]), max_size=3).map(tuple)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(), datetime: _stamps, str: st.text(max_size=20), int: st.integers(), bool: st.booleans()
    }
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(tp)
    return _models(tp)


def _models(cls: type[Any]) -> st.SearchStrategy[Any]:
    attrs.resolve_types(cls)
    return st.builds(cls, **{f.name: _deferred(f.type) for f in attrs.fields(cls)})


def _deferred(tp: Any) -> st.SearchStrategy[Any]:
    return st.deferred(lambda: _values(tp))  # nested models are built when drawn


def _reference(model: object) -> str:
    return json.dumps(ISO.encode(model), separators=(",", ":"))


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_dumps_matches_the_iso_converter(cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(_models(cls))
    assert codec.dumps(model) == _reference(model)
    assert codec.loads(cls, codec.dumps(model)).unwrap() == codec.loads(cls, _reference(model)).unwrap()


@pytest.mark.parametrize("cls", [Operation, Event, InvocationInput], ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_invocation_size_is_the_length_of_the_invocation_json(cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(_models(cls))
    assert codec.invocation_size(model) == len(json.dumps(INVOCATION.encode(model)))


def test_the_remembered_timestamp_is_the_same_object_only() -> None:
    instant = datetime(2026, 1, 1, tzinfo=UTC)
    same_instant = instant.astimezone(timezone(timedelta(hours=2)))  # equal, written differently
    first = Event(EventType.STEP_STARTED, 1, instant)
    second = Event(EventType.STEP_STARTED, 1, same_instant)
    assert codec.dumps(first) == _reference(first)
    assert codec.dumps(second) == _reference(second) != codec.dumps(first)


def test_two_alternating_timestamps_and_a_third_are_each_written_as_themselves() -> None:
    started, now, later = (datetime(2026, 1, 1, 0, 0, s, tzinfo=UTC) for s in (1, 2, 3))
    for instant in (started, now, started, now, later, started, later, now):
        event = Event(EventType.STEP_STARTED, 1, instant)
        assert codec.dumps(event) == _reference(event)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=_models(Event))
def test_a_staged_event_is_written_and_built_as_the_event_it_stands_for(event: Event) -> None:
    staged = PendingEvent(*attrs.astuple(event, recurse=False))
    assert staged.event() == event
    assert codec.dumps(staged) == _reference(event)
    assert codec.dumps_all([staged, staged]) == f"[{_reference(event)},{_reference(event)}]"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    event=_models(Event),
    payload=st.one_of(st.none(), st.text(max_size=20)),
    attempt=st.one_of(st.none(), st.integers()),
)
def test_result_details_are_written_and_built_as_the_details_they_stand_for(
    event: Event, payload: str | None, attempt: int | None
) -> None:
    details = ResultDetails(payload, attempt)
    staged = PendingEvent(*attrs.astuple(event, recurse=False))._replace(details=details)
    built = attrs.evolve(event, details=details.details())
    assert staged.event() == built
    assert built.details.result is not None and built.details.result.payload == payload
    assert codec.dumps(staged) == _reference(built)
