"""Which sensors stand near a sensor, without looking at every site each time.

The fault watch asks for a chattering sensor's neighbours on every one of its hits; with
thousands of sites, projecting them all each time cost more than correlating the reports.
The grid keeps each site's metres in the frame, bucketed by cells as wide as the radius
asked for, and catches up with the sites it has not seen (:meth:`SiteGrid.forget` a sensor
that moved).

>>> from geofences.frame import Frame
>>> g = SiteGrid()
>>> sites = {"a": [-111.0, 31.4], "b": [-111.001, 31.4], "c": [-111.05, 31.4]}
>>> g.near(sites, Frame("EPSG:32612"), 300.0, "a", (0.0, 0.0))
['b']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from geofences.frame import Frame


class SiteGrid:
    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._cell = 0.0
        self._xy: dict[str, tuple[float, float]] = {}
        self._cells: dict[tuple[int, int], list[str]] = {}
        self._sites: Mapping[str, Sequence[float]] | None = None  # the sites placed

    def clear(self) -> None:
        """Forget every site (another frame is in force, or sites were restored)."""
        self._frame, self._xy, self._cells = None, {}, {}

    def forget(self, sensor: str) -> None:
        """``sensor`` moved: place it again on the next look."""
        if (xy := self._xy.pop(sensor, None)) is not None:
            self._cells[self._key(*xy)].remove(sensor)

    def _key(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self._cell), math.floor(y / self._cell)

    def _catch_up(self, sites: Mapping[str, Sequence[float]], frame: Frame,
                  cell: float) -> None:
        if frame is not self._frame or cell != self._cell or sites is not self._sites:
            self.clear()
            self._frame, self._cell, self._sites = frame, cell, sites
        if len(self._xy) == len(sites):  # sites are only added (or moved: forget)
            return
        new = [n for n in sites.keys() - self._xy.keys()]
        if not new:
            return
        x, y = frame.to_metric([sites[n][0] for n in new], [sites[n][1] for n in new])
        for n, px, py in zip(new, x.tolist(), y.tolist(), strict=True):
            self._xy[n] = (px, py)
            self._cells.setdefault(self._key(px, py), []).append(n)

    def near(self, sites: Mapping[str, Sequence[float]], frame: Frame, radius: float,
             sensor: str, where: tuple[float, float]) -> list[str]:
        """The sensors of ``sites`` within ``radius`` metres of ``sensor`` (at its site,
        else at ``where``, lon/lat), not itself."""
        self._catch_up(sites, frame, radius)
        if sensor in self._xy:
            x, y = self._xy[sensor]
        else:
            mx, my = frame.to_metric([where[0]], [where[1]])
            x, y = float(mx[0]), float(my[0])
        cx, cy = self._key(x, y)
        out = []
        for i in (cx - 1, cx, cx + 1):
            for j in (cy - 1, cy, cy + 1):
                for n in self._cells.get((i, j), ()):
                    px, py = self._xy[n]
                    if n != sensor and math.hypot(px - x, py - y) <= radius:
                        out.append(n)
        return out
