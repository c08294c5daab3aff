"""Run a trial through the pure pipeline in event time and score it against its truth.

The simulator's messages go into :class:`stream.pipeline.Pipeline` (the worker's core) as
raw Kafka messages, at the event time they were sent; the worker's 5 s ticks are run in
event time too, camera tasks go back to the simulated cameras. The naive rule sees the same
messages in a second pipeline.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry

from simulators.messages import Emission
from simulators.scenario import parse_scenario
from simulators.world import World
from stream.batch import RawMessage
from stream.correlation.inventory import Inventory
from stream.correlation.places import Places, Share
from stream.evaluation.families import Trial
from stream.evaluation.geography import Site
from stream.evaluation.scoring import (
    Actor,
    AlertMsg,
    FaultTruth,
    Options,
    TrialScore,
    TrialTruth,
    ZoneMark,
    score_trial,
)
from stream.metrics import Metrics
from stream.models import Alert, ZoneEvent
from stream.pipeline import Pipeline
from stream.settings import Settings
from stream.topics import TICKS

TICK_S = 5.0
AFTER_S = 900.0  # event time run on after the scenario so alerts escalate and clear
HEALTH_FAULTS = ("dead", "stuck", "chatter", "tamper", "low_battery", "clock_offset")


@dataclass(frozen=True)
class Feed:
    """How messages are handed to the pipeline: ``batch`` messages per call (``None``: one
    call per message, at its time), reordered within ``shuffle_s`` seconds, with or
    without camera cues fed back to the simulator, by one correlator or ``places``."""

    batch: int | None = None
    shuffle_s: float = 0.0
    cues: bool = True
    #: correlators sharing the boundary by place (:mod:`stream.correlation.places`), each
    #: given every message and reading its share of them, as a worker of a group would
    places: int = 1


@dataclass
class TrialResult:
    key: str
    family: str
    index: int
    seed: int
    description: str
    correlated: TrialScore
    naive: TrialScore
    #: (alert id, state, severity) of every correlated alert message, in order
    fingerprint: list[tuple[str, str, str]] = field(default_factory=list)
    messages: int = 0
    wall_s: float = 0.0


def worker_feed(settings: Settings, emissions: Iterable[Emission], start: float,
                after_s: float = 0.0) -> Iterator[tuple[float, RawMessage]]:
    """The simulator's messages as the worker reads them, each arriving when it was sent,
    with the worker's ticks (every ``TICK_S`` s of event time) in between and on for
    ``after_s`` after the last message."""
    ticks = settings.topic(TICKS.name)
    next_tick, n, last = start + TICK_S, 0, start
    for offset, em in enumerate(emissions):
        while next_tick <= em.ts:
            yield next_tick, RawMessage(ticks, 0, n, b"tick", b"{}", next_tick)
            next_tick, n = next_tick + TICK_S, n + 1
        last = max(last, em.ts)
        yield em.ts, RawMessage(settings.topic(em.topic), 0, offset, em.key.encode(), em.value,
                                em.ts)
    while next_tick <= last + after_s:
        yield next_tick, RawMessage(ticks, 0, n, b"tick", b"{}", next_tick)
        next_tick, n = next_tick + TICK_S, n + 1


def _shuffled(emissions: list[Emission], s: float, seed: int) -> list[Emission]:
    rng = np.random.default_rng(seed)
    keys = np.array([e.ts for e in emissions]) + rng.uniform(0, s, len(emissions))
    return [emissions[i] for i in np.argsort(keys, kind="stable")]


class _Run:
    def __init__(self, world: World, site: Site, feed: Feed) -> None:
        self.world, self.feed = world, feed
        reg = CollectorRegistry
        self.settings = Settings()
        inventory = Inventory.from_records(world.truth_records())
        self.pipes = [Pipeline(self.settings, site.fences, Metrics(reg()), inventory=inventory)
                      for _ in range(feed.places)]
        if feed.places > 1:
            cells = self.pipes[0].correlator.policies.places
            places = Places(cells.cell_m, cells.halo_m, feed.places)
            for me, pipe in enumerate(self.pipes):
                pipe.correlator.store.share = Share(places, site.fences.frame, me)
        self.naive = Pipeline(Settings(rule="naive"), site.fences, Metrics(reg()))
        self.alerts: list[Alert] = []
        self.naive_alerts: list[Alert] = []
        self.zones: list[ZoneEvent] = []
        self.ticks = self.settings.topic(TICKS.name)
        self.messages = 0

    def _process(self, batch: list[RawMessage], now: float) -> None:
        tasks = []
        for pipe in self.pipes:
            out = pipe.process(batch, now=now)
            self.alerts += out.alerts
            self.zones += out.zone_events
            tasks += out.tasks
        self.naive_alerts += self.naive.process(batch, now=now).alerts
        self.messages += sum(m.topic != self.ticks for m in batch)
        if self.feed.cues:
            for t in tasks:
                self.world.cue(t.camera_id, t.lon, t.lat, t.ts, t.incident_id)

    def go(self) -> None:
        stream: Iterable[Emission] = self.world.run()
        if self.feed.shuffle_s > 0:
            stream = _shuffled(list(stream), self.feed.shuffle_s, self.world.seed)
        size = self.feed.batch or 1
        pending: list[RawMessage] = []
        now = self.world.start
        for ts, msg in worker_feed(self.settings, stream, self.world.start, AFTER_S):
            now = max(now, ts)
            pending.append(msg)
            if len(pending) >= size:
                self._process(pending, now)
                pending = []
        if pending:
            self._process(pending, now)


def run_trial(trial: Trial, site: Site, opt: Options, start: float,
              feed: Feed = Feed()) -> TrialResult:
    t0 = time.perf_counter()
    world = trial_world(trial, site, start)
    run = _Run(world, site, feed)
    run.go()
    return result_of(trial, site, opt, world, Outputs(run.alerts, run.naive_alerts, run.zones),
                     run.messages, time.perf_counter() - t0)


def trial_world(trial: Trial, site: Site, start: float) -> World:
    """The simulated world of a trial, its scenario starting at ``start``."""
    return World(parse_scenario(trial.scenario, trial.key), start=start, boundary=site.boundary)


@dataclass
class Outputs:
    """What the pipelines produced for one trial, in the order they produced it."""

    alerts: list[Alert]
    naive_alerts: list[Alert]
    zones: list[ZoneEvent]


def result_of(trial: Trial, site: Site, opt: Options, world: World, out: Outputs,
              messages: int, wall_s: float) -> TrialResult:
    """Score a trial's outputs against the truth of the world that ran it."""
    truth = trial_truth(world.truth_records(), trial, site)
    zones = [ZoneMark(z.alert_id, z.kind, z.zone_type) for z in out.zones]
    return TrialResult(
        key=trial.key, family=trial.family, index=trial.index, seed=trial.seed,
        description=str(trial.scenario.get("description", "")),
        correlated=score_trial(truth, to_msgs(out.alerts, site), zones, opt),
        naive=score_trial(truth, to_msgs(out.naive_alerts, site), [], opt),
        fingerprint=[(a.id, a.state.value, a.severity.value) for a in out.alerts],
        messages=messages, wall_s=wall_s,
    )


def to_msgs(alerts: list[Alert], site: Site) -> list[AlertMsg]:
    if not alerts:
        return []
    x, y = site.fences.to_metric([a.lon for a in alerts], [a.lat for a in alerts])
    return [AlertMsg(a.id, a.rule, a.severity.rank, float(xi), float(yi), a.event_ts,
                     a.raised_ts, a.sector, a.cls.value, a.heading_deg)
            for a, xi, yi in zip(alerts, x, y, strict=True)]


def _legs(site: Site, x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """True azimuth of each leg of a path (NaN where it stands still)."""
    frame = site.fences.frame
    return tuple(frame.azimuth_deg(float(x[i]), float(y[i]), float(x[i + 1] - x[i]),
                                   float(y[i + 1] - y[i]))
                 if (x[i + 1], y[i + 1]) != (x[i], y[i]) else math.nan
                 for i in range(len(x) - 1))


def trial_truth(records: list[dict[str, Any]], trial: Trial, site: Site) -> TrialTruth:
    """The scoring's view of a simulator truth file, in the geofence set's metric frame."""
    actors, faults = [], []
    sensors = {r["id"]: (r["lon"], r["lat"]) for r in records if r["type"] in ("sensor",
                                                                               "camera")}
    head = next(r for r in records if r["type"] == "scenario")
    for r in records:
        if r["type"] == "actor":
            p = np.asarray(r["path"], float)
            x, y = site.fences.to_metric(p[:, 1], p[:, 2])
            t = p[:, 0]
            c = r.get("crossing") or {}
            cts = c.get("ts")
            legs = _legs(site, x, y)
            actor = Actor(r["id"], r["cls"], bool(r["intrusion"]), tuple(t), tuple(x),
                          tuple(y), cts, r.get("first_detection_ts"), legs_deg=legs)
            heading: float | None = None
            sector = None
            if cts is not None:
                heading = next(reversed(actor.courses_at(cts)), None)
                lon, lat = np.interp(cts + 5.0, t, p[:, 1]), np.interp(cts + 5.0, t, p[:, 2])
                sector = site.sector_at(float(lon), float(lat))
            actors.append(replace(actor, heading_deg=heading, sector=sector,
                                  dwell_expected=r["id"] in trial.dwell_actors))
        elif r["type"] == "fault" and r["kind"] in HEALTH_FAULTS and r["devices"]:
            lon, lat = zip(*(sensors[d] for d in r["devices"]), strict=True)
            fx, fy = site.fences.to_metric(lon, lat)
            faults.append(FaultTruth(r["kind"], tuple(fx), tuple(fy), r["at_ts"]))
    return TrialTruth(actors, faults, float(head["duration_s"]), trial.border_km,
                      site.sector_excess)
