"""Tracks from three or more sensors in a line: heading, speed, predicted crossing."""

from __future__ import annotations

import numpy as np
import pytest

from stream.correlation.policies import TrackPolicy
from stream.correlation.tracks import crossed, fit_track, predicted_crossing
from tests.unit.correlation_builders import FRAME, lonlat

POL = TrackPolicy()


def _xy(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = zip(*(lonlat(dx, dy) for dx, dy in points), strict=True)
    return FRAME.to_metric(lon, lat)


def test_three_sensors_walking_north_east() -> None:
    d = np.array([0.0, 60.0, 120.0])
    x, y = _xy([(v * np.sin(np.radians(45)), v * np.cos(np.radians(45))) for v in d])
    tr = fit_track(d / 1.5, x, y, POL)
    assert tr is not None
    assert tr.heading_deg == pytest.approx(45.0, abs=2.0)
    assert tr.speed_mps == pytest.approx(1.5, abs=0.05)
    assert tr.sensors == 3


def test_heading_south_and_prediction_at_the_boundary() -> None:
    x, y = _xy([(0, 400), (0, 300), (0, 200)])
    tr = fit_track(np.array([0.0, 10.0, 20.0]), x, y, POL)
    assert tr is not None and tr.heading_deg == pytest.approx(180.0, abs=2.0)
    cross = predicted_crossing(tr, FRAME)
    assert cross is not None
    cx, cy, cts = cross
    bx, by = _xy([(0, 0)])
    assert np.hypot(cx - bx[0], cy - by[0]) < 5.0
    assert cts == pytest.approx(20.0 + 200.0 / 10.0, abs=0.5)


def test_moving_away_from_the_boundary_predicts_no_crossing() -> None:
    x, y = _xy([(0, 100), (0, 200), (0, 300)])
    tr = fit_track(np.array([0.0, 60.0, 120.0]), x, y, POL)
    assert tr is not None and predicted_crossing(tr, FRAME) is None


def test_two_sensors_are_not_a_track() -> None:
    x, y = _xy([(0, 0), (0, 100)])
    assert fit_track(np.array([0.0, 60.0]), x, y, POL) is None


def test_scattered_sensors_are_not_a_line() -> None:
    x, y = _xy([(0, 0), (200, 60), (-200, 120), (150, 180)])
    assert fit_track(np.array([0.0, 40.0, 80.0, 120.0]), x, y, POL) is None


def test_sensors_side_by_side_firing_together_are_not_a_track() -> None:
    x, y = _xy([(0, 10), (20, 10), (40, 10)])
    assert fit_track(np.array([0.0, 5.0, 10.0]), x, y, POL) is None  # span 40 m < 60 m


def test_a_sensor_line_firing_out_of_order_is_not_a_track() -> None:
    # a group passing a line of sensors across its path: they fire in no spatial order
    x, y = _xy([(-100, 9), (50, 9), (-50, 9), (100, 9), (0, 9)])
    assert fit_track(np.array([0.0, 10.0, 20.0, 30.0, 40.0]), x, y, POL) is None


def test_implausible_speed_is_rejected() -> None:
    x, y = _xy([(0, 0), (0, 500), (0, 1000)])
    assert fit_track(np.array([0.0, 1.0, 2.0]), x, y, POL) is None  # 500 m/s


def test_side_of_boundary() -> None:
    x, y = _xy([(0, -30), (0, 30)])
    assert FRAME.home(x, y).tolist() == [False, True]
    assert crossed(FRAME, x[0], y[0], x[1], y[1])
    assert not crossed(FRAME, x[1], y[1], x[1], y[1] + 100)


def test_cell_keys_group_near_points_and_split_far_ones() -> None:
    from stream.correlation.metric import cell_keys

    pts = [lonlat(10, 10), lonlat(60, 40), lonlat(12_000, 10)]
    keys = cell_keys(FRAME, [p[0] for p in pts], [p[1] for p in pts], cell_m=5000)
    assert keys[0] == keys[1] != keys[2]
    assert all(k.startswith("cell:") for k in keys)


def test_a_long_walk_in_time_order_is_sure_of_its_heading() -> None:
    d = np.arange(0.0, 301.0, 60.0)  # six sensors 60 m apart, walked at 1.5 m/s
    x, y = _xy([(v * np.sin(np.radians(30)), v * np.cos(np.radians(30))) for v in d])
    tr = fit_track(d / 1.5, x, y, POL)
    assert tr is not None and tr.sure
    assert tr.heading_deg == pytest.approx(30.0, abs=3.0)


def test_one_line_fired_by_a_passing_group_is_a_track_without_a_heading() -> None:
    # a group spread along the strip crosses it: four sensors 25 m apart on one line fire
    # in a row within 30 s; their order says little about where the group heads
    x, y = _xy([(0, 9), (25, 9), (50, 9), (75, 9)])
    tr = fit_track(np.array([0.0, 8.0, 22.0, 30.0]), x, y, POL)
    assert tr is not None and not tr.sure
    assert tr.heading_sd_deg > POL.max_heading_sd_deg


def test_one_nuisance_sensor_that_pulls_the_fit_leaves_no_heading() -> None:
    # a walker north past sensors at x=0 for two minutes; a lone hit 250 m along the line
    # a minute before it joined the incident: the heading swings when it is left out
    pts = [(250, 9)] + [(0, y) for y in (-60, -20, 20, 60, 100)]
    x, y = _xy(pts)
    t = np.array([0.0, 60.0, 87.0, 113.0, 140.0, 167.0])
    tr = fit_track(t, x, y, POL)
    assert tr is None or not tr.sure
    clean = fit_track(t[1:], x[1:], y[1:], POL)
    assert clean is not None and clean.sure and min(clean.heading_deg, 360 - clean.heading_deg) < 10


def test_one_sensor_firing_again_and_again_is_not_three_positions() -> None:
    x, y = _xy([(0, 0), (0, 0), (0, 0), (0, 0), (100, 100)])
    assert fit_track(np.array([0.0, 5.0, 10.0, 15.0, 60.0]), x, y, POL) is None


def test_a_track_faster_than_its_class_is_not_a_track() -> None:
    x, y = _xy([(0, 0), (0, 100), (0, 200), (0, 300)])
    t = np.array([0.0, 10.0, 20.0, 30.0])  # 10 m/s
    assert fit_track(t, x, y, POL, max_speed=POL.class_speed_mps["person"]) is None
    tr = fit_track(t, x, y, POL, max_speed=POL.class_speed_mps["vehicle"])
    assert tr is not None and tr.speed_mps == pytest.approx(10.0, abs=0.1)
