"""Correlation keyed by place: the boundary cut into stretches ("cells"), each owned by one
of ``owners`` correlators, so that everything that can belong to one incident is
correlated by one owner whichever worker holds which sensor partition.

A report is read by the owner of the cell it lies in and by the owner of a neighbouring
cell whose end is within ``halo_m`` (along the boundary): an incident near a cell's end is
correlated whole on both sides, its alert included. It is *owned* (its alert messages
sent, cameras cued) only by the owner of the cell its first report lies in; the other
side keeps the same alert unsent, so that what joins or continues it there is judged
the same way on both sides. Every owner reads every heartbeat (:func:`mine`). An incident
that walks further along the boundary than ``halo_m`` from where it began leaves its
owner's view (a vehicle driving along the line): the cell's neighbour then opens one of
its own (``docs/architecture.md``, Scaling).

Cells are numbered along the boundary from its start (``Frame.along``); cell ``c`` belongs
to owner ``c mod owners``, so neighbours belong to different owners whenever there are two
or more.

>>> p = Places(cell_m=5000.0, halo_m=1000.0, owners=3)
>>> p.cell(12_400.0), p.owner(12_400.0)
(2, 2)
>>> p.readers(12_400.0), p.readers(14_500.0), p.readers(10_300.0)
((2,), (0, 2), (1, 2))
>>> Places(5000.0, 1000.0, owners=1).readers(14_500.0)
(0,)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from geofences.frame import Frame
from stream.correlation.evidence import Evidence, Heartbeat

T = TypeVar("T", bound=Evidence | Heartbeat)


@dataclass(frozen=True)
class Places:
    """Stretches of ``cell_m`` along the boundary, read ``halo_m`` beyond their ends."""

    cell_m: float
    halo_m: float
    owners: int = 1

    def __post_init__(self) -> None:
        if not (self.cell_m > 0 and 0 <= self.halo_m < self.cell_m and self.owners >= 1):
            raise ValueError(f"places need cell_m > halo_m >= 0 and owners >= 1: {self}")

    def cell(self, along_m: float) -> int:
        """The cell a point this far along the boundary lies in."""
        return math.floor(along_m / self.cell_m)

    def owner(self, along_m: float) -> int:
        """The owner of the cell a point lies in."""
        return self.cell(along_m) % self.owners

    def readers(self, along_m: float) -> tuple[int, ...]:
        """The owners that read a report this far along: its cell's, and a neighbour's
        whose cell ends within ``halo_m``."""
        c = self.cell(along_m)
        cells = {c}
        if along_m - c * self.cell_m < self.halo_m:
            cells.add(c - 1)
        if (c + 1) * self.cell_m - along_m <= self.halo_m:
            cells.add(c + 1)
        return tuple(sorted({k % self.owners for k in cells}))


@dataclass(frozen=True)
class Share:
    """One owner's share of the places, in a geofence set's metric frame."""

    places: Places
    frame: Frame
    me: int

    def reads(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which of these metric points this owner reads."""
        along = self.frame.along(x, y)
        return np.array([self.me in self.places.readers(float(a)) for a in along], bool)

    def owns(self, x: float, y: float) -> bool:
        """Whether the alert of an incident that began here is this owner's to send."""
        return self.places.owner(float(self.frame.along([x], [y])[0])) == self.me


def mine(share: Share | None, items: Sequence[T]) -> Sequence[T]:
    """The reports this share reads: the detections in its cells and halo, and every
    heartbeat. Heartbeats are few, and whether a sensor is dead, tampered with or silent
    bears on incidents beyond the halo (an alert beside a dead sensor waits for its held
    reports): every owner judges every sensor's health alike."""
    if share is None or not items:
        return items
    found = [(i, it.report) for i, it in enumerate(items) if isinstance(it, Evidence)]
    keep = np.ones(len(items), bool)
    if found:
        x, y = share.frame.to_metric([r.lon for _, r in found], [r.lat for _, r in found])
        keep[[i for i, _ in found]] = share.reads(x, y)
    return [it for it, k in zip(items, keep, strict=True) if k]
