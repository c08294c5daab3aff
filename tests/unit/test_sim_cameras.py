"""Cameras: field of view, day/night range, confusion, confidence, position error, slew-to-cue."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulators.boundary import Boundary
from simulators.tasking import parse_cue
from stream.models import CameraDetection, CameraTask
from tests.unit.sim_helpers import reports, run, scenario, wire

B = Boundary.bundled()
CAM_ALONG = 5000.0


def cam(**kw: Any) -> dict[str, Any]:
    x, y = B.point(CAM_ALONG, 1000.0)
    lon, lat = B.lonlat(x, y)
    base = {
        "id": "cam-1",
        "lon": round(float(lon), 7),
        "lat": round(float(lat), 7),
        "bearing_deg": 180,
        "fov_deg": 40,
        "range_m": 1500,
        "night_range_m": 700,
        "frame_s": 1,
        "false_per_h": 0,
    }
    return {**base, **kw}


def walker(
    along: float, offset: float, cls: str = "person", ident: str = "w", **kw: Any
) -> dict[str, Any]:
    """An actor standing still (a long pause) at a point in boundary coordinates."""
    return {
        "id": ident,
        "cls": cls,
        "frame": "boundary",
        "start_s": 0,
        "path": [[along, offset, 10_000], [along, offset + 1]],
        **kw,
    }


def detections(**sc: Any) -> list[dict[str, Any]]:
    _, em = run(scenario(**sc))
    return reports(em, "sensors.camera")


def test_sees_inside_the_field_of_view_only() -> None:
    inside = detections(duration_s=120, cameras=[cam()], actors=[walker(CAM_ALONG, 200)])
    aside = detections(
        duration_s=120, cameras=[cam()], actors=[walker(CAM_ALONG + 800, 200)]
    )  # 65° off
    assert len(inside) > 80 and aside == []
    for d in inside[:5]:
        CameraDetection.model_validate_json(wire(d))


def test_night_range_is_shorter_than_day_range() -> None:
    far = [walker(CAM_ALONG, 0)]  # 1000 m from the camera
    assert len(detections(duration_s=60, local_start="13:00", cameras=[cam()], actors=far)) > 30
    assert detections(duration_s=60, local_start="01:00", cameras=[cam()], actors=far) == []


def test_animals_are_sometimes_called_people_with_lower_confidence() -> None:
    conf = {"animal": {"animal": 0.7, "person": 0.25}}
    animals = [walker(CAM_ALONG + d, 300, "animal", f"a{d}") for d in range(-60, 61, 20)]
    dets = detections(duration_s=400, cameras=[cam(confusion=conf)], actors=animals)
    n = len(dets)
    person = [d for d in dets if d["cls"] == "person"]
    animal = [d for d in dets if d["cls"] == "animal"]
    assert n > 1000
    assert abs(len(person) / n - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)
    assert (
        np.mean([d["confidence"] for d in person])
        < np.mean([d["confidence"] for d in animal]) - 0.2
    )


def test_estimated_position_error_matches_the_configured_error() -> None:
    dets = detections(
        duration_s=600, cameras=[cam(position_error_m=10)], actors=[walker(CAM_ALONG, 250)]
    )
    x, y = B.to_metric([d["lon"] for d in dets], [d["lat"] for d in dets])
    tx, ty = B.point(CAM_ALONG, 250)
    err = np.hypot(x - tx, y - ty)
    # sigma = 10 * (0.5 + 0.5 * 750/1500) = 7.5 m per axis -> mean radial error 7.5 * sqrt(pi/2)
    assert abs(float(err.mean()) - 7.5 * math.sqrt(math.pi / 2)) < 1.0


def test_a_cue_turns_the_camera_to_what_it_could_not_see() -> None:
    target = walker(CAM_ALONG + 800, 200, ident="t")  # outside the home field of view
    lon, lat = B.lonlat(*B.point(CAM_ALONG + 800, 200))
    sc = scenario(duration_s=300, cameras=[cam(slew_deg_per_s=10, cue_hold_s=100)], actors=[target])
    from simulators.world import World

    w = World(sc, start=1_800_000_000.0)
    out = []
    for e in w.run():
        out.append(e)
        if e.ts >= 1_800_000_000.0 + 60 and not w.tasking_log:
            w.cue("cam-1", float(lon), float(lat), incident_id="inc-1")
            w.cue("cam-404", float(lon), float(lat))
    dets = reports(out, "sensors.camera")
    seen = [d["ts"] - 1_800_000_000.0 for d in dets]
    assert seen and min(seen) > 60  # not before the cue
    assert max(seen) < 60 + 100 + 20  # back home after the hold (plus the slew)
    log = w.tasking_log
    assert [(c["camera_id"], c["applied"]) for c in log] == [("cam-1", True), ("cam-404", False)]
    assert log[0]["incident_id"] == "inc-1"


def test_a_cue_holds_for_its_own_hold_time() -> None:
    target = walker(CAM_ALONG + 800, 200, ident="t")
    lon, lat = B.lonlat(*B.point(CAM_ALONG + 800, 200))
    from simulators.world import World

    w = World(scenario(duration_s=300, cameras=[cam(cue_hold_s=200)], actors=[target]), start=1.8e9)
    w.cue("cam-1", float(lon), float(lat), hold_s=30)
    dets = reports(list(w.run()), "sensors.camera")
    assert dets and max(d["ts"] for d in dets) < 1.8e9 + 30 + 10


def test_scripted_cues_are_applied_at_their_time() -> None:
    target = walker(CAM_ALONG + 800, 200, ident="t")
    lon, lat = B.lonlat(*B.point(CAM_ALONG + 800, 200))
    dets = detections(
        duration_s=200,
        cameras=[cam()],
        actors=[target],
        tasking=[{"camera_id": "cam-1", "lon": float(lon), "lat": float(lat), "at_s": 50}],
    )
    assert dets and min(d["ts"] for d in dets) > 1_800_000_000.0 + 49  # frame of second 50


def test_parse_cue_accepts_the_tasking_message_and_refuses_junk() -> None:
    ok = parse_cue(
        b'{"camera_id": "cam-1", "lon": -111.0, "lat": 31.4, "ts": 1.8e9, "incident_id": "i"}'
    )
    assert ok == {
        "camera_id": "cam-1",
        "lon": -111.0,
        "lat": 31.4,
        "ts": 1.8e9,
        "incident_id": "i",
        "hold_s": None,
    }
    task = CameraTask(
        id="tsk-1",
        camera_id="cam-1",
        incident_id="inc-1",
        lon=-111.0,
        lat=31.4,
        bearing_deg=90.0,
        distance_m=500.0,
        ts=1.8e9,
        expires_ts=1.8e9 + 45,
        reason="new-incident",
    )
    from_task = parse_cue(task.model_dump_json().encode())
    assert from_task is not None and from_task["hold_s"] == 45.0
    assert from_task["incident_id"] == "inc-1"
    for bad in (
        b"",
        b"[]",
        b'{"lon": 1, "lat": 2}',
        b'{"camera_id": "c", "lon": "x", "lat": 2}',
        b'{"camera_id": "c", "lon": 500, "lat": 2}',
    ):
        assert parse_cue(bad) is None
