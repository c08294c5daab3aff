"""Day/night cameras with an object detector, a field of view, and slew-to-cue.

Each frame, every target inside the field of view (bearing +- fov/2, within the day or
night range, shortened by rain) is detected, as one object, with probability
``p = pd * (1 - 0.5 (d / range)^2)`` (a group of ``n``: ``1 - (1 - p) ** min(n, 5)``);
the class reported follows the confusion matrix (an animal is sometimes called a person),
the confidence is high for a right class and low for a wrong one, and the position
estimate has an error that grows with distance.
A cue turns the camera toward a point (at ``slew_deg_per_s``) for ``cue_hold_s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulators.boundary import Array, Boundary
from simulators.classification import CLASSES, REPORTED, confusion_table
from simulators.scenario_devices import CameraSpec

DAY_CONFUSION: dict[str, dict[str, float]] = {
    "person": {"person": 0.92, "animal": 0.03},
    "vehicle": {"vehicle": 0.95},
    "animal": {"animal": 0.8, "person": 0.12},
    "unknown": {"animal": 0.5, "person": 0.3},
}
NIGHT_CONFUSION: dict[str, dict[str, float]] = {
    "person": {"person": 0.85, "animal": 0.06},
    "vehicle": {"vehicle": 0.9},
    "animal": {"animal": 0.65, "person": 0.25},
    "unknown": {"animal": 0.5, "person": 0.35},
}
#: A group counts as this many people at most toward being seen.
MAX_GROUP = 5


def bearing_to(x0: float, y0: float, x: Array | float, y: Array | float) -> Array:
    """Compass bearing (degrees clockwise from grid north) from ``(x0, y0)``."""
    return np.degrees(np.arctan2(np.asarray(x) - x0, np.asarray(y) - y0)) % 360.0


def angle_diff(a: Array | float, b: Array | float) -> Array:
    """Smallest signed difference ``a - b`` in degrees (-180..180]."""
    return (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0


def _table(given: Any, default: dict[str, dict[str, float]], where: str) -> Array:
    merged = {k: dict(v) for k, v in default.items()}
    for k, v in (given or {}).items():
        merged[str(k)] = {str(c): p for c, p in v.items()}
    return confusion_table(merged, where)


@dataclass(frozen=True, slots=True)
class CameraHit:
    """One object detection of one frame (``cause`` = actor index, -1 = spurious)."""

    ts: float
    x: float
    y: float
    cls: str
    confidence: float
    bearing: float
    cause: int


class Camera:
    """One camera's pointing, tasking and detector."""

    def __init__(self, spec: CameraSpec, index: int, rng: np.random.Generator,
                 boundary: Boundary) -> None:
        self.spec, self.index, self.rng = spec, index, rng
        x, y = boundary.to_metric([spec.lon], [spec.lat])
        self.x, self.y = float(x[0]), float(y[0])
        self.bearing = spec.bearing_deg
        self.target = spec.bearing_deg
        self.cue_until = -np.inf
        self.next_frame = 0.0
        self.day = _table(spec.confusion, DAY_CONFUSION, f"cameras.{index}.confusion")
        self.night = _table(
            spec.confusion_night if spec.confusion_night is not None else spec.confusion,
            NIGHT_CONFUSION,
            f"cameras.{index}.confusion_night",
        )

    def cue(self, t: float, x: float, y: float, hold_s: float | None = None) -> None:
        """Slew toward ``(x, y)`` and hold there ``hold_s`` (default ``cue_hold_s``) from ``t``."""
        self.target = float(bearing_to(self.x, self.y, x, y))
        self.cue_until = t + (self.spec.cue_hold_s if hold_s is None else hold_s)

    def slew(self, t: float, step: float) -> None:
        if t >= self.cue_until:
            self.target = self.spec.bearing_deg
        diff = float(angle_diff(self.target, self.bearing))
        move = float(
            np.clip(diff, -self.spec.slew_deg_per_s * step, self.spec.slew_deg_per_s * step)
        )
        self.bearing = (self.bearing + move) % 360.0

    def sees(
        self, x: Array, y: Array, night: bool, rain: float
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Mask of points in view, their distances, and the effective range."""
        rng_m = (self.spec.night_range_m if night else self.spec.range_m) / (1.0 + 0.03 * rain)
        d = np.hypot(x - self.x, y - self.y)
        off = np.abs(angle_diff(bearing_to(self.x, self.y, x, y), self.bearing))
        return (d <= rng_m) & (off <= self.spec.fov_deg / 2), d, rng_m

    def frame(
        self,
        t: float,
        step: float,
        night: bool,
        rain: float,
        targets: list[tuple[int, str, int, float, float]],
    ) -> list[CameraHit]:
        """Detections of one frame; ``targets`` = (actor index, class, count, x, y)."""
        spec, rng = self.spec, self.rng
        table = self.night if night else self.day
        pd = (spec.pd_night if night else spec.pd) / (1.0 + 0.02 * rain)
        hits: list[CameraHit] = []
        ts = t - step + step * float(rng.random())
        if targets:
            tx = np.array([p[3] for p in targets])
            ty = np.array([p[4] for p in targets])
            inside, dist, rng_m = self.sees(tx, ty, night, rain)
            for j in np.flatnonzero(inside).tolist():
                a, cls, count, x, y = targets[j]
                frac = float(dist[j]) / rng_m
                p = 1.0 - (1.0 - pd * (1.0 - 0.5 * frac**2)) ** min(count, MAX_GROUP)
                if rng.random() < p:
                    hits.append(
                        self._detect(ts, x, y, CLASSES.index(cls), frac, table, a, count > 1)
                    )
        n_false = int(rng.poisson(spec.false_per_h * step / 3600.0))
        for _ in range(n_false):
            rng_m = spec.night_range_m if night else spec.range_m
            b = self.bearing + float(rng.uniform(-spec.fov_deg / 2, spec.fov_deg / 2))
            d = float(rng.uniform(0.1, 1.0)) * rng_m
            fx = self.x + d * float(np.sin(np.radians(b)))
            fy = self.y + d * float(np.cos(np.radians(b)))
            hits.append(self._detect(ts, fx, fy, 3, d / rng_m, table, -1, False))
        return hits

    def _detect(
        self,
        ts: float,
        x: float,
        y: float,
        row: int,
        frac: float,
        table: Array,
        cause: int,
        group: bool,
    ) -> CameraHit:
        rng = self.rng
        cls = REPORTED[int(np.searchsorted(table[row], rng.random(), side="right").clip(0, 3))]
        right = row < 3 and cls == CLASSES[row]
        if right:
            conf = (0.55 + 0.4 * float(rng.beta(5, 2))) * (1.0 - 0.25 * frac)
        else:
            conf = 0.2 + 0.4 * float(rng.beta(2, 3))
        sigma = self.spec.position_error_m * (0.5 + 0.5 * frac)
        spread = 2.0 if group else 0.0
        ex = x + float(rng.normal(0.0, sigma + spread))
        ey = y + float(rng.normal(0.0, sigma + spread))
        b = float(bearing_to(self.x, self.y, ex, ey))
        return CameraHit(
            ts, ex, ey, cls, round(float(np.clip(conf, 0.01, 0.99)), 3), round(b, 2) % 360.0, cause
        )
