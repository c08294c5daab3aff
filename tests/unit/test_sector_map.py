"""SectorMap: the nearest patrol sector of a position is measured once and remembered."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geofences.index import GeofenceSet, Zone
from stream.correlation import sectors
from stream.correlation.sectors import SectorMap


def _map() -> SectorMap:
    west = Zone("w", "west", "patrol_sector", shapely.box(-111.02, 31.3, -111.0, 31.4),
                sector="w")
    east = Zone("e", "east", "patrol_sector", shapely.box(-111.0, 31.3, -110.98, 31.4),
                sector="e")
    return SectorMap(GeofenceSet.from_zones("t", [west, east]), hysteresis_m=100.0)


def test_a_position_seen_again_is_not_measured_again(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _map()
    measured: list[int] = []
    distances = m.distances

    def counting(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        measured.append(np.asarray(x).size)
        return distances(x, y)

    monkeypatch.setattr(m, "distances", counting)
    x, y = m.fences.to_metric([-111.03, -110.97, -111.03], [31.35, 31.35, 31.35])
    assert m.nearest(x, y) == ["w", "e", "w"]
    assert m.nearest(x[::-1], y[::-1]) == ["w", "e", "w"]
    assert measured == [2]  # two distinct positions, each measured once


def test_what_is_remembered_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sectors, "NEAREST_KEPT", 3)
    m = _map()
    x, y = m.fences.to_metric(np.linspace(-111.05, -110.95, 5), np.full(5, 31.35))
    assert m.nearest(x[:2], y[:2]) == ["w", "w"]
    assert m.nearest(x[2:], y[2:]) == ["w", "e", "e"]  # 2 + 3 > 3: forgotten first
    assert len(m._nearest) == 3
