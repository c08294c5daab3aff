"""Optional time windows on fences: a zone that is only in force part of the day.

A fence's ``active`` property is either absent / ``"always"``, or an object::

    {"from": "19:00", "to": "06:00", "tz": "America/Phoenix", "days": [0, 1, 2, 3, 4]}

``from``/``to`` are local wall-clock times (``to`` before ``from`` spans midnight; the
window includes ``from`` and excludes ``to``); ``days`` (optional, Monday = 0) name the
days the window *starts* on. ``tz`` is an IANA zone name (default ``UTC``).

>>> w = TimeWindow.parse({"from": "19:00", "to": "06:00", "tz": "America/Phoenix"})
>>> bool(w.active_at(1_764_403_200.0))  # 2025-11-29 01:00 in Phoenix
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DAY = 86_400


class WindowError(ValueError):
    """A malformed ``active`` property."""


def _seconds(text: Any, key: str) -> int:
    m = _HHMM.match(text) if isinstance(text, str) else None
    if m is None:
        raise WindowError(f"'{key}' must be a time 'HH:MM' (24 h), got {text!r}")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A daily local-time window; ``start_s``/``end_s`` are seconds after local midnight."""

    start_s: int
    end_s: int
    tz: str = "UTC"
    days: frozenset[int] | None = None

    @classmethod
    def parse(cls, spec: Any) -> TimeWindow | None:
        """``None`` for an always-active fence; raises :class:`WindowError` when malformed."""
        if spec is None or spec == "always":
            return None
        if not isinstance(spec, dict):
            raise WindowError(f"'active' must be \"always\" or an object, got {spec!r}")
        unknown = set(spec) - {"from", "to", "tz", "days"}
        if unknown:
            raise WindowError(f"'active' has unknown keys {sorted(unknown)}")
        start, end = _seconds(spec.get("from"), "from"), _seconds(spec.get("to"), "to")
        if start == end:
            raise WindowError("'from' and 'to' are equal: use \"always\" instead")
        tz = spec.get("tz", "UTC")
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise WindowError(f"unknown time zone {tz!r}") from exc
        days = spec.get("days")
        if days is not None:
            if not isinstance(days, list) or not all(
                isinstance(d, int) and 0 <= d <= 6 for d in days
            ):
                raise WindowError("'days' must be a list of weekday numbers 0 (Mon) .. 6 (Sun)")
            days = frozenset(days)
        return cls(start, end, str(tz), days)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": f"{self.start_s // 3600:02d}:{self.start_s % 3600 // 60:02d}",
            "to": f"{self.end_s // 3600:02d}:{self.end_s % 3600 // 60:02d}",
            "tz": self.tz,
        }
        if self.days is not None:
            out["days"] = sorted(self.days)
        return out

    def active(self, ts: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether the window is open at each epoch time in ``ts`` (vectorised)."""
        t = np.atleast_1d(np.asarray(ts, dtype=float))
        local = t + _utc_offsets(t, self.tz)
        sod = np.mod(local, DAY)
        # the day the window started on: today, or yesterday for the part after midnight
        day_index = np.floor(local / DAY).astype(np.int64)
        if self.start_s < self.end_s:
            inside = (sod >= self.start_s) & (sod < self.end_s)
            start_day = day_index
        else:
            late, early = sod >= self.start_s, sod < self.end_s
            inside = late | early
            start_day = np.where(early, day_index - 1, day_index)
        if self.days is not None:
            weekday = (start_day + 3) % 7  # 1970-01-01 was a Thursday (3)
            inside &= np.isin(weekday, list(self.days))
        return inside

    def active_at(self, ts: float) -> bool:
        return bool(self.active(ts)[0])


def _utc_offsets(t: npt.NDArray[np.float64], tz: str) -> npt.NDArray[np.float64]:
    """Local time minus UTC (s) at each ``t``; one lookup unless a DST change falls inside."""
    if tz == "UTC" or t.size == 0:
        return np.zeros_like(t)
    zone = ZoneInfo(tz)

    def offset(x: float) -> float:
        delta = datetime.fromtimestamp(x, UTC).astimezone(zone).utcoffset()
        return delta.total_seconds() if delta else 0.0

    finite = t[np.isfinite(t)]
    if finite.size == 0:
        return np.zeros_like(t)
    lo, hi = offset(float(finite.min())), offset(float(finite.max()))
    if lo == hi:
        return np.full_like(t, lo)
    return np.array([offset(float(x)) if np.isfinite(x) else 0.0 for x in t])
