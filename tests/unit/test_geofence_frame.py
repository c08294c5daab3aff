"""The frame measures the boundary as shapely does, for lines of any shape, and its sign
says which side: random polylines (with a meridian and a parallel segment), both sets."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from geofences.frame import Frame, metric_crs_for
from geofences.index import GeofenceSet, bundled_names

CM = 0.01
coord = st.floats(-5_000.0, 5_000.0, allow_nan=False, allow_infinity=False)


@st.composite
def polylines(draw: st.DrawFn) -> np.ndarray:
    """Simple polylines of 2-11 segments heading east within +-90 deg (so they never cross
    themselves), one due north or south and one due east, turned by a multiple of 90 deg."""
    n = draw(st.integers(2, 11))
    heading = draw(st.lists(st.floats(-89.0, 89.0), min_size=n, max_size=n))
    heading[draw(st.integers(0, n - 1))] = draw(st.sampled_from([-90.0, 90.0]))
    heading[draw(st.integers(0, n - 1))] = 0.0
    turns = np.abs(np.diff(heading))
    assume(bool((turns < 170.0).all()))  # no hairpin folding the line onto itself
    length = np.array(draw(st.lists(st.floats(10.0, 3000.0), min_size=n, max_size=n)))
    h = np.radians(heading)
    steps = np.column_stack([length * np.cos(h), length * np.sin(h)])
    xy = np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])
    k = draw(st.integers(0, 3))
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    for _ in range(k):
        xy = xy @ rot.T
    return np.round(xy + np.array(draw(st.tuples(coord, coord))), 6)


def frame_of(xy: np.ndarray) -> Frame:
    return Frame.metric("EPSG:32612", [xy])


@settings(max_examples=150, deadline=None)
@given(polylines(), st.lists(st.tuples(coord, coord), min_size=1, max_size=30))
def test_distance_and_along_equal_shapely(xy: np.ndarray, pts: list[tuple[float, float]]) -> None:
    f, line = frame_of(xy), LineString(xy)
    p = np.array(pts, float)
    got = f.locate(p[:, 0], p[:, 1])
    geoms = shapely.points(p)
    want_d = shapely.distance(line, geoms)
    assert np.abs(np.abs(got.signed_m) - want_d).max() < CM
    # along: shapely's project, except where two far parts of the line are equally near
    segs = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    for i, g in enumerate(geoms):
        d = shapely.distance(segs, g)
        near = np.flatnonzero(d - d.min() < 1e-6)
        if near.max() - near.min() > 1:
            continue
        assert abs(got.along_m[i] - line.project(g)) < CM


@settings(max_examples=150, deadline=None)
@given(polylines(), st.data())
def test_sign_is_the_home_side_at_segments_and_corners(xy: np.ndarray, data: st.DataObject
                                                       ) -> None:
    """Points put a known distance off the line, to the right (home) or the left of it,
    beside a segment or out from a corner along its bisector."""
    f, line = frame_of(xy), LineString(xy)
    k = data.draw(st.integers(0, len(xy) - 2))
    off = data.draw(st.floats(-50.0, 50.0).filter(lambda v: abs(v) > 0.05))
    (ax, ay), (bx, by) = xy[k], xy[k + 1]
    n = np.array([by - ay, ax - bx]) / np.hypot(bx - ax, by - ay)  # right-hand normal
    if data.draw(st.booleans()) and k + 2 < len(xy):  # out from the corner at xy[k + 1]
        (cx, cy) = xy[k + 2]
        m = np.array([cy - by, bx - cx]) / np.hypot(cx - bx, cy - by)
        bis = n + m
        assume(np.hypot(*bis) > 0.2)
        p = xy[k + 1] + off * bis / np.hypot(*bis)
    else:
        t = data.draw(st.floats(0.1, 0.9))
        p = xy[k] + t * (xy[k + 1] - xy[k]) + off * n
    # only where that is the nearest part of the line, and no other part is as near
    assume(abs(shapely.distance(line, Point(p)) - abs(off)) < 1e-6)
    segs = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    d = shapely.distance(segs, Point(p))
    near = np.flatnonzero(d - d.min() < 1e-6)
    assume(near.max() - near.min() <= 1)
    got = f.signed_distance([p[0]], [p[1]])[0]
    assert got == pytest.approx(off, abs=CM)


def test_a_meridian_boundary_gives_east_west_sides() -> None:
    # drawn southwards with home on the right: the home side is the west
    f = Frame.metric("EPSG:32612", [[(0.0, 0.0), (0.0, -1000.0)]])
    d = f.signed_distance([-30.0, 30.0, 0.0], [-500.0, -500.0, -1500.0])
    assert d.tolist() == pytest.approx([30.0, -30.0, 500.0])
    assert f.along([-30.0], [-200.0]).tolist() == pytest.approx([200.0])


def test_crossings_say_which_way() -> None:
    f = Frame.metric("EPSG:32612", [[(0.0, 0.0), (0.0, -1000.0)]])
    (c,) = f.crossings([100.0, -100.0], [-300.0, -300.0])  # westwards: into the home side
    assert c.homeward and (c.x, c.y, c.path_m) == pytest.approx((0.0, -300.0, 100.0))
    (c,) = f.crossings([-100.0, 100.0], [-300.0, -300.0])
    assert not c.homeward


def test_crs_is_the_utm_zone_or_a_local_projection_across_zones() -> None:
    assert metric_crs_for((-111.6, 31.3, -110.9, 31.6)) == "EPSG:32612"
    spanning = metric_crs_for((-109.1, 31.3, -106.5, 31.8))  # UTM 12 and 13
    assert spanning.startswith("+proj=aeqd") and "lon_0=-107.8" in spanning


@pytest.mark.parametrize("name", bundled_names())
def test_offset_8_m_lies_in_the_strip_all_along_each_bundled_line(name: str) -> None:
    fences = GeofenceSet.load_bundled(name)
    f = fences.frame
    along = np.arange(1.0, f.length - 1.0, 25.0)
    x, y = f.point(along, 8.0)
    d = f.signed_distance(x, y)
    # 8 m from the line, or nearer where a corner turns towards the home side
    assert d.min() > 0 and d.max() < 8.0 + CM and np.median(d) == pytest.approx(8.0, abs=CM)
    lon, lat = f.to_wgs84(x, y)
    pts, zones = fences.locate(lon, lat)
    strip = {i for i, z in enumerate(fences.zones) if z.zone_type == "border_strip"}
    inside = np.zeros(along.size, bool)
    inside[pts[np.isin(zones, list(strip))]] = True
    assert inside.all(), f"not in the strip at {along[~inside][:5]} m along"


def test_wgs84_round_trip_and_metric_geometry_agree() -> None:
    fences = GeofenceSet.load_bundled()
    f = fences.frame
    x, y = f.point([0.0, 5_000.0, 30_000.0])
    lon, lat = f.to_wgs84(x, y)
    x2, y2 = f.to_metric(lon, lat)
    assert np.hypot(x - x2, y - y2).max() < 1e-6
    strip = fences.metric_geometry(fences.ids["strip-nog-sas"])
    assert shapely.distance(strip, f.line) < CM


def test_azimuth_is_true_north_based_away_from_the_central_meridian() -> None:
    nm = GeofenceSet.load_bundled("new-mexico").frame  # centred on 107.825 W
    x, y = nm.to_metric([-108.9, -108.9], [31.4, 31.5])  # a step due true north
    grid_north = nm.azimuth_deg(float(x[0]), float(y[0]), 0.0, 1.0)
    assert 0.3 < min(grid_north, 360 - grid_north) < 1.5  # the frame's convergence here
    true_north = nm.azimuth_deg(float(x[0]), float(y[0]), float(x[1] - x[0]),
                                float(y[1] - y[0]))
    assert min(true_north, 360 - true_north) < 0.01
