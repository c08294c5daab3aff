"""Every alert names a patrol sector from its first message on, and keeps it until it is
clearly inside another (hysteresis), then says so once."""

from __future__ import annotations

import itertools

import numpy as np

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.models import Alert, CameraDetection, TargetClass
from tests.unit.correlation_builders import T0
from tests.unit.test_correlation_engine import feed

FENCES = GeofenceSet.load_bundled()
FRAME = FENCES.frame
_offsets = itertools.count()


def at(along: float, offset: float) -> tuple[float, float]:
    """WGS84 of a point ``along`` metres along the line, ``offset`` metres into the home side."""
    x, y = FRAME.point([along], [offset])
    lon, lat = FRAME.to_wgs84(x, y)
    return float(lon[0]), float(lat[0])


def sector_at(along: float, offset: float) -> str | None:
    lon, lat = at(along, offset)
    return FENCES.sectors(*FENCES.locate([lon], [lat]), 1)[0]


def seen(seq: int, t: float, along: float, offset: float) -> Evidence:
    """A camera sees a person there (a camera-confirmed alert wherever a policy applies)."""
    lon, lat = at(along, offset)
    r = CameraDetection(camera_id="cam-1", seq=seq, ts=T0 + t, lon=lon, lat=lat,
                        cls=TargetClass.PERSON, confidence=0.9)
    return Evidence(r, "bw.sensors.camera", 0, next(_offsets))


def split(offset: float) -> tuple[float, str, str]:
    """Where along the line (at ``offset``) one sector gives way to the other, and the
    sectors before and after it."""
    along = np.arange(1000.0, FRAME.length - 1000.0, 10.0)
    names = [sector_at(a, offset) for a in along]
    k = next(i for i in range(1, len(names)) if names[i] != names[i - 1])
    before, after = names[k - 1], names[k]
    assert before and after
    return float(along[k]), before, after


def walk(path: list[float], offset: float, step_m: float = 7.5) -> list[Evidence]:
    """A camera following a walker at 1.5 m/s along ``path`` (metres along the line)."""
    pts = np.concatenate([np.arange(a, b, step_m if b > a else -step_m)
                          for a, b in itertools.pairwise(path)])
    return [seen(i + 1, 5.0 * i, float(a), offset) for i, a in enumerate(pts)]


def test_approach_alert_carries_the_nearest_sector() -> None:
    """South of the line, in no zone: the sector whose stretch the target walks up to."""
    where, _, _ = split(300.0)
    for side in (-1.0, 1.0):
        cor = Correlator(FENCES)
        along = next(a for a in where + side * np.arange(2000.0, 9000.0, 250.0)
                     if len(FENCES.locate(*at(a, -200.0))[0]) == 0)  # in no zone
        alerts = feed(cor, [seen(1, along, along, -200.0), seen(2, along + 5, along, -190.0)])
        assert alerts and {a.zone_type for a in alerts} == {"approach"}
        assert {a.sector for a in alerts} == {sector_at(along, 300.0)}


def _sectors(alerts: list[Alert]) -> list[str | None]:
    return [a.sector for a in alerts]


def test_sector_holds_within_the_hysteresis_then_changes_once() -> None:
    cor = Correlator(FENCES)
    hyst = cor.policies.sectors.hysteresis_m
    where, first, second = split(300.0)
    # start 300 m before the split, wobble 100 m across it and back, then walk on into
    # the second sector
    alerts = feed(cor, walk([where - 300, where + 100, where - 80, where + 90, where + 700],
                            300.0))
    assert len({a.id for a in alerts}) == 1
    sectors = _sectors(alerts)
    assert sectors[0] == first and sectors[-1] == second
    change = [i for i, a in enumerate(alerts) if "sector-changed" in (a.reason or "")]
    assert len(change) == 1, [a.reason for a in alerts]
    k = change[0]
    assert sectors[:k] == [first] * k and sectors[k:] == [second] * (len(sectors) - k)
    assert alerts[k].previous_sector == first
    assert all(a.previous_sector is None for i, a in enumerate(alerts) if i != k)
    old = next(i for i, z in enumerate(FENCES.zones) if z.sector == first)
    assert FENCES.distance_m(old, alerts[k].lon, alerts[k].lat) > hyst
    assert all(FENCES.distance_m(old, a.lon, a.lat) <= hyst + 10.0 for a in alerts[:k])


def test_a_walker_wobbling_on_the_split_keeps_its_sector() -> None:
    cor = Correlator(FENCES)
    where, first, _ = split(300.0)
    path = [where - 200.0] + [where + d for _ in range(4) for d in (100.0, -100.0)]
    alerts = feed(cor, walk(path, 300.0))
    assert alerts and set(_sectors(alerts)) == {first}
    assert not any("sector-changed" in (a.reason or "") for a in alerts)
