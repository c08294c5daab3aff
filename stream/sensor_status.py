"""The health of every sensor, folded from its heartbeats (pure; the caller gives ``now``).

>>> from stream.models import SensorHealth, SensorKind
>>> beat = SensorHealth(sensor_id="s-1", seq=3, kind=SensorKind.PIR, ts=1.8e9, battery=0.1,
...                     tamper=True)
>>> [s.problems for s in statuses(newest([beat]), now=1.8e9 + 30, sector_of=None)]
[['tamper', 'low battery']]

A sensor the inventory lists and no heartbeat names is listed too, never heard:

>>> listed = [{"type": "sensor", "id": "s-2", "kind": "pir", "lon": 0.0, "lat": 0.0}]
>>> [(s.sensor_id, s.problems) for s in statuses(newest([beat]), now=1.8e9, sector_of=None,
...                                              inventory=listed)]
[('s-1', ['tamper', 'low battery']), ('s-2', ['never heard'])]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from stream.models import SensorHealth

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SensorStatus:
    sensor_id: str
    kind: str
    sector: str
    online: bool
    last_heartbeat_ts: float | None  # None: never heard (an inventory entry)
    age_s: float | None
    battery: float | None
    tamper: bool
    fault: bool
    problems: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def newest(beats: Iterable[SensorHealth]) -> dict[str, SensorHealth]:
    """The newest heartbeat (by time, then sequence number) of each sensor."""
    out: dict[str, SensorHealth] = {}
    for b in beats:
        old = out.get(b.sensor_id)
        if old is None or (b.ts, b.seq) >= (old.ts, old.seq):
            out[b.sensor_id] = b
    return out


def statuses(
    latest: dict[str, SensorHealth],
    *,
    now: float,
    sector_of: Callable[[float, float], str] | None,
    offline_after_s: float = 180.0,
    low_battery: float = 0.2,
    inventory: Sequence[Mapping[str, Any]] = (),
) -> list[SensorStatus]:
    """One status per sensor, and per ``sensor`` record of the ``inventory`` that no
    heartbeat names (never heard): those needing attention first, then by sector and id."""
    out = [_never_heard(r, sector_of) for r in inventory
           if r.get("type") == "sensor" and str(r["id"]) not in latest]
    for b in latest.values():
        online = now - b.ts <= offline_after_s
        problems = [
            name
            for name, bad in (
                ("offline", not online),
                ("tamper", b.tamper),
                ("fault", b.fault),
                ("low battery", b.battery < low_battery),
            )
            if bad
        ]
        sector = UNKNOWN
        if sector_of is not None and b.lon is not None and b.lat is not None:
            sector = sector_of(b.lon, b.lat)
        out.append(SensorStatus(
            b.sensor_id, b.kind.value, sector, online, b.ts, max(0.0, now - b.ts),
            b.battery, b.tamper, b.fault, problems,
        ))
    return sorted(out, key=lambda s: (not s.problems, s.sector, s.sensor_id))


def _never_heard(record: Mapping[str, Any],
                 sector_of: Callable[[float, float], str] | None) -> SensorStatus:
    lon, lat = record.get("lon"), record.get("lat")
    sector = UNKNOWN
    if sector_of is not None and lon is not None and lat is not None:
        sector = sector_of(float(lon), float(lat))
    return SensorStatus(str(record["id"]), str(record.get("kind") or UNKNOWN), sector, False,
                        None, None, None, False, False, ["never heard"])
