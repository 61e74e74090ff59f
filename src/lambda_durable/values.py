"""The durable value types: what a step may return without an explicit serdes.

``DurableValue`` is a recursive alias used as a TypeVar bound, so mypy rejects a step
that returns a socket, a lock or a generator before the code ever runs. The bound is the
check without the SDK's mypy plugin (``lambda_durable.mypy_plugin``): sound, but it
rejects a mixed literal such as ``{"id": "o-1", "total": 42}`` (mypy infers
``dict[str, object]``) and every TypedDict. The plugin lifts the bound at the SDK's call
sites and checks the value itself, element by element (docs/typing.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, TypeAlias, TypeVar, Union
from uuid import UUID

from attrs import AttrsInstance

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    DurableScalar: TypeAlias = Union[None, bool, int, float, str, datetime, date, Decimal, UUID, Enum]

    DurableValue: TypeAlias = Union[
        DurableScalar,
        AttrsInstance,
        DataclassInstance,
        Sequence["DurableValue"],
        Mapping[str, "DurableValue"],
        Set[DurableScalar],
    ]
else:
    DurableValue = object

DurableOutput = TypeVar("DurableOutput", bound=DurableValue)
"""A durable value type (the bound of step outputs without a serdes)."""
