"""Kinematic consistency of a detection with an incident: where the incident was just
before and just after the detection's time, and how fast its class can move.

A detection is compared with the incident's path points adjacent to it in time (the last
one at or before it, the first one after it), not with every point the incident ever
had: an incident that moved on cannot take a hit near where it was minutes ago, and a
nuisance hit that joined cannot serve as a stepping stone for a hit far along the line
unless a target of the incident's class could have covered the distance in the time.
An incident with a sure track (:mod:`.tracks`: a heading and a speed) also takes a
detection near where the track puts it at the detection's time (:func:`on_track`): a
walker or a vehicle the sensors lost for a while, or whose last path point is a nuisance
hit that joined, is met where it went, not left to open a second incident.

>>> adjacent(np.array([5.0, 25.0]), np.array([0.0, 10.0, 20.0, 0.0]),
...          np.array([0, 0, 0, 1]), np.array([0, 0]), np.array([2, 1]))
array([False,  True])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from stream.correlation import fusion
from stream.correlation.policies import Policies
from stream.models import TargetClass

if TYPE_CHECKING:
    from stream.correlation.incidents import Incident

F = npt.NDArray[np.float64]
I = npt.NDArray[np.intp]  # noqa: E741


def camera_class(inc: Incident, min_confidence: float) -> str | None:
    """The class a camera was surest of, when at least ``min_confidence`` sure (animals
    included); else None.

    >>> from stream.correlation.incidents import Incident
    >>> inc = Incident("a", "e", 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    >>> inc.camera_conf = {"animal": 0.91, "person": 0.54}
    >>> camera_class(inc, 0.6), camera_class(inc, 0.95)
    ('animal', None)
    """
    best = max(inc.camera_conf, key=lambda c: inc.camera_conf[c], default="")
    return best if best and inc.camera_conf[best] >= min_confidence else None


def motion_class(inc: Incident, policies: Policies) -> TargetClass:
    """What moves: a camera's confident class, else the fused class when fairly sure
    (confidence >= 0.5), else unknown."""
    seen = camera_class(inc, policies.camera.min_confidence)
    if seen is not None:
        return TargetClass(seen)
    cls, conf = fusion.fuse(fusion.total(inc.scores), policies.fusion.min_score)
    return cls if conf >= 0.5 else TargetClass.UNKNOWN


def track_speed_limit(inc: Incident, policies: Policies) -> float | None:
    """The fastest credible track for the incident's class (None: class unknown)."""
    return policies.track.class_speed_mps.get(motion_class(inc, policies).value)


def join_window(inc: Incident, policies: Policies) -> float:
    """How long after its evidence an incident still takes detections: ``window_s`` once
    a rule fired for it or it has three reports (a target seen; it may go quiet between
    sensor lines), else ``grow_s`` (isolated nuisance hits minutes apart are not one
    story)."""
    pol = policies.incident
    seen = inc.armed_event_ts is not None or inc.alert or inc.evidence_count >= 3
    return pol.window_s if seen else pol.grow_s


def sure_track(inc: Incident) -> list[float]:
    """``[t, x, y, vx, vy]`` of the incident's track when it is sure of its heading, else
    NaNs; with its newest evidence time, and that of its newest evidence saying what the
    target is (:attr:`.Incident.known_ts`; the newest evidence's when none did)."""
    tr = inc.track
    told = inc.known_ts if inc.known_ts is not None else inc.last_ts
    if not tr or "heading_deg" not in tr:
        return [math.nan] * 5 + [inc.last_ts, told]
    return [tr["t"], tr["x"], tr["y"], tr["vx"], tr["vy"], inc.last_ts, told]


@dataclass(frozen=True, slots=True)
class Limits:
    """Per incident: the class that moves (:func:`motion_class`, as an index in
    :data:`.fusion.CLASSES`, -1: unknown), the fastest it plausibly moves (NaN: class
    unknown, the detection's own signature decides; 0 for a lone report, which shows no
    movement to extend), join window and sure track (rows of :func:`sure_track`; None:
    none); per detection: the speed its own signature allows and its class (-1: unknown)."""

    inc_speed: F
    inc_window: F
    det_speed: F
    tracks: F | None = None
    det_cls: I | None = None
    inc_cls: I | None = None
    #: per detection: a ground sensor's (it reports where the sensor stands, not the target)
    det_ground: npt.NDArray[np.bool_] | None = None

    @classmethod
    def of(cls, incs: Sequence[Incident], det_classes: Sequence[str],
           policies: Policies, ground: npt.NDArray[np.bool_] | None = None) -> Limits:
        moving = [motion_class(i, policies) if i.evidence_count >= 2 else TargetClass.UNKNOWN
                  for i in incs]
        speed = [0.0 if i.evidence_count < 2 else math.nan if m == TargetClass.UNKNOWN
                 else policies.incident.speed_for(m.value) for i, m in zip(incs, moving,
                                                                          strict=True)]
        return cls(np.array(speed, float),
                   np.array([join_window(i, policies) for i in incs], float),
                   np.array([policies.incident.speed_for(c) for c in det_classes], float),
                   np.array([sure_track(i) for i in incs], float).reshape(-1, 7),
                   np.array([fusion.INDEX.get(c, -1) for c in det_classes], np.intp),
                   np.array([fusion.INDEX.get(m.value, -1) for m in moving], np.intp),
                   ground)

    def subset(self, det: I, tracks: F | None) -> Limits:
        """The limits of the detections ``det`` against incidents with these ``tracks``."""
        return Limits(self.inc_speed, self.inc_window, self.det_speed[det], tracks,
                      None if self.det_cls is None else self.det_cls[det], self.inc_cls,
                      None if self.det_ground is None else self.det_ground[det])

    def faint(self, det: I, inc: I) -> npt.NDArray[np.bool_]:
        """Per pair (detection, incident): the detection says nothing of the incident's
        target, its signature being unknown or another class than the one that moves."""
        assert self.det_cls is not None and self.inc_cls is not None
        d, i = self.det_cls[det], self.inc_cls[inc]
        return (d < 0) | ((i >= 0) & (d != i))


#: Detection-track pairs :func:`on_track` compares in one pass (8 MB an array of them).
PAIRS_AT_ONCE = 1 << 20


def on_track(ts: F, x: F, y: F, tracks: F, window: F, radius: float | F
             ) -> tuple[I, I, F]:
    """Pairs (detection, incident) and their distance: the detection lies within
    ``radius`` (one, or one per detection) of where the incident's sure track (``tracks``: rows of
    :func:`sure_track`) puts the target at its time, within the incident's join
    ``window`` of its newest evidence.

    >>> tr = np.array([[0.0, 0.0, 0.0, 2.0, 0.0, 10.0]])  # 2 m/s east, last seen at 10 s
    >>> on_track(np.array([200.0, 200.0]), np.array([390.0, 0.0]), np.array([30.0, 0.0]),
    ...          tr, np.array([600.0]), 250.0)
    (array([0]), array([0]), array([31.6227766]))
    """
    k = np.flatnonzero(~np.isnan(tracks[:, 0]))
    if k.size == 0 or ts.size == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, float)
    r, win = tracks[k], window[k][None, :]
    reach = np.broadcast_to(radius, ts.shape)
    rows = max(1, PAIRS_AT_ONCE // k.size)  # detections a pass: bounded arrays
    ps, js, ds = [], [], []
    for s in range(0, ts.size, rows):
        t = ts[s:s + rows, None]
        dt = t - r[None, :, 0]
        d = np.hypot(x[s:s + rows, None] - (r[None, :, 1] + r[None, :, 3] * dt),
                     y[s:s + rows, None] - (r[None, :, 2] + r[None, :, 4] * dt))
        p, j = np.nonzero((d <= reach[s:s + rows, None]) & (np.abs(t - r[None, :, 5]) <= win))
        ps.append(p + s)
        js.append(j)
        ds.append(d[p, j])
    p, j = np.concatenate(ps).astype(np.intp), np.concatenate(js)
    return p, k[j], np.concatenate(ds)


def adjacent(ts: F, inc_t: F, owner: I, pi: I, ii: I) -> npt.NDArray[np.bool_]:
    """For candidate pairs (detection ``pi``, path point ``ii``): whether the point is its
    incident's last at or before the detection's time, or its first after it. Points of
    one incident are ``inc_t[owner == k]``, in any order."""
    if pi.size == 0:
        return np.zeros(0, bool)
    order = np.lexsort((inc_t, owner))
    pos = np.empty(order.size, np.intp)
    pos[order] = np.arange(order.size)
    t0 = float(min(inc_t.min(), ts.min()))
    scale = float(max(inc_t.max(), ts.max()) - t0) + 1.0
    keys = owner[order] * scale + (inc_t[order] - t0)
    k = owner[ii]
    j = np.searchsorted(keys, k * scale + (ts[pi] - t0), side="right")
    return (pos[ii] == j - 1) | (pos[ii] == j)
