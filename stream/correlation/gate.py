"""The join gate: which open incident each detection of a step joins (kinematics, classes,
the incidents' tracks), in metres of the geofence set's frame and seconds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stream.correlation.kinematics import Limits, adjacent, on_track
from stream.correlation.near import within
from stream.correlation.policies import IncidentPolicy

__all__ = ["match"]


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
