"""Deterministic operation ids (docs/protocol.md §3.1): the same code path yields the same ids."""

from __future__ import annotations

from hashlib import blake2b


def operation_id(prefix: str | None, counter: int) -> str:
    """Id of the ``counter``-th operation (1-based) of the context with id ``prefix``.

    >>> operation_id(None, 1)
    '1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97'
    """
    raw = f"{prefix}-{counter}" if prefix else str(counter)
    return blake2b(raw.encode("utf-8")).hexdigest()[:64]
