"""Pure health bookkeeping behind the worker's gauges: sensors per sector, open incidents, lag.

Per-sensor and per-incident state stays in memory; what is exported is counted per
sector, kind and status (bounded cardinality, never one series per sensor id).

>>> t = SensorHealthTracker(sector_of=lambda lon, lat: "nogales", offline_after_s=180)
>>> from stream.models import SensorHealth, SensorKind
>>> _ = t.update([SensorHealth(sensor_id="s-1", seq=1, kind=SensorKind.PIR, ts=1.8e9, battery=0.1,
...                        lon=-111.0, lat=31.34)], partition=("h", 0))
>>> t.counts(now=1.8e9 + 10)[("nogales", "pir", "low_battery")]
1
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from geofences.index import GeofenceSet
from stream.models import Alert, AlertState, SensorHealth

UNKNOWN = "unknown"
#: Every status a sensor is counted under; online and offline partition the sensors.
STATUSES = ("online", "offline", "low_battery", "tampered", "fault")
Partition = tuple[str, int]


def sector_lookup(fences: GeofenceSet) -> Callable[[float, float], str]:
    """``(lon, lat) -> sector`` from the set's patrol-sector zones, ``"unknown"`` outside them."""

    def sector_of(lon: float, lat: float) -> str:
        return fences.sectors(*fences.locate([lon], [lat]), 1)[0] or UNKNOWN

    return sector_of


def fence_sectors(fences: GeofenceSet) -> list[str]:
    """Every sector a patrol-sector zone of the set names, sorted."""
    return sorted({z.sector for z in fences.zones if z.zone_type == "patrol_sector" and z.sector})


@dataclass(slots=True)
class _Sensor:
    kind: str
    sector: str
    ts: float
    seq: int
    battery: float
    tamper: bool
    fault: bool
    partition: Partition


class SensorHealthTracker:
    """Latest heartbeat of every sensor; counts them per (sector, kind, status).

    A sensor is offline when its newest heartbeat is older than ``offline_after_s``
    (missed heartbeats); low battery below ``low_battery``. At most ``max_sensors``
    are kept (the longest silent ones are forgotten first).
    """

    def __init__(
        self,
        sector_of: Callable[[float, float], str],
        *,
        offline_after_s: float = 180.0,
        low_battery: float = 0.2,
        max_sensors: int = 200_000,
    ) -> None:
        self.sector_of = sector_of
        self.offline_after_s = offline_after_s
        self.low_battery = low_battery
        self.max_sensors = max_sensors
        self._sensors: OrderedDict[str, _Sensor] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sensors)

    def update(self, reports: Iterable[SensorHealth], partition: Partition) -> Counter[str]:
        """Take heartbeats read from ``partition``; returns how many came from each sector."""
        per_sector: Counter[str] = Counter()
        for r in reports:
            old = self._sensors.get(r.sensor_id)
            if old is not None and (r.ts, r.seq) < (old.ts, old.seq):
                per_sector[old.sector] += 1  # out of order: counts as heard, keeps newer state
                continue
            if r.lon is not None and r.lat is not None:
                sector = self.sector_of(r.lon, r.lat)
            else:
                sector = old.sector if old is not None else UNKNOWN
            self._sensors[r.sensor_id] = _Sensor(
                r.kind.value, sector, r.ts, r.seq, r.battery, r.tamper, r.fault, partition
            )
            self._sensors.move_to_end(r.sensor_id)
            per_sector[sector] += 1
        while len(self._sensors) > self.max_sensors:
            self._sensors.popitem(last=False)
        return per_sector

    def keep_partitions(self, assigned: set[Partition]) -> None:
        """Forget sensors read from partitions this worker no longer owns (after a rebalance)."""
        for sid in [s for s, v in self._sensors.items() if v.partition not in assigned]:
            del self._sensors[sid]

    def counts(self, now: float) -> dict[tuple[str, str, str], int]:
        """``{(sector, kind, status): n}`` with every status present for each (sector, kind)."""
        out: dict[tuple[str, str, str], int] = {}
        for s in self._sensors.values():
            for status in STATUSES:
                out.setdefault((s.sector, s.kind, status), 0)
            online = now - s.ts <= self.offline_after_s
            out[s.sector, s.kind, "online" if online else "offline"] += 1
            if s.battery < self.low_battery:
                out[s.sector, s.kind, "low_battery"] += 1
            if s.tamper:
                out[s.sector, s.kind, "tampered"] += 1
            if s.fault:
                out[s.sector, s.kind, "fault"] += 1
        return out


@dataclass(slots=True)
class _Incident:
    sector: str
    severity: str
    partition: Partition


class OpenIncidents:
    """Incidents whose latest alert is not cleared, folded from the alerts topic."""

    def __init__(self, max_incidents: int = 100_000) -> None:
        self.max_incidents = max_incidents
        self._open: OrderedDict[str, _Incident] = OrderedDict()

    def __len__(self) -> int:
        return len(self._open)

    def observe(self, alert: Alert, partition: Partition) -> None:
        if alert.state == AlertState.CLEARED:
            self._open.pop(alert.incident_id, None)
            return
        sector = alert.sector or UNKNOWN
        self._open[alert.incident_id] = _Incident(sector, alert.severity.value, partition)
        self._open.move_to_end(alert.incident_id)
        while len(self._open) > self.max_incidents:
            self._open.popitem(last=False)

    def keep_partitions(self, assigned: set[Partition]) -> None:
        for iid in [i for i, v in self._open.items() if v.partition not in assigned]:
            del self._open[iid]

    def counts(self) -> Counter[tuple[str, str]]:
        """``{(sector, severity): open incidents}``."""
        return Counter((i.sector, i.severity) for i in self._open.values())


def consumer_lag(
    highwaters: Mapping[Partition, int | None], committed: Mapping[Partition, int | None]
) -> dict[Partition, int]:
    """Messages not yet committed per partition; a partition never committed lags by its end."""
    out: dict[Partition, int] = {}
    for tp, high in highwaters.items():
        if high is None:
            continue
        done = committed.get(tp)
        out[tp] = max(0, high - (done or 0))
    return out
