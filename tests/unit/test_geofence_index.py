"""The index answers exactly like a brute-force test of every fence; time windows; bundled set."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from geofences.index import GeofenceSet, Zone
from geofences.windows import TimeWindow

LON0, LAT0 = -111.2, 31.35
coord = st.floats(-0.05, 0.05, allow_nan=False)


@st.composite
def zones(draw: st.DrawFn) -> list[Zone]:
    out = []
    for i in range(draw(st.integers(1, 30))):
        cx, cy = draw(coord), draw(coord)
        r = draw(st.floats(0.0005, 0.03))
        n = draw(st.integers(3, 12))
        angles = sorted(draw(st.lists(st.floats(0, 2 * np.pi), min_size=n, max_size=n,
                                      unique=True)))
        ring = [(LON0 + cx + r * np.cos(a), LAT0 + cy + r * np.sin(a)) for a in angles]
        poly = Polygon(ring)
        if not poly.is_valid or poly.area == 0:
            continue
        out.append(Zone(f"z{i}", "", "buffer", poly))
    return out


def brute_force(fences: GeofenceSet, lon: np.ndarray, lat: np.ndarray) -> set[tuple[int, int]]:
    return {
        (p, z)
        for p in range(len(lon))
        for z, zone in enumerate(fences.zones)
        if shapely.intersects(zone.geometry, shapely.Point(lon[p], lat[p]))
    }


@settings(max_examples=60, deadline=None)
@given(zs=zones(), data=st.data())
def test_index_membership_equals_brute_force(zs: list[Zone], data: st.DataObject) -> None:
    fences = GeofenceSet.from_zones("p", zs)
    pts = data.draw(st.lists(st.tuples(coord, coord), min_size=1, max_size=60))
    lon = np.array([LON0 + x for x, _ in pts])
    lat = np.array([LAT0 + y for _, y in pts])
    # also every vertex of every zone: points exactly on a boundary count as inside
    for z in zs:
        xy = np.asarray(z.geometry.exterior.coords)
        lon, lat = np.concatenate([lon, xy[:, 0]]), np.concatenate([lat, xy[:, 1]])
    got_p, got_z = fences.locate(lon, lat)
    assert set(zip(got_p.tolist(), got_z.tolist(), strict=True)) == brute_force(fences, lon, lat)
    assert np.all(np.diff(got_p) >= 0)


def test_points_outside_every_fence_and_non_finite_find_nothing() -> None:
    fences = GeofenceSet.load_bundled()
    pts, zones = fences.locate([-100.0, np.nan, -111.0], [40.0, 31.4, np.inf])
    assert pts.size == 0 and zones.size == 0


def test_bundled_strip_point() -> None:
    fences = GeofenceSet.load_bundled()
    _, zones = fences.locate([-111.0], [31.33341])
    assert {fences.zones[z].id for z in zones} >= {"strip-nog-sas", "sector-nogales"}


def test_time_window_leaves_closed_fences_out() -> None:
    night = TimeWindow.parse({"from": "19:00", "to": "06:00", "tz": "America/Phoenix"})
    sq = shapely.box(-111.01, 31.40, -111.0, 31.41)
    fences = GeofenceSet.from_zones("w", [Zone("n", "", "restricted", sq, window=night),
                                         Zone("a", "", "buffer", sq)])
    phoenix = dt.timezone(dt.timedelta(hours=-7))
    at_2300 = dt.datetime(2026, 6, 1, 23, 0, tzinfo=phoenix).timestamp()
    at_1200 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=phoenix).timestamp()
    lon, lat = [-111.005, -111.005], [31.405, 31.405]
    p, z = fences.locate(lon, lat, at=[at_2300, at_1200])
    assert sorted(zip(p.tolist(), [fences.zones[i].id for i in z], strict=True)) == [
        (0, "a"), (0, "n"), (1, "a")
    ]
    assert len(fences.locate(lon, lat)[0]) == 4  # without a time, every fence counts


def test_window_days_and_midnight() -> None:
    w = TimeWindow.parse({"from": "22:00", "to": "02:00", "days": [0]})  # Monday nights, UTC
    monday = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC).timestamp()
    assert w is not None
    assert w.active(np.array([monday, monday + 2 * 3600, monday + 3 * 3600,
                              monday + 86_400])).tolist() == [True, True, False, False]


def test_distance_in_metres() -> None:
    fences = GeofenceSet.load_bundled()
    strip = fences.ids["strip-nog-sas"]
    # 0.001 deg of latitude north of the strip's edge is ~111 m
    d = fences.distance_m(strip, -111.0, 31.3334984 + 0.001)
    assert 105 < d < 115
    assert fences.metric_crs == "EPSG:32612"


def test_many_small_fences_match_the_tree_without_the_grid() -> None:
    """At thousands of fences the grid is fine-grained: still exact, also on every vertex."""
    rng = np.random.default_rng(3)
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    zs = []
    for i in range(3_000):
        cx, cy = rng.uniform(-0.05, 0.05, 2)
        r = rng.uniform(0.0005, 0.002) * rng.uniform(0.75, 1.0, 24)
        ring = np.column_stack([LON0 + cx + r * np.cos(angles), LAT0 + cy + r * np.sin(angles)])
        zs.append(Zone(f"z{i}", "", "buffer", Polygon(ring)))
    fences = GeofenceSet.from_zones("many", zs)
    assert fences.grid is not None and fences.grid.nx * fences.grid.ny > 50_000
    verts = shapely.get_coordinates(np.array([z.geometry for z in zs]))
    lon = np.concatenate([LON0 + rng.uniform(-0.06, 0.06, 20_000), verts[:, 0]])
    lat = np.concatenate([LAT0 + rng.uniform(-0.06, 0.06, 20_000), verts[:, 1]])
    got = fences.locate(lon, lat)
    want = replace(fences, grid=None).locate(lon, lat)
    order = np.lexsort((want[1], want[0]))
    assert len(got[0]) > 20_000
    assert np.array_equal(np.lexsort((got[1], got[0])), np.arange(len(got[0])))
    assert np.array_equal(got[0], want[0][order]) and np.array_equal(got[1], want[1][order])


def test_multipolygon_zone_edges_are_tested() -> None:
    """A MultiPolygon's edges take part in the cell crossing test: points just inside its
    border are found (a multi-part zone once had no edges, so boundary cells answered
    from their centre's state alone)."""
    parts = shapely.MultiPolygon([shapely.box(-111.0, 31.0, -110.0, 31.5),
                                  shapely.box(-109.0, 31.0, -108.5, 31.2)])
    fences = GeofenceSet.from_zones("t", [Zone("m", "m", "patrol_sector", parts, sector="s")])
    rng = np.random.default_rng(3)
    lon = rng.uniform(-111.2, -108.3, 20_000)
    lat = np.r_[rng.uniform(30.9, 31.6, 19_000), 31.0 + rng.uniform(0, 1e-4, 1_000)]
    pts, _ = fences.locate(lon, lat)
    expect = np.flatnonzero(shapely.intersects_xy(parts, lon, lat))
    assert expect.size > 5_000
    np.testing.assert_array_equal(pts, expect)


def test_bundled_sectors_cover_every_stretch() -> None:
    """Every point of each bundled stretch within its 3 km buffer lies in one patrol sector."""
    for name in ("nogales-sasabe", "new-mexico"):
        fences = GeofenceSet.load_bundled(name)
        frame = fences.frame
        along = np.linspace(1.0, frame.length - 1.0, 2_000)
        for offset in (1.0, 8.0, 500.0, 2_999.0):
            x, y = frame.point(along, np.full(along.size, offset))
            lon, lat = frame.to_wgs84(x, y)
            sectors = fences.sectors(*fences.locate(lon, lat), along.size)
            missing = along[[s is None for s in sectors]]
            assert missing.size == 0, (name, offset, missing[:5])
