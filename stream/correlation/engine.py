"""The correlator: evidence, health reports and acks in; alert state changes and camera
tasks out. No Kafka here: an agent feeds batches and sends what comes back.

It orchestrates: the event clock holds reports back until the watermark passes them, then
each step of event time runs its health reports (:mod:`.heartbeats`), screens faulted
sensors (:mod:`.sensor_faults`), joins detections into incidents (:mod:`.joining`) and
evaluates them (:mod:`.alerting`); due timers run between steps. Its state is plain data
under the keys of :mod:`.state_codec`; :attr:`CorrelatorResult.changed` names those a batch
changed (``None``: delete), so a worker can mirror them into a changelogged table and
:meth:`Correlator.restore` them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from geofences.frame import Frame
from geofences.index import GeofenceSet
from stream.correlation import alerting, lateness, sensor_faults, stepping
from stream.correlation import state_codec as codec
from stream.correlation.clock import EventClock
from stream.correlation.evidence import Arrival, Evidence, Heartbeat
from stream.correlation.held import AFTER, Held
from stream.correlation.incidents import Incident
from stream.correlation.inventory import Inventory
from stream.correlation.policies import Policies
from stream.correlation.reframe import reproject
from stream.correlation.result import CorrelatorResult, Move
from stream.correlation.store import Store
from stream.correlation.tasking import CameraNetwork, CameraSite
from stream.correlation.timer_actions import on_due
from stream.correlation.timers import Timers
from stream.correlation.zone_placement import ZonePlacement
from stream.models import AlertAckMessage, SensorHealth

__all__ = ["FUTURE_S", "Correlator", "CorrelatorResult"]

FUTURE_S = 30.0


class Correlator:
    """Incidents, tracks, fusion, zone policies and the alert lifecycle over batches."""

    def __init__(self, fences: GeofenceSet, policies: Policies | None = None,
                 inventory: Inventory | None = None, future_s: float = FUTURE_S) -> None:
        pol = policies or Policies.bundled()
        self.store = Store.build(fences, pol, inventory or Inventory())
        self.watermark = 0.0  # newest event time seen
        #: reports further ahead of processing time are left out (a broken sensor clock)
        self.future_s = future_s
        self.clock = EventClock(pol.lateness.hold_s, pol.incident.slice_s, pol.lateness.idle_s)
        self.tclock = 0.0  # the last step boundary whose timers ran
        self.held = Held()  # reports waiting for the watermark
        #: processing time the reports held as :data:`.held.AFTER` arrived at (NaN: unknown)
        self.after_at = math.nan
        self.timers = Timers(pol)
        self.store.dirty = self.timers.changes()  # a changed incident is rescheduled

    @property
    def policies(self) -> Policies:
        return self.store.policies

    @property
    def incidents(self) -> dict[str, Incident]:
        return self.store.incidents

    @property
    def sites(self) -> dict[str, list[float]]:
        return self.store.sites

    @property
    def cameras(self) -> CameraNetwork:
        return self.store.cameras

    @property
    def fences(self) -> GeofenceSet:
        return self.store.placement.fences

    @property
    def frame(self) -> Frame:
        """The metric frame and boundary of the geofence set in force."""
        return self.store.frame

    def use_fences(self, fences: GeofenceSet) -> None:
        """Switch every user of the geofence set and its frame (call between batches);
        open incidents move into the new frame when its CRS differs."""
        old = self.frame
        self.store.placement = ZonePlacement(fences, self.policies)
        self.store.cameras = CameraNetwork(self.cameras.sites, fences.frame)
        if fences.frame.crs != old.crs:
            for inc in self.incidents.values():
                reproject(inc, old, fences.frame)
                self.store.dirty.add(inc.id)

    # --- state (keys and values: :mod:`.state_codec`) -----------------------------------
    def state(self) -> dict[str, Any]:
        """Every key, as :attr:`CorrelatorResult.changed` would write it."""
        out: dict[str, Any] = {codec.key(codec.INC, i): inc.to_dict()
                               for i, inc in self.incidents.items()}
        out.update({codec.key(codec.SITE, s): v for s, v in self.sites.items()} | self.held.state())
        out.update({codec.key(codec.FLT, s): d for s, d in self.store.faults.state().items()})
        out[codec.META] = self._meta().to_dict()
        return out

    def restore(self, state: Mapping[str, Any]) -> None:
        """Resume from keys written earlier (e.g. a recovered table)."""
        self.resume(codec.decode(state))

    def resume(self, saved: codec.Saved) -> None:
        """Resume from decoded state (its cameras and zone stays are the caller's)."""
        self.incidents.update(saved.incidents)
        self.sites.update(saved.sites)
        self.store.grid.clear()
        for k, docs in saved.held.items():
            self.held.restore(k, docs)
        if saved.meta is not None:
            m = saved.meta
            self.watermark, self.tclock = m.watermark, m.tclock
            self.clock.load(m.clock)
            self.store.faults.load(m.faults)
            self.store.limiter.buckets = m.buckets
        for sensor, d in saved.faults.items():
            self.store.faults.load_sensor(sensor, d)
        self.store.reindex()
        self.timers.touch(self.incidents)
        # A crash between a batch's writes and its deletions leaves released reports held
        # that an incident already took: they must not be released a second time.
        self.held.forget(self.seen_events())

    def seen_events(self) -> set[bytes]:
        """Digests of the event ids the incidents hold (:func:`.seen.digest`); replays skip them."""
        return {h for inc in self.incidents.values() for h in inc.seen.digests()}

    def place_sensor(self, sensor: str, lon: float, lat: float) -> bool:
        """Where a sensor stands (its heartbeat says); True if that is news."""
        if self.sites.get(sensor) == [lon, lat]:
            return False
        self.store.grid.forget(sensor)
        self.sites[sensor] = [lon, lat]
        return True

    def use_cameras(self, sites: Sequence[CameraSite]) -> None:
        """Task these cameras from now on."""
        self.store.cameras = CameraNetwork(sites, self.frame)

    def home(self, incident_id: str | None) -> int | None:
        """The source partition an incident belongs with: its first report's (None: no
        such incident, or no report kept)."""
        inc = self.incidents.get(incident_id) if incident_id is not None else None
        return inc.home if inc is not None else None

    def alert_home(self, alert_id: str) -> int | None:
        """The source partition of the incident holding ``alert_id`` (:meth:`home`)."""
        return self.home(self.store.by_alert.get(alert_id))

    def sensor_home(self, sensor: str) -> int | None:
        """The source partition of a sensor's heartbeats, or its gateway's if never heard."""
        return self.store.faults.partition_of(sensor)

    def has_alert(self, alert_id: str) -> bool:
        """Whether ``alert_id`` belongs to an incident this correlator holds."""
        return alert_id in self.store.by_alert

    def open_faults(self) -> Counter[tuple[str, str]]:
        """Open sensor faults by (sector, fault kind), for the health gauges."""
        return sensor_faults.counts(self.store)

    def _meta(self) -> codec.Meta:
        return codec.Meta(self.watermark, self.tclock, self.clock.to_dict(),
                          buckets=self.store.limiter.buckets)

    def _flush(self, out: CorrelatorResult) -> CorrelatorResult:
        """Write each changed incident once per call (``None``: forget the key)."""
        for i in self.store.dirty:
            inc = self.incidents.get(i)
            out.changed[codec.key(codec.INC, i)] = inc.to_dict() if inc is not None else None
        self.store.dirty.clear()
        out.changed.update(self.held.changed())
        out.changed.update({codec.key(codec.FLT, s): d
                            for s, d in self.store.faults.changed().items()})
        out.changed[codec.META] = self._meta().to_dict()
        return out

    @property
    def now(self) -> float:
        """The correlator's clock: event time up to which the stream was correlated."""
        return self.frontier if self.frontier is not None else self.watermark

    @property
    def frontier(self) -> float | None:
        return self.clock.frontier

    def process(self, evidence: Sequence[Evidence], now: float,
                health: Sequence[SensorHealth | Heartbeat] = (),
                acks: Sequence[AlertAckMessage] = (),
                unread: Collection[str] = ()) -> CorrelatorResult:
        """One message arriving at ``now`` (processing time): :meth:`receive`."""
        beats = tuple(h if isinstance(h, Heartbeat) else Heartbeat(h, "health", 0) for h in health)
        return self.receive([Arrival(now, tuple(evidence), beats, tuple(acks))], unread)

    def receive(self, arrivals: Sequence[Arrival],
                unread: Collection[str] = ()) -> CorrelatorResult:
        """Messages one after another, each at its own arrival time (processing time, UTC
        epoch seconds, which only tells which sources went idle; everything else runs on
        event time, :mod:`.clock`): a batch gives what its messages give one by one.
        ``unread``: sources (``topic:partition``) assigned to this worker that still hold
        reports it has not read; one that has delivered nothing yet holds the clock back."""
        out = CorrelatorResult()
        moved: list[Move] = []
        for arrival in arrivals:
            self._admit(arrival, unread, out, moved)
        if moved:
            ids, ts_, x, y = zip(*moved, strict=True)
            lon, lat = self.frame.to_wgs84(np.array(x), np.array(y))
            out.positions = list(zip(ids, ts_, lon.tolist(), lat.tolist(), strict=True))
        return self._flush(out)

    def _admit(self, arrival: Arrival, unread: Collection[str], out: CorrelatorResult,
               moved: list[Move]) -> None:
        """Judge one message's reports against the clock as it stood before it (late,
        held for their step, or backlog), then release what the clock lets go."""
        now, allowed = arrival.at, self.policies.lateness.allowed_s
        if self.held.has_after() and now != self.after_at:
            self._after(out, moved)
        items: list[Evidence | Heartbeat] = [*arrival.evidence, *arrival.health]
        front = self.clock.frontier
        # a source unread until now was holding the clock: its first reports are not late
        wm = self.clock.watermark(now, self.clock.unread | set(unread))
        wm, self.clock.unread = (-math.inf if wm is None else wm), set(unread)
        ahead = [it for it in items if it.report.ts > now + self.future_s]
        if ahead:  # a broken clock must not move event time for everyone (the worker
            out.future += len(ahead)  # dead-letters these at its edge already)
            items = [it for it in items if it.report.ts <= now + self.future_s]
        newest: dict[tuple[str, int], float] = {}  # per source: the clock keeps the newest
        for it in items:
            if it.report.ts > newest.get((it.topic, it.partition), -math.inf):
                newest[it.topic, it.partition] = it.report.ts
        for (topic, partition), ts in newest.items():
            self.clock.observe(f"{topic}:{partition}", ts, now)
            self.watermark = max(self.watermark, ts)
        held, stale, late = lateness.split(self.store.mine(items), wm, front, allowed)
        out.late += late
        self.held.add_all(held, self.clock.cell)
        if stale and front is not None:  # within the allowed lateness: correlated together
            out.backlog += sum(isinstance(it, Evidence) for it in stale)
            for it in stale:
                self.held.add(AFTER, it)
            self.after_at = now
        if not self.held.has_after():  # else they go first, once processing time moves on
            self._advance(self.clock.release_to(now, unread), out, moved)
        alerting.apply_acks(self.store, arrival.acks, self.now, out)

    def _after(self, out: CorrelatorResult, moved: list[Move]) -> None:
        """Correlate the reports that came after the clock passed their moment at the
        frontier, step by step of their event time: all that arrived at one processing time
        together, so the answer does not depend on how messages were grouped into arrivals
        (one by one, as a gateway uploads, or a fetch of many)."""
        front = self.clock.frontier
        if front is None:
            return
        for step in stepping.by_step(self.held.take_after(), self.clock.cell):
            stepping.run(self.store, step, front, None, out, moved)

    def tick(self, now: float, unread: Collection[str] = ()) -> CorrelatorResult:
        """Release what idle sources held back and run the timers it makes due."""
        return self.receive([Arrival(now)], unread)

    def _advance(self, to: float | None, out: CorrelatorResult,
                 moved: list[Move]) -> None:
        """Correlate the buffered reports before ``to`` step by step, firing each timer
        at the first step boundary at or after its deadline, before that step."""
        if to is None or (self.clock.frontier is not None and to <= self.clock.frontier):
            return
        cells = stepping.by_step(self.held.take(self.clock.cell(to)), self.clock.cell)
        step, i = self.clock.step_s, 0
        while True:
            start = self.clock.cell(cells[i][0].report.ts) * step if i < len(cells) else None
            due = self.timers.next_due(self.incidents, self.tclock, step)
            if due is not None and due <= to and (start is None or due <= start):
                self._timers(due, out)
                self.tclock = due
                continue
            if start is None:
                break
            stepping.run(self.store, cells[i], start + step, self.clock.progress, out, moved)
            self.tclock = max(self.tclock, start)
            i += 1
        self.clock.frontier = to
        self.tclock = max(self.tclock, to - step)

    def _timers(self, now: float, out: CorrelatorResult) -> None:
        """Escalate unacknowledged alerts, clear idle ones, send held-back updates, open
        alerts whose confirmation wait ended, close quiet incidents, forget old ones."""
        for inc_id in self.timers.due(self.incidents, self.tclock, now, self.clock.step_s):
            on_due(self.store, inc_id, now, out)
