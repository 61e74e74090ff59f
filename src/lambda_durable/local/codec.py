"""Wire models as JSON text with exact timestamps, for the store and the child-process RPC.

Uses the ``ISO`` wire converter: datetimes as ISO-8601 text, which the converters read
back exactly (epoch floats could lose a microsecond).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from returns.result import Result

from lambda_durable.wire import ISO, PYTHON, WireDecodeError

T = TypeVar("T")


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def plain(model: object) -> Any:
    """Model -> JSON-compatible value (datetimes as ISO strings)."""
    return json.loads(dumps(model))


def dumps(model: object) -> str:
    """Model -> compact JSON text."""
    text: str = _COMPACT.encode(ISO.encode(model))
    return text


def loads(cls: type[T], text: str) -> Result[T, WireDecodeError]:
    """JSON text written by ``dumps`` -> model."""
    return PYTHON.decode(cls, json.loads(text))


def decode(cls: type[T], data: object) -> Result[T, WireDecodeError]:
    """JSON-compatible value -> model."""
    return PYTHON.decode(cls, data)
