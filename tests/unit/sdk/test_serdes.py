import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from typing import Any, cast

import pytest
from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st

from lambda_durable.serdes import TaggedSerDes, converter_serdes, default_converter, dumps, loads


@frozen
class Order:
    order_id: str
    placed: datetime.datetime
    total: decimal.Decimal


@dataclasses.dataclass
class Line:
    sku: str
    qty: int


class Color(enum.Enum):
    RED = "red"


TAGGED = TaggedSerDes(default_converter())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


def _has_type_key(value: Any) -> bool:
    if isinstance(value, dict):
        return "$type" in value or any(_has_type_key(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_type_key(v) for v in value)
    return False


@given(json_values)
def test_plain_json_is_written_as_plain_json_and_round_trips(value: Any) -> None:
    text = TAGGED.serialize(value)
    assert TAGGED.deserialize(text) == value
    if not _has_type_key(value):  # a user dict with a "$type" key is escaped, not plain
        assert json.loads(text) == value


def test_a_user_dict_with_a_type_key_is_escaped() -> None:
    value = {"$type": None, "nested": [{"$type": "x"}]}
    text = TAGGED.serialize(value)
    assert json.loads(text)["$type"] == "dict"
    assert TAGGED.deserialize(text) == value


def test_conformance_payload_forms() -> None:
    assert TAGGED.serialize("hello") == '"hello"'
    assert TAGGED.serialize(42) == "42"
    assert TAGGED.serialize(None) == "null"
    assert TAGGED.serialize([1, "a", None]) == '[1,"a",null]'


@pytest.mark.parametrize(
    "value",
    [
        Order("o-1", datetime.datetime(2026, 1, 2, 3, 4, 5), decimal.Decimal("10.50")),
        Line("sku", 2),
        Color.RED,
        uuid.UUID(int=7),
        datetime.date(2026, 5, 1),
        (1, "two"),
        [Order("a", datetime.datetime(2026, 1, 1), decimal.Decimal(1)), Line("b", 1)],
        {"$type": "not a tag", "x": 1},
    ],
)
def test_rich_values_come_back_as_the_same_class(value: Any) -> None:
    restored = TAGGED.deserialize(TAGGED.serialize(value))
    assert restored == value
    assert type(restored) is type(value)


def test_tags_only_name_durable_classes() -> None:
    with pytest.raises(TypeError):
        TAGGED.deserialize('{"$type":"socket:socket","$value":{}}')


def test_converter_serdes_uses_registered_hooks() -> None:
    conv = default_converter()

    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    conv.register_unstructure_hook(Money, lambda m: f"{m.cents / 100:.2f}")
    conv.register_structure_hook(Money, lambda v, _: Money(round(float(v) * 100)))
    serdes = converter_serdes(conv, Money)
    assert serdes.serialize(Money(1250)) == '"12.50"'
    assert serdes.deserialize('"3.10"').cents == 310


# --- what a codec knows reads back unchanged (the first run skips decoding it) ---------------

any_values = json_values | st.builds(Line, sku=st.text(), qty=st.integers()) | st.just(Color.RED) | st.tuples(
    st.integers()
)


@given(any_values)
def test_a_value_said_to_read_back_unchanged_does(value: Any) -> None:
    if TAGGED.reads_back_unchanged(value):
        decoded = TAGGED.deserialize(TAGGED.serialize(value))
        assert decoded == value and type(decoded) is type(value)


def test_only_json_scalars_are_known_to_read_back_unchanged() -> None:
    known = ["text", 7, True, None]
    unknown: list[Any] = [1.5, [1], {"a": 1}, (1,), Color.RED, Line("a", 1)]
    assert all(TAGGED.reads_back_unchanged(v) for v in known)
    assert not any(TAGGED.reads_back_unchanged(v) for v in unknown)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@given(_json_values)
def test_payload_json_is_what_the_standard_encoder_and_decoder_write_and_read(value: Any) -> None:
    text = dumps(value)
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json.dumps(loads(text)) == json.dumps(json.loads(text))  # NaN != NaN, so compare as text


def test_payload_json_keeps_the_standard_errors() -> None:
    circular: list[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference detected"):
        dumps(circular)
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps(object())
    assert loads(" 12 ") == 12  # surrounding whitespace, as json.loads allows
    assert loads(cast(str, b"[1]")) == [1]  # and bytes
    for bad in ["", "12x", "[1,", "'a'"]:
        with pytest.raises(json.JSONDecodeError):
            loads(bad)
