"""Weather over scenario time and the local time of day (day or night).

>>> w = Weather([WeatherPoint(at_s=0, wind_mps=2), WeatherPoint(at_s=100, wind_mps=12)])
>>> w.at(50.0)
(7.0, 0.0)
"""

from __future__ import annotations

import numpy as np

from simulators.scenario import WeatherPoint

#: Arizona keeps Mountain Standard Time all year.
UTC_OFFSET_H = -7.0


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
    """Local hour of day at scenario second ``t``, and whether it is night."""

    def __init__(
        self, start_epoch: float, local_start: str | None, day_hours: tuple[float, float]
    ) -> None:
        if local_start is not None:
            hh, mm = local_start.split(":")
            self.hour0 = int(hh) + int(mm) / 60.0
        else:
            self.hour0 = ((start_epoch / 3600.0 + UTC_OFFSET_H) % 24.0 + 24.0) % 24.0
        self.day_hours = day_hours

    def hour(self, t: float) -> float:
        return (self.hour0 + t / 3600.0) % 24.0

    def night(self, t: float) -> bool:
        lo, hi = self.day_hours
        return not (lo <= self.hour(t) < hi)
