"""Wire models as JSON text with exact timestamps, for the store and the child-process RPC.

Writes the ``ISO`` wire converter's shape (datetimes as ISO-8601 text, which the
converters read back exactly; epoch floats could lose a microsecond). Every checkpoint
encodes each changed operation and each new event, so ``dumps`` writes the text with
encoders planned once per model class from its attrs fields, instead of the general
cattrs dispatch and a dict for the JSON encoder: they produce the same text as
``json.dumps(ISO.encode(model), separators=(",", ":"))`` (the tests compare them). Dict
encoders planned the same way, with epoch-millisecond timestamps, size the operations
of an invocation's first page.
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

from lambda_durable.local.engine.history import PendingEvent, ResultDetails
from lambda_durable.local.engine.transitions import NO_DETAILS
from lambda_durable.wire import (
    INVOCATION,
    ISO,
    PYTHON,
    Event,
    EventDetails,
    EventType,
    WireDecodeError,
)
from lambda_durable.wire.converter import pascal_case
from lambda_durable.wire.json_text import json_text_encoder

T = TypeVar("T")
Encoder = Callable[[Any], Any]


_json = json_text_encoder()
_json_spaced = json_text_encoder(separators=(", ", ": "))  # json.dumps' defaults


def plain(model: object) -> Any:
    """Model -> JSON-compatible value (datetimes as ISO strings)."""
    return json.loads(dumps(model))


def dumps(model: object) -> str:
    """Model -> compact JSON text."""
    return _text(type(model))(model)


def dumps_all(models: Sequence[object]) -> str:
    """Models of one class -> one compact JSON array."""
    if not models:
        return "[]"
    encode = _text(type(models[0]))
    return "[" + ",".join([encode(m) for m in models]) + "]"


def dumps_positioned(pairs: Sequence[tuple[int, Any]]) -> str:
    """(position, model) pairs, models of one class -> a JSON array of ``[position, model]``."""
    if not pairs:
        return "[]"
    encode = _text(type(pairs[0][1]))
    return "[" + ",".join([f"[{position},{encode(model)}]" for position, model in pairs]) + "]"


def positioned(text: str) -> list[tuple[int, Any]]:
    """A JSON array written by ``dumps_positioned`` -> (position, JSON value) pairs."""
    return [(int(position), value) for position, value in json.loads(text)]


def invocation_size(model: object) -> int:
    """``len(json.dumps(INVOCATION.encode(model)))``: what a model adds to an invocation
    event (timestamps as epoch milliseconds, default separators), without cattrs."""
    return len(_json_spaced(_encoder(type(model))(model)))


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


# --- timestamps ---------------------------------------------------------------------


def _remembering_iso() -> Callable[[datetime], str]:
    """``datetime`` -> ISO text, remembering the last two: a checkpoint stamps all its
    operations and events with the same ``now`` object, and an operation it finishes
    also carries the start its own earlier checkpoint stamped (shared by the operations
    that checkpoint started), so two alternate. A closure, not a class with
    ``__call__``: it is called for every operation and event written."""
    memo: tuple[Any, str, Any, str] = (None, "", None, "")
    """(last value, its text, the one before, its text): one tuple, replaced whole, so
    a thread never reads one value's text for another."""

    def iso(value: datetime) -> str:
        nonlocal memo
        last = memo
        if last[0] is value:
            return last[1]
        text = last[3] if last[2] is value else (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        memo = (value, text, last[0], last[1])
        return text

    return iso


_iso = _remembering_iso()


def _millis(value: datetime) -> int:
    """The ``INVOCATION`` converter's timestamps."""
    return round((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp() * 1000)


# --- planned dict encoders (the invocation event's shape, for sizing) ----------------

_ENCODERS: dict[type[Any], Encoder] = {}


def _encoder(cls: type[Any]) -> Encoder:
    """The planned ``INVOCATION`` encoder of ``cls``."""
    encode = _ENCODERS.get(cls)
    if encode is None:
        encode = _ENCODERS[cls] = _plan(cls) if attrs.has(cls) else INVOCATION.encode
    return encode


def _enum(value: Enum) -> Any:
    return value.value


def _strings(value: tuple[str, ...]) -> list[str]:
    return list(value)


def _value_encoder(tp: Any) -> Encoder | None:
    """How one field's non-None value is written (None: as it is); shapes the planner
    does not know go to the converter."""
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _value_encoder(inner[0]) if len(inner) == 1 else INVOCATION.encode
    if get_origin(tp) is tuple:
        return _strings if get_args(tp) == (str, Ellipsis) else INVOCATION.encode
    if tp is datetime:
        return _millis
    if isinstance(tp, type) and issubclass(tp, Enum):
        return None if issubclass(tp, str) else _enum  # a str Enum is written as its text
    if isinstance(tp, type) and attrs.has(tp):
        return _encoder(tp)
    if tp in (str, int, bool, float):
        return None
    return INVOCATION.encode


def _plan(cls: type[Any]) -> Encoder:
    """The ``INVOCATION`` converter's rules for one class as straight-line code (the way
    cattrs builds its own): PascalCase keys, fields that default to None left out when
    None, always-present keys first. Events (one ``<Type>Details`` key) go to the converter."""
    if cls is Event:
        return INVOCATION.encode
    scope: dict[str, Any] = {}
    lines = [f"def encode_{cls.__name__}(model):", "    out = {}"]
    for f in _fields(cls):
        encode_value = _value_encoder(f.type)
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
    return _compiled(lines, scope)


def _fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    """The class's fields in the converter's key order: always-present keys first."""
    attrs.resolve_types(cls)
    return sorted(attrs.fields(cls), key=lambda f: f.default is None)


def _compiled(lines: list[str], scope: dict[str, Any]) -> Callable[[Any], Any]:
    """The function whose source is ``lines`` (built from a class's own fields)."""
    exec("\n".join(lines), scope)  # noqa: S102 - source built by the planners above
    name = lines[0][len("def ") : lines[0].index("(")]
    function: Callable[[Any], Any] = scope[name]
    return function


# --- planned text encoders (the store's ISO shape) ------------------------------------

TextEncoder = Callable[[Any], str]
_TEXTS: dict[type[Any], TextEncoder] = {}
_esc: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _converted(value: Any) -> str:
    """Any shape the text planner does not know: through the ``ISO`` converter."""
    return _json(ISO.encode(value))


def _text(cls: type[Any]) -> TextEncoder:
    """The planned text encoder of ``cls``."""
    encode = _TEXTS.get(cls)
    if encode is None:
        events = (Event, PendingEvent)
        encode = _TEXTS[cls] = _event_text if cls in events else _plan_text(cls) if attrs.has(cls) else _converted
    return encode


def _value_text(tp: Any, scope: dict[str, Any], name: str) -> str:
    """An expression writing one field's non-None ``value`` as JSON text. A value of an
    unexpected class goes to the JSON encoder, so the text is always what it would write."""
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _value_text(inner[0], scope, name) if len(inner) == 1 else "_converted(value)"
    if get_origin(tp) is tuple:
        return "_json(list(value))" if get_args(tp) == (str, Ellipsis) else "_converted(value)"
    if tp is datetime:
        return "'\"' + _iso(value) + '\"'"  # ISO text needs no escapes
    if tp is str or isinstance(tp, type) and issubclass(tp, Enum) and issubclass(tp, str):
        return "(_esc(value) if isinstance(value, str) else _json(value))"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "_json(value.value)"
    if isinstance(tp, type) and attrs.has(tp):
        scope[f"text_{name}"] = _text(tp)
        return f"text_{name}(value)"
    if tp is bool:
        return "('true' if value is True else 'false' if value is False else _json(value))"
    if tp is int:
        return "(str(value) if value.__class__ is int else _json(value))"
    return "_converted(value)"


def _plan_text(cls: type[Any]) -> TextEncoder:
    """``dumps`` for one class as straight-line code: the dict plan's keys, order and
    omissions, written as text pieces joined by one f-string (each piece starts with a
    comma, the first one's is cut; appending to a list and joining costs a third more)."""
    scope: dict[str, Any] = {"_esc": _esc, "_json": _json, "_iso": _iso, "_converted": _converted}
    lines = [f"def text_{cls.__name__}(model):"]
    pieces = []
    for i, f in enumerate(_fields(cls)):
        key = "," + _esc(pascal_case(f.name)) + ":"
        value = _value_text(f.type, scope, f.name)
        lines.append(f"    value = model.{f.name}")
        if f.default is None:
            lines.append(f"    p{i} = '' if value is None else {key!r} + {value}")
        else:
            lines.append(f"    p{i} = {key!r} + ('null' if value is None else {value})")
        pieces.append(f"{{p{i}}}")
    lines.append(f"    body = f'{''.join(pieces)}'")
    lines.append("    return '{' + body[1:] + '}'")
    return _compiled(lines, scope)


def _event_text(event: Event | PendingEvent) -> str:
    """An event: its details under one ``<EventType>Details`` key. The four optional keys
    are written out one by one and joined by f-strings (a loop or ``+=`` chains cost a
    third more, for every event)."""
    head, details_key = _EVENT_KEYS[event.event_type]
    event_id = event.event_id
    id_text = str(event_id) if event_id.__class__ is int else _json(event_id)
    text = f'{head}{id_text},"EventTimestamp":"{_iso(event.event_timestamp)}"'
    value = event.id
    if value is not None:
        text = f'{text},"Id":{_esc(value) if isinstance(value, str) else _json(value)}'
    value = event.name
    if value is not None:
        text = f'{text},"Name":{_esc(value) if isinstance(value, str) else _json(value)}'
    value = event.parent_id
    if value is not None:
        text = f'{text},"ParentId":{_esc(value) if isinstance(value, str) else _json(value)}'
    value = event.sub_type
    if value is not None:
        text = f'{text},"SubType":{_esc(value) if isinstance(value, str) else _json(value)}'
    details = event.details
    if details is NO_DETAILS:
        return f"{text}{details_key}{{}}}}"
    if details.__class__ is ResultDetails:
        return f"{text}{details_key}{_result_details_text(details)}}}"
    return f"{text}{details_key}{_details(details)}}}"


def _result_details_text(details: ResultDetails) -> str:
    """What ``_details(details.details())`` writes, without building the details block."""
    payload = details.payload
    if payload is None:
        result = '{"Truncated":false}'
    else:
        result = f'{{"Truncated":false,"Payload":{_esc(payload) if isinstance(payload, str) else _json(payload)}}}'
    attempt = details.attempt
    if attempt is None:
        return f'{{"Result":{result}}}'
    attempt_text = attempt if attempt.__class__ is int else _json(attempt)
    return f'{{"Result":{result},"RetryDetails":{{"CurrentAttempt":{attempt_text}}}}}'


_EVENT_KEYS = {
    kind: ('{"EventType":' + _esc(kind.value) + ',"EventId":', "," + _esc(kind.value + "Details") + ":")
    for kind in EventType
}
_details = _text(EventDetails)
