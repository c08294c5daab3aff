"""Weather over scenario time and the local time of day (day or night).

>>> w = Weather([WeatherPoint(at_s=0, wind_mps=2), WeatherPoint(at_s=100, wind_mps=12)])
>>> w.at(50.0)
(7.0, 0.0)
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from simulators.scenario import WeatherPoint


class Weather:
    """Wind (m/s) and rain (mm/h), linearly interpolated between the scenario's points."""

    def __init__(self, points: list[WeatherPoint]) -> None:
        pts = sorted(points, key=lambda p: p.at_s)
        self.t = np.array([p.at_s for p in pts], float)
        self.wind = np.array([p.wind_mps for p in pts], float)
        self.rain = np.array([p.rain_mmph for p in pts], float)

    def at(self, t: float) -> tuple[float, float]:
        if not len(self.t):
            return 0.0, 0.0
        return float(np.interp(t, self.t, self.wind)), float(np.interp(t, self.t, self.rain))


class Daylight:
    """Local hour of day at scenario second ``t``, and whether it is night.

    Without ``local_start`` the hour comes from the start time in the geofence set's
    ``timezone`` (an IANA name), else as mean solar time at longitude ``lon``.

    >>> Daylight(1_800_000_000.0, None, (6.0, 18.0), "America/Phoenix").hour0
    1.0
    >>> round(Daylight(1_800_000_000.0, None, (6.0, 18.0), None, lon=-111.0).hour0, 2)
    0.6
    """

    def __init__(
        self, start_epoch: float, local_start: str | None, day_hours: tuple[float, float],
        timezone: str | None = None, lon: float = 0.0,
    ) -> None:
        if local_start is not None:
            hh, mm = local_start.split(":")
            self.hour0 = int(hh) + int(mm) / 60.0
        elif timezone:
            t = datetime.fromtimestamp(start_epoch, UTC).astimezone(ZoneInfo(timezone))
            self.hour0 = t.hour + t.minute / 60.0 + (t.second + t.microsecond / 1e6) / 3600.0
        else:
            self.hour0 = ((start_epoch / 3600.0 + lon / 15.0) % 24.0 + 24.0) % 24.0
        self.day_hours = day_hours

    def hour(self, t: float) -> float:
        return (self.hour0 + t / 3600.0) % 24.0

    def night(self, t: float) -> bool:
        lo, hi = self.day_hours
        return not (lo <= self.hour(t) < hi)
