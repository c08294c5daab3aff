"""Ground-sensor models: nuisance and weather, Pd, range per class, battery, heartbeat, fibre."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators.boundary import Boundary
from simulators.messages import Emission
from stream.models import GroundDetection, SensorHealth
from tests.unit.sim_helpers import ALONG, START, reports, run, scenario, wire


def line(
    kind: str = "seismic", n: int = 50, offset: float = 8.0, **params: object
) -> dict[str, object]:
    """``n`` sensors 1 km apart along the boundary (no two see the same target)."""
    return {
        "prefix": kind,
        "kind": kind,
        "spacing_m": 1000,
        "along_boundary": {"from_m": 1000, "to_m": 1000 + 1000 * (n - 1), "offset_m": offset},
        **params,
    }


def nuisance_count(
    rate: float,
    hours: float,
    weather: list[dict[str, float]] | None = None,
    kind: str = "seismic",
    seed: int = 1,
) -> tuple[int, int]:
    sc = scenario(
        duration_s=hours * 3600,
        step_s=2,
        heartbeat_s=3600,
        seed=seed,
        sensor_lines=[line(kind, nuisance_per_h=rate, holdoff_s=0)],
        weather=weather or [],
    )
    w, em = run(sc)
    det = reports(em, "sensors.ground")
    assert len(w.layout) == 50
    return len(det), 50


def test_nuisance_rate_over_a_long_night_is_the_configured_rate() -> None:
    got, sensors = nuisance_count(rate=2.0, hours=10)
    expected = 2.0 * 10 * sensors
    assert abs(got - expected) < 4 * math.sqrt(expected), (got, expected)


def test_wind_and_rain_raise_the_nuisance_rate_by_the_kinds_gain() -> None:
    # seismic: wind_gain 0.15 per m/s, rain_gain 0.05 per mm/h -> 1 + 1.5 + 0.5 = 3x
    got, sensors = nuisance_count(
        rate=1.0, hours=4, weather=[{"at_s": 0, "wind_mps": 10, "rain_mmph": 10}]
    )
    expected = 3.0 * 4 * sensors
    assert abs(got - expected) < 4 * math.sqrt(expected), (got, expected)
    calm, _ = nuisance_count(rate=1.0, hours=4)
    assert got > 2 * calm


def test_nuisance_alarm_reports_are_valid_wire_reports() -> None:
    sc = scenario(duration_s=3600, sensor_lines=[line("acoustic", n=20, nuisance_per_h=5)])
    _, em = run(sc)
    dets = reports(em, "sensors.ground")
    assert dets
    for r in dets:
        GroundDetection.model_validate_json(wire(r))
        assert r["ts"] <= r["_sent"]


def crossers(
    n: int, cls: str = "person", count: int = 1, offset_m: float = 0.0
) -> list[dict[str, object]]:
    """One actor per sensor of :func:`line`, walking straight north past it at ``offset_m``."""
    return [
        {
            "id": f"a{i}",
            "cls": cls,
            "count": count,
            "frame": "boundary",
            "start_s": 10,
            "path": [[1000 + 1000 * i + offset_m, -100], [1000 + 1000 * i + offset_m, 200]],
        }
        for i in range(n)
    ]


def detected_actors(em: list[Emission], n: int) -> int:
    sensors = {r["sensor_id"] for r in reports(em, "sensors.ground")}
    return sum(f"seismic-{i:03d}" in sensors for i in range(n))


def test_probability_of_detection_per_pass() -> None:
    n, got = 50, 0
    for seed in range(4):
        sc = scenario(
            seed=seed,
            duration_s=400,
            sensor_lines=[line(n=n, pd=0.7, nuisance_per_h=0)],
            actors=crossers(n),
        )
        got += detected_actors(run(sc)[1], n)
    sd = math.sqrt(4 * n * 0.7 * 0.3)
    assert abs(got - 0.7 * 4 * n) < 4 * sd, got


def test_a_group_is_more_likely_detected_than_one_person() -> None:
    n = 50
    sc = scenario(
        duration_s=400,
        sensor_lines=[line(n=n, pd=0.3, nuisance_per_h=0)],
        actors=crossers(n, count=5),
    )
    _, em = run(sc)
    expected = 1 - 0.7**5  # 0.83
    got = detected_actors(em, n)
    assert abs(got - expected * n) < 4 * math.sqrt(n * expected * (1 - expected)), got


def test_detection_range_is_per_target_class() -> None:
    n = 30
    # 60 m from the sensors: seismic hears vehicles (100 m) but not people (30 m)
    people = scenario(
        duration_s=400, sensor_lines=[line(n=n, nuisance_per_h=0)], actors=crossers(n, offset_m=60)
    )
    cars = scenario(
        duration_s=400,
        sensor_lines=[line(n=n, nuisance_per_h=0)],
        actors=crossers(n, cls="vehicle", offset_m=60),
    )
    assert detected_actors(run(people)[1], n) == 0
    assert detected_actors(run(cars)[1], n) > 0.8 * n
    # magnetic sensors never detect animals
    animals = scenario(
        duration_s=400,
        sensor_lines=[line("magnetic", n=n, nuisance_per_h=0)],
        actors=crossers(n, cls="animal"),
    )
    assert reports(run(animals)[1], "sensors.ground") == []


def test_signature_confusion_calls_some_animals_people() -> None:
    n = 50
    sc = scenario(
        duration_s=600,
        sensor_lines=[
            line(
                n=n,
                nuisance_per_h=0,
                pd=1.0,
                holdoff_s=2,
                signature={"animal": {"animal": 0.6, "person": 0.3}},
            )
        ],
        actors=crossers(n, cls="animal"),
    )
    sigs = [r["signature"] for r in reports(run(sc)[1], "sensors.ground")]
    share = sigs.count("person") / len(sigs)
    assert len(sigs) > 150
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / len(sigs)), share
    assert abs(sigs.count("unknown") / len(sigs) - 0.1) < 0.06


def test_heartbeat_interval_and_battery_drain() -> None:
    sc = scenario(
        duration_s=7200,
        heartbeat_s=300,
        sensor_lines=[line(n=5, nuisance_per_h=0, battery_drain_per_h=0.01)],
    )
    _, em = run(sc)
    health = reports(em, "sensors.health")
    for sid in {h["sensor_id"] for h in health}:
        mine = [h for h in health if h["sensor_id"] == sid]
        gaps = np.diff([h["ts"] for h in mine])
        assert np.allclose(gaps, 300.0)
        assert len(mine) == 24
        # battery falls 1% an hour
        first, last = mine[0], mine[-1]
        hours = (last["ts"] - first["ts"]) / 3600
        assert last["battery"] == pytest.approx(first["battery"] - 0.01 * hours, abs=2e-4)
        SensorHealth.model_validate_json(wire(mine[0]))


def test_fibre_fence_reports_where_along_the_fence_it_was_disturbed() -> None:
    fence = {
        "prefix": "fence",
        "kind": "fibre",
        "spacing_m": 500,
        "resolution_m": 3.0,
        "pd": 1.0,
        "nuisance_per_h": 0,
        "along_boundary": {"from_m": 4000, "to_m": 6000, "offset_m": 1},
    }
    climb = {
        "id": "climber",
        "cls": "person",
        "frame": "boundary",
        "start_s": 5,
        "path": [[ALONG + 123, -50], [ALONG + 123, 60]],
    }
    _, em = run(scenario(duration_s=200, sensor_lines=[fence], actors=[climb]))
    dets = reports(em, "sensors.ground")
    assert dets and {d["sensor_id"] for d in dets} == {"fence-002"}  # segment 5000..5500
    b = Boundary.bundled()

    for d in dets:
        x, y = b.to_metric([d["lon"]], [d["lat"]])
        assert abs(b.along(float(x[0]), float(y[0])) - (ALONG + 123)) < 15


def test_timestamps_follow_the_start_time() -> None:
    sc = scenario(duration_s=60, sensor_lines=[line(n=3)])
    _, em = run(sc, start=START + 1000)
    assert min(e.ts for e in em) >= START + 1000
