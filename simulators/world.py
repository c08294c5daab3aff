"""A deterministic, stepped simulation of ground sensors, cameras, actors, weather and faults.

Same scenario, seed and start time (and the same cues): byte-identical messages and truth.
The messages and their reports are described in :mod:`simulators.messages`.

>>> from simulators.scenario import load_scenario
>>> msgs = list(World(load_scenario("crossing"), start=1_800_000_000.0).run())
>>> msgs[0].topic
'sensors.health'
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from geofences.index import open_set
from simulators.actors import Track, build_tracks
from simulators.boundary import Boundary
from simulators.camera_cues import CameraCues, LiveCue
from simulators.cameras import Camera
from simulators.faults import DeviceState, FaultAction, FaultTimeline
from simulators.ground_sensors import GroundSensors, Hit, HitBlock
from simulators.messages import CAMERA, GROUND, HEALTH, ActorStats, Emission, ReportWriter
from simulators.scenario import Scenario, ScenarioError
from simulators.sensor_layout import build_layout
from simulators.weather import Daylight, Weather

#: Actors are sampled at least every this many metres of movement within a step.
SAMPLE_M = 5.0


def _r(v: float, nd: int) -> float:
    return round(float(v), nd)


class World:
    """Steps a scenario and yields the messages its sensors and cameras send."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        start: float,
        boundary: Boundary | None = None,
    ) -> None:
        self.scenario = sc = scenario
        self.seed = sc.seed if seed is None else seed
        self.start = float(start)

        def rng(stream: int, *more: int) -> np.random.Generator:
            return np.random.default_rng([self.seed & 0xFFFFFFFF, stream, *more])

        try:
            self.boundary = boundary or Boundary.of(open_set(sc.geofences))
            self.layout = build_layout(sc, self.boundary)
            self.tracks: list[Track] = build_tracks(sc, self.boundary, self.seed & 0xFFFFFFFF)
            self.cameras = [Camera(c, i, rng(10, i), self.boundary)
                            for i, c in enumerate(sc.cameras)]
            n = len(self.layout)
            self.ids = self.layout.ids + [c.id for c in sc.cameras]
            self.index = {d: i for i, d in enumerate(self.ids)}
            if len(self.index) != len(self.ids):
                dup = next(d for d in self.ids if self.ids.count(d) > 1)
                raise ValueError(f"sensor or camera id {dup!r} is used twice")
            self.sources = self.layout.gateways + [c.id for c in sc.cameras]
            self.faults = FaultTimeline(sc.faults, self.index, self.sources, n)
        except ValueError as exc:
            raise ScenarioError(f"scenario {sc.name!r}: {exc}") from exc
        self.n = n
        self.ground = GroundSensors(self.layout, rng(4), rng(5))
        self.state = DeviceState(
            self.ids,
            np.array(self.layout.battery + [1.0] * len(self.cameras)),
            np.array(self.layout.drain_per_h + [0.0] * len(self.cameras)),
            n,
        )
        self.heartbeat = np.array(self.layout.heartbeat_s + [c.heartbeat_s for c in sc.cameras])
        phase_rng = rng(6)
        phase = {s: float(phase_rng.random()) for s in sorted(set(self.sources))}
        self.next_hb = np.round(np.array([phase[s] for s in self.sources]) * self.heartbeat, 1)
        self.rng_fault = rng(7)
        self.weather = Weather(sc.weather)
        fences = self.boundary.fences
        self.daylight = Daylight(self.start, sc.local_start, sc.day_hours, fences.timezone,
                                 lon=float(fences.frame.to_wgs84(*fences.frame.point(
                                     [fences.frame.length / 2]))[0][0]))
        self.stats = [ActorStats() for _ in self.tracks]
        self.writer = ReportWriter(self.start, self.layout, sc.cameras, self.state, self.sources,
                                   self.boundary, self.stats)
        self.speed = [self._max_speed(tr) for tr in self.tracks]
        self.cues = CameraCues(self.start, self.cameras, self.boundary, sc.tasking)
        self.derived_faults: list[dict[str, Any]] = []
        self.held: dict[str, list[Emission]] = defaultdict(list)
        self.reports: dict[str, int] = {GROUND: 0, CAMERA: 0, HEALTH: 0}
        self.messages = 0
        self.finished_at: float | None = None

    # --- inputs -----------------------------------------------------------

    def cue(
        self,
        camera_id: str,
        lon: float,
        lat: float,
        ts: float | None = None,
        incident_id: str | None = None,
        hold_s: float | None = None,
    ) -> None:
        """Slew-to-cue from the pipeline (thread-safe); applied at the next step.

        ``hold_s``: how long to stay on the cue [default: the camera's ``cue_hold_s``].
        """
        self.cues.put(LiveCue(camera_id, lon, lat, ts, incident_id, hold_s))

    @property
    def tasking_log(self) -> list[dict[str, Any]]:
        """Every cue received so far: when it was applied, and whether the camera exists."""
        return self.cues.log

    # --- the loop ---------------------------------------------------------

    def run(self) -> Iterator[Emission]:
        sc = self.scenario
        steps = math.floor(sc.duration_s / sc.step_s + 1e-9)
        order = sorted(range(len(self.tracks)), key=lambda i: self.tracks[i].t0)
        nxt, active = 0, []
        for k in range(steps + 1):
            t = round(k * sc.step_s, 6)
            while nxt < len(order) and self.tracks[order[nxt]].t0 <= t:
                active.append(order[nxt])
                nxt += 1
            active = [a for a in active if self.tracks[a].t1 >= t - sc.step_s]
            for e in self._step(k, t, active):
                self.messages += 1
                self.reports[e.topic] += e.reports
                yield e
        self.finished_at = steps * sc.step_s

    def _step(self, k: int, t: float, active: list[int]) -> Iterator[Emission]:
        sc, st = self.scenario, self.state
        step = sc.step_s
        out: list[Emission] = []
        extra_health: list[int] = []
        forced: list[Hit] = []
        for act in self.faults.advance(t, st):
            out.extend(self._fault_action(act, t, step, extra_health, forced))
        if k:
            for i in st.drain(step).tolist():
                self.derived_faults.append(
                    {
                        "type": "fault",
                        "kind": "battery_depleted",
                        "targets": [self.ids[i]],
                        "at_ts": _r(self.start + t, 3),
                        "until_ts": None,
                        "derived": True,
                    }
                )
        self.cues.apply(t)
        for cam in self.cameras:
            cam.slew(t, step)
        alive = st.alive
        overdue = np.flatnonzero(self.next_hb <= t + 1e-9)
        due = overdue[alive[overdue]].tolist()
        # every overdue device moves to its next beat after t (dead ones keep their schedule)
        beats = np.floor((t + 1e-9 - self.next_hb[overdue]) / self.heartbeat[overdue]) + 1
        self.next_hb[overdue] += beats * self.heartbeat[overdue]
        out.extend(self.writer.health(t, sorted(set(due) | set(extra_health))))
        hits = HitBlock.of([])
        frames: list[Emission] = []
        if k:
            wind, rain = self.weather.at(t)
            hits = self.ground.step(
                t,
                step,
                self._samples(t, step, active),
                self._who(active),
                alive[: self.n],
                wind,
                rain,
            )
            stuck = np.flatnonzero((st.stuck_next[: self.n] <= t + 1e-9) & alive[: self.n])
            for s in stuck.tolist():
                period = st.chatter_period[s]
                if not period or (t - st.chatter_t0[s]) % period < st.chatter_on[s]:
                    forced.append(self.ground.forced(s, t, step, 1.0, "unknown", -2))
                st.stuck_next[s] += st.stuck_interval[s]
            frames = self._camera_frames(t, step, active, rain)
        out.extend(self.writer.ground(t, HitBlock.join([hits, HitBlock.of(forced)])))
        out.extend(frames)
        for e in out:
            if e.key in self.faults.held:
                self.held[e.key].append(e)
            else:
                yield e

    # --- pieces of a step -------------------------------------------------

    def _fault_action(
        self, act: FaultAction, t: float, step: float, extra_health: list[int], forced: list[Hit]
    ) -> list[Emission]:
        if act.what == "tamper":
            touches = getattr(self.scenario.faults[act.fault], "touch_detections", 0)
            for d in act.devices:
                extra_health.append(d)
                if d < self.n:
                    for _ in range(touches):
                        forced.append(self.ground.forced(d, t, step, 0.95, "person", -3))
            return []
        burst: list[Emission] = []
        for src in act.sources:
            burst.extend(self.held.pop(src, []))
        if getattr(self.scenario.faults[act.fault], "shuffle", False) and burst:
            perm = self.rng_fault.permutation(len(burst))
            burst = [burst[i] for i in perm.tolist()]
        ts = _r(self.start + t, 3)
        return [Emission(ts, e.topic, e.key, e.value, e.reports) for e in burst]

    @staticmethod
    def _max_speed(tr: Track) -> float:
        dt = np.diff(tr.t)
        dd = np.hypot(np.diff(tr.x), np.diff(tr.y))
        moving = dt > 0
        return float((dd[moving] / dt[moving]).max()) if moving.any() else 0.0

    def _who(self, active: list[int]) -> list[tuple[int, str, int]]:
        return [(a, self.tracks[a].cls, self.tracks[a].count) for a in active]

    def _samples(
        self, t: float, step: float, active: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs: list[float] = []
        ys: list[float] = []
        owner: list[int] = []
        for j, a in enumerate(active):
            tr = self.tracks[a]
            k = max(1, math.ceil(self.speed[a] * step / SAMPLE_M))
            for m in range(1, k + 1):
                x, y = tr.position_at(t - step + step * m / k)
                xs.append(x)
                ys.append(y)
                owner.append(j)
        return np.array(xs, float), np.array(ys, float), np.array(owner, dtype=np.int64)

    def _camera_frames(
        self, t: float, step: float, active: list[int], rain: float
    ) -> list[Emission]:
        if not any(c.next_frame <= t + 1e-9 for c in self.cameras):
            return []
        night = self.daylight.night(t)
        targets = []
        for a in active:
            tr = self.tracks[a]
            if tr.t0 <= t <= tr.t1:
                x, y = tr.position_at(t)
                targets.append((a, tr.cls, tr.count, x, y))
        out: list[Emission] = []
        alive = self.state.alive
        for cam in self.cameras:
            i = self.n + cam.index
            if cam.next_frame > t + 1e-9:
                continue
            cam.next_frame += cam.spec.frame_s
            if not alive[i]:
                continue
            hits = cam.frame(t, step, night, rain, targets)
            if hits:
                out.extend(self.writer.camera(t, i, cam.spec.id, hits))
        return out

    # --- ground truth -----------------------------------------------------

    def truth_records(self) -> list[dict[str, Any]]:
        """The ground truth (see :mod:`simulators.truth`); complete once ``run`` has ended."""
        from simulators.truth import truth_records

        return truth_records(self)

    def write_truth(self, path: Path) -> int:
        """Write the ground truth as JSON lines; returns the number of records."""
        records = self.truth_records()
        with path.open("wb") as f:
            for r in records:
                f.write(orjson.dumps(r) + b"\n")
        return len(records)
