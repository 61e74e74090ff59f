"""Planned decoders: straight-line structuring of well-formed wire dicts.

Replay decodes every operation of the invocation event, so the per-operation cost of
the cattrs path (a hook dispatch per optional field) is paid a thousand times per
invocation. A planned decoder reads one class's keys in one generated function. It
accepts only exactly-typed, well-formed input and raises ``NotPlain`` on anything else,
so the caller falls back to cattrs, which either accepts the value the same way or
reports precisely what is wrong: the planned path never changes what is accepted.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin

import attrs

Decoder = Callable[[Any], Any]


class NotPlain(Exception):
    """The value needs the general decoder (an unusual type, a missing key, a bad value)."""


FALLBACK_ERRORS = (NotPlain, KeyError, TypeError, ValueError, OverflowError, OSError)
"""What a planned decoder may raise; each means "use the general decoder"."""


class Planner:
    """Builds planned decoders for attrs classes (a field's wire name is ``key(name)``,
    timestamps are read by ``time``; with ``millis``, integer timestamps, the invocation
    event's form, are read by a cached conversion); a class nested in several others is
    planned once."""

    def __init__(self, key: Callable[[str], str], time: Callable[[object], datetime], *, millis: bool = False) -> None:
        self._key = key
        self._time = time
        self._millis = millis
        self._plans: dict[type[Any], Decoder | None] = {}
        self._from_millis = functools.lru_cache(maxsize=_MILLIS_CACHED)(_from_millis)

    def plan(self, cls: type[Any]) -> Decoder | None:
        """The planned decoder of ``cls``, or None when a field has a shape the planner
        leaves to cattrs."""
        if cls not in self._plans:
            self._plans[cls] = None  # a class that contains itself stays with cattrs
            self._plans[cls] = self._build(cls)
        return self._plans[cls]

    def _build(self, cls: type[Any]) -> Decoder | None:
        attrs.resolve_types(cls)
        scope: dict[str, Any] = {"cls": cls, "NotPlain": NotPlain, "_not_plain": _not_plain}
        lines = [f"def decode_{cls.__name__}(d):", "    if type(d) is not dict: raise NotPlain"]
        args = []
        for f in attrs.fields(cls):
            optional, inner = _optional(f.type)
            reader = self._reader(inner, f.name, scope)
            if reader is None:
                return None
            key = self._key(f.name)
            if f.default is attrs.NOTHING and not optional:
                lines.append(f"    v = d[{key!r}]")
                lines.append(f"    f_{f.name} = {reader}")
            elif f.default is None and optional:
                lines.append(f"    v = d.get({key!r})")
                lines.append(f"    f_{f.name} = None if v is None else {reader}")
            else:
                return None  # other defaults (factories) stay with cattrs
            args.append(f"f_{f.name}")
        if _stores_only(cls):
            scope["new"] = object.__new__
            lines.append("    o = new(cls)")
            for f in attrs.fields(cls):
                scope[f"s_{f.name}"] = cls.__dict__[f.name].__set__
                lines.append(f"    s_{f.name}(o, f_{f.name})")
            lines.append("    return o")
        else:
            lines.append(f"    return cls({', '.join(args)})")
        exec("\n".join(lines), scope)  # noqa: S102 - source built above from the class's own fields
        decode: Decoder = scope[f"decode_{cls.__name__}"]
        return decode

    def _reader(self, tp: Any, name: str, scope: dict[str, Any]) -> str | None:
        """An expression reading ``v`` as ``tp`` (raising ``NotPlain`` when it is not)."""
        if tp in (str, int, bool):
            scope[f"t_{name}"] = tp
            return f"v if type(v) is t_{name} else _not_plain()"
        if tp is datetime:
            scope["time"] = self._time
            if self._millis:
                scope["from_millis"] = self._from_millis
                return "from_millis(v) if type(v) is int else time(v)"
            return "time(v)"
        if isinstance(tp, type) and issubclass(tp, Enum):
            scope[f"m_{name}"] = {member.value: member for member in tp}
            return f"m_{name}[v] if type(v) is str else _not_plain()"
        if get_origin(tp) is tuple and get_args(tp) == (str, Ellipsis):
            scope["strings"] = _strings
            return "strings(v)"
        if isinstance(tp, type) and attrs.has(tp):
            nested = self.plan(tp)
            if nested is None:
                return None
            scope[f"d_{name}"] = nested
            return f"d_{name}(v)"
        return None


def _stores_only(cls: type[Any]) -> bool:
    """True when the attrs ``__init__`` of ``cls`` does nothing but store each field in
    its slot (no converter, validator, hook or hidden slot): the decoder then stores
    them itself, through the slots' descriptors, which skips the frozen class's
    per-field ``object.__setattr__`` (a fifth of an operation's decoding)."""
    fields = attrs.fields(cls)
    slots = set(cls.__dict__.get("__slots__", ())) - {"__weakref__"}
    return (
        slots == {f.name for f in fields}
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(f.init and f.converter is None and f.validator is None for f in fields)
    )


_MILLIS_CACHED = 1024


def _from_millis(millis: int) -> datetime:
    """An integer timestamp as a datetime. Cached (per planner) because an event's
    operations share most of theirs: one's end is often the next one's start, and fast
    operations finish many to a millisecond. Datetimes are immutable: sharing is safe."""
    return datetime.fromtimestamp(millis / 1000, UTC)


def _not_plain() -> Any:
    raise NotPlain


def _strings(value: object) -> tuple[str, ...]:
    if type(value) is not list or any(type(item) is not str for item in value):
        raise NotPlain
    return tuple(value)


def _optional(tp: Any) -> tuple[bool, Any]:
    """``(True, X)`` for ``X | None``; ``(False, tp)`` otherwise."""
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        if len(inner) == 1 and len(get_args(tp)) == 2:
            return True, inner[0]
    return False, tp
