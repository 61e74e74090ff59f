"""The durable value types: what a step may return without an explicit serdes.

``DurableValue`` is a recursive alias used as a TypeVar bound, so mypy rejects a step
that returns a socket, a lock or a generator before the code ever runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, TypeAlias, TypeVar, Union
from uuid import UUID

from attrs import AttrsInstance

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    DurableValue: TypeAlias = Union[
        None,
        bool,
        int,
        float,
        str,
        datetime,
        date,
        Decimal,
        UUID,
        Enum,
        AttrsInstance,
        DataclassInstance,
        Sequence["DurableValue"],
        Mapping[str, "DurableValue"],
    ]
else:
    DurableValue = object

DurableOutput = TypeVar("DurableOutput", bound=DurableValue)
"""A durable value type (the bound of step outputs without a serdes)."""
