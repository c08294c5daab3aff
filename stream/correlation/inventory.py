"""What the deployment says it has, typed for the core: its cameras, where each sensor
stands and the gateway each sensor reports through (from ``camera``/``sensor`` records: a
simulator truth file, or an inventory in the same shape, see :mod:`stream.inventory`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stream.correlation.tasking import CameraSite

__all__ = ["Inventory"]


@dataclass(frozen=True, slots=True)
class Inventory:
    """Cameras, sensor sites (sensor id -> lon, lat) and gateways (sensor id -> gateway
    id); the empty inventory knows nothing, and the core learns sites from reports.

    >>> inv = Inventory.from_records([
    ...     {"type": "camera", "id": "cam-1", "lon": -111.0, "lat": 31.3},
    ...     {"type": "sensor", "id": "s-1", "lon": -111.1, "lat": 31.4, "gateway": "gw-1"},
    ...     {"type": "sensor", "id": "s-2", "lon": -111.2, "lat": 31.4}])
    >>> [c.id for c in inv.cameras], inv.sites["s-2"], inv.gateways
    (['cam-1'], (-111.2, 31.4), {'s-1': 'gw-1'})
    """

    cameras: Sequence[CameraSite] = ()
    sites: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    gateways: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> Inventory:
        """Cameras pan all round; their range is ``range_m`` (default 3 km)."""
        sensors = [r for r in records if r.get("type") == "sensor"]
        return cls(
            cameras=tuple(CameraSite(str(r["id"]), float(r["lon"]), float(r["lat"]),
                                     float(r.get("range_m") or 3000.0))
                          for r in records if r.get("type") == "camera"),
            sites={str(r["id"]): (float(r["lon"]), float(r["lat"])) for r in sensors},
            gateways={str(r["id"]): str(r["gateway"]) for r in sensors if r.get("gateway")})
