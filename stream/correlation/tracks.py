"""Tracks: three or more ground sensors firing in a line give a heading, a speed and a
predicted boundary crossing.

Points are where the target was when: a ground sensor's position at the mean time of its
hits, and the incident's path (every hit, camera estimates included, one per 5 s); a least
squares fit of x(t), y(t) gives the velocity, refitted without the points that disagree.
The fit is a track only if there are three distinct positions, the points lie near the
line, spread along it, and the speed is plausible for the target's class.

A track is *sure* of its heading only when the time order of the detections pins it down:
a ground sensor reports its own position, up to ``position_sd_m`` from the target, so the
velocity's standard error is that (or the fit's scatter, if larger) over the spread of
the distinct positions' times; the heading's, its angle against the speed. Sensors of one
line firing over a few seconds (a group spread along it) give no heading; lines far apart
crossed in sequence, or a walk along a line for minutes, do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geofences.frame import Frame
from stream.correlation.policies import TrackPolicy


@dataclass(frozen=True, slots=True)
class Track:
    heading_deg: float  # clockwise from grid north of the frame (alerts carry true azimuth)
    speed_mps: float
    x: float  # fitted position at time t
    y: float
    t: float
    vx: float
    vy: float
    residual_m: float
    sensors: int  # distinct positions
    heading_sd_deg: float = 90.0  # standard error of the heading
    sure: bool = False  # the heading (and speed) can be told: heading_sd_deg small enough

    def at(self, ts: float) -> tuple[float, float]:
        return self.x + self.vx * (ts - self.t), self.y + self.vy * (ts - self.t)


def fit_track(
    t: npt.ArrayLike, x: npt.ArrayLike, y: npt.ArrayLike, policy: TrackPolicy,
    max_speed: float | None = None,
) -> Track | None:
    """Fit points (time, x, y); None unless it is a credible straight track (``max_speed``:
    the class's limit, within the policy's)."""
    t, x, y = (np.asarray(a, float) for a in (t, x, y))
    if t.size < policy.min_sensors or np.ptp(t) <= 0.0:
        return None
    where, n_pos = distinct(x, y)
    if n_pos < policy.min_sensors:
        return None  # too few distinct positions: one sensor firing again is no motion
    tc = t - t.mean()
    denom = float(tc @ tc)
    vx, vy = float(tc @ (x - x.mean())) / denom, float(tc @ (y - y.mean())) / denom
    speed = math.hypot(vx, vy)
    limit = policy.max_speed_mps if max_speed is None else min(max_speed, policy.max_speed_mps)
    if not policy.min_speed_mps <= speed <= limit:
        return None
    ux, uy = vx / speed, vy / speed
    along = (x - x.mean()) * ux + (y - y.mean()) * uy
    across = -(x - x.mean()) * uy + (y - y.mean()) * ux
    residual = float(np.sqrt(np.mean(across**2)))
    if residual > policy.max_residual_m or np.ptp(along) < policy.min_span_m:
        return None
    fit_x, fit_y = x.mean() + vx * tc, y.mean() + vy * tc
    ss_res = float(np.sum((x - fit_x) ** 2 + (y - fit_y) ** 2))
    ss_tot = float(np.sum((x - x.mean()) ** 2 + (y - y.mean()) ** 2))
    if ss_tot <= 0.0 or 1.0 - ss_res / ss_tot < policy.min_r2:
        return None  # time does not explain the positions: e.g. a line of sensors side by side
    t_last = float(t.max())
    heading = math.degrees(math.atan2(vx, vy)) % 360.0
    sd = max(heading_sd(t, where, n_pos, speed, max(policy.position_sd_m,
                                                       math.sqrt(ss_res / t.size))),
             jackknife_deg(t, x, y, where, n_pos, heading))
    return Track(
        heading_deg=round(heading, 1), speed_mps=round(speed, 2),
        x=float(x.mean() + vx * (t_last - t.mean())), y=float(y.mean() + vy * (t_last - t.mean())),
        t=t_last, vx=vx, vy=vy, residual_m=round(residual, 1), sensors=n_pos,
        heading_sd_deg=round(sd, 1), sure=sd <= policy.max_heading_sd_deg,
    )


def distinct(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
             ) -> tuple[npt.NDArray[np.intp], int]:
    """Per point, the index of its position rounded to metres among the distinct ones
    (numbered in (x, y) order), and how many there are.

    >>> distinct(np.array([5.2, 1.0, 5.0, 1.0]), np.array([0.0, 3.0, 0.4, -2.0]))
    (array([2, 1, 2, 0]), 3)
    """
    ix, iy = np.round(x).astype(np.int64), np.round(y).astype(np.int64)
    iy -= iy.min()
    key = (ix - ix.min()) * (int(iy.max()) + 1) + iy  # ordered as the (x, y) pairs
    _, where = np.unique(key, return_inverse=True)
    return where.ravel().astype(np.intp), int(where.max()) + 1


def jackknife_deg(t: npt.NDArray[np.float64], x: npt.NDArray[np.float64],
                  y: npt.NDArray[np.float64], where: npt.NDArray[np.intp], n_pos: int,
                  heading: float) -> float:
    """Half the largest change of the heading when one distinct position is left out (a
    nuisance sensor that joined pulls the fit its way); 90 when fewer than four positions
    leave too little to check.

    >>> t = np.array([0.0, 10.0, 20.0, 30.0]); y = t * 1.5; x = np.zeros(4)
    >>> jackknife_deg(t, x, y, np.arange(4), 4, 0.0)
    0.0
    """
    if n_pos < 4:
        return 90.0
    worst = 0.0
    for g in range(n_pos):
        k = where != g
        tk = t[k] - t[k].mean()
        denom = float(tk @ tk)
        if denom <= 0.0:
            return 90.0
        vx, vy = float(tk @ (x[k] - x[k].mean())), float(tk @ (y[k] - y[k].mean()))
        h = math.degrees(math.atan2(vx, vy))
        worst = max(worst, abs((h - heading + 180.0) % 360.0 - 180.0))
    return worst / 2.0


def heading_sd(t: npt.NDArray[np.float64], where: npt.NDArray[np.intp], n_pos: int,
               speed: float, sd_pos: float) -> float:
    """Standard error (degrees) of a fitted heading: per distinct position (``where``: its
    index per point) the mean time; the velocity's error is ``sd_pos`` over the spread of
    those times, the heading's its angle against ``speed``.

    >>> round(heading_sd(np.array([0.0, 100.0, 200.0]), np.arange(3), 3, 1.5, 50.0), 1)
    13.3
    """
    tg = np.bincount(where, weights=t, minlength=n_pos) / np.bincount(where, minlength=n_pos)
    sxx = float(np.sum((tg - tg.mean()) ** 2))
    if sxx <= 0.0 or speed <= 0.0:
        return 90.0
    return math.degrees(math.atan2(sd_pos / math.sqrt(sxx), speed))


def fit_track_robust(
    t: npt.ArrayLike, x: npt.ArrayLike, y: npt.ArrayLike, policy: TrackPolicy, rounds: int = 4,
    max_speed: float | None = None,
) -> Track | None:
    """:func:`fit_track` on the points that agree: points far from where a first least
    squares fit puts the target at their time (a nuisance hit that joined the incident, a
    sensor far off the walker's line) are dropped and the fit repeated."""
    t, x, y = (np.asarray(a, float) for a in (t, x, y))
    if t.size < policy.min_sensors or distinct(x, y)[1] < policy.min_sensors:
        return None  # too few distinct positions, whichever points are kept
    keep = np.ones(t.size, bool)
    for _ in range(rounds):
        if keep.sum() < policy.min_sensors or np.ptp(t[keep]) <= 0.0:
            return None
        tk = t[keep]
        tc = tk - tk.mean()
        denom = float(tc @ tc)
        vx = float(tc @ (x[keep] - x[keep].mean())) / denom
        vy = float(tc @ (y[keep] - y[keep].mean())) / denom
        dt = t - tk.mean()
        r = np.hypot(x - x[keep].mean() - vx * dt, y - y[keep].mean() - vy * dt)
        limit = max(2.0 * policy.max_residual_m, 2.5 * float(np.median(r[keep])))
        new = r <= limit
        if np.array_equal(new, keep):
            break
        keep = new
    return fit_track(t[keep], x[keep], y[keep], policy, max_speed)


def predicted_crossing(
    track: Track, frame: Frame, horizon_s: float = 3600.0
) -> tuple[float, float, float] | None:
    """Where and when (x, y, ts) the track meets the set's boundary, if it heads there in
    time (None too when the set has no boundary)."""
    x1, y1 = track.at(track.t + horizon_s)
    hit = frame.first_crossing(track.x, track.y, x1, y1)
    if hit is None:
        return None
    d = math.hypot(hit[0] - track.x, hit[1] - track.y)
    return hit[0], hit[1], track.t + d / track.speed_mps


def crossed(frame: Frame, x_first: float, y_first: float, x_last: float, y_last: float) -> bool:
    """True when the two positions lie on different sides of the set's boundary."""
    if not frame.has_boundary:
        return False
    side = frame.home([x_first, x_last], [y_first, y_last])
    return bool(side[0] != side[1])
