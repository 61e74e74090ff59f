"""Wire models as JSON text with exact timestamps, for the store and the child-process RPC.

Writes the ``ISO`` wire converter's shape (datetimes as ISO-8601 text, which the
converters read back exactly; epoch floats could lose a microsecond). Every checkpoint
encodes each changed operation and each new event, so ``dumps`` uses encoders planned
once per model class from its attrs fields instead of the general cattrs dispatch;
they produce the same JSON as ``ISO.encode`` (the tests compare them). The same plans
with epoch-millisecond timestamps size the operations of an invocation's first page.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.wire import (
    INVOCATION,
    ISO,
    PYTHON,
    Event,
    EventDetails,
    WireConverter,
    WireDecodeError,
)
from lambda_durable.wire.converter import pascal_case

T = TypeVar("T")
Encoder = Callable[[Any], Any]


def _refuse(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_make_c_encoder: Callable[..., Callable[[Any, int], tuple[str, ...]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)


def _json_encoder(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    """``json.dumps`` with these separators. ``JSONEncoder.encode`` builds a fresh C
    encoder on every call; this builds it once (same output: ASCII escapes; no
    circularity check, models are trees)."""
    if _make_c_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return json.JSONEncoder(separators=(item_separator, key_separator)).encode
    encoder = _make_c_encoder(
        None, _refuse, json.encoder.encode_basestring_ascii, None, key_separator, item_separator, False, False, True
    )
    return lambda value: "".join(encoder(value, 0))


_json = _json_encoder(",", ":")
_json_spaced = _json_encoder(", ", ": ")  # json.dumps' defaults


def plain(model: object) -> Any:
    """Model -> JSON-compatible value (datetimes as ISO strings)."""
    return json.loads(dumps(model))


def dumps(model: object) -> str:
    """Model -> compact JSON text."""
    return _json(_encoder(type(model), _iso)(model))


def dumps_all(models: Sequence[object]) -> str:
    """Models of one class -> one compact JSON array."""
    encode = _encoder(type(models[0]), _iso) if models else None
    return _json([encode(m) for m in models] if encode is not None else [])


def invocation_size(model: object) -> int:
    """``len(json.dumps(INVOCATION.encode(model)))``: what a model adds to an invocation
    event (timestamps as epoch milliseconds, default separators), without cattrs."""
    return len(_json_spaced(_encoder(type(model), _millis)(model)))


def loads(cls: type[T], text: str) -> Result[T, WireDecodeError]:
    """JSON text written by ``dumps`` -> model."""
    return PYTHON.decode(cls, json.loads(text))


def loads_all(cls: type[T], text: str) -> Result[list[T], WireDecodeError]:
    """A JSON array written by ``dumps_all`` -> models."""
    models: list[T] = []
    for item in json.loads(text):
        decoded = PYTHON.decode(cls, item)
        if not is_successful(decoded):
            return Failure(decoded.failure())
        models.append(decoded.unwrap())
    return Success(models)


def decode(cls: type[T], data: object) -> Result[T, WireDecodeError]:
    """JSON-compatible value -> model."""
    return PYTHON.decode(cls, data)


# --- planned encoders ---------------------------------------------------------------


class _Iso:
    """``datetime`` -> ISO text, remembering the last one: a checkpoint stamps all its
    operations and events with the same ``now`` object."""

    def __init__(self) -> None:
        self._last: tuple[datetime, str] | None = None

    def __call__(self, value: datetime) -> str:
        last = self._last
        if last is not None and last[0] is value:
            return last[1]
        text = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        self._last = (value, text)
        return text


_iso = _Iso()


def _millis(value: datetime) -> int:
    """The ``INVOCATION`` converter's timestamps."""
    return int(round((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp() * 1000))


Stamp = Callable[[datetime], object]
_CONVERTERS: dict[Stamp, WireConverter] = {_iso: ISO, _millis: INVOCATION}
_ENCODERS: dict[tuple[type[Any], Stamp], Encoder] = {}


def _encoder(cls: type[Any], stamp: Stamp) -> Encoder:
    """The planned encoder of ``cls`` with timestamps written by ``stamp``."""
    encode = _ENCODERS.get((cls, stamp))
    if encode is None:
        encode = _ENCODERS[cls, stamp] = _plan(cls, stamp) if attrs.has(cls) else _CONVERTERS[stamp].encode
    return encode


def _enum(value: Enum) -> Any:
    return value.value


def _strings(value: tuple[str, ...]) -> list[str]:
    return list(value)


def _value_encoder(tp: Any, stamp: Stamp) -> Encoder | None:
    """How one field's non-None value is written (None: as it is); shapes the planner
    does not know go to the converter with the same timestamps."""
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _value_encoder(inner[0], stamp) if len(inner) == 1 else _CONVERTERS[stamp].encode
    if get_origin(tp) is tuple:
        return _strings if get_args(tp) == (str, Ellipsis) else _CONVERTERS[stamp].encode
    if tp is datetime:
        return stamp
    if isinstance(tp, type) and issubclass(tp, Enum):
        return None if issubclass(tp, str) else _enum  # a str Enum is written as its text
    if isinstance(tp, type) and attrs.has(tp):
        return _encoder(tp, stamp)
    if tp in (str, int, bool, float):
        return None
    return _CONVERTERS[stamp].encode


def _plan(cls: type[Any], stamp: Stamp) -> Encoder:
    """The ``ISO`` converter's rules for one class as straight-line code (the way cattrs
    builds its own): PascalCase keys, fields that default to None left out when None,
    always-present keys first; events (one ``<Type>Details`` key) get their own."""
    if cls is Event:
        return _event if stamp is _iso else _CONVERTERS[stamp].encode
    attrs.resolve_types(cls)
    fields = sorted(attrs.fields(cls), key=lambda f: f.default is None)  # cattrs' key order
    scope: dict[str, Any] = {}
    lines = [f"def encode_{cls.__name__}(model):", "    out = {}"]
    for f in fields:
        encode_value = _value_encoder(f.type, stamp)
        value = "value"
        if encode_value is not None:
            scope[f"encode_{f.name}"] = encode_value
            value = f"encode_{f.name}(value)"
        lines.append(f"    value = model.{f.name}")
        if f.default is None:
            lines.append(f"    if value is not None: out[{pascal_case(f.name)!r}] = {value}")
        elif encode_value is not None:
            lines.append(f"    out[{pascal_case(f.name)!r}] = None if value is None else {value}")
        else:
            lines.append(f"    out[{pascal_case(f.name)!r}] = value")
    lines.append("    return out")
    exec("\n".join(lines), scope)  # noqa: S102 - source built above from the class's own fields
    encode: Encoder = scope[f"encode_{cls.__name__}"]
    return encode


def _event(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EventType": event.event_type.value,
        "EventId": event.event_id,
        "EventTimestamp": _iso(event.event_timestamp),
    }
    if event.id is not None:
        out["Id"] = event.id
    if event.name is not None:
        out["Name"] = event.name
    if event.parent_id is not None:
        out["ParentId"] = event.parent_id
    if event.sub_type is not None:
        out["SubType"] = event.sub_type
    out[f"{event.event_type.value}Details"] = _details(event.details)
    return out


_details = _encoder(EventDetails, _iso)
