"""The pipeline benchmarks' load: a stormy night of seismic reports from fixed sensor
sites along the bundled boundary, one line in the border strip and one in the buffer,
with a two-sensor crossing now and then (see :mod:`benchmarks.pipeline`)."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import numpy as np
import orjson

from geofences.index import GeofenceSet


def _sites(home_m: float, n: int) -> list[tuple[float, float]]:
    """``n`` sensor sites along the bundled boundary, ``home_m`` metres on its US side."""
    frame = GeofenceSet.load_bundled().frame
    lon, lat = frame.to_wgs84(*frame.point(np.linspace(0.0, frame.length, n), home_m))
    return [(round(a, 7), round(b, 7)) for a, b in zip(lon.tolist(), lat.tolist(), strict=True)]


@dataclass(frozen=True)
class Load:
    """Seismic reports from ``sites`` fixed sensor sites in the border strip (11 m from the
    line) and as many in the buffer (2.2 km inland); report ``seq`` comes from the strip
    when ``seq % strip_every == 0``. Each line's sites take turns, so at ``rate`` reports/s
    a buffer sensor fires every ``sites / rate`` seconds. Reports ``seq`` and ``seq + 1``
    with ``seq % crossing_every == 0`` are a crossing: two neighbouring strip sensors,
    a prime stride of sites further along the line each time, saying "person" (none when
    ``crossing_every`` is 0).

    >>> load = Load(2500, 1000, 20_000)
    >>> [load.report(s, 0.0)["sensor_id"] for s in (0, 1, 2, 1000, 20_000, 20_001)]
    ['strip-0', 'strip-1', 'buffer-2', 'strip-1', 'strip-419', 'strip-420']
    >>> load.report(20_001, 0.0)["signature"], load.report(2, 0.0).get("signature")
    ('person', None)
    >>> Load(2500, 1000, 0).report(20_000, 0.0).get("signature") is None
    True
    """

    sites: int
    strip_every: int
    crossing_every: int = 20_000

    @functools.cached_property
    def strip(self) -> list[tuple[float, float]]:
        return _sites(11.0, self.sites)

    @functools.cached_property
    def buffer(self) -> list[tuple[float, float]]:
        return _sites(2200.0, self.sites)

    def report(self, seq: int, ts: float) -> dict[str, object]:
        """A seismic report from a fixed sensor site (sensors report their own position)."""
        crossing = seq % self.crossing_every if self.crossing_every else 2
        if crossing < 2:  # one of a crossing's two reports
            k = (seq // self.crossing_every * 419 + crossing) % self.sites
            return self._report(seq, ts, "strip", k, self.strip[k]) | {
                "strength": 0.7, "signature": "person"}
        inside = seq % self.strip_every == 0
        k = (seq // self.strip_every if inside else seq) % self.sites
        return self._report(seq, ts, "strip" if inside else "buffer", k,
                            self.strip[k] if inside else self.buffer[k])

    @staticmethod
    def _report(seq: int, ts: float, line: str, k: int,
                where: tuple[float, float]) -> dict[str, object]:
        lon, lat = where
        return {
            "v": 1,
            "sensor_id": f"{line}-{k}",
            "seq": seq,
            "kind": "seismic",
            "ts": ts,
            "lon": lon,
            "lat": lat,
            "strength": round(0.3 + 0.7 * random.random(), 3),
        }

    def messages(self, first: int, n: int, per_msg: int, ts: float) -> list[bytes]:
        out = []
        for start in range(first, first + n, per_msg):
            items = [self.report(i, ts) for i in range(start, min(start + per_msg, first + n))]
            out.append(
                orjson.dumps(
                    items[0]
                    if per_msg == 1
                    else {"v": 1, "source": f"gw-{start}", "reports": items}
                )
            )
        return out
