"""Where the ground sensors are: a scenario's explicit sensors and sensor lines laid out as
parallel arrays in the boundary's metric frame, each with its kind's defaults merged with the
scenario's overrides, and gateways assigned in layout order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from simulators.boundary import Array, Boundary
from simulators.classification import CLASSES, confusion_table
from simulators.scenario import Scenario
from simulators.scenario_devices import ClassRanges, SensorLine, SensorParams
from simulators.sensor_kinds import KIND_DEFAULTS


def _merged_confusion(
    default: Mapping[str, Any], given: Mapping[Any, Any] | None
) -> dict[str, Any]:
    out = {str(k): dict(v) for k, v in default.items()}
    for k, v in (given or {}).items():
        out[str(k)] = {str(c): p for c, p in v.items()}
    return out


@dataclass
class SensorArray:
    """Every ground sensor as parallel arrays (index = position in layout order), in the
    metric frame of ``boundary`` (the scenario's geofence set)."""

    boundary: Boundary
    ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    # segment ends in metres (equal for point sensors)
    x0: list[float] = field(default_factory=list)
    y0: list[float] = field(default_factory=list)
    x1: list[float] = field(default_factory=list)
    y1: list[float] = field(default_factory=list)
    ranges: list[tuple[float, float, float]] = field(default_factory=list)
    pd: list[float] = field(default_factory=list)
    nuisance_per_h: list[float] = field(default_factory=list)
    wind_gain: list[float] = field(default_factory=list)
    rain_gain: list[float] = field(default_factory=list)
    holdoff_s: list[float] = field(default_factory=list)
    heartbeat_s: list[float] = field(default_factory=list)
    battery: list[float] = field(default_factory=list)
    drain_per_h: list[float] = field(default_factory=list)
    resolution_m: list[float] = field(default_factory=list)
    signature_idx: list[int] = field(default_factory=list)
    signatures: list[Array] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def add(
        self,
        sid: str,
        kind: str,
        params: SensorParams,
        default_hb: float,
        seg: tuple[float, float, float, float],
        signature: int,
        resolution: float = 0.0,
        gateway: str | None = None,
    ) -> None:
        d = KIND_DEFAULTS[kind]

        def pick(name: str) -> Any:
            v = getattr(params, name)
            return d[name] if v is None else v

        rng = params.range_m
        if rng is None:
            ranges = d["range_m"]
        elif isinstance(rng, ClassRanges):
            ranges = tuple(
                d["range_m"][i] if getattr(rng, c) is None else getattr(rng, c)
                for i, c in enumerate(CLASSES)
            )
        else:
            ranges = (float(rng),) * 3
        self.ids.append(sid)
        self.kinds.append(kind)
        self.gateways.append(gateway or "")
        self.x0.append(seg[0])
        self.y0.append(seg[1])
        self.x1.append(seg[2])
        self.y1.append(seg[3])
        self.ranges.append(ranges)
        for name in ("pd", "nuisance_per_h", "wind_gain", "rain_gain", "holdoff_s"):
            getattr(self, name).append(float(pick(name)))
        self.heartbeat_s.append(float(params.heartbeat_s or default_hb))
        self.battery.append(1.0 if params.battery is None else float(params.battery))
        self.drain_per_h.append(float(pick("battery_drain_per_h")))
        self.resolution_m.append(resolution)
        self.signature_idx.append(signature)


def _line_points(line: SensorLine, boundary: Boundary) -> tuple[Array, Array]:
    """Metric points every ``spacing_m`` along the line, ends included."""
    if line.along_boundary is not None:
        span = line.along_boundary
        if span.near is not None and span.length_m is not None:
            nx, ny = boundary.to_metric([span.near[0]], [span.near[1]])
            mid = boundary.along(float(nx[0]), float(ny[0]))
            a0, a1 = (
                max(0.0, mid - span.length_m / 2),
                min(boundary.length, mid + span.length_m / 2),
            )
        else:
            a0, a1 = float(span.from_m or 0.0), min(float(span.to_m or 0.0), boundary.length)
        n = int((a1 - a0) // line.spacing_m) + 1
        return boundary.point(a0 + line.spacing_m * np.arange(n, dtype=float), span.offset_m)
    pts = line.path if line.path is not None else [line.start, line.end]
    lon = [p[0] for p in pts if p is not None]
    lat = [p[1] for p in pts if p is not None]
    x, y = boundary.to_metric(lon, lat)
    geom = shapely.LineString(np.column_stack([x, y]))
    n = int(geom.length // line.spacing_m) + 1
    if n == 1:
        return x[:1], y[:1]
    # the same spacing as before for straight lines: ends included, evenly spread
    dists = np.linspace(0.0, geom.length, n) if line.path is None else line.spacing_m * np.arange(n)
    coords = shapely.get_coordinates(shapely.line_interpolate_point(geom, dists))
    return coords[:, 0], coords[:, 1]


def build_layout(scenario: Scenario, boundary: Boundary) -> SensorArray:
    """Every ground sensor of the scenario, explicit ones first, then each line's."""
    arr = SensorArray(boundary)
    sig_keys: dict[str, int] = {}

    def signature(kind: str, given: Any, where: str) -> int:
        merged = _merged_confusion(KIND_DEFAULTS[kind]["signature"], given)
        key = repr(sorted((k, sorted(v.items())) for k, v in merged.items()))
        if key not in sig_keys:
            sig_keys[key] = len(arr.signatures)
            arr.signatures.append(confusion_table(merged, where))
        return sig_keys[key]

    for i, s in enumerate(scenario.sensors):
        x, y = boundary.to_metric([s.lon], [s.lat])
        sig = signature(s.kind, s.signature, f"sensors.{i}.signature")
        seg = (float(x[0]), float(y[0]), float(x[0]), float(y[0]))
        arr.add(s.id, s.kind, s, scenario.heartbeat_s, seg, sig, gateway=s.gateway)
        arr.lon.append(round(s.lon, 7))
        arr.lat.append(round(s.lat, 7))
    for i, line in enumerate(scenario.sensor_lines):
        x, y = _line_points(line, boundary)
        sig = signature(line.kind, line.signature, f"sensor_lines.{i}.signature")
        if line.kind == "fibre":
            if len(x) < 2:
                raise ValueError(
                    f"sensor_lines.{i}: a fibre fence needs to be longer than spacing_m"
                )
            segs = list(zip(x[:-1], y[:-1], x[1:], y[1:], strict=True))
            mx, my = (x[:-1] + x[1:]) / 2, (y[:-1] + y[1:]) / 2
        else:
            segs = list(zip(x, y, x, y, strict=True))
            mx, my = x, y
        lon, lat = boundary.lonlat(mx, my)
        for j, seg in enumerate(segs):
            arr.add(
                f"{line.prefix}-{j:03d}",
                line.kind,
                line,
                scenario.heartbeat_s,
                tuple(float(v) for v in seg),  # type: ignore[arg-type]
                sig,
                resolution=line.resolution_m,
            )
        arr.lon.extend(np.round(lon, 7).tolist())
        arr.lat.extend(np.round(lat, 7).tolist())
    size = scenario.gateway_size
    arr.gateways = [g or f"gw-{i // size:04d}" for i, g in enumerate(arr.gateways)]
    return arr
