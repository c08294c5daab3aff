"""Slew-to-cue: the nearest camera that can see the position."""

from __future__ import annotations

import pytest

from stream.correlation.tasking import CameraNetwork, CameraSite
from tests.unit.correlation_builders import FRAME, lonlat


def site(cid: str, dx: float, dy: float, **kw: float) -> CameraSite:
    lon, lat = lonlat(dx, dy)
    return CameraSite(cid, lon, lat, **kw)


def target(dx: float, dy: float) -> tuple[float, float]:
    x, y = FRAME.to_metric(*map(lambda v: [v], lonlat(dx, dy)))
    return float(x[0]), float(y[0])


def test_nearest_camera_in_range_with_bearing() -> None:
    net = CameraNetwork([site("far", 0, 2000), site("near", 1000, 0), site("tiny", 100, 100,
                                                                           range_m=50)], FRAME)
    aim = net.aim(*target(0, 0))
    assert aim is not None and aim.camera_id == "near"
    assert aim.bearing_deg == pytest.approx(270.0, abs=1.0)
    assert aim.distance_m == pytest.approx(1000.0, abs=2.0)


def test_pan_arc_limits_what_a_camera_sees() -> None:
    # looks only north-east (0..90 deg) from the origin
    net = CameraNetwork([site("ne", 0, 0, pan_from_deg=0, pan_to_deg=90)], FRAME)
    assert net.aim(*target(300, 300)) is not None
    assert net.aim(*target(-300, 300)) is None
    wrap = CameraNetwork([site("north", 0, 0, pan_from_deg=300, pan_to_deg=60)], FRAME)
    assert wrap.aim(*target(-100, 500)) is not None
    assert wrap.aim(*target(0, -500)) is None


def test_out_of_range_or_excluded_gives_none() -> None:
    net = CameraNetwork([site("c", 0, 0, range_m=500)], FRAME)
    assert net.aim(*target(0, 600)) is None
    assert net.aim(*target(0, 400), exclude=frozenset({"c"})) is None
    assert CameraNetwork([], FRAME).aim(0.0, 0.0) is None
