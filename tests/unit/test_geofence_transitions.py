"""Transitions: enter, exit, inside, dwell, the hysteresis band, reloads and time windows."""

from __future__ import annotations

from typing import Any

import pytest
from pyproj import Transformer
from shapely.geometry import box

from geofences.index import GeofenceSet, Zone
from geofences.transitions import Kind, TransitionEngine
from geofences.windows import TimeWindow

UTM = Transformer.from_crs("EPSG:32612", "EPSG:4326", always_xy=True)
X0, Y0 = 500_000.0, 3_470_000.0  # UTM 12N, near 31.36 N, 111.0 W


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    """WGS84 of a point ``dx``/``dy`` metres from the square's south-west corner."""
    lon, lat = UTM.transform(X0 + dx, Y0 + dy)
    return float(lon), float(lat)


def square(zid: str = "sq", side: float = 1000.0, **props: Any) -> Zone:
    """A ``side``-metre square (built in UTM, stored in WGS84) with corner at X0, Y0."""
    corners = [lonlat(0, 0), lonlat(side, 0), lonlat(side, side), lonlat(0, side)]
    lons, lats = zip(*corners, strict=True)
    geom = box(min(lons), min(lats), max(lons), max(lats))
    window = TimeWindow.parse(props.get("active"))
    return Zone(zid, zid, "restricted", geom, properties=props, window=window)


def fset(*zones: Zone, version: str = "v1") -> GeofenceSet:
    return GeofenceSet.from_zones(version, list(zones))


def step(e: TransitionEngine, f: GeofenceSet, dx: float, dy: float, ts: float,
         oid: str = "t1") -> list[tuple[str, str, bool]]:
    lon, lat = lonlat(dx, dy)
    return [(t.kind.value, t.zone_id, t.initial) for t in e.update(f, [oid], [lon], [lat], [ts])]


@pytest.fixture
def engine() -> TransitionEngine:
    return TransitionEngine(hysteresis_m=30.0, dwell_s=60.0)


def test_enter_inside_exit(engine: TransitionEngine) -> None:
    f = fset(square())
    assert step(engine, f, -500, 500, 0) == []  # first sight, outside
    assert step(engine, f, 500, 500, 10) == [("enter", "sq", False)]
    assert step(engine, f, 600, 500, 20) == [("inside", "sq", False)]
    assert step(engine, f, 1200, 500, 30) == [("exit", "sq", False)]
    assert step(engine, f, 1300, 500, 40) == []


def test_exit_reports_when_the_stay_began(engine: TransitionEngine) -> None:
    f = fset(square())
    step(engine, f, -500, 500, 0)
    lon, lat = lonlat(500, 500)
    engine.update(f, ["t1"], [lon], [lat], [10])
    lon, lat = lonlat(2000, 500)
    (ex,) = engine.update(f, ["t1"], [lon], [lat], [25])
    assert (ex.kind, ex.since, ex.ts, ex.version) == (Kind.EXIT, 10.0, 25.0, "v1")


def test_wobble_inside_the_hysteresis_band_does_not_flap(engine: TransitionEngine) -> None:
    f = fset(square())
    step(engine, f, -100, 500, 0)
    kinds = []
    for i, dx in enumerate([-5, 5, -20, 3, -29, 10, -15, 1]):  # east edge ±band, west side
        kinds += [k for k, _, _ in step(engine, f, dx, 500, 1 + i)]
    assert kinds.count("enter") == 1 and "exit" not in kinds
    assert step(engine, f, -31, 500, 20) == [("exit", "sq", False)]  # beyond the 30 m band


def test_zone_property_overrides_the_band(engine: TransitionEngine) -> None:
    f = fset(square(hysteresis_m=5.0))
    step(engine, f, 500, 500, 0)
    assert step(engine, f, -10, 500, 1) == [("exit", "sq", False)]


def test_dwell_once_per_stay(engine: TransitionEngine) -> None:
    f = fset(square())
    step(engine, f, -500, 500, 0)
    step(engine, f, 500, 500, 100)
    assert step(engine, f, 500, 510, 150) == [("inside", "sq", False)]
    assert step(engine, f, 500, 520, 160) == [("inside", "sq", False), ("dwell", "sq", False)]
    assert step(engine, f, 500, 530, 400) == [("inside", "sq", False)]
    step(engine, f, 3000, 500, 410)  # exit, then a new stay dwells again
    step(engine, f, 500, 500, 420)
    assert ("dwell", "sq", False) in step(engine, f, 500, 500, 480)


def test_first_sight_inside_is_inside_not_enter(engine: TransitionEngine) -> None:
    f = fset(square())
    assert step(engine, f, 500, 500, 0) == [("inside", "sq", True)]
    eager = TransitionEngine(enter_on_first_sight=True)
    assert step(eager, f, 500, 500, 0) == [("enter", "sq", False)]


def test_reload_around_an_object_already_inside_gives_no_enter(
    engine: TransitionEngine,
) -> None:
    v1 = fset(square("other", side=100))
    assert step(engine, v1, 500, 500, 0) == []
    v2 = fset(square("other", side=100), square("sq"), version="v2")
    lon, lat = lonlat(500, 510)
    events = engine.update(v2, ["t1"], [lon], [lat], [10])
    assert [(e.kind, e.zone_id, e.initial, e.version) for e in events] == [
        (Kind.INSIDE, "sq", True, "v2")
    ]
    # from now on the zone is known: leaving and coming back are real transitions
    assert step(engine, v2, 3000, 500, 20) == [("exit", "sq", False)]
    assert step(engine, v2, 500, 500, 30) == [("enter", "sq", False)]


def test_stay_survives_a_reload_of_the_same_zone(engine: TransitionEngine) -> None:
    step(engine, fset(square()), 500, 500, 0)
    v2 = fset(square(), version="v2")
    assert step(engine, v2, 510, 500, 10) == [("inside", "sq", False)]
    assert engine.inside_of("t1") == {"sq": 0.0}


def test_removed_zone_ends_the_stay_silently(engine: TransitionEngine) -> None:
    step(engine, fset(square()), 500, 500, 0)
    assert step(engine, fset(square("other", side=10), version="v2"), 500, 500, 10) == []
    assert engine.inside_of("t1") == {}


def test_time_window_opening_is_not_an_enter(engine: TransitionEngine) -> None:
    # 06:00-07:00 UTC only
    f = fset(square(active={"from": "06:00", "to": "07:00", "tz": "UTC"}))
    day = 86_400 * 20_000
    assert step(engine, f, 500, 500, day + 5.5 * 3600) == []  # closed
    assert step(engine, f, 500, 500, day + 6 * 3600) == [("inside", "sq", True)]
    assert step(engine, f, 500, 500, day + 7 * 3600) == []  # closed again: no exit
    assert step(engine, f, 3000, 500, day + 86_400 + 6.1 * 3600) == []
    assert step(engine, f, 500, 500, day + 86_400 + 6.2 * 3600) == [("enter", "sq", False)]


def test_out_of_order_positions_are_ignored(engine: TransitionEngine) -> None:
    f = fset(square())
    step(engine, f, -500, 500, 100)
    assert step(engine, f, 500, 500, 50) == []
    assert engine.stale == 1


def test_one_batch_with_several_objects_in_any_order() -> None:
    engine = TransitionEngine(emit_inside=False)
    f = fset(square())
    pts = [lonlat(500, 500), lonlat(-500, 500), lonlat(-500, 500), lonlat(500, 500)]
    ids, ts = ["a", "a", "b", "b"], [20.0, 10.0, 10.0, 20.0]
    events = engine.update(f, ids, [p[0] for p in pts], [p[1] for p in pts], ts)
    assert sorted((e.object_id, e.kind.value, e.position) for e in events) == [
        ("a", "enter", 0), ("b", "enter", 3)
    ]


def test_expire_and_forget(engine: TransitionEngine) -> None:
    f = fset(square())
    step(engine, f, 500, 500, 0, oid="old")
    step(engine, f, 500, 500, 100, oid="new")
    assert engine.expire(50) == ["old"]
    engine.forget("new")
    assert engine.objects == {}
