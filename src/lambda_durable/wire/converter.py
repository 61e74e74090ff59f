"""The one cattrs converter for the wire: PascalCase keys, None omitted, timestamps.

Timestamps travel in three forms: integer epoch milliseconds inside the invocation
event (docs/protocol.md §2.1), fractional epoch seconds in the REST API's JSON, and
``datetime`` objects in what botocore returns. A converter is built for one of them;
on the way in each accepts all three so a response parsed by botocore and a raw
event decode the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

import attrs
from attrs import frozen
from cattrs import Converter
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from returns.result import Failure, Result, Success

from lambda_durable.wire.enums import WIRE_ENUMS, EventType
from lambda_durable.wire.models import Event, EventDetails
from lambda_durable.wire.planned import FALLBACK_ERRORS, Planner

T = TypeVar("T")

_FIRST_CAP = re.compile(r"(^|_)([a-z])")


def pascal_case(snake: str) -> str:
    """``parent_id`` -> ``ParentId``: the wire's key for a model field."""
    return _FIRST_CAP.sub(lambda m: m.group(2).upper(), snake)


class TimestampFormat(Enum):
    EPOCH_MILLIS = "epoch-millis"
    EPOCH_SECONDS = "epoch-seconds"
    DATETIME = "datetime"
    ISO8601 = "iso8601"


@frozen
class WireDecodeError:
    """A payload that does not have the shape the protocol promises."""

    shape: str
    message: str

    def __str__(self) -> str:
        return f"malformed {self.shape}: {self.message}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        notes = [_describe(sub) for sub in exc.exceptions]
        return "; ".join(notes) if notes else str(exc)
    notes = getattr(exc, "__notes__", [])
    where = f" ({notes[0]})" if notes else ""
    return f"{type(exc).__name__}: {exc}{where}"


class WireConverter:
    """Encodes models to plain JSON dicts and decodes dicts back, per one timestamp form."""

    def __init__(self, timestamps: TimestampFormat, *, planned: bool = True) -> None:
        """``planned=False`` decodes through cattrs alone (the reference the planned
        decoders are tested against)."""
        self.timestamps = timestamps
        millis = timestamps is TimestampFormat.EPOCH_MILLIS
        self._planner = Planner(pascal_case, self._structure_time, millis=millis) if planned else None
        conv = Converter(unstruct_collection_overrides={tuple: list})
        for enum_cls in WIRE_ENUMS:
            conv.register_unstructure_hook(enum_cls, _enum_value)
        conv.register_unstructure_hook(datetime, self._unstructure_time)
        conv.register_structure_hook(datetime, lambda value, _: self._structure_time(value))
        conv.register_structure_hook(bool, _structure_bool)
        conv.register_structure_hook(int, _structure_int)
        conv.register_structure_hook(str, _structure_str)
        conv.register_structure_hook_factory(_is_str_tuple, lambda _: _structure_str_tuple)
        for enum_cls in WIRE_ENUMS:
            # str Enums are str subclasses: without their own hook the str hook above
            # would win the dispatch and leave plain strings in the models.
            conv.register_structure_hook(enum_cls, _structure_enum)
        conv.register_unstructure_hook_factory(
            lambda cls: attrs.has(cls) and cls is not Event, self._make_unstructure
        )
        conv.register_structure_hook_factory(
            lambda cls: attrs.has(cls) and cls is not Event, self._make_structure
        )
        conv.register_unstructure_hook(Event, self._unstructure_event)
        conv.register_structure_hook(Event, lambda value, _: self._structure_event(value))
        self._conv = conv

    # public API -------------------------------------------------------------

    def encode(self, value: object) -> Any:
        """Model -> JSON-ready value (dicts with wire keys)."""
        return self._conv.unstructure(value)

    def decode(self, cls: type[T], data: object) -> Result[T, WireDecodeError]:
        """JSON-ready value -> model, or a typed error that says what was wrong."""
        try:
            return Success(self._conv.structure(data, cls))
        except (ClassValidationError, IterableValidationError, ValueError, TypeError, KeyError) as exc:
            return Failure(WireDecodeError(cls.__name__, _describe(exc)))

    # hooks -------------------------------------------------------------------

    def _make_unstructure(self, cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        overrides = {
            a.name: override(rename=pascal_case(a.name), omit_if_default=a.default is None)
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, self._conv, **overrides)  # type: ignore[arg-type]

    def _make_structure(self, cls: type[Any]) -> Callable[[Any, Any], Any]:
        overrides = {a.name: override(rename=pascal_case(a.name)) for a in attrs.fields(cls)}
        inner = make_dict_structure_fn(cls, self._conv, **overrides)  # type: ignore[arg-type]
        planned = self._planner.plan(cls) if self._planner is not None else None

        def structure(value: Any, typ: Any) -> Any:
            if planned is not None:
                try:
                    return planned(value)
                except FALLBACK_ERRORS:
                    pass  # cattrs decides, and says precisely what is wrong
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object for {cls.__name__}, got {type(value).__name__}")
            return inner(value, typ)

        return structure

    def _unstructure_time(self, value: datetime) -> object:
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        if self.timestamps is TimestampFormat.EPOCH_MILLIS:
            return int(round(aware.timestamp() * 1000))
        if self.timestamps is TimestampFormat.EPOCH_SECONDS:
            return aware.timestamp()
        if self.timestamps is TimestampFormat.ISO8601:
            return aware.isoformat()
        return aware

    def _structure_time(self, value: object) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, bool):
            raise TypeError("a timestamp cannot be a boolean")
        if isinstance(value, (int, float)):
            seconds = value / 1000 if self.timestamps is TimestampFormat.EPOCH_MILLIS else value
            try:
                return datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError) as exc:
                raise ValueError(f"timestamp {value!r} is out of range: {exc}") from exc
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        raise TypeError(f"cannot read a timestamp from {type(value).__name__}")

    def _unstructure_event(self, event: Event) -> dict[str, Any]:
        out: dict[str, Any] = {
            "EventType": event.event_type.value,
            "EventId": event.event_id,
            "EventTimestamp": self._unstructure_time(event.event_timestamp),
        }
        for key, val in (
            ("Id", event.id),
            ("Name", event.name),
            ("ParentId", event.parent_id),
            ("SubType", event.sub_type),
        ):
            if val is not None:
                out[key] = val
        out[f"{event.event_type.value}Details"] = self._conv.unstructure(event.details)
        return out

    def _structure_event(self, value: object) -> Event:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object for Event, got {type(value).__name__}")
        event_type = EventType(value["EventType"])
        details_raw = value.get(f"{event_type.value}Details", {})
        return Event(
            event_type=event_type,
            event_id=_structure_int(value["EventId"], int),
            event_timestamp=self._structure_time(value["EventTimestamp"]),
            details=self._conv.structure(details_raw, EventDetails),
            id=_opt_str(value.get("Id")),
            name=_opt_str(value.get("Name")),
            parent_id=_opt_str(value.get("ParentId")),
            sub_type=_opt_str(value.get("SubType")),
        )


def _enum_value(member: Enum) -> Any:
    return member.value


def _structure_enum(value: object, cls: type[Enum]) -> Enum:
    if not isinstance(value, str):
        raise TypeError(f"expected a string for {cls.__name__}, got {type(value).__name__}")
    return cls(value)


def _is_str_tuple(cls: Any) -> bool:
    return bool(cls == tuple[str, ...])


def _structure_str_tuple(value: object, _: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list of strings, got {type(value).__name__}")
    return tuple(_structure_str(item, str) for item in value)


def _opt_str(value: object) -> str | None:
    return None if value is None else _structure_str(value, str)


def _structure_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_int(value: object, _: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _structure_bool(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


INVOCATION = WireConverter(TimestampFormat.EPOCH_MILLIS)
"""For the invocation event and output (timestamps as epoch milliseconds)."""

API_JSON = WireConverter(TimestampFormat.EPOCH_SECONDS)
"""For REST API bodies we write ourselves (timestamps as epoch seconds)."""

PYTHON = WireConverter(TimestampFormat.DATETIME)
"""For dicts exchanged with botocore in-process (timestamps as ``datetime``)."""

ISO = WireConverter(TimestampFormat.ISO8601)
"""For JSON we store and read back ourselves: ISO-8601 text keeps every microsecond."""
