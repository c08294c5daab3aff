"""The per-step detection model of the unattended ground sensors.

Every sensor has a detection range per target class, a probability of detecting one
pass (``pd``, decided once when a target comes into range; a group of ``n`` is detected
with ``1 - (1 - pd) ** n``), a hold-off between reports, a nuisance-alarm rate per hour
that wind and rain raise (``rate * (1 + wind_gain * wind + rain_gain * rain)``) and a
signature confusion matrix. Fibre-optic fence segments detect along their segment and
report where along it the disturbance was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from simulators.boundary import Array
from simulators.classification import CLASSES, REPORTED
from simulators.sensor_layout import SensorArray


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
