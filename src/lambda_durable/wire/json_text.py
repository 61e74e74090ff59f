"""JSON text encoders with the C encoder built once.

``JSONEncoder.encode`` builds a fresh C encoder on every call, which costs more than
encoding a small payload; the SDK writes one payload per operation and the local store
one text per operation and event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

_make_c_encoder: Callable[..., Callable[[Any, int], Sequence[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)


def json_text_encoder(*, separators: tuple[str, str] = (",", ":"), ensure_ascii: bool = True) -> Callable[[Any], str]:
    """``json.JSONEncoder(separators=..., ensure_ascii=...).encode``, same text and errors.

    The reused encoder keeps no circularity markers (they would outlive a failed call): a
    circular value ends in ``RecursionError``, and the standard encoder then raises its
    precise error."""
    standard = json.JSONEncoder(separators=separators, ensure_ascii=ensure_ascii)
    if _make_c_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return standard.encode
    item_separator, key_separator = separators
    escape = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    encoder = _make_c_encoder(None, standard.default, escape, None, key_separator, item_separator, False, False, True)

    def encode(value: Any) -> str:
        try:
            return "".join(encoder(value, 0))
        except RecursionError:
            return standard.encode(value)

    return encode
