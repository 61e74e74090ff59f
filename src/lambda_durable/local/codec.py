"""Wire models as JSON text with exact timestamps, for the store and the child-process RPC.

Uses the ``PYTHON`` wire converter (datetimes) and writes datetimes as ISO-8601, which the
converter reads back exactly (epoch floats could lose a microsecond).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from returns.result import Result

from lambda_durable.wire import PYTHON, WireDecodeError

T = TypeVar("T")


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def plain(model: object) -> Any:
    """Model -> JSON-compatible value (datetimes as ISO strings)."""
    return json.loads(dumps(model))


def dumps(model: object) -> str:
    """Model -> compact JSON text."""
    return json.dumps(PYTHON.encode(model), default=_default, separators=(",", ":"))


def loads(cls: type[T], text: str) -> Result[T, WireDecodeError]:
    """JSON text written by ``dumps`` -> model."""
    return PYTHON.decode(cls, json.loads(text))


def decode(cls: type[T], data: object) -> Result[T, WireDecodeError]:
    """JSON-compatible value -> model."""
    return PYTHON.decode(cls, data)
