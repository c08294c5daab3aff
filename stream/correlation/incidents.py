"""Incidents: detections grouped by space and time, in metres and seconds (UTM 12N).

A detection joins the open incident whose last position is nearest, if it lies within
``radius_m + max_speed_mps * |dt|`` of it and ``|dt| <= window_s`` (dt: time since the
incident's last evidence). Detections that join none start new incidents, grouped among
themselves in time order (:mod:`.grouping`). An :class:`Incident` is plain data
(``to_dict``/``from_dict``), so a worker can keep it in a changelogged table and resume it
after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from stream.alerts.record import AlertRecord
from stream.correlation import path as paths
from stream.correlation.kinematics import Limits, adjacent, on_track
from stream.correlation.near import within
from stream.correlation.policies import IncidentPolicy
from stream.correlation.seen import SeenIds

MAX_REFS_HEAD = 5
MAX_REFS_TAIL = 25


class IncidentKind(StrEnum):
    """What opened an incident; persisted as its value."""

    DETECTION = "detection"  # sensor and camera reports of a target
    TAMPER = "tamper"  # a sensor's tamper switch
    FAULT = "fault"  # a faulted sensor (see faults.Fault)


@dataclass(slots=True, eq=False)
class Incident:
    """Everything known about one incident: JSON-native fields, but the path an array."""

    id: str
    first_event: str
    first_ts: float
    last_ts: float
    x: float  # last position, metric
    y: float
    x0: float  # first position, metric
    y0: float
    lon: float
    lat: float
    kind: IncidentKind = IncidentKind.DETECTION
    fault: str | None = None  # a fault incident's kind (faults.Fault)
    zone_id: str | None = None
    zone_type: str | None = None
    zone_name: str | None = None
    zone_priority: int = -1
    #: the port of entry (zone id) whose area or exit held its first evidence (.exits)
    origin: str | None = None
    sector: str | None = None
    boundary_reached: bool = False
    backlog: bool = False
    modalities: list[str] = field(default_factory=list)
    #: sensor kind -> [ts, x, y] of its latest detection; ``corroborated`` once two kinds
    #: fired within ``corroborate_s`` and ``radius_m`` of each other
    modality_last: dict[str, list[float]] = field(default_factory=dict)
    corroborated: bool = False
    #: ground sensor id -> [hits, sum of hit times, x, y]
    sensor_hits: dict[str, list[float]] = field(default_factory=dict)
    #: sensor or camera id -> best score per class, then reports per class (fusion.CLASSES)
    scores: dict[str, list[float]] = field(default_factory=dict)
    camera_conf: dict[str, float] = field(default_factory=dict)  # class -> best camera conf
    #: ground-sensor kind -> its reports by signature (fusion.count_signature)
    signatures: dict[str, list[float]] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_count: int = 0
    seen: SeenIds = field(default_factory=SeenIds)
    track: dict[str, float] | None = None
    #: where it was when (:mod:`~stream.correlation.path`), for matching detections that
    #: arrive out of order; rows from state or a caller are made an array
    path: npt.NDArray[np.float64] = field(default_factory=paths.empty)
    task: dict[str, Any] | None = None
    alert: AlertRecord | None = None
    armed_ts: float | None = None  # processing time a rule first fired (see confirm_s)
    armed_event_ts: float | None = None  # and the incident's event time then
    folded_into: str | None = None  # alert id that counted this rate-limited incident
    closed_ts: float | None = None
    #: event time of its newest detection that said what the target is (a signature or a
    #: camera class; None: none yet, or state written before): after a silence, hits
    #: saying nothing join only on its sure track, until one says something again
    known_ts: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, np.ndarray) or self.path.dtype != float:
            self.path = paths.coerce(self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Incident):
            return NotImplemented
        return all(np.array_equal(a, b) if f == "path" else a == b for f, a, b in zip(
            _FIELDS, _values(self), _values(other), strict=True))

    @property
    def open(self) -> bool:
        return self.closed_ts is None

    @property
    def home(self) -> int | None:
        """The source partition the incident belongs with: its first report's (None: no
        report kept)."""
        return int(self.evidence[0]["partition"]) if self.evidence else None

    def position_at(self, ts: float) -> tuple[float, float]:
        """Where the incident is at ``ts`` (metric): on its fitted track, else its last
        position."""
        tr = self.track
        if not tr:
            return self.x, self.y
        dt = ts - tr["t"]
        return tr["x"] + tr["vx"] * dt, tr["y"] + tr["vy"] * dt

    def path_points(self) -> npt.NDArray[np.float64]:
        """The path as rows ``[ts, x, y]``, its last position when it has none.

        >>> inc = Incident("i", "e", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)
        >>> inc.path_points().tolist()
        [[5.0, 1.0, 2.0]]
        >>> inc.add_path(np.array([5.0]), np.array([1.0]), np.array([3.0]))
        >>> inc.path_points().tolist()
        [[5.0, 1.0, 3.0]]
        """
        if not len(self.path):
            return np.array([[self.last_ts, self.x, self.y]], float)
        return self.path

    def add_ref(self, ref: dict[str, Any]) -> None:
        """Count a report and keep its reference: the first ``MAX_REFS_HEAD`` and the
        newest ``MAX_REFS_TAIL``. A fault incident keeps only the first (the reports that
        revealed the fault) and counts the rest: a chattering sensor's newest hits are
        no news, and its incident is written to the state every batch they come in.

        >>> inc = Incident("i", "e", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)
        >>> flt = Incident("f", "s:stuck", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0,
        ...                kind=IncidentKind.FAULT)
        >>> for k in range(40):
        ...     inc.add_ref({"event_id": f"s:{k}"}); flt.add_ref({"event_id": f"s:{k}"})
        >>> [(len(i.evidence), i.evidence_count, i.evidence[-1]) for i in (inc, flt)]
        [(30, 40, {'event_id': 's:39'}), (5, 40, {'event_id': 's:4'})]
        """
        self.evidence_count += 1
        if self.kind == IncidentKind.FAULT and len(self.evidence) >= MAX_REFS_HEAD:
            return
        self.evidence.append(ref)
        if len(self.evidence) > MAX_REFS_HEAD + MAX_REFS_TAIL:
            del self.evidence[MAX_REFS_HEAD]

    def mark_seen(self, event_id: str) -> bool:
        """Remember an event id; False if it was already counted (a redelivery)."""
        return self.seen.add(event_id)

    def add_path(self, ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64],
                 y: npt.NDArray[np.float64]) -> None:
        """Remember positions (time-ordered arrays): :func:`~stream.correlation.path.merge`."""
        self.path = paths.merge(self.path, ts, x, y)

    def to_dict(self) -> dict[str, Any]:
        """A view for :func:`~stream.correlation.state_codec.dumps` (the path an array, no
        list per row); it shares inner lists with the incident, so serialise it now."""
        d = {f: getattr(self, f) for f in _FIELDS}
        d["seen"] = self.seen.dump()
        d["alert"] = self.alert.to_dict() if self.alert is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incident:
        d = dict(d)
        d["seen"] = SeenIds.load(d.get("seen", ()))
        d["kind"] = IncidentKind(d.get("kind", IncidentKind.DETECTION))
        d["alert"] = AlertRecord.from_dict(d["alert"]) if d.get("alert") else None
        return cls(**d)


_FIELDS = tuple(f.name for f in fields(Incident))


def _values(inc: Incident) -> tuple[Any, ...]:
    return tuple(getattr(inc, f) for f in _FIELDS)


def _newest(t: npt.NDArray[np.float64], x: npt.NDArray[np.float64],
            y: npt.NDArray[np.float64], own: npt.NDArray[np.intp], n: int
            ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each incident's newest path point (NaN for one without points).

    >>> [v.tolist() for v in _newest(np.array([5.0, 9.0, 1.0]), np.array([1.0, 2.0, 3.0]),
    ...                               np.array([0.0, 0.0, 7.0]), np.array([0, 0, 1]), 3)]
    [[2.0, 3.0, nan], [0.0, 7.0, nan]]
    """
    order = np.lexsort((t, own))
    last = order[np.r_[np.flatnonzero(np.diff(own[order])), order.size - 1]]
    lx, ly = np.full(n, np.nan), np.full(n, np.nan)
    lx[own[last]], ly[own[last]] = x[last], y[last]
    return lx, ly


def match(
    ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
    inc_t: npt.NDArray[np.float64], inc_x: npt.NDArray[np.float64],
    inc_y: npt.NDArray[np.float64], policy: IncidentPolicy,
    cls: npt.NDArray[np.intp] | None = None, inc_cls: npt.NDArray[np.intp] | None = None,
    owner: npt.NDArray[np.intp] | None = None, limits: Limits | None = None,
) -> npt.NDArray[np.intp]:
    """For each detection, the index of the open incident it joins, or -1.

    ``inc_t``/``inc_x``/``inc_y`` are points of the incidents' paths (with ``owner``: the
    incident each belongs to; without, one point per incident). A detection is compared
    with the points of a path adjacent to it in time (the last at or before it, the
    first after it: :func:`~stream.correlation.kinematics.adjacent`), so one that arrives
    out of time order (another partition, a later batch) meets the incident where it was
    at that time, and one near where the incident was long ago does not.

    It joins when within ``radius_m`` of any point of the path (a ground sensor's faint
    hit: of a point no older than ``grow_s``, or while the incident's newest point is
    within ``radius_m`` + speed x ``grow_s`` of it), or ``radius_m`` + speed x
    ``|dt|`` of such an adjacent point, the speed being the incident's class limit
    (``limits``; NaN: unknown class, then the detection's own; default
    ``max_speed_mps``), ``|dt|`` counted for ``grow_s`` at most, so a nuisance hit cannot
    swallow everything around it for minutes; and only within the incident's join window
    of the point (``limits.inc_window``; default ``window_s``). It also joins an incident
    with a sure track (``limits.tracks``) within ``radius_m`` of where the track puts the
    target at its time (:func:`~stream.correlation.kinematics.on_track`). Among
    incidents whose gate admits a detection it joins the closest in space and time
    (``distance + max_speed * |dt|``; from a track's prediction: that distance).

    Candidates come from one query (:func:`~stream.correlation.near.within`) of the
    points within the largest reach over the whole batch; the exact gate is then checked
    on those pairs only. With classes (index, -1: none), a detection never joins an
    incident of another class: a person walking past vehicles in a port-of-entry lane is
    an incident of its own."""
    out = np.full(ts.size, -1, dtype=np.intp)
    if ts.size == 0 or inc_t.size == 0:
        return out
    own = owner if owner is not None else np.arange(inc_t.size, dtype=np.intp)
    n_inc = int(own.max()) + 1
    det_v = limits.det_speed if limits else np.full(ts.size, policy.max_speed_mps)
    inc_v = limits.inc_speed if limits else np.full(n_inc, np.nan)
    inc_w = limits.inc_window if limits else np.full(n_inc, policy.window_s)
    vmax = float(np.nanmax(np.r_[det_v, inc_v, 0.0]))
    # a point older than its incident's join window before every detection takes none
    live = np.flatnonzero(inc_t >= ts.min() - inc_w[own])
    span = np.maximum(ts.max() - inc_t[live], inc_t[live] - ts.min()).clip(0.0, policy.grow_s)
    reach = policy.radius_m + vmax * span
    pi, ii = within(x, y, inc_x[live], inc_y[live], float(reach.max(initial=0.0)))
    ii = live[ii]
    v = inc_v[own[ii]]
    v = np.where(np.isnan(v), det_v[pi], v)
    d = np.hypot(x[pi] - inc_x[ii], y[pi] - inc_y[ii])
    dt = np.abs(ts[pi] - inc_t[ii])
    # a camera places its target itself: its detections join within camera_radius_m
    det_r = np.full(ts.size, policy.radius_m)
    if limits is not None and limits.det_ground is not None:
        det_r[~limits.det_ground] = policy.camera_radius_m
    radius = det_r[pi]
    near = d <= radius
    if limits is not None and limits.det_ground is not None and limits.det_cls is not None:
        # a ground hit saying nothing of the target is not the target for being near where
        # it was minutes ago (wind on a sensor it passed) when it is now far from there
        old = limits.det_ground[pi] & limits.faint(pi, own[ii]) & (dt > policy.grow_s)
        if old.any():
            lx, ly = _newest(inc_t, inc_x, inc_y, own, n_inc)
            gone = np.hypot(x[pi] - lx[own[ii]], y[pi] - ly[own[ii]]) > (
                policy.radius_m + v * policy.grow_s)
            near &= ~(old & gone)
    ok = near | (adjacent(ts, inc_t, own, pi, ii)
                 & (d <= radius + v * np.minimum(dt, policy.grow_s)))
    ok &= dt <= inc_w[own[ii]]
    if (limits is not None and limits.det_cls is not None and limits.tracks is not None
            and policy.faint_after_s is not None):
        # silent that long, the target may be anywhere: a hit saying nothing of its
        # class is as likely wind or an animal on the line as the target come back (and
        # one that joined on the track does not end the silence: wind along the strip
        # would chain from it, each hit gated from the last)
        quiet = ts[pi] - limits.tracks[own[ii], 6] > policy.faint_after_s
        ok &= ~(limits.faint(pi, own[ii]) & quiet)
    if cls is not None and inc_cls is not None:
        pc, ic = cls[pi], inc_cls[own[ii]]
        ok &= (pc < 0) | (ic < 0) | (pc == ic)
    pi, ki, d = pi[ok], own[ii[ok]], d[ok] + policy.max_speed_mps * dt[ok]
    if limits is not None and limits.tracks is not None:
        tp, tk, td = on_track(ts, x, y, limits.tracks, inc_w, det_r)
        if cls is not None and inc_cls is not None:
            agree = (cls[tp] < 0) | (inc_cls[tk] < 0) | (cls[tp] == inc_cls[tk])
            tp, tk, td = tp[agree], tk[agree], td[agree]
        pi, ki, d = np.r_[pi, tp], np.r_[ki, tk], np.r_[d, td]
    order = np.lexsort((d, pi))  # per point, nearest first
    first = np.ones(order.size, bool)
    first[1:] = pi[order][1:] != pi[order][:-1]
    out[pi[order][first]] = ki[order][first]
    return out
