"""The correlator: evidence, health reports and acks in; alert state changes and camera
tasks out. No Kafka here: an agent feeds batches and sends what comes back.

Its state is plain data under string keys (``inc:<id>``, ``site:<sensor>``, ``meta``);
:attr:`CorrelatorResult.changed` names the keys a batch changed (``None``: delete), so a
worker can mirror them into a changelogged table and :meth:`Correlator.restore` them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from geofences.frame import Frame
from geofences.index import GeofenceSet
from stream.alerts import lifecycle
from stream.correlation import fusion, lateness
from stream.correlation.apply import Batch, apply
from stream.correlation.clock import EventClock
from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.faults import Fault, FaultWatch
from stream.correlation.held import Held
from stream.correlation.incidents import Incident, group_new, match
from stream.correlation.merge import merge_into, survivor
from stream.correlation.policies import Policies
from stream.correlation.reframe import reproject
from stream.correlation.rules import animal_confirmed, fired_rule
from stream.correlation.tamper import tamper_incident
from stream.correlation.tasking import CameraNetwork, CameraSite, plan_task
from stream.correlation.timers import Timers
from stream.correlation.tracks import crossed, fit_track_robust, predicted_crossing
from stream.correlation.zone_placement import ZonePlacement
from stream.correlation.zone_rule import stable_id
from stream.models import (
    Ack,
    Alert,
    AlertAckMessage,
    AlertState,
    CameraDetection,
    CameraTask,
    GroundDetection,
    LateEvent,
    SensorHealth,
    TargetClass,
)


def _paths(incs: Sequence[Incident]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                                             npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Every incident's path points (its last position when it has none) and their owner."""
    pts = [(p, k) for k, i in enumerate(incs) for p in (i.path or [[i.last_ts, i.x, i.y]])]
    if not pts:
        e = np.empty(0, float)
        return e, e, e, np.empty(0, np.intp)
    a = np.array([p for p, _ in pts], float)
    return a[:, 0], a[:, 1], a[:, 2], np.array([k for _, k in pts], np.intp)


FUTURE_S = 30.0
#: Faults that end when the sensor has been quiet for ``faults.recover_s``.
QUIET_RECOVERY = {Fault.CHATTERING.value, Fault.STUCK.value}


def _order(it: Evidence | Heartbeat) -> tuple[float, str]:
    """Event-time order, ties by event id: the same however the reports arrived."""
    return it.report.ts, it.report.event_id


#: Classes that keep incidents apart (0 person, 1 vehicle); see Correlator._gate_class.
GATED = {TargetClass.PERSON.value: 0, TargetClass.VEHICLE.value: 1}
_GATED_IDX = np.array([-1] + [GATED.get(c.value, -1) for c in fusion.CLASSES], np.intp)


@dataclass(slots=True)
class CorrelatorResult:
    alerts: list[Alert] = field(default_factory=list)
    tasks: list[CameraTask] = field(default_factory=list)
    late: list[LateEvent] = field(default_factory=list)
    rate_limited: Counter[str] = field(default_factory=Counter)  # zone id -> incidents folded
    rate_limited_sectors: Counter[str] = field(default_factory=Counter)  # sector -> folded
    backlog: int = 0  # detections older than the backlog limit (they open no alert)
    duplicates: int = 0  # redelivered detections, counted once already
    future: int = 0  # reports timed beyond ``Correlator.future_s`` ahead of processing time
    changed: dict[str, Any] = field(default_factory=dict)
    #: (alert id, event time, lon, lat): the fitted track position of every open alert a
    #: slice moved (raw reports jump between sensors; a track is smoothed)
    positions: list[tuple[str, float, float, float]] = field(default_factory=list)


class Correlator:
    """Incidents, tracks, fusion, zone policies and the alert lifecycle over batches."""

    def __init__(self, fences: GeofenceSet, policies: Policies | None = None,
                 cameras: Sequence[CameraSite] = (),
                 sensor_sites: Mapping[str, tuple[float, float]] | None = None) -> None:
        self.policies = policies or Policies.bundled()
        self.placement = ZonePlacement(fences, self.policies)
        self.cameras = CameraNetwork(cameras, fences.frame)
        self.incidents: dict[str, Incident] = {}
        self.sites: dict[str, list[float]] = {k: list(v) for k, v in (sensor_sites or {}).items()}
        self.watermark = 0.0  # newest event time seen
        #: reports further ahead of processing time are left out (a broken sensor clock)
        self.future_s = FUTURE_S
        lat = self.policies.lateness
        self.clock = EventClock(lat.hold_s, self.policies.incident.slice_s, lat.idle_s)
        self.tclock = 0.0  # the last step boundary whose timers ran
        self.held = Held()  # reports waiting for the watermark
        self.timers = Timers(self.policies)
        self.faults = FaultWatch(self.policies.faults)
        self._beat_src: dict[str, str] = {}
        self.limiter = lifecycle.RateLimiter(self.policies.lifecycle.rate_per_zone_per_minute)
        self._by_alert: dict[str, str] = {}
        self._dirty: set[str] = set()

    @property
    def frame(self) -> Frame:
        """The metric frame and boundary of the geofence set in force."""
        return self.placement.fences.frame

    def use_fences(self, fences: GeofenceSet) -> None:
        """Switch every user of the geofence set and its frame (call between batches);
        open incidents move into the new frame when its CRS differs."""
        old = self.frame
        self.placement = ZonePlacement(fences, self.policies)
        self.cameras = CameraNetwork(self.cameras.sites, fences.frame)
        if fences.frame.crs != old.crs:
            for inc in self.incidents.values():
                reproject(inc, old, fences.frame)
                self._dirty.add(inc.id)

    # --- state ------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Every key, as :attr:`CorrelatorResult.changed` would write it."""
        out: dict[str, Any] = {f"inc:{i}": inc.to_dict() for i, inc in self.incidents.items()}
        out.update({f"site:{s}": v for s, v in self.sites.items()})
        out.update(self.held.state())
        out["meta"] = self._meta()
        return out

    def restore(self, state: Mapping[str, Any]) -> None:
        """Resume from keys written earlier (e.g. a recovered table)."""
        for key, value in state.items():
            if value is None:
                continue
            kind, _, name = key.partition(":")
            if kind == "inc":
                self.incidents[name] = Incident.from_dict(value)
            elif kind == "site":
                self.sites[name] = list(value)
            elif kind == "buf":
                self.held.restore(key, value)
            elif key == "meta":
                self.watermark = float(value["watermark"])
                self.tclock = float(value.get("tclock", 0.0))
                self.clock.load(value.get("clock", {}))
                self.faults.load(value.get("faults", {}))
                self.limiter.buckets = {k: list(v) for k, v in value["buckets"].items()}
        self._by_alert = {inc.alert["id"]: i for i, inc in self.incidents.items() if inc.alert}

    def has_alert(self, alert_id: str) -> bool:
        """Whether ``alert_id`` belongs to an incident this correlator holds."""
        return alert_id in self._by_alert

    def _meta(self) -> dict[str, Any]:
        return {"watermark": self.watermark, "tclock": self.tclock,
                "clock": self.clock.to_dict(), "faults": self.faults.to_dict(),
                "buckets": self.limiter.buckets}

    def _flush(self, out: CorrelatorResult) -> CorrelatorResult:
        """Write each changed incident once per call (``None``: forget the key)."""
        for i in self._dirty:
            inc = self.incidents.get(i)
            out.changed[f"inc:{i}"] = inc.to_dict() if inc is not None else None
        self._dirty.clear()
        out.changed.update(self.held.changed())
        out.changed["meta"] = self._meta()
        return out

    # --- batches ------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """The correlator's clock: event time up to which the stream was correlated."""
        return self.frontier if self.frontier is not None else self.watermark

    @property
    def frontier(self) -> float | None:
        return self.clock.frontier

    def process(self, evidence: Sequence[Evidence], now: float,
                health: Sequence[SensorHealth | Heartbeat] = (),
                acks: Sequence[AlertAckMessage] = ()) -> CorrelatorResult:
        """One batch. ``now`` (processing time, UTC epoch seconds) only tells which
        sources went idle; everything else runs on event time (:mod:`.clock`)."""
        out = CorrelatorResult()
        moved: list[tuple[str, float, float, float]] = []
        allowed = self.policies.lateness.allowed_s
        stale: list[Evidence | Heartbeat] = []
        items: list[Evidence | Heartbeat] = list(evidence)
        items += [h if isinstance(h, Heartbeat) else Heartbeat(h, "health", 0) for h in health]
        front = self.clock.frontier
        wm = self.clock.watermark(now)  # before this batch: its reports arrived together
        if wm is None:
            wm = -math.inf
        ahead = [it for it in items if it.report.ts > now + self.future_s]
        if ahead:  # a broken clock must not move event time for everyone (the worker
            out.future += len(ahead)  # dead-letters these at its edge already)
            items = [it for it in items if it.report.ts <= now + self.future_s]
        for it in items:
            self.clock.observe(f"{it.topic}:{it.partition}", it.report.ts, now)
            self.watermark = max(self.watermark, it.report.ts)
        for it in items:
            ts = it.report.ts
            if ts < wm - allowed:
                if isinstance(it, Evidence):
                    out.late.append(lateness.late_event(it, wm))
            elif front is None or ts >= front:
                self.held.add(self.clock.cell(ts), it)
            else:
                stale.append(it)
        if stale:  # after their moment, within the allowed lateness: correlated at once
            assert front is not None
            out.backlog += sum(isinstance(it, Evidence) for it in stale)
            self._step(sorted(stale, key=_order), front, out, moved)
        self._advance(self.clock.release_to(now), out, moved)
        if moved:
            ids, ts_, x, y = zip(*moved, strict=True)
            lon, lat = self.frame.to_wgs84(np.array(x), np.array(y))
            out.positions = list(zip(ids, ts_, lon.tolist(), lat.tolist(), strict=True))
        self._acks(acks, self.now, out)
        return self._flush(out)

    def tick(self, now: float) -> CorrelatorResult:
        """Release what idle sources held back and run the timers it makes due."""
        return self.process((), now)

    def _advance(self, to: float | None, out: CorrelatorResult,
                 moved: list[tuple[str, float, float, float]]) -> None:
        """Correlate the buffered reports before ``to`` step by step, firing each timer
        at the first step boundary at or after its deadline, before that step."""
        if to is None or (self.clock.frontier is not None and to <= self.clock.frontier):
            return
        ready = sorted(self.held.take(self.clock.cell(to)), key=_order)
        step = self.clock.step_s
        cells: list[list[Evidence | Heartbeat]] = []
        for it in ready:
            k = self.clock.cell(it.report.ts)
            if not cells or self.clock.cell(cells[-1][0].report.ts) != k:
                cells.append([])
            cells[-1].append(it)
        i = 0
        while True:
            start = self.clock.cell(cells[i][0].report.ts) * step if i < len(cells) else None
            due = self.timers.next_due(self.incidents, self.tclock, step)
            if due is not None and due <= to and (start is None or due <= start):
                self._timers(due, out)
                self.tclock = due
                continue
            if start is None:
                break
            self._step(cells[i], start + step, out, moved)
            self.tclock = max(self.tclock, start)
            i += 1
        self.clock.frontier = to
        self.tclock = max(self.tclock, to - step)

    def _step(self, items: Sequence[Evidence | Heartbeat], clock: float, out: CorrelatorResult,
              moved: list[tuple[str, float, float, float]], backlog: bool = False) -> None:
        """One step of event time: its health reports (tamper), then its detections."""
        health = [it.report for it in items if isinstance(it, Heartbeat)]
        self._beat_src = {it.report.event_id: f"{it.topic}:{it.partition}"
                          for it in items if isinstance(it, Heartbeat)}
        early = self._health(health, clock, out) | self._dead_sensors(clock, out)
        ev, faulty = self._screen_faults([it for it in items if isinstance(it, Evidence)],
                                         clock, out)
        for inc_id in sorted(early | faulty):
            if self.incidents[inc_id].open:
                self._evaluate(self.incidents[inc_id], clock, out)
        touched = self._ingest(ev, clock, out, backlog)
        touched = self._merge(touched, clock, out)
        for inc_id in sorted(touched):
            inc = self.incidents[inc_id]
            self._evaluate(inc, clock, out)
            if inc.track and inc.alert and inc.alert["state"] != AlertState.CLEARED.value:
                moved.append((inc.alert["id"], inc.last_ts, *inc.position_at(inc.last_ts)))

    def _timers(self, now: float, out: CorrelatorResult) -> None:
        """Escalate unacknowledged alerts, clear idle ones, send held-back updates, open
        alerts whose confirmation wait ended, close quiet incidents, forget old ones."""
        pol = self.policies
        for inc_id in self.timers.due(self.incidents, self.tclock, now, self.clock.step_s):
            inc = self.incidents[inc_id]
            if not inc.open:
                if now - (inc.closed_ts or now) >= pol.incident.retain_s:
                    del self.incidents[inc_id]
                    self._by_alert.pop(lifecycle.alert_id(inc_id), None)
                    self._dirty.add(inc_id)
                continue
            if inc.kind == "fault":
                if inc.fault in QUIET_RECOVERY and now - inc.last_ts >= pol.faults.recover_s:
                    self._recover(inc, now, out)
            elif inc.alert:
                self._evaluate(inc, now, out, timers_only=True)
            elif inc.armed_event_ts is not None and inc.kind == "detection":
                self._evaluate(inc, now, out)  # a rule fired: alert once confirm_s passed
                if inc.alert is None and now - inc.last_ts >= pol.incident.window_s:
                    self._close(inc, None, now, out)
            elif inc.kind == "detection" and now - inc.last_ts >= pol.incident.window_s:
                self._close(inc, None, now, out)

    # --- evidence ------------------------------------------------------------------------
    def _ingest(self, evidence: Sequence[Evidence], now: float, out: CorrelatorResult,
                backlog_all: bool = False) -> set[str]:
        """Join one step's detections (event-time order) to incidents or start new ones;
        ``backlog_all``: they came after their moment was correlated (open no alert)."""
        if not evidence:
            return set()
        pol = self.policies
        reports = [e.report for e in evidence]
        ts = np.fromiter((r.ts for r in reports), float, len(reports))
        keep = np.arange(len(reports))
        keep = keep[self._touches(evidence, keep, ts, out)]
        if keep.size == 0:
            return set()
        ev = [evidence[i] for i in keep.tolist()]
        rep = [reports[i] for i in keep.tolist()]
        ts = ts[keep]
        lon = np.fromiter((r.lon for r in rep), float, len(rep))
        lat = np.fromiter((r.lat for r in rep), float, len(rep))
        x, y = self.frame.to_metric(lon, lat)
        place = self.placement.place(lon, lat, ts)
        backlog = np.full(ts.size, backlog_all)
        out.backlog += int(backlog.sum())
        is_cam = np.fromiter((isinstance(r, CameraDetection) for r in rep), bool, len(rep))
        kinds = [r.kind.value if isinstance(r, GroundDetection) else "camera" for r in rep]
        classes = [r.signature.value if isinstance(r, GroundDetection) else r.cls.value
                   for r in rep]
        values = np.fromiter((r.strength if isinstance(r, GroundDetection) else r.confidence
                              for r in rep), float, len(rep))
        cls_idx, score = fusion.contributions(kinds, classes, values, pol.fusion.weights)

        incs = [i for i in self.incidents.values() if i.open and i.kind == "detection"]
        gate_cls = np.where(is_cam, -1, _GATED_IDX[cls_idx + 1])  # a camera may refute one
        st, sx, sy, owner = _paths(incs)
        codes = match(ts, x, y, st, sx, sy, pol.incident, gate_cls,
                      np.array([self._gate_class(i) for i in incs], np.intp), owner)
        fresh = np.flatnonzero(codes < 0)
        if fresh.size:
            labels = group_new(ts[fresh], x[fresh], y[fresh], pol.incident)
            order = np.argsort(labels, kind="stable")
            bounds = np.flatnonzero(np.diff(labels[order])) + 1
            for group in np.split(order, bounds):
                members = fresh[group]
                first = int(members[np.argmin(ts[members])])
                inc_id = stable_id("inc", rep[first].event_id)
                if inc_id not in self.incidents:  # else a replay: closed, or joined anyway
                    self.incidents[inc_id] = Incident(
                        id=inc_id, first_event=rep[first].event_id, first_ts=float(ts[first]),
                        last_ts=float(ts[first]), x=float(x[first]), y=float(y[first]),
                        x0=float(x[first]), y0=float(y[first]), lon=float(lon[first]),
                        lat=float(lat[first]), backlog=bool(backlog[members].all()))
                codes[members] = len(incs)
                incs.append(self.incidents[inc_id])
        batch = Batch(ev, ts, x, y, is_cam, kinds, values, cls_idx, score, place)
        touched, dups = apply(batch, incs, codes, self.sites, out.changed, pol.incident)
        out.duplicates += dups
        return touched

    def _merge(self, touched: set[str], now: float, out: CorrelatorResult) -> set[str]:
        """Merge each touched incident with an open one whose path meets its recent path
        (within ``radius_m`` and ``corroborate_s``, classes compatible): reports of one
        target that arrived in a different order can start two incidents. The one with an
        alert (the more severe, else the older) survives with its alert id; the other
        closes without a message of its own unless it had an alert too (then it clears,
        reason ``merged``). One STRtree query for the whole slice."""
        pol = self.policies.incident
        incs = [i for i in self.incidents.values() if i.open and i.kind == "detection"]
        mine = [k for k, i in enumerate(incs) if i.id in touched and i.path]
        if len(incs) < 2 or not mine:
            return touched
        st, sx, sy, owner = _paths(incs)
        q = [(p, k) for k in mine for p in incs[k].path[-3:]]  # what this slice added
        qa = np.array([p for p, _ in q], float)
        qk = np.array([k for _, k in q], np.intp)
        qi, si = shapely.STRtree(shapely.points(sx, sy)).query(
            shapely.points(qa[:, 1], qa[:, 2]), predicate="dwithin", distance=pol.radius_m)
        a, b = qk[qi], owner[si]
        ok = (a != b) & (np.abs(qa[qi, 0] - st[si]) <= pol.corroborate_s)
        if not ok.any():
            return touched
        cls = np.array([self._merge_class(i) for i in incs], np.intp)
        ok &= (cls[a] < 0) | (cls[b] < 0) | (cls[a] == cls[b])
        pairs = sorted({(min(x, y), max(x, y)) for x, y in zip(a[ok].tolist(), b[ok].tolist(),
                                                                strict=True)})
        root = list(range(len(incs)))

        def find(k: int) -> int:
            while root[k] != k:
                k = root[k]
            return k

        for x, y in pairs:
            rx, ry = find(x), find(y)
            if rx == ry:
                continue
            keep, gone = survivor(incs[rx], incs[ry])
            merge_into(keep, gone)
            gone.closed_ts = now
            gone.folded_into = keep.alert["id"] if keep.alert else keep.id
            self._clear_folded(gone, "merged", now, out)
            self._dirty.update((keep.id, gone.id))
            kept = rx if keep is incs[rx] else ry
            root[rx] = root[ry] = kept
            touched = (touched - {gone.id}) | {keep.id}
        return touched

    def _merge_class(self, inc: Incident) -> int:
        """Person or vehicle by camera, else by fused class when fairly sure; else -1."""
        gate = self._gate_class(inc)
        if gate >= 0:
            return gate
        cls, conf = fusion.fuse(fusion.total(inc.scores), self.policies.fusion.min_score)
        return GATED.get(cls.value, -1) if conf >= 0.5 else -1

    def _gate_class(self, inc: Incident) -> int:
        """Person or vehicle, when a camera confirmed it (the incident then refuses sensor
        hits whose signature says the other one), else -1. Person and animal signatures are
        confused too often to split incidents on."""
        best = max(inc.camera_conf, key=lambda c: inc.camera_conf[c], default="")
        ok = inc.camera_conf.get(best, 0.0) >= self.policies.camera.min_confidence
        return GATED.get(best, -1) if ok else -1

    # --- health (tamper) -------------------------------------------------------------------
    def _tampers(self) -> dict[str, list[Incident]]:
        """Sensor id -> its tamper incidents (open, or closed and still retained)."""
        out: dict[str, list[Incident]] = {}
        for inc in self.incidents.values():
            if inc.kind == "tamper":
                out.setdefault(inc.first_event.rsplit(":", 1)[0], []).append(inc)
        return out

    def _touches(self, evidence: Sequence[Evidence], idx: npt.NDArray[np.intp],
                 ts: npt.NDArray[np.float64], out: CorrelatorResult) -> npt.NDArray[np.bool_]:
        """Mask over ``idx``: False for a sensor's detections within ``touch_s`` of its
        tamper report (someone handling the sensor, not a crossing): they are evidence of
        the tamper incident instead."""
        keep = np.ones(idx.size, bool)
        tampers = self._tampers()
        if not tampers:
            return keep
        window = self.policies.incident.touch_s
        for k, i in enumerate(idx.tolist()):
            r = evidence[i].report
            if not isinstance(r, GroundDetection):
                continue
            for inc in tampers.get(r.sensor_id, ()):
                if abs(float(ts[i]) - inc.first_ts) <= window:
                    keep[k] = False
                    if inc.mark_seen(r.event_id):
                        inc.add_ref(evidence[i].ref_dict())
                        self._dirty.add(inc.id)
                    break
        return keep

    def _absorb_touches(self, tamper: Incident, now: float, out: CorrelatorResult) -> None:
        """Detection incidents made only of tampered sensors' hits around their tamper
        reports (which came first): they were the tamper, not a crossing."""
        window = self.policies.incident.touch_s
        tampers = self._tampers()
        for inc in list(self.incidents.values()):
            if (inc.kind != "detection" or not inc.open or not inc.sensor_hits
                    or set(inc.scores) - set(inc.sensor_hits)):
                continue
            near = all(any(abs(t.first_ts - h[1] / h[0]) <= window for t in tampers.get(s, ()))
                       for s, h in inc.sensor_hits.items())
            if not near:
                continue
            for ref in inc.evidence:
                if tamper.mark_seen(ref["event_id"]):
                    tamper.add_ref(ref)
            inc.closed_ts = now
            inc.folded_into = tamper.id
            self._clear_folded(inc, "tamper", now, out)
            self._dirty.update((inc.id, tamper.id))

    def _clear_folded(self, inc: Incident, why: str, now: float, out: CorrelatorResult) -> None:
        """Clear the alert, if any, of an incident folded into another (``why``: the reason)."""
        if inc.alert is not None:
            msg = lifecycle.step(inc.alert, self._assess(inc, inc.alert["rule"]), now,
                                 self.policies.lifecycle, close=why)
            if msg is not None:
                out.alerts.append(msg)

    def _health(self, health: Iterable[SensorHealth], now: float,
                out: CorrelatorResult) -> set[str]:
        touched: set[str] = set()
        open_tamper = {inc.first_event.rsplit(":", 1)[0]: inc for inc in self.incidents.values()
                       if inc.kind == "tamper" and inc.open}
        faults = self._open_faults() if health else {}
        for h in sorted(health, key=lambda r: r.ts):
            self.faults.beat(h.sensor_id, h.ts, self._beat_src.get(h.event_id, "health:0"))
            mine = faults.setdefault(h.sensor_id, [])
            for f in list(mine):
                if f.fault == Fault.DEAD or (f.fault == Fault.SELF_TEST and not h.fault):
                    self._recover(f, now, out)
                    mine.remove(f)
            if h.fault and not mine:
                mine.append(self._fault_incident(h.sensor_id, Fault.SELF_TEST, h.ts, h.event_id,
                                                 None, now, out))
                touched.add(mine[-1].id)
            inc = open_tamper.get(h.sensor_id)
            if h.tamper and inc is None:
                inc = self._tamper_incident(h)
                if inc is None:
                    continue  # a replay of a tamper already closed
                open_tamper[h.sensor_id] = inc
                touched.add(inc.id)
                self._absorb_touches(inc, now, out)
            elif inc is not None:
                inc.mark_seen(h.event_id)
                inc.last_ts = max(inc.last_ts, h.ts)
                if not h.tamper and inc.alert:
                    msg = lifecycle.step(inc.alert, self._assess(inc, "tamper"), now,
                                         self.policies.lifecycle, close="tamper-cleared")
                    self._close(inc, msg, now, out)
                    open_tamper.pop(h.sensor_id)
                else:
                    touched.add(inc.id)
        return touched

    # --- sensor faults -----------------------------------------------------------------------
    def _open_faults(self) -> dict[str, list[Incident]]:
        """Sensor id -> its open fault incidents."""
        out: dict[str, list[Incident]] = {}
        for inc in self.incidents.values():
            if inc.kind == "fault" and inc.open:
                out.setdefault(inc.first_event.rsplit(":", 1)[0], []).append(inc)
        return out

    def _screen_faults(self, evidence: Sequence[Evidence], now: float,
                       out: CorrelatorResult) -> tuple[list[Evidence], set[str]]:
        """The detections of sensors that are not faulted; the others become evidence of
        their sensor's fault incident (a chattering or stuck sensor opens one here)."""
        keep: list[Evidence] = []
        touched: set[str] = set()
        faults = self._open_faults()
        for e in evidence:
            r = e.report
            if not isinstance(r, GroundDetection):
                keep.append(e)
                continue
            mine = faults.get(r.sensor_id, [])
            for f in [f for f in mine if f.fault == Fault.DEAD]:  # it speaks: alive
                self._recover(f, now, out)
                mine.remove(f)
            kind = None if mine else self.faults.hit(r.sensor_id, r.ts)
            if kind is not None:
                inc = self._fault_incident(r.sensor_id, kind, r.ts, r.event_id, (r.lon, r.lat),
                                           now, out)
                mine = faults[r.sensor_id] = [inc]
                touched.add(inc.id)
            if not mine:
                keep.append(e)
                continue
            inc = mine[0]
            if inc.mark_seen(r.event_id):
                inc.add_ref(e.ref_dict())
                inc.last_ts = max(inc.last_ts, r.ts)
            self._dirty.add(inc.id)
        return keep, touched

    def _dead_sensors(self, now: float, out: CorrelatorResult) -> set[str]:
        """Fault incidents for sensors whose heartbeats stopped."""
        known = set(self._open_faults())
        return {self._fault_incident(s, Fault.DEAD, now, f"{s}:dead", None, now, out).id
                for s in self.faults.dead(now, known, self._progress)}

    def _progress(self, source: str) -> float:
        """Newest event time a source (topic and partition) delivered."""
        s = self.clock.sources.get(source)
        return s[0] if s is not None else -math.inf

    def _fault_incident(self, sensor: str, kind: Fault, ts: float, event_id: str,
                        where: tuple[float, float] | None, now: float,
                        out: CorrelatorResult) -> Incident:
        """Open the fault incident of ``sensor``; its detections that made incidents of
        their own (nothing else in them) are folded into it."""
        inc_id = stable_id("inc", "fault", sensor, kind.value, str(math.floor(ts)))
        lon, lat = self.sites.get(sensor) or where or (0.0, 0.0)
        x, y = self.frame.to_metric([lon], [lat])
        inc = Incident(id=inc_id, first_event=f"{sensor}:{kind.value}", first_ts=ts, last_ts=ts,
                       x=float(x[0]), y=float(y[0]), x0=float(x[0]), y0=float(y[0]), lon=lon,
                       lat=lat, kind="fault", fault=kind.value)
        place = self.placement.place(np.array([lon]), np.array([lat]))
        z = place.zone[0]
        inc.zone_id, inc.zone_type, inc.zone_name = (
            (z.id, z.zone_type, z.name) if z else ("unlocated", "unknown", "position unknown"))
        inc.sector = place.sector[0]
        inc.mark_seen(event_id)
        inc.evidence_count = 1
        self.incidents[inc_id] = inc
        self._dirty.add(inc_id)
        for other in list(self.incidents.values()):
            if (other.kind == "detection" and other.open and set(other.sensor_hits) == {sensor}
                    and set(other.scores) <= {sensor}):
                for ref in other.evidence:
                    if inc.mark_seen(ref["event_id"]):
                        inc.add_ref(ref)
                other.closed_ts = now
                other.folded_into = inc.id
                self._clear_folded(other, "sensor-fault", now, out)
                self._dirty.add(other.id)
        return inc

    def _recover(self, inc: Incident, now: float, out: CorrelatorResult) -> None:
        """The sensor works again: clear its fault alert."""
        msg = None
        if inc.alert is not None:
            msg = lifecycle.step(inc.alert, self._assess(inc, "sensor-fault"), now,
                                 self.policies.lifecycle, close="recovered")
        self.faults.forget_hits(inc.first_event.rsplit(":", 1)[0])
        self._close(inc, msg, now, out)

    def open_faults(self) -> Counter[tuple[str, str]]:
        """Open sensor faults by (sector, fault kind), for the health gauges."""
        return Counter((i.sector or "unknown", i.fault or "")
                       for i in self.incidents.values() if i.kind == "fault" and i.open)

    def _tamper_incident(self, h: SensorHealth) -> Incident | None:
        inc_id = stable_id("inc", "tamper", h.event_id)
        if inc_id in self.incidents:
            return None  # a replay of a tamper already seen
        lon, lat = self.sites.get(h.sensor_id, (0.0, 0.0))
        inc = tamper_incident(inc_id, h, lon, lat, self.placement)
        self.incidents[inc_id] = inc
        return inc

    # --- assessment, lifecycle, tasking ------------------------------------------------------
    def _assess(self, inc: Incident, rule: str | None,
                fused: tuple[TargetClass, float] | None = None) -> lifecycle.Assessment:
        pol = self.policies
        fences = self.placement.fences
        if inc.kind == "tamper":
            cls, conf, severity = TargetClass.UNKNOWN, 1.0, pol.tamper_severity
        elif inc.kind == "fault":
            cls, conf = TargetClass.UNKNOWN, 1.0
            severity = (pol.faults.dead_severity if inc.fault == Fault.DEAD
                        else pol.faults.severity)
        else:
            cls, conf = fused or fusion.fuse(fusion.total(inc.scores), pol.fusion.min_score)
            zp = pol.zone(inc.zone_type or "")
            base = zp.severity if zp else pol.tamper_severity
            severity = lifecycle.severity_for(base, cls, conf, len(inc.sensor_hits) + len(
                [s for s in inc.scores if s not in inc.sensor_hits]), inc.boundary_reached)
        crossing = None
        if inc.track:
            c = inc.track.get("crossing_lon")
            if c is not None:
                crossing = (inc.track["crossing_lon"], inc.track["crossing_lat"],
                            inc.track["crossing_ts"])
        track = ({"heading_deg": inc.track["heading_deg"], "speed_mps": inc.track["speed_mps"]}
                 if inc.track else None)
        return lifecycle.Assessment(
            incident_id=inc.id, rule=rule, zone_id=inc.zone_id or "none",
            zone_type=inc.zone_type or "none", zone_name=inc.zone_name or "",
            sector=inc.sector, cls=cls, confidence=conf, lon=inc.lon, lat=inc.lat,
            last_ts=inc.last_ts, severity=severity, evidence=inc.evidence,
            evidence_count=inc.evidence_count, sensors=len(set(inc.sensor_hits) | set(inc.scores)),
            modalities=list(inc.modalities), geofence_version=fences.version,
            policy_version=pol.version, boundary_reached=inc.boundary_reached,
            animal_confirmed=animal_confirmed(cls, conf, inc.camera_conf, pol),
            backlog=inc.backlog, track=track, crossing=crossing)

    def _update_track(self, inc: Incident) -> None:
        need = self.policies.track.min_sensors
        if len(inc.sensor_hits) < need and len(inc.path) < 2 * need:
            return  # three sensors, or a camera following it for a while
        h = np.array(list(inc.sensor_hits.values()), float).reshape(-1, 4)
        t, x, y = h[:, 1] / h[:, 0], h[:, 2], h[:, 3]
        if inc.path:  # every hit, camera estimates of the target's position included
            p = np.array(inc.path, float)
            t, x, y = np.r_[t, p[:, 0]], np.r_[x, p[:, 1]], np.r_[y, p[:, 2]]
        tr = fit_track_robust(t, x, y, self.policies.track)
        if tr is None:
            return
        heading = round(self.frame.azimuth_deg(tr.x, tr.y, tr.vx, tr.vy), 1) % 360.0
        d: dict[str, float] = {"heading_deg": heading, "speed_mps": tr.speed_mps,
                               "vx": tr.vx, "vy": tr.vy, "x": tr.x, "y": tr.y, "t": tr.t}
        cross = predicted_crossing(tr, self.frame)
        if cross is not None:
            clon, clat = self.frame.to_wgs84([cross[0]], [cross[1]])
            d.update(crossing_lon=round(float(clon[0]), 6), crossing_lat=round(float(clat[0]), 6),
                     crossing_ts=round(cross[2], 1))
        inc.track = d
        # the fitted position, not the last report
        if crossed(self.frame, inc.x0, inc.y0, tr.x, tr.y):
            inc.boundary_reached = True

    def _evaluate(self, inc: Incident, now: float, out: CorrelatorResult,
                  timers_only: bool = False) -> None:
        pol = self.policies
        fused = None
        if inc.kind == "tamper":
            rule: str | None = "tamper"
        elif inc.kind == "fault":
            rule = "sensor-fault"
        else:
            if not timers_only:
                self._update_track(inc)
            fused = cls, conf = fusion.fuse(fusion.total(inc.scores), pol.fusion.min_score)
            rule = fired_rule(pol.zone(inc.zone_type or ""), pol, cls, conf, inc.corroborated,
                              inc.track, inc.camera_conf,
                              len(inc.scores.keys() | inc.sensor_hits.keys()))
        a = self._assess(inc, rule, fused)
        msg: Alert | None = None
        if inc.alert is None:
            if rule is not None and inc.armed_event_ts is None:
                inc.armed_ts, inc.armed_event_ts = now, inc.last_ts
            if rule is None or a.backlog or inc.armed_event_ts is None or self._held(inc, now):
                self._maybe_task(inc, a, now, out)
                self._dirty.add(inc.id)
                return
            if inc.kind != "fault" and not self.limiter.allow(a.zone_id, now):
                self._fold(inc, a, now, out)
                self._dirty.add(inc.id)
                return
            inc.alert, msg = lifecycle.open_alert(a, now)
            self._by_alert[inc.alert["id"]] = inc.id
        else:
            msg = lifecycle.step(inc.alert, a, now, pol.lifecycle)
        if msg is not None:
            out.alerts.append(msg)
            if msg.state.value == "cleared":
                self._close(inc, None, now, out)
        self._maybe_task(inc, a, now, out)
        self._dirty.add(inc.id)

    def _held(self, inc: Incident, now: float) -> bool:
        """A new alert on ground sensors alone waits ``confirm_s`` of event time after its
        rule fired: health reports are correlated in event-time order with the detections,
        so a tamper report of the same moment explains the hits first (someone handling the
        sensors). Not after its own evidence ran on for more than ``touch_s``: then the
        hits are not all touches."""
        if inc.kind != "detection" or "camera" in inc.modalities:
            return False
        pol = self.policies
        armed = inc.armed_event_ts if inc.armed_event_ts is not None else inc.last_ts
        if inc.last_ts - armed > pol.incident.touch_s:
            return False
        return now < armed + pol.lifecycle.confirm_s

    def _fold(self, inc: Incident, a: lifecycle.Assessment, now: float,
              out: CorrelatorResult) -> None:
        """Rate limited: count the incident (once) on the zone's newest open alert."""
        if inc.folded_into is not None:
            return
        out.rate_limited[a.zone_id] += 1
        out.rate_limited_sectors[a.sector or "unknown"] += 1
        hosts = [i for i in self.incidents.values()
                 if i.alert and i.open and i.zone_id == a.zone_id]
        host = max(hosts, key=lambda i: (i.alert or {})["raised_ts"], default=None)
        if host is None or host.alert is None:
            inc.folded_into = ""
            return
        host.alert["rate_limited_count"] = host.alert.get("rate_limited_count", 0) + 1
        host.alert["pending"] = True
        inc.folded_into = host.alert["id"]
        self._dirty.add(host.id)

    def _close(self, inc: Incident, msg: Alert | None, now: float, out: CorrelatorResult) -> None:
        if msg is not None:
            out.alerts.append(msg)
        inc.closed_ts = now
        self._dirty.add(inc.id)

    def _maybe_task(self, inc: Incident, a: lifecycle.Assessment, now: float,
                    out: CorrelatorResult) -> None:
        """Cue a camera once an incident has two detections or an alert (not animals)."""
        if (inc.kind != "detection" or not inc.open or a.backlog or a.cls == TargetClass.ANIMAL
                or self.policies.zone(a.zone_type) is None
                or (inc.alert is None and inc.evidence_count < 2)):
            return
        task = plan_task(inc, self.cameras, self.policies.tasking, now)
        if task is not None:
            out.tasks.append(task)

    # --- acks ----------------------------------------------------------------------------------
    def _acks(self, acks: Sequence[AlertAckMessage], now: float, out: CorrelatorResult) -> None:
        for m in acks:
            inc_id = self._by_alert.get(m.alert_id)
            inc = self.incidents.get(inc_id) if inc_id else None
            if inc is None or inc.alert is None:
                continue
            rule = inc.alert["rule"]
            msg = lifecycle.step(inc.alert, self._assess(inc, rule), now, self.policies.lifecycle,
                                 ack=Ack(by=m.by, at=m.at, note=m.note),
                                 close="closed-by-patrol" if m.action == "close" else None)
            if msg is not None:
                out.alerts.append(msg)
                if msg.state.value == "cleared":
                    self._close(inc, None, now, out)
            self._dirty.add(inc.id)

