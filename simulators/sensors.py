"""Unattended ground sensors: kind defaults, layout, and the per-step detection model.

Every sensor has a detection range per target class, a probability of detecting one
pass (``pd``, decided once when a target comes into range; a group of ``n`` is detected
with ``1 - (1 - pd) ** n``), a hold-off between reports, a nuisance-alarm rate per hour
that wind and rain raise (``rate * (1 + wind_gain * wind + rain_gain * rain)``), a
signature confusion matrix, a heartbeat and a draining battery. Fibre-optic fence
segments detect along their segment and report where along it the disturbance was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from simulators.boundary import Array, Boundary
from simulators.scenario import Scenario
from simulators.scenario_devices import ClassRanges, SensorLine, SensorParams

#: Target classes an actor can have, in array column order.
CLASSES = ("person", "vehicle", "animal")
#: Classes a sensor or camera can report, in column order (``unknown`` last).
REPORTED = ("person", "vehicle", "animal", "unknown")
#: Confusion rows: the three target classes, then ``unknown`` = a nuisance alarm.
ROWS = ("person", "vehicle", "animal", "unknown")

#: Battery used by one report (radio transmission).
BATTERY_PER_REPORT = 2e-5

KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "seismic": {
        "range_m": (30.0, 100.0, 20.0),
        "pd": 0.9,
        "nuisance_per_h": 0.5,
        "wind_gain": 0.15,
        "rain_gain": 0.05,
        "holdoff_s": 5.0,
        "battery_drain_per_h": 2e-4,
        "signature": {
            "person": {"person": 0.75, "animal": 0.1},
            "vehicle": {"vehicle": 0.85},
            "animal": {"animal": 0.5, "person": 0.3},
            "unknown": {"animal": 0.1, "person": 0.05},
        },
    },
    "acoustic": {
        "range_m": (15.0, 150.0, 10.0),
        "pd": 0.8,
        "nuisance_per_h": 1.0,
        "wind_gain": 0.3,
        "rain_gain": 0.1,
        "holdoff_s": 5.0,
        "battery_drain_per_h": 3e-4,
        "signature": {
            "person": {"person": 0.5},
            "vehicle": {"vehicle": 0.9},
            "animal": {"animal": 0.4, "person": 0.1},
            "unknown": {"vehicle": 0.05},
        },
    },
    "magnetic": {
        "range_m": (3.0, 25.0, 0.0),
        "pd": 0.95,
        "nuisance_per_h": 0.1,
        "wind_gain": 0.0,
        "rain_gain": 0.0,
        "holdoff_s": 3.0,
        "battery_drain_per_h": 1e-4,
        "signature": {
            "person": {"person": 0.6},
            "vehicle": {"vehicle": 0.95},
            "animal": {},
            "unknown": {},
        },
    },
    "pir": {
        "range_m": (20.0, 30.0, 15.0),
        "pd": 0.9,
        "nuisance_per_h": 0.5,
        "wind_gain": 0.2,
        "rain_gain": 0.2,
        "holdoff_s": 5.0,
        "battery_drain_per_h": 2e-4,
        "signature": {"person": {}, "vehicle": {}, "animal": {}, "unknown": {}},
    },
    "fibre": {
        "range_m": (3.0, 10.0, 2.0),
        "pd": 0.95,
        "nuisance_per_h": 0.5,
        "wind_gain": 0.4,
        "rain_gain": 0.1,
        "holdoff_s": 3.0,
        "battery_drain_per_h": 0.0,
        "signature": {
            "person": {"person": 0.7},
            "vehicle": {"vehicle": 0.6},
            "animal": {"animal": 0.5},
            "unknown": {},
        },
    },
}


def confusion_table(matrix: Mapping[Any, Mapping[Any, float]], where: str) -> Array:
    """Cumulative ``(4, 4)`` table over :data:`ROWS` x :data:`REPORTED`; the rest -> unknown."""
    table = np.zeros((len(ROWS), len(REPORTED)))
    for r, row in enumerate(ROWS):
        probs = {str(k): float(v) for k, v in matrix.get(row, {}).items()}
        known = sum(probs.get(c, 0.0) for c in REPORTED[:-1])
        if known > 1.0 + 1e-9:
            raise ValueError(
                f"{where}: probabilities for true class {row!r} add up to {known:.3f} > 1"
            )
        table[r, :-1] = [probs.get(c, 0.0) for c in REPORTED[:-1]]
        table[r, -1] = max(0.0, 1.0 - known)
    return np.cumsum(table, axis=1)


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


@dataclass(frozen=True, slots=True)
class Hit:
    """A sensor report about to be sent: which sensor, when in the step, why."""

    sensor: int
    ts: float
    strength: float
    signature: str
    cause: int  # actor index, or -1 nuisance, -2 stuck, -3 tamper
    lon: float | None = None  # fibre: the position along the fence
    lat: float | None = None


@dataclass(frozen=True)
class HitBlock:
    """Many hits as parallel arrays; ``signature`` indexes :data:`REPORTED`, NaN lon = sensor's."""

    sensor: np.ndarray
    ts: np.ndarray
    strength: np.ndarray
    signature: np.ndarray
    cause: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.sensor)

    @classmethod
    def of(cls, hits: list[Hit]) -> HitBlock:
        nan = float("nan")
        return cls(
            np.array([h.sensor for h in hits], dtype=np.int64),
            np.array([h.ts for h in hits], float),
            np.array([h.strength for h in hits], float),
            np.array([REPORTED.index(h.signature) for h in hits], dtype=np.int64),
            np.array([h.cause for h in hits], dtype=np.int64),
            np.array([nan if h.lon is None else h.lon for h in hits], float),
            np.array([nan if h.lat is None else h.lat for h in hits], float),
        )

    @classmethod
    def join(cls, blocks: list[HitBlock]) -> HitBlock:
        return cls(*(np.concatenate([getattr(b, f) for b in blocks]) for f in _HIT_FIELDS))


_HIT_FIELDS = ("sensor", "ts", "strength", "signature", "cause", "lon", "lat")


class GroundSensors:
    """The vectorised detection model over a :class:`SensorArray`."""

    def __init__(
        self, arr: SensorArray, rng_detect: np.random.Generator, rng_nuisance: np.random.Generator
    ) -> None:
        self.arr = arr
        self.n = len(arr)
        self.rng, self.rng_nuisance = rng_detect, rng_nuisance
        self.x0, self.y0 = np.array(arr.x0), np.array(arr.y0)
        self.x1, self.y1 = np.array(arr.x1), np.array(arr.y1)
        self.dx, self.dy = self.x1 - self.x0, self.y1 - self.y0
        self.len2 = self.dx**2 + self.dy**2
        self.ranges = np.array(arr.ranges, float).reshape(-1, 3)
        self.pd = np.array(arr.pd)
        self.nuisance = np.array(arr.nuisance_per_h)
        self.wind_gain, self.rain_gain = np.array(arr.wind_gain), np.array(arr.rain_gain)
        self.holdoff = np.array(arr.holdoff_s)
        self.resolution = np.array(arr.resolution_m)
        self.is_fibre = np.array([k == "fibre" for k in arr.kinds], bool)
        self.sig_idx = np.array(arr.signature_idx, int)
        self.sig_stack = np.stack(arr.signatures) if arr.signatures else np.zeros((0, 4, 4))
        self.next_allowed = np.full(self.n, -np.inf)
        self.max_range = float(self.ranges.max()) if self.n else 0.0
        geoms = (
            shapely.linestrings(
                np.stack(
                    [np.column_stack([self.x0, self.y0]), np.column_stack([self.x1, self.y1])], 1
                )
            )
            if self.n
            else np.array([])
        )
        self.tree = shapely.STRtree(geoms)
        #: (actor, sensor) pairs in range -> whether this pass is detected
        self.contacts: dict[tuple[int, int], bool] = {}

    def nuisance_rate(self, wind: float, rain: float) -> Array:
        """Nuisance alarms per hour of every sensor in this weather."""
        return self.nuisance * (1.0 + self.wind_gain * wind + self.rain_gain * rain)

    def signature(self, sensor: int, row: int, u: float) -> str:
        table = self.arr.signatures[self.sig_idx[sensor]]
        return REPORTED[int(np.searchsorted(table[row], u, side="right").clip(0, 3))]

    def in_range(
        self, px: Array, py: Array, owner: Array, cls_col: Array
    ) -> tuple[Array, Array, Array, Array]:
        """Pairs (sample, sensor) within the class range; distance and closest segment fraction."""
        if not self.n or not len(px):
            e = np.zeros(0, int)
            return e, e, np.zeros(0), np.zeros(0)
        pts = shapely.points(px, py)
        qi, si = self.tree.query(pts, predicate="dwithin", distance=self.max_range)
        if not len(qi):
            e = np.zeros(0, int)
            return e, e, np.zeros(0), np.zeros(0)
        ux, uy = px[qi] - self.x0[si], py[qi] - self.y0[si]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(
                self.len2[si] > 0, (ux * self.dx[si] + uy * self.dy[si]) / self.len2[si], 0.0
            )
        f = np.clip(f, 0.0, 1.0)
        d = np.hypot(ux - f * self.dx[si], uy - f * self.dy[si])
        rng_c = self.ranges[si, cls_col[owner[qi]]]
        keep = (d <= rng_c) & (rng_c > 0)  # range 0: never detects that class
        return qi[keep], si[keep], d[keep], f[keep]

    def step(
        self,
        t: float,
        step: float,
        samples: tuple[Array, Array, Array],
        actors: list[tuple[int, str, int]],
        alive: np.ndarray,
        wind: float,
        rain: float,
    ) -> HitBlock:
        """Hits of one step ``(t - step, t]``: targets in range, then nuisance alarms.

        ``samples`` = (x, y, owner) positions sampled along each active actor's move in the
        step; ``actors[owner] = (actor index, class, count)``; ``alive`` masks dead sensors.
        """
        px, py, owner = samples
        cls_col = np.array([CLASSES.index(c) for _, c, _ in actors], int)
        qi, si, dist, frac = self.in_range(px, py, owner, cls_col)
        hits: list[Hit] = []
        seen: dict[tuple[int, int], tuple[float, float]] = {}
        for q, s, d, f in zip(qi.tolist(), si.tolist(), dist.tolist(), frac.tolist(), strict=True):
            key = (actors[owner[q]][0], s)
            if key not in seen or d < seen[key][0]:
                seen[key] = (d, f)
        for key in [k for k in self.contacts if k not in seen]:
            del self.contacts[key]
        owner_of = {a: j for j, (a, _, _) in enumerate(actors)}
        for key in sorted(seen):
            a, s = key
            _, cls, count = actors[owner_of[a]]
            if key not in self.contacts:
                p = 1.0 - (1.0 - self.pd[s]) ** count
                self.contacts[key] = bool(self.rng.random() < p)
            if not self.contacts[key] or not alive[s] or t < self.next_allowed[s]:
                continue
            d, f = seen[key]
            rng_c = self.ranges[s, CLASSES.index(cls)]
            strength = (1.0 - 0.7 * (d / rng_c) ** 2) * (1.0 + 0.1 * np.log2(count))
            strength += self.rng.normal(0.0, 0.05)
            sig = self.signature(s, CLASSES.index(cls), self.rng.random())
            hits.append(self._hit(s, t, step, float(np.clip(strength, 0.05, 1.0)), sig, a, f))
        return HitBlock.join([HitBlock.of(hits), self._nuisance(t, step, alive, wind, rain)])

    def _nuisance(
        self, t: float, step: float, alive: np.ndarray, wind: float, rain: float
    ) -> HitBlock:
        """Nuisance alarms of every sensor in one step, vectorised."""
        rate = self.nuisance_rate(wind, rain)
        p_nuis = 1.0 - np.exp(-rate * step / 3600.0)
        fired = np.flatnonzero((self.rng_nuisance.random(self.n) < p_nuis) & alive)
        fired = fired[t >= self.next_allowed[fired]]
        k = len(fired)
        u = self.rng_nuisance.random((k, 4))
        self.next_allowed[fired] = t + self.holdoff[fired]
        rows = self.sig_stack[self.sig_idx[fired], 3] if k else np.zeros((0, 4))
        sig = np.minimum((rows <= u[:, :1]).sum(axis=1), 3)
        lon = np.full(k, np.nan)
        lat = np.full(k, np.nan)
        fib = np.flatnonzero(self.is_fibre[fired])
        if len(fib):
            s, f = fired[fib], u[fib, 3]
            lo, la = self.arr.boundary.lonlat(self.x0[s] + f * self.dx[s],
                                              self.y0[s] + f * self.dy[s])
            lon[fib], lat[fib] = np.round(lo, 7), np.round(la, 7)
        return HitBlock(
            fired.astype(np.int64),
            t - step + step * u[:, 2],
            np.round(0.1 + 0.5 * u[:, 1], 3),
            sig.astype(np.int64),
            np.full(k, -1, dtype=np.int64),
            lon,
            lat,
        )

    def _hit(
        self,
        s: int,
        t: float,
        step: float,
        strength: float,
        sig: str,
        cause: int,
        frac: float | None,
    ) -> Hit:
        self.next_allowed[s] = t + self.holdoff[s]
        ts = t - step + step * float(self.rng.random())
        lon = lat = None
        if self.is_fibre[s]:
            seg_len = float(np.sqrt(self.len2[s]))
            f = float(self.rng.random()) if frac is None else frac
            if seg_len > 0:
                f = float(np.clip(f + self.rng.normal(0.0, self.resolution[s]) / seg_len, 0.0, 1.0))
            lo, la = self.arr.boundary.lonlat(self.x0[s] + f * self.dx[s],
                                              self.y0[s] + f * self.dy[s])
            lon, lat = round(float(lo), 7), round(float(la), 7)
        return Hit(s, ts, round(strength, 3), sig, cause, lon, lat)

    def forced(self, s: int, t: float, step: float, strength: float, sig: str, cause: int) -> Hit:
        """A report that does not depend on targets (stuck sensor, tamper handling)."""
        return self._hit(s, t, step, strength, sig, cause, None)
