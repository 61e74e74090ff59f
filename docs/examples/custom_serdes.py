"""Custom types: register cattrs hooks on your own converter, then use it everywhere.

``Coordinates`` is a plain class, not attrs: cattrs cannot store it until told how. One
converter (built from ``default_converter()``) gets a hook pair for it and is passed to
``durable_handler(converter=...)``, which structures the input (an attrs ``Trip`` holding
two ``Coordinates``) and serializes the result. A step returning a bare ``Coordinates``
gets ``StepConfig(serdes=converter_serdes(converter, Coordinates))``: with an explicit
serdes, mypy accepts any output type, because the caller supplied the codec.

    python docs/examples/custom_serdes.py
"""

from __future__ import annotations

import json
import math

from attrs import frozen
from returns.result import Result

from lambda_durable import DurableContext, DurableError, StepConfig, converter_serdes, durable_handler
from lambda_durable.serdes import default_converter


class Coordinates:
    """A point on Earth, stored on the wire as the text ``"lat,lon"``."""

    __slots__ = ("lat", "lon")

    def __init__(self, lat: float, lon: float) -> None:
        self.lat = lat
        self.lon = lon

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coordinates) and (self.lat, self.lon) == (other.lat, other.lon)

    def __hash__(self) -> int:
        return hash((self.lat, self.lon))

    def __repr__(self) -> str:
        return f"Coordinates({self.lat}, {self.lon})"


def _unstructure_coordinates(value: Coordinates) -> str:
    return f"{value.lat:.4f},{value.lon:.4f}"


def _structure_coordinates(value: object, _: object) -> Coordinates:
    lat, lon = str(value).split(",")
    return Coordinates(float(lat), float(lon))


converter = default_converter()
converter.register_unstructure_hook(Coordinates, _unstructure_coordinates)
converter.register_structure_hook(Coordinates, _structure_coordinates)

COORDINATES = converter_serdes(converter, Coordinates)


@frozen
class Trip:
    origin: Coordinates
    destination: Coordinates


@frozen
class Plan:
    midpoint: Coordinates
    distance_km: float


def _midpoint(trip: Trip) -> Coordinates:
    return Coordinates(
        (trip.origin.lat + trip.destination.lat) / 2, (trip.origin.lon + trip.destination.lon) / 2
    )


def _distance_km(a: Coordinates, b: Coordinates) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * 6371.0 * math.asin(math.sqrt(h)), 1)


@durable_handler(converter=converter)
def handler(event: Trip, ctx: DurableContext) -> Result[Plan, DurableError]:
    """The input arrives as ``{"origin": "lat,lon", "destination": "lat,lon"}``; the
    midpoint step is stored as ``"lat,lon"`` by the converter-backed serdes."""
    return ctx.step(
        lambda _: _midpoint(event), name="midpoint", config=StepConfig(serdes=COORDINATES)
    ).bind(
        lambda mid: ctx.step(lambda _: _distance_km(event.origin, event.destination), name="distance").map(
            lambda km: Plan(mid, km)
        )
    )


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, {"origin": "52.5200,13.4050", "destination": "48.8566,2.3522"})
    print(f"status: {outcome.status.value}")
    print(f"result (as stored): {outcome.result}")
    stored = {op.name: op.step_details.result for op in outcome.operations if op.step_details}
    print(f"midpoint step payload: {stored.get('midpoint')}")
    plan = converter.structure(json.loads(outcome.result or "null"), Plan)
    print(f"decoded: {plan}")
