"""Correlation by place: stretches of the boundary, each correlated on one partition.

A report is placed by where it lies along the boundary of the geofence set in force (its
metric frame; a set without a boundary measures along the frame's x axis): stretch
``floor(along / cell_m)`` holds it, and a report within ``margin_m`` of a stretch's end
belongs to the neighbouring stretch too, so an incident that starts near an end is seen
whole on both sides. Stretch ``c`` is correlated on partition ``c mod partitions``. Of the
partitions that see an incident, the one whose stretch holds its first report (its owner)
publishes its alerts, tasks and zone events; the others correlate it silently.

>>> from geofences.frame import Frame

#: owners remembered at most (then forgotten at once: cheap to ask again)
OWNERS_KEPT = 100_000
>>> frame = Frame.metric("EPSG:32612", [[(0.0, 0.0), (30_000.0, 0.0)]])
>>> p = Places(frame, partitions=4, cell_m=10_000.0, margin_m=1_000.0)
>>> [sorted(s) for s in p.shares_xy([500.0, 9_500.0, 15_000.0, 25_000.0], [0.0] * 4)]
[[0], [0, 1], [1], [2]]
>>> p.owner_xy(9_500.0, 0.0), p.owner_xy(10_200.0, 0.0)
(0, 1)
>>> [sorted(s) for s in Places(frame, partitions=1).shares_xy([9_999.0], [0.0])]
[[0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from geofences.frame import Frame

#: owners remembered at most (then forgotten at once: cheap to ask again)
OWNERS_KEPT = 100_000


@dataclass(frozen=True)
class Places:
    """Which partitions correlate reports at a place, and which one owns an incident."""

    frame: Frame
    partitions: int = 1
    cell_m: float = 10_000.0
    margin_m: float = 1_500.0
    everywhere: frozenset[int] = field(init=False)
    #: owner of each point asked (incidents' first reports: asked every batch)
    _owners: dict[tuple[float, float], int] = field(init=False, default_factory=dict,
                                                    compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.partitions < 1 or self.cell_m <= 0 or not 0 <= self.margin_m < self.cell_m / 2:
            raise ValueError("places need partitions >= 1, cell_m > 0 and "
                             "0 <= margin_m < cell_m / 2")
        object.__setattr__(self, "everywhere", frozenset(range(self.partitions)))

    def along(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Metres along the boundary (along x without one) of metric points."""
        if self.frame.has_boundary:
            return np.asarray(self.frame.along(x, y), float)
        return np.asarray(x, float).reshape(-1)

    def shares_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> list[frozenset[int]]:
        """The partitions that correlate each metric point: its stretch's, and a
        neighbour's within ``margin_m`` of an end."""
        if self.partitions == 1:
            return [self.everywhere] * np.asarray(x).size
        s = self.along(x, y)
        cell = np.floor(s / self.cell_m).astype(np.int64)
        rest = s - cell * self.cell_m
        low = ((rest < self.margin_m) & (cell > 0)).tolist()  # no stretch before the first
        high = (rest > self.cell_m - self.margin_m)
        if self.frame.has_boundary:  # nor after the last
            high &= (cell + 1) * self.cell_m < self.frame.length
        high = high.tolist()
        n = self.partitions
        return [frozenset((c % n, (c - lo) % n, (c + hi) % n))
                for c, lo, hi in zip(cell.tolist(), low, high, strict=True)]

    def shares(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> list[frozenset[int]]:
        """:meth:`shares_xy` of WGS84 points."""
        if self.partitions == 1:
            return [self.everywhere] * np.asarray(lon).size
        return self.shares_xy(*self.frame.to_metric(lon, lat))

    def owner_xy(self, x: float, y: float) -> int:
        """The partition whose stretch holds a metric point: an incident's owner, from
        its first report's position."""
        if self.partitions == 1:
            return 0
        owner = self._owners.get((x, y))
        if owner is None:
            if len(self._owners) >= OWNERS_KEPT:
                self._owners.clear()
            cell = int(np.floor(self.along([x], [y])[0] / self.cell_m))
            owner = self._owners[x, y] = cell % self.partitions
        return owner
