"""A deterministic, stepped simulation of sensors and actors.

Same scenario, seed and start time: byte-identical messages.

>>> from simulators.scenario import load_scenario
>>> msgs = list(World(load_scenario("crossing"), start=1_800_000_000.0).run())
>>> msgs[0].topic
'sensors.health'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import orjson

from simulators.geo import to_metric, to_wgs84
from simulators.scenario import Actor, Scenario
from stream.models import GroundDetection, SensorHealth, SensorKind, TargetClass


@dataclass(frozen=True, slots=True)
class Emission:
    """One Kafka message: scenario time, topic suffix, key, JSON value."""

    ts: float
    topic: str
    key: str
    value: bytes


@dataclass(frozen=True)
class SensorArray:
    ids: list[str]
    kinds: list[SensorKind]
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    range_m: np.ndarray
    pd: np.ndarray
    nuisance_per_h: np.ndarray


def layout(scenario: Scenario) -> SensorArray:
    """Every sensor of the scenario, explicit ones first, then each line's."""
    ids, kinds, lons, lats, ranges, pds, nuis = [], [], [], [], [], [], []
    for s in scenario.sensors:
        ids.append(s.id)
        kinds.append(s.kind)
        lons.append(s.lon)
        lats.append(s.lat)
        ranges.append(s.range_m)
        pds.append(s.pd)
        nuis.append(s.nuisance_per_h)
    for line in scenario.sensor_lines:
        (x0, x1), (y0, y1) = to_metric(
            [line.start[0], line.end[0]], [line.start[1], line.end[1]]
        )
        n = int(np.hypot(x1 - x0, y1 - y0) // line.spacing_m) + 1
        f = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
        lon, lat = to_wgs84(x0 + f * (x1 - x0), y0 + f * (y1 - y0))
        for i in range(n):
            ids.append(f"{line.prefix}-{i:03d}")
            kinds.append(line.kind)
            ranges.append(line.range_m)
            pds.append(line.pd)
            nuis.append(line.nuisance_per_h)
        lons.extend(np.round(lon, 7).tolist())
        lats.extend(np.round(lat, 7).tolist())
    x, y = to_metric(lons, lats)
    return SensorArray(
        ids, kinds, np.array(lons), np.array(lats), x, y,
        np.array(ranges), np.array(pds), np.array(nuis),
    )


class _Path:
    """An actor's waypoints in metres, walked at constant speed."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.x, self.y = to_metric([p[0] for p in actor.path], [p[1] for p in actor.path])
        seg = np.hypot(np.diff(self.x), np.diff(self.y))
        self.cum = np.concatenate([[0.0], np.cumsum(seg)])

    def position(self, t: float) -> tuple[float, float] | None:
        d = (t - self.actor.start_s) * self.actor.speed_mps
        if d < 0 or d > self.cum[-1]:
            return None
        return float(np.interp(d, self.cum, self.x)), float(np.interp(d, self.cum, self.y))


class World:
    """Steps a scenario and yields the messages its sensors send."""

    def __init__(self, scenario: Scenario, *, seed: int | None = None, start: float) -> None:
        self.scenario = scenario
        self.rng = np.random.default_rng(scenario.seed if seed is None else seed)
        self.start = start
        self.sensors = layout(scenario)
        self.paths = [_Path(a) for a in scenario.actors]
        self.seq = np.zeros(len(self.sensors.ids), dtype=np.int64)

    def gateway(self, i: int) -> str:
        return f"gw-{i // self.scenario.gateway_size:04d}"

    def run(self) -> Iterator[Emission]:
        sc, s = self.scenario, self.sensors
        steps = int(sc.duration_s // sc.step_s)
        next_heartbeat = 0.0
        for k in range(steps + 1):
            t = k * sc.step_s
            if t >= next_heartbeat:
                yield from self._heartbeats(t)
                next_heartbeat += sc.heartbeat_s
            hit = np.zeros(len(s.ids), dtype=bool)
            signature = np.full(len(s.ids), "", dtype=object)
            for path in self.paths:
                pos = path.position(t)
                if pos is None:
                    continue
                near = np.hypot(s.x - pos[0], s.y - pos[1]) <= s.range_m
                p_detect = 1.0 - (1.0 - s.pd) ** path.actor.count
                fired = near & (self.rng.random(len(s.ids)) < p_detect)
                hit |= fired
                signature[fired] = path.actor.cls.value
            nuisance = self.rng.random(len(s.ids)) < s.nuisance_per_h * sc.step_s / 3600.0
            fired_idx = np.flatnonzero(hit | nuisance)
            if fired_idx.size:
                yield from self._detections(t, fired_idx, signature)

    def _batches(self, t: float, topic: str, reports: list[tuple[int, dict[str, object]]]) -> Iterator[Emission]:
        by_gw: dict[str, list[dict[str, object]]] = {}
        for i, r in reports:
            by_gw.setdefault(self.gateway(i), []).append(r)
        for gw, items in sorted(by_gw.items()):
            value = orjson.dumps({"v": 1, "source": gw, "reports": items})
            yield Emission(self.start + t, topic, gw, value)

    def _next_seq(self, i: int) -> int:
        self.seq[i] += 1
        return int(self.seq[i])

    def _detections(self, t: float, idx: np.ndarray, signature: np.ndarray) -> Iterator[Emission]:
        s = self.sensors
        jitter = self.rng.uniform(0.0, self.scenario.step_s, idx.size)
        strength = self.rng.uniform(0.3, 1.0, idx.size)
        reports = []
        for j, i in enumerate(idx.tolist()):
            sig = signature[i] or TargetClass.UNKNOWN.value
            det = GroundDetection(
                sensor_id=s.ids[i], seq=self._next_seq(i), kind=s.kinds[i],
                ts=round(self.start + t + float(jitter[j]), 3),
                lon=float(s.lon[i]), lat=float(s.lat[i]),
                strength=round(float(strength[j]), 3), signature=TargetClass(sig),
            )
            reports.append((i, det.model_dump(mode="json")))
        yield from self._batches(t, "sensors.ground", reports)

    def _heartbeats(self, t: float) -> Iterator[Emission]:
        s = self.sensors
        reports = []
        for i, sid in enumerate(s.ids):
            hb = SensorHealth(
                sensor_id=sid, seq=self._next_seq(i), kind=s.kinds[i],
                ts=round(self.start + t, 3), battery=1.0,
            )
            reports.append((i, hb.model_dump(mode="json")))
        yield from self._batches(t, "sensors.health", reports)
