"""A target walking on inland: a new incident where an open alert's target could have
walked since its last report continues that alert instead of opening another.

A group's reports can pause for minutes between sensor lines (a PIR line far inland of
the strip), and the join gate grows with silence for ``grow_s`` only, so that nuisance
hits minutes apart do not chain into one story. So the group's next reports start an
incident of their own, which would raise a second alert for the same people. When such
an incident is about to alert, it continues an open alert instead if:

- both are of one class, a person or a vehicle, the alert's fused at ``MIN_CONFIDENCE``
  or more (the new one's too, unless it began as near as a detection joins);
- it began after the alert's last report, within ``window_s`` of it (longer while
  sensors near the alert were dead: :meth:`.AlertRecord.blind`);
- it lies within ``radius_m`` of some point of the alert's path (its last position
  included), as a detection would join it, or no further from one than ``radius_m`` plus
  the class's speed (``speed_mps``) times the time between, on the home side and further
  from the boundary by at least half that distance: a second group crossing near the
  first walks along the line from it, not away; and a stray hit that moved the alert last
  does not hide where its target was before. (A dweller silent for a minute whose next
  hit, of another class, started an incident of its own: ``faint_after_s``);
- if the alert's track is sure, near where the track puts its target then (``radius_m``
  plus a fifth of the class's reach: a group may turn, but not anywhere).

>>> inland(np.array([243.3, 600.0]), np.array([20.0, 20.0]), 250.0).tolist()
[True, False]
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from stream.correlation.classify import incident_class
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.store import Store
from stream.models import TargetClass

MIN_CONFIDENCE = 0.5
TURN = 0.2  #: with a sure track: how far off its course, as a share of the class's reach
CLASSES = (TargetClass.PERSON, TargetClass.VEHICLE)


def inland(d: npt.NDArray[np.float64], s0: npt.NDArray[np.float64],
           s1: float) -> npt.NDArray[np.bool_]:
    """Whether moving ``d`` metres, from ``s0`` to ``s1`` metres from the boundary
    (positive: home side), ends on the home side and mostly away from the line."""
    return (s1 >= 0.0) & (s1 - s0 >= 0.5 * d)


def on_course(other: Incident, inc: Incident, within_m: float) -> bool:
    """Whether ``inc`` began within ``within_m`` of where ``other``'s track puts it."""
    px, py = other.position_at(inc.first_ts)
    return math.hypot(inc.x0 - px, inc.y0 - py) <= within_m


def host(store: Store, inc: Incident, fused: tuple[TargetClass, float]) -> Incident | None:
    """The open alert's incident that ``inc`` (of class and confidence ``fused``)
    continues, if any (the nearest)."""
    pol = store.policies
    cls, conf = fused
    if (inc.kind != IncidentKind.DETECTION or cls not in CLASSES
            or not store.frame.has_boundary):  # no boundary: no home side to walk into
        return None
    walk = conf >= MIN_CONFIDENCE  # else only as near as a detection joins
    reach = pol.incident.speed_for(cls.value)
    s1 = float(store.frame.signed_distance([inc.x0], [inc.y0])[0])
    best: tuple[float, Incident] | None = None
    for other in store.open_of(IncidentKind.DETECTION):
        if (other is inc or other.alert is None or not other.alert.open
                or store.placement.exits.confined(other) is not None):
            continue
        dt = inc.first_ts - other.last_ts
        if not 0.0 < dt <= pol.incident.window_s + other.alert.blind(other.last_ts):
            continue
        if other.track and not on_course(other, inc, pol.incident.radius_m + TURN * reach * dt):
            continue
        other_cls, other_conf = incident_class(store, other)
        if other_cls != cls or other_conf < MIN_CONFIDENCE:
            continue
        d = walked_from(store, other, inc, reach if walk else 0.0, s1)
        if d is not None and (best is None or d < best[0]):
            best = (d, other)
    return best[1] if best else None


def walked_from(store: Store, other: Incident, inc: Incident, reach: float,
                s1: float) -> float | None:
    """The distance from the nearest point of ``other``'s path (its last position
    included) within ``radius_m`` of where ``inc`` began (as near as a detection joins
    it), or from which its target could have walked inland to there (``s1``: metres from
    the boundary there), or None: a stray hit that moved the alert last does not hide
    where its target was before."""
    p = other.path[other.path[:, 0] <= other.last_ts]
    t, x, y = (np.r_[p[:, k], last] for k, last in enumerate(
        (other.last_ts, other.x, other.y)))
    d = np.hypot(inc.x0 - x, inc.y0 - y)
    s0 = store.frame.signed_distance(x, y)
    radius = store.policies.incident.radius_m
    ok = (d <= radius) | ((d <= radius + reach * (inc.first_ts - t)) & inland(d, s0, s1))
    return float(d[ok].min()) if ok.any() else None
