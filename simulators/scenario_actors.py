"""Scenario parts that move: scripted actors, wandering wildlife, port-of-entry traffic."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulators.scenario_fields import LonLat, NonNegative, Positive, Spec, Waypoint


class Wander(Spec):
    """A random walk of ``legs`` legs inside a zone (e.g. an animal in the wildlife corridor)."""

    zone: str
    legs: Annotated[int, Field(ge=1, le=1000)] = 8
    start: LonLat | None = Field(None, description="First point [default: random in the zone].")


class Actor(Spec):
    """People on foot, a vehicle, or animals, moving along a path at a constant speed."""

    id: str = Field(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")
    cls: Literal["person", "vehicle", "animal"]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    speed_mps: Positive | None = Field(
        None, description="[default: person 1.3, vehicle 8, animal 0.8]"
    )
    start_s: NonNegative = 0.0
    path: Annotated[list[Waypoint], Field(min_length=2)] | None = None
    frame: Literal["lonlat", "boundary"] = Field(
        "lonlat",
        description="lonlat: points are [lon, lat]; boundary: [metres along the set's "
        "boundary from its start, metres from it on the home side (negative: across)].",
    )
    wander: Wander | None = None
    intrusion: bool | None = Field(
        None, description="Override: is it a true intrusion [default: from the path]."
    )
    note: str = ""

    @model_validator(mode="after")
    def _path_or_wander(self) -> Actor:
        if (self.path is None) == (self.wander is None):
            raise ValueError("give either path or wander")
        if self.frame == "lonlat":
            for i, point in enumerate(self.path or []):
                _check_lonlat(point[0], point[1], f"path point {i}")
        return self


def _check_lonlat(lon: float, lat: float, where: str) -> None:
    """Refuse a point outside lon ±180 / lat ±90, saying so when it is [lat, lon] swapped."""
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        return
    swapped = -90 <= lon <= 90 and -180 <= lat <= 180
    hint = f": it looks like [lat, lon], write [{lat}, {lon}]" if swapped else ""
    raise ValueError(f"{where} [{lon}, {lat}] is not [lon, lat] in degrees{hint}")


class Wildlife(Spec):
    """``herds`` groups of animals wandering in a zone, starting at random times."""

    prefix: str = "animal"
    zone: str = "corridor-sycamore"
    herds: Annotated[int, Field(ge=1, le=10_000)] = 3
    count: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] = (1, 6)
    speed_mps: Positive = 0.6
    legs: Annotated[int, Field(ge=1, le=1000)] = 8
    start_within_s: NonNegative = Field(0.0, description="Start times spread over [0, this].")


class PortTraffic(Spec):
    """Legitimate northbound traffic through a port of entry (vehicles and pedestrians)."""

    prefix: str | None = None
    port: str = "poe-nogales-deconcini"
    vehicles_per_h: NonNegative = 120.0
    pedestrians_per_h: NonNegative = 60.0
    inspection_s: NonNegative = Field(45.0, description="Stop at the inspection booth.")
    approach_m: Positive = Field(300.0, description="Path starts this far south of the line.")
    depart_m: Positive = Field(600.0, description="Path ends this far north of the line.")
    from_s: NonNegative = 0.0
    to_s: NonNegative | None = None
