"""What the mypy plugin accepts is what checkpointing keeps: every durable value type
(pydantic models included) comes back from a step's default codec equal and of the same
types, on the first run (which returns the decoded value) and on replay."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from attrs import frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, durable_handler
from lambda_durable.local import run_local
from lambda_durable.runtime.codec import Codec
from lambda_durable.serdes import TaggedSerDes, default_converter

STEP_CODEC: Codec[Any] = Codec(TaggedSerDes(default_converter()))
"""The codec a step without a serdes uses (``ExecutionState.default_codec``)."""


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Size(enum.StrEnum):
    S = "s"
    M = "m"


class Point(NamedTuple):
    x: float
    label: str
    tags: tuple[str, ...]


@frozen
class Order:
    order_id: str
    placed: datetime.datetime
    total: decimal.Decimal
    lines: list[Point]
    color: Color | None
    flags: frozenset[str]


@dataclasses.dataclass
class Line:
    sku: str
    qty: int
    size: Size
    extra: dict[str, int]


class Quote(BaseModel):
    sku: str
    price: float
    sizes: list[Size]


zones = st.none() | st.just(datetime.UTC) | st.builds(
    datetime.timezone,
    st.timedeltas(min_value=datetime.timedelta(hours=-23), max_value=datetime.timedelta(hours=23)),
)
datetimes = st.datetimes(timezones=zones)
decimals = st.decimals(allow_nan=False)
floats = st.floats(allow_nan=False)
texts = st.text(max_size=8)

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    floats,
    texts,
    datetimes,
    st.dates(),
    decimals,
    st.uuids(),
    st.sampled_from(Color),
    st.sampled_from(Level),
    st.sampled_from(Size),
    st.sampled_from(["open", "closed"]),  # a Literal is its values
)

points = st.builds(Point, floats, texts, st.lists(texts, max_size=3).map(tuple))
orders = st.builds(
    Order,
    texts,
    datetimes,
    decimals,
    st.lists(points, max_size=2),
    st.none() | st.sampled_from(Color),
    st.frozensets(texts, max_size=3),
)
quotes = st.builds(Quote, sku=texts, price=floats, sizes=st.lists(st.sampled_from(Size), max_size=2))
lines = st.builds(
    Line, texts, st.integers(), st.sampled_from(Size), st.dictionaries(texts, st.integers(), max_size=2)
)

durable_values: st.SearchStrategy[Any] = st.recursive(
    scalars | points | orders | lines | quotes
    | st.sets(scalars, max_size=4) | st.frozensets(scalars, max_size=4),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(texts, inner, max_size=3)  # dicts and TypedDicts alike
    | st.lists(inner, max_size=3).map(tuple),
    max_leaves=12,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same class all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, dict):
        return all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (set, frozenset)):
        return all(any(_same(x, y) for y in b) for x in a)
    if dataclasses.is_dataclass(a) or hasattr(a, "__attrs_attrs__"):
        return all(_same(getattr(a, f), getattr(b, f)) for f in _field_names(a))
    if isinstance(a, datetime.datetime):
        return bool(a.tzinfo == b.tzinfo)
    return True


def _field_names(value: Any) -> list[str]:
    if dataclasses.is_dataclass(value):
        return [f.name for f in dataclasses.fields(value)]
    return [a.name for a in value.__attrs_attrs__]


UNTIMED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""The machine is shared: no test here may fail for being slow."""


@UNTIMED
@given(durable_values)
def test_the_step_codec_keeps_every_durable_value_exactly(value: Any) -> None:
    payload = STEP_CODEC.encode(value).unwrap()
    first_run = STEP_CODEC.replayed(value, payload).unwrap()
    replay = STEP_CODEC.decode(payload).unwrap()
    assert _same(first_run, value)
    assert _same(replay, value)


@UNTIMED
@given(st.sets(scalars, max_size=6))
def test_equal_sets_store_the_same_payload(value: set[Any]) -> None:
    assert STEP_CODEC.encode(value) == STEP_CODEC.encode(set(reversed(list(value))))


def _step_then_replay(value: Any) -> tuple[Callable[..., Any], list[Any]]:
    """A handler whose step returns ``value``; a wait makes a replay follow."""
    seen: list[Any] = []

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[None, DurableError]:
        return (
            ctx.step(lambda _: value, name="value")  # type: ignore[durable-value]  # drawn: Any
            .map(seen.append)
            .bind(lambda _: ctx.wait(Duration.seconds(1)))
        )

    return handler, seen


@settings(UNTIMED, max_examples=25)
@given(durable_values)
def test_a_step_returns_the_same_value_on_the_first_run_and_on_replay(value: Any) -> None:
    handler, seen = _step_then_replay(value)
    run_local(handler, {})
    assert len(seen) == 2
    first_run, replay = seen
    assert _same(first_run, value) and _same(replay, value)


@pytest.mark.parametrize(
    "value",
    [
        {"order_id": "o-1", "total": 42},
        {"id": "o-1", "lines": [1, 2, 3]},
        ["a", 1],
        Point(1.5, "p", ("a",)),
        frozenset({"a", "b"}),
        {"$type": "tuple", "$value": []},
    ],
)
def test_the_issue_examples_round_trip_through_the_local_backend(value: Any) -> None:
    handler, seen = _step_then_replay(value)
    run_local(handler, {})
    assert [_same(v, value) for v in seen] == [True, True]
