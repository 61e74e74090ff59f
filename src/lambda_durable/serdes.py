"""User payloads: the ``SerDes`` protocol and cattrs-backed codecs.

Deliberately separate from the wire converter: the wire is the service's language,
these codecs are the user's. Custom types are supported by registering cattrs hooks
on your own converter (``default_converter()`` is a good start) and passing it to
``durable_handler(converter=...)`` or wrapping it with ``converter_serdes``.
"""

from __future__ import annotations

import abc
import dataclasses
import importlib
import json
import json.scanner
import sys
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

import attrs
from cattrs import Converter
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.preconf.json import make_converter

from lambda_durable.wire.json_text import json_text_encoder

if TYPE_CHECKING:
    from pydantic import TypeAdapter

T = TypeVar("T")

_COMPACT = (",", ":")


class SerDes(Protocol[T]):
    """Turns one payload type into text and back. Output is stored verbatim."""

    def serialize(self, value: T, /) -> str: ...

    def deserialize(self, data: str, /) -> T: ...


def default_converter() -> Converter:
    """A fresh cattrs JSON converter that also knows Decimal, UUID, date and datetime.

    Each call builds a new converter: register your hooks on your own copy.
    """
    conv = make_converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _: Decimal(str(v)))
    conv.register_unstructure_hook(UUID, str)
    conv.register_structure_hook(UUID, lambda v, _: UUID(str(v)))
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    conv.register_unstructure_hook_factory(_is_named_tuple_type, partial(_named_tuple_unstructurer, conv))
    conv.register_structure_hook_factory(_is_named_tuple_type, partial(_named_tuple_structurer, conv))
    conv.register_unstructure_hook_factory(_is_pydantic_model, lambda _: _dump_model)
    conv.register_structure_hook_factory(_is_pydantic_model, lambda cls: partial(_validate_model, cls))
    return conv


def _is_named_tuple_type(cls: Any) -> bool:
    return isinstance(cls, type) and _is_named_tuple(cls)


def _is_pydantic_model(cls: Any) -> bool:
    """A pydantic ``BaseModel`` class; pydantic is imported by whoever defined one, never here."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(cls, type) and issubclass(cls, pydantic.BaseModel)


def _dump_model(model: Any) -> Any:
    return model.model_dump(mode="json")


def _validate_model(cls: Any, value: Any, _: Any) -> Any:
    return cls.model_validate(value)


def _named_tuple_unstructurer(conv: Converter, cls: type[Any]) -> Callable[[Any], Any]:
    """A NamedTuple as a list, each field as its value's own class unstructures."""
    return lambda value: [conv.unstructure(v) for v in value]


def _named_tuple_structurer(conv: Converter, cls: type[Any]) -> Callable[[Any, Any], Any]:
    """A NamedTuple from its list, each field structured as its annotation says (cattrs'
    own hook reads the raw annotations: strings under ``from __future__ import annotations``)."""
    hints = list(typing.get_type_hints(cls).values())
    return lambda value, _: cls(*(conv.structure(v, hint) for v, hint in zip(value, hints, strict=True)))


_encode = json_text_encoder(separators=_COMPACT, ensure_ascii=False)


def dumps(value: Any) -> str:
    """Compact JSON, the form every payload the SDK writes takes (one encoder, reused)."""
    return _encode(value)


# the stub wants a scanner as the argument; a decoder is what CPython reads its settings from
_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def loads(text: str) -> Any:
    """``json.loads``, without its per-call wrappers for text that is one JSON value
    and nothing else (every payload ``dumps`` writes): replay reads one per operation.
    Anything else (surrounding whitespace, bad JSON) goes to ``json.loads``, which
    also raises its usual errors."""
    try:
        value, end = _scan_once(text, 0)
    except (StopIteration, TypeError):  # not at a JSON value; bytes (json.loads reads those too)
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


@attrs.frozen
class ConverterSerDes(SerDes[T]):
    """A ``SerDes[T]`` for a known type, backed by a cattrs converter."""

    converter: Converter
    cls: Any

    def serialize(self, value: T, /) -> str:
        return dumps(self.converter.unstructure(value, unstructure_as=self.cls))

    def deserialize(self, data: str, /) -> T:
        result: T = self.converter.structure(loads(data), self.cls)
        return result


def converter_serdes(converter: Converter, cls: type[T]) -> SerDes[T]:
    """Wrap a converter as the codec for one type (e.g. for ``StepConfig(serdes=...)``)."""
    return ConverterSerDes(converter, cls)


def structure_error_text(exc: BaseException) -> str:
    """Where and why ``converter.structure`` failed, one ``$.path: reason`` per problem
    (``$.amount: missing; $.lines[0].qty: expected int``), from the error tree a
    detailed-validation converter (the default) raises."""
    return "; ".join(_structure_errors(exc, "$"))


def _structure_errors(exc: BaseException, path: str) -> list[str]:
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        return [_pydantic_error(error, path) for error in exc.errors()]
    if not isinstance(exc, (ClassValidationError, IterableValidationError)):
        return [f"{path}: {_reason(exc, None)}"]
    with_notes, without = exc.group_exceptions()
    found: list[str] = []
    for inner, note in with_notes:
        if isinstance(note, AttributeValidationNote):
            where = f"{path}.{note.name}"
        else:
            where = f"{path}[{note.index!r}]"
        if isinstance(inner, (ClassValidationError, IterableValidationError)):
            found.extend(_structure_errors(inner, where))
        else:
            found.append(f"{where}: {_reason(inner, note.type)}")
    found.extend(f"{path}: {_reason(inner, None)}" for inner in without)
    return found


def _pydantic_error(error: Any, path: str) -> str:
    where = path + "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
    return f"{where}: {'missing' if error['type'] == 'missing' else error['msg']}"


def _reason(exc: BaseException, expected: Any) -> str:
    if isinstance(exc, KeyError):
        return "missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unexpected fields ({', '.join(sorted(exc.extra_fields))})"
    if isinstance(exc, (TypeError, ValueError)) and expected is not None:
        name = expected if isinstance(expected, str) else getattr(expected, "__name__", None)
        return f"expected {name or repr(expected)}"
    if isinstance(exc, AttributeError) and "'items'" in str(exc):
        return "expected an object"
    return f"{type(exc).__name__}: {exc}"


# --- pydantic (the optional ``pydantic`` extra) --------------------------------------------


def pydantic_serdes(cls: type[T]) -> SerDes[T]:
    """A codec for a pydantic model (or any type pydantic validates), stored as its JSON:
    ``StepConfig(serdes=pydantic_serdes(Order))``. Needs the ``pydantic`` extra."""
    from pydantic import TypeAdapter  # imported only when asked for: pydantic is optional

    return PydanticSerDes(TypeAdapter(cls))


@attrs.frozen
class PydanticSerDes(SerDes[T]):
    """A ``SerDes[T]`` backed by a pydantic ``TypeAdapter``."""

    adapter: TypeAdapter[T]

    def serialize(self, value: T, /) -> str:
        return self.adapter.dump_json(value).decode()

    def deserialize(self, data: str, /) -> T:
        return self.adapter.validate_json(data)


# --- values whose type is only known at run time (lambda step bodies) ----------------

_VERBATIM = frozenset({str, int, bool, type(None)})
_TYPE_KEY = "$type"
_VALUE_KEY = "$value"
_BUILTIN_TAGS: dict[str, type[Any]] = {
    "datetime": datetime,
    "date": date,
    "Decimal": Decimal,
    "UUID": UUID,
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
    "dict": dict,
}
_SETS = (set, frozenset)


def _tag_of(cls: type[Any]) -> str:
    for tag, known in _BUILTIN_TAGS.items():
        if cls is known:
            return tag
    return f"{cls.__module__}:{cls.__qualname__}"


def _class_of(tag: str) -> type[Any]:
    if tag in _BUILTIN_TAGS:
        return _BUILTIN_TAGS[tag]
    module_name, _, qualname = tag.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    if not isinstance(target, type) or not (
        attrs.has(target)
        or dataclasses.is_dataclass(target)
        or issubclass(target, Enum)
        or _is_named_tuple(target)
        or _is_pydantic_model(target)
    ):
        raise TypeError(f"{tag} is not a durable value type")
    return target


def _is_named_tuple(cls: type[Any]) -> bool:
    return issubclass(cls, tuple) and hasattr(cls, "_fields")


class KnowsRoundTrip(abc.ABC):
    """A serdes that can tell, without trying, that a value reads back equal to itself:
    the first run can then return the value instead of decoding what it just wrote."""

    @abc.abstractmethod
    def reads_back_unchanged(self, value: Any, /) -> bool: ...


@attrs.frozen
class TaggedSerDes(SerDes[Any], KnowsRoundTrip):
    """Codec for step results whose static type is not visible at run time.

    JSON values are written as plain JSON (``"hello"`` -> ``"\\"hello\\""``, ``42`` -> ``42``),
    so payloads stay readable and match other SDKs; any other durable value (a tuple, a set,
    a NamedTuple, an attrs class, a dataclass, an Enum, a datetime...) is wrapped as
    ``{"$type": ..., "$value": ...}`` so replay rebuilds the same class the first run saw.
    """

    converter: Converter

    def serialize(self, value: Any, /) -> str:
        return dumps(self._encode(value))

    def deserialize(self, data: str, /) -> Any:
        return self._decode(loads(data))

    def reads_back_unchanged(self, value: Any, /) -> bool:
        """A JSON string, integer, boolean or null is written verbatim and read back as itself."""
        return type(value) in _VERBATIM

    def _encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(value, Enum):
            return value
        if type(value) is list:
            return [self._encode(v) for v in value]
        if type(value) is dict and all(isinstance(k, str) for k in value):
            encoded = {k: self._encode(v) for k, v in value.items()}
            return {_TYPE_KEY: "dict", _VALUE_KEY: encoded} if _TYPE_KEY in value else encoded
        if type(value) is tuple:
            return {_TYPE_KEY: "tuple", _VALUE_KEY: [self._encode(v) for v in value]}
        if type(value) in _SETS:  # in the order of their text, so equal sets store the same payload
            items = sorted((self._encode(v) for v in value), key=dumps)
            return {_TYPE_KEY: _tag_of(type(value)), _VALUE_KEY: items}
        cls = type(value)
        return {_TYPE_KEY: _tag_of(cls), _VALUE_KEY: self.converter.unstructure(value, cls)}

    def _decode(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self._decode(v) for v in data]
        if not isinstance(data, dict):
            return data
        if _TYPE_KEY not in data:
            return {k: self._decode(v) for k, v in data.items()}
        tag: Any = data[_TYPE_KEY]
        inner: Any = data[_VALUE_KEY]
        if tag == "dict":
            return {k: self._decode(v) for k, v in inner.items()}
        if tag == "tuple":
            return tuple(self._decode(v) for v in inner)
        if tag in ("set", "frozenset"):
            return _BUILTIN_TAGS[tag](self._decode(v) for v in inner)
        return self.converter.structure(inner, _class_of(str(tag)))
