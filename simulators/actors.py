"""Actors as timed tracks in metres: explicit paths, wandering animals, port-of-entry traffic.

A track is a list of knots ``(t, x, y)`` walked at constant speed; a pause repeats a point
at a later time. Positions between knots are linear interpolations.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from simulators.boundary import Array, Boundary, Crossing
from simulators.scenario import Scenario
from simulators.scenario_actors import Actor, PortTraffic, Wildlife

DEFAULT_SPEED = {"person": 1.3, "vehicle": 8.0, "animal": 0.8}


@dataclass
class Track:
    """One actor (a person, a group, a vehicle, a herd) moving along timed knots."""

    id: str
    cls: str
    count: int
    origin: str  # scenario | wildlife | port
    t: Array
    x: Array
    y: Array
    intrusion_override: bool | None = None
    note: str = ""
    port: str | None = None  # legitimate traffic through this port of entry
    _knots: tuple[list[float], list[float], list[float]] | None = field(default=None, repr=False)

    @property
    def t0(self) -> float:
        return float(self.t[0])

    @property
    def t1(self) -> float:
        return float(self.t[-1])

    def positions(self, times: Array) -> tuple[Array, Array]:
        return np.interp(times, self.t, self.x), np.interp(times, self.t, self.y)

    def position_at(self, t: float) -> tuple[float, float]:
        """Position at one time (clamped to the track's start and end)."""
        if self._knots is None:
            self._knots = (self.t.tolist(), self.x.tolist(), self.y.tolist())
        ts, xs, ys = self._knots
        i = bisect.bisect_right(ts, t)
        if i == 0:
            return xs[0], ys[0]
        if i >= len(ts):
            return xs[-1], ys[-1]
        f = (t - ts[i - 1]) / (ts[i] - ts[i - 1])
        return xs[i - 1] + f * (xs[i] - xs[i - 1]), ys[i - 1] + f * (ys[i] - ys[i - 1])

    def distance(self) -> Array:
        """Cumulative distance at each knot."""
        return np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(self.x), np.diff(self.y)))])

    def time_at(self, dist_m: float) -> float:
        """First time the track has covered ``dist_m`` metres."""
        d = self.distance()
        i = int(np.searchsorted(d, dist_m, side="left"))
        if i == 0:
            return self.t0
        if i >= len(d):
            return self.t1
        f = (dist_m - d[i - 1]) / (d[i] - d[i - 1]) if d[i] > d[i - 1] else 0.0
        return float(self.t[i - 1] + f * (self.t[i] - self.t[i - 1]))


def timed(
    x: Array, y: Array, pauses: list[float], speed: float, start: float
) -> tuple[Array, Array, Array]:
    """Knots for waypoints walked at ``speed`` with a pause at each waypoint."""
    ts, xs, ys = [], [], []
    now = start
    for i in range(len(x)):
        if i:
            now += float(np.hypot(x[i] - x[i - 1], y[i] - y[i - 1])) / speed
        ts.append(now)
        xs.append(float(x[i]))
        ys.append(float(y[i]))
        if pauses[i] > 0:
            now += pauses[i]
            ts.append(now)
            xs.append(float(x[i]))
            ys.append(float(y[i]))
    return np.array(ts), np.array(xs), np.array(ys)



def random_points(zone: BaseGeometry, n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """``n`` uniform random points inside ``zone`` (rejection sampling)."""
    xmin, ymin, xmax, ymax = zone.bounds
    shapely.prepare(zone)
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < n:
        cx = rng.uniform(xmin, xmax, 4 * n)
        cy = rng.uniform(ymin, ymax, 4 * n)
        inside = shapely.contains_xy(zone, cx, cy)
        xs.extend(cx[inside].tolist())
        ys.extend(cy[inside].tolist())
    return np.array(xs[:n]), np.array(ys[:n])


def actor_track(actor: Actor, boundary: Boundary, rng: np.random.Generator) -> Track:
    speed = actor.speed_mps or DEFAULT_SPEED[actor.cls]
    if actor.wander is not None:
        zone = boundary.zone(actor.wander.zone)
        x, y = random_points(zone, actor.wander.legs + 1, rng)
        if actor.wander.start is not None:
            sx, sy = boundary.to_metric([actor.wander.start[0]], [actor.wander.start[1]])
            x[0], y[0] = sx[0], sy[0]
        pauses = rng.uniform(0.0, 120.0, len(x)).round(1).tolist()
    else:
        assert actor.path is not None
        a = np.array([p[0] for p in actor.path])
        b = np.array([p[1] for p in actor.path])
        pauses = [float(p[2]) if len(p) > 2 else 0.0 for p in actor.path]
        x, y = boundary.point(a, b) if actor.frame == "boundary" else boundary.to_metric(a, b)
    t, kx, ky = timed(x, y, pauses, speed, actor.start_s)
    return Track(
        actor.id, actor.cls, actor.count, "scenario", t, kx, ky, actor.intrusion, actor.note
    )


def wildlife_tracks(spec: Wildlife, k: int, boundary: Boundary,
                    rng: np.random.Generator) -> list[Track]:
    zone = boundary.zone(spec.zone)
    out = []
    lo, hi = sorted(spec.count)
    for h in range(spec.herds):
        x, y = random_points(zone, spec.legs + 1, rng)
        pauses = rng.uniform(0.0, 300.0, len(x)).round(1).tolist()
        count = int(rng.integers(lo, hi + 1))
        start = (
            round(float(rng.uniform(0.0, spec.start_within_s)), 1) if spec.start_within_s else 0.0
        )
        speed = spec.speed_mps * float(rng.uniform(0.7, 1.3))
        t, kx, ky = timed(x, y, pauses, speed, start)
        out.append(Track(f"{spec.prefix}-{k}-{h:03d}", "animal", count, "wildlife", t, kx, ky))
    return out


def port_tracks(
    spec: PortTraffic, k: int, boundary: Boundary, duration: float, rng: np.random.Generator
) -> list[Track]:
    """Poisson arrivals walking or driving north through the port, stopping at inspection.

    They are legitimate by construction: never an intrusion, and their crossings are at the port.
    """
    zone = boundary.zone(spec.port)
    if shapely.distance(zone, boundary.line) > 1.0:
        raise ValueError(f"port_traffic: the boundary does not run through port {spec.port!r}")
    # the port in the line's frame: centre along the line, half width along it, depth north
    centre = boundary.along(zone.centroid.x, zone.centroid.y)
    ux, uy, nx, ny = boundary.frame(centre)
    px, py = boundary.point(centre)
    vx, vy = np.asarray(zone.exterior.coords).T - np.array([[float(px)], [float(py)]])
    half_w = float(np.abs(vx * ux + vy * uy).max())
    depth = float((vx * nx + vy * ny).max())
    prefix = spec.prefix or spec.port
    end = duration if spec.to_s is None else min(spec.to_s, duration)
    # lanes across the port that cross the boundary line (the line ends at a port); x
    # grows with f, the distance along the line runs the other way (from the east end)
    lanes_all = [
        f for f in np.linspace(-0.8, 0.8, 9).tolist()
        if -1e-6 <= centre - f * half_w <= boundary.length + 1e-6
    ]
    if len(lanes_all) < 2:
        raise ValueError(f"port_traffic: the boundary does not run through port {spec.port!r}")
    out: list[Track] = []
    for cls, per_h, speed, lanes in (
        ("vehicle", spec.vehicles_per_h, 4.0, np.array(lanes_all[:-1])),
        ("person", spec.pedestrians_per_h, 1.3, np.array(lanes_all[-1:])),
    ):
        if per_h <= 0:
            continue
        now, n = spec.from_s, 0
        while True:
            now += float(rng.exponential(3600.0 / per_h))
            if now >= end:
                break
            lane = centre - float(lanes[int(rng.integers(len(lanes)))]) * half_w
            x, y = boundary.point(np.full(4, lane), np.array(
                [-spec.approach_m, 0.3 * depth, 0.3 * depth + 1.0, spec.depart_m]
            ))
            pauses = [0.0, float(rng.exponential(spec.inspection_s)), 0.0, 0.0]
            count = 1 if cls == "vehicle" else int(rng.integers(1, 4))
            t, kx, ky = timed(x, y, pauses, speed * float(rng.uniform(0.8, 1.2)), round(now, 1))
            ident = f"{prefix}-{k}-{cls[0]}{n:04d}"
            out.append(Track(ident, cls, count, "port", t, kx, ky, False, port=spec.port))
            n += 1
    return out


def build_tracks(scenario: Scenario, boundary: Boundary, seed: int) -> list[Track]:
    """Every actor of the scenario: explicit ones, then wildlife, then port traffic."""
    tracks = []
    for i, a in enumerate(scenario.actors):
        tracks.append(actor_track(a, boundary, np.random.default_rng([seed, 1, i])))
    for k, w in enumerate(scenario.wildlife):
        tracks.extend(wildlife_tracks(w, k, boundary, np.random.default_rng([seed, 2, k])))
    for k, p in enumerate(scenario.port_traffic):
        tracks.extend(
            port_tracks(p, k, boundary, scenario.duration_s, np.random.default_rng([seed, 3, k]))
        )
    return tracks


@dataclass(frozen=True)
class TrackCrossing:
    """A boundary crossing of a track: when, where, which way, and at which port if any."""

    t: float
    x: float
    y: float
    northbound: bool
    port: str | None
    along_m: float


def track_crossings(track: Track, boundary: Boundary) -> list[TrackCrossing]:
    ports = [(p, g.buffer(5.0)) for p, g in boundary.ports()]
    out = []
    c: Crossing
    for c in boundary.crossings(track.x, track.y):
        pt = shapely.Point(c.x, c.y)
        port = track.port or next((name for name, g in ports if g.contains(pt)), None)
        out.append(
            TrackCrossing(
                track.time_at(c.path_m), c.x, c.y, c.homeward, port, boundary.along(c.x, c.y)
            )
        )
    return out
