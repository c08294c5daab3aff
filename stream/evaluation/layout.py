"""Sensor layouts, camera towers and walking paths for generated scenarios, in the line's frame.

Every random choice comes from the trial's generator, so a trial is reproducible from its
seed. Positions are ``[metres along the line, metres north of it]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stream.evaluation.campaign import Family, Range
from stream.evaluation.geography import Site


def draw(rng: np.random.Generator, r: Range) -> float:
    return float(rng.uniform(r[0], r[1])) if r[1] > r[0] else float(r[0])


def draw_int(rng: np.random.Generator, r: Range) -> int:
    return int(rng.integers(math.ceil(r[0]), math.floor(r[1]) + 1))


@dataclass
class Draft:
    """A scenario being put together; :meth:`data` is the scenario file's content."""

    name: str
    seed: int
    geofences: str
    duration_s: float
    night: bool
    local_start: str
    sensor_lines: list[dict[str, Any]] = field(default_factory=list)
    cameras: list[dict[str, Any]] = field(default_factory=list)
    actors: list[dict[str, Any]] = field(default_factory=list)
    wildlife: list[dict[str, Any]] = field(default_factory=list)
    port_traffic: list[dict[str, Any]] = field(default_factory=list)
    weather: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    span: tuple[float, float] = (0.0, 0.0)
    description: str = ""

    @property
    def border_km(self) -> float:
        return (self.span[1] - self.span[0]) / 1000.0

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "description": self.description, "seed": self.seed,
            "geofences": self.geofences,
            "duration_s": round(self.duration_s), "local_start": self.local_start,
            "heartbeat_s": 60, "gateway_size": 10,
        }
        for key in ("sensor_lines", "cameras", "actors", "wildlife", "port_traffic",
                    "weather", "faults"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def start_draft(rng: np.random.Generator, name: str, seed: int, geofences: str,
                spec: Family) -> Draft:
    night = bool(rng.random() < spec.night)
    hour = int(rng.choice([20, 21, 22, 23, 0, 1, 2, 3, 4])) if night else int(rng.integers(8, 17))
    draft = Draft(name=name, seed=seed, geofences=geofences,
                  duration_s=draw(rng, spec.duration_s), night=night,
                  local_start=f"{hour:02d}:{int(rng.integers(0, 60)):02d}")
    draft.weather.append({"at_s": 0, "wind_mps": round(float(rng.uniform(0, 5)), 1)})
    return draft


def lay_sensors(rng: np.random.Generator, site: Site, d: Draft, centre: float, half: float,
                spec: Family, vehicle: bool = False) -> None:
    """A seismic line in the strip, and by chance a fibre fence, PIR, acoustic and magnetic
    lines behind it and a camera tower, over ``centre ± half`` metres along the line."""
    a = max(0.0, centre - half)
    b = min(site.length, centre + half)
    d.span = (a, b)
    spacing = round(draw(rng, spec.spacing_m))

    def line(prefix: str, kind: str, offset: float, step: float, **extra: Any) -> None:
        d.sensor_lines.append({"prefix": prefix, "kind": kind, "spacing_m": step,
                               "along_boundary": {"from_m": round(a), "to_m": round(b),
                                                  "offset_m": offset}, **extra})

    line("strip", "seismic", 9, spacing)
    if rng.random() < 0.35:
        line("fence", "fibre", 1, 250)
    if rng.random() < 0.6:
        line("pir", "pir", round(float(rng.uniform(250, 600))), round(spacing * 2))
    if rng.random() < 0.4:
        line("acoustic", "acoustic", round(float(rng.uniform(600, 1100))), 300)
    if vehicle or rng.random() < 0.15:
        line("mag", "magnetic", 30, round(spacing * 2))
    if rng.random() < spec.cameras:
        add_camera(rng, site, d, float(rng.uniform(a + 0.25 * (b - a), b - 0.25 * (b - a))))


def add_camera(rng: np.random.Generator, site: Site, d: Draft, along: float) -> None:
    north = float(rng.uniform(700, 1500))
    cam = site.boundary.point(along, north)
    tgt = site.boundary.point(along + float(rng.uniform(-300, 300)), 0.0)
    bearing = math.degrees(math.atan2(float(tgt[0] - cam[0]), float(tgt[1] - cam[1]))) % 360
    lon, lat = site.lonlat(along, north)
    d.cameras.append({"id": f"cam-{len(d.cameras)}", "lon": lon, "lat": lat,
                      "bearing_deg": round(bearing, 1), "fov_deg": 40, "range_m": 3000,
                      "night_range_m": 1800})


def crossing_path(along: float, heading_deg: float, south_m: float, north_m: float,
                  length: float) -> list[list[float]]:
    """From ``south_m`` metres of walking before the line to ``north_m`` after it, at
    ``heading_deg`` from the line's north normal (positive: towards larger ``along``)."""
    h = math.radians(heading_deg)
    da, dn = math.sin(h), math.cos(h)

    def clip(v: float) -> float:
        return round(min(max(v, 1.0), length - 1.0), 1)

    return [[clip(along - south_m * da), round(-south_m * dn, 1)],
            [clip(along + north_m * da), round(north_m * dn, 1)]]


def group(rng: np.random.Generator, site: Site, d: Draft, ident: str, along: float,
          count: int, speed: float, heading: float, start_s: float) -> float:
    """Add a group crossing at ``along``; returns when it reaches the line (scenario s)."""
    south = float(rng.uniform(120, 300))
    d.actors.append({"id": ident, "cls": "person", "count": count,
                     "speed_mps": round(speed, 2), "start_s": round(start_s), "frame": "boundary",
                     "path": crossing_path(along, heading, south, 2500.0, site.length)})
    return start_s + south / speed
