"""Payload coding for operations: a user ``SerDes`` whose failures become ``SerdesFailed``."""

from __future__ import annotations

import json
from typing import Generic, TypeVar

from attrs import field, frozen
from cattrs import Converter
from returns.result import Failure, Result, Success

from lambda_durable.errors import (
    DurableError,
    SerdesFailed,
    error_object_from_exception,
)
from lambda_durable.serdes import KnowsRoundTrip, SerDes

T = TypeVar("T")


@frozen
class Codec(Generic[T]):
    """Wraps a codec so that a raising serializer is a typed failure, not a crash."""

    serdes: SerDes[T]
    _round_trip: KnowsRoundTrip | None = field(init=False, repr=False, eq=False)
    """The serdes when it can say which values read back unchanged (checked once: the
    check is an ABC instance check, and the default codec serves every step)."""

    @_round_trip.default
    def _knows_round_trip(self) -> KnowsRoundTrip | None:
        return self.serdes if isinstance(self.serdes, KnowsRoundTrip) else None

    def encode(self, value: T) -> Result[str, DurableError]:
        """``value`` as payload text; a raising serializer is ``SerdesFailed``."""
        try:
            return Success(self.serdes.serialize(value))
        except Exception as exc:  # a user codec may raise anything
            return Failure(SerdesFailed(error_object_from_exception(exc)))

    def decode(self, payload: str | None) -> Result[T, DurableError]:
        try:
            return Success(self.serdes.deserialize(payload if payload is not None else "null"))
        except Exception as exc:
            return Failure(SerdesFailed(error_object_from_exception(exc)))

    def replayed(self, value: T, payload: str) -> Result[T, DurableError]:
        """What a replay will read from ``payload`` (written from ``value``): the first
        run returns that too, so both runs see the same value."""
        if self.reads_back_unchanged(value):
            return Success(value)
        return self.decode(payload)

    def reads_back_unchanged(self, value: T) -> bool:
        """True when the serdes knows that ``value`` reads back equal to itself."""
        round_trip = self._round_trip
        return round_trip is not None and round_trip.reads_back_unchanged(value)


def to_json(value: object, converter: Converter) -> Result[str, DurableError]:
    """``value`` as plain JSON text through ``converter`` (execution results, invoke
    payloads), in ``json.dumps``' default form as the official SDKs write it; a value it
    cannot write is ``SerdesFailed``."""
    try:
        return Success(json.dumps(converter.unstructure(value)))
    except Exception as exc:  # cattrs and json raise many types; all mean "cannot encode"
        return Failure(SerdesFailed(error_object_from_exception(exc)))


def from_json(text: str | None, cls: type[T], converter: Converter) -> Result[T, DurableError]:
    """Plain JSON text (absent or blank: ``null``) structured as ``cls``; text that does
    not fit is ``SerdesFailed``. ``NoneType`` has no cattrs hook: only ``null`` fits it."""
    try:
        data = json.loads(text) if text is not None and text.strip() else None
        if cls is type(None):
            if data is not None:
                raise TypeError(f"expected null, got {data!r}")
            return Success(None)
        return Success(converter.structure(data, cls))
    except Exception as exc:  # json and cattrs raise many types; all mean "does not fit"
        return Failure(SerdesFailed(error_object_from_exception(exc)))
