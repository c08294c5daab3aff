"""Every bundled scenario, in either region, puts its sensors where it says: at their
``offset_m`` from the boundary of the scenario's own geofence set (measured in its
frame, within 0.5 m) and in the zone type that distance means."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from geofences.index import GeofenceSet, bundled_doc, open_set
from simulators.scenario import bundled_names, load_scenario
from simulators.world import World

START = 1_800_000_000.0
STRIP_M, OUTER_BUFFER_M = 18.288, 3_000.0


def intended(distance_m: float) -> str | None:
    """The zone type a sensor this far on the home side is meant to be in."""
    if 0.0 < distance_m < STRIP_M:
        return "border_strip"
    if STRIP_M < distance_m <= OUTER_BUFFER_M:
        return "buffer"
    return None  # across the line, or deep behind it


def near_a_turn(fences: GeofenceSet, x: float, y: float, reach: float) -> bool:
    """Whether the line turns (> 0.5 deg) within ``reach`` of the point's foot on it."""
    f = fences.frame
    at = float(f.along([x], [y])[0])
    (ux0, uy0, _, _), (ux1, uy1, _, _) = f.direction(at - reach), f.direction(at + reach)
    return bool(ux0 * ux1 + uy0 * uy1 < np.cos(np.radians(0.5)))


def zone_types(fences: GeofenceSet, lon: list[float], lat: list[float]) -> list[set[str]]:
    pts, zones = fences.locate(lon, lat)
    out: list[set[str]] = [set() for _ in lon]
    for p, z in zip(pts.tolist(), zones.tolist(), strict=True):
        out[p].add(fences.zones[z].zone_type)
    return out


@pytest.mark.parametrize("name", bundled_names())
def test_sensors_sit_at_their_offset_and_in_the_intended_zone(name: str) -> None:
    sc = load_scenario(name)
    fences = open_set(sc.geofences)
    w = World(sc, start=START)
    lon, lat = w.layout.lon, w.layout.lat
    x, y = fences.frame.to_metric(lon, lat)
    signed = fences.frame.signed_distance(x, y)
    offsets = {line.prefix: line.along_boundary.offset_m for line in sc.sensor_lines
               if line.along_boundary is not None}
    types = zone_types(fences, lon, lat)
    checked = 0
    for i, sensor in enumerate(w.layout.ids):
        prefix = sensor.rsplit("-", 1)[0]
        if prefix in offsets:
            off = offsets[prefix]
            if near_a_turn(fences, float(x[i]), float(y[i]), abs(off)):
                # within |offset| of a corner turning towards it the other leg is nearer
                assert 0.0 < signed[i] * np.sign(off) <= abs(off) + 0.5, (sensor, signed[i])
            else:
                assert abs(signed[i] - off) < 0.5, (sensor, signed[i], off)
        want = intended(float(signed[i]))
        if want is not None:
            assert want in types[i], (sensor, round(float(signed[i]), 2), types[i])
        checked += 1
    assert checked == len(w.layout.ids) > 0


def test_new_mexico_scenarios_run_on_their_set() -> None:
    for name in ("nm-crossing", "nm-vehicle"):
        sc = load_scenario(name)
        assert sc.geofences == "new-mexico"
        w = World(sc, start=START)
        assert w.boundary.fences.version == GeofenceSet.load_bundled("new-mexico").version
    assert load_scenario("crossing").geofences == "nogales-sasabe"


def test_nm_crossing_crosses_the_meridian_segment_westwards() -> None:
    w = World(load_scenario("nm-crossing"), start=START)
    (group,) = [r for r in w.truth_records() if r.get("type") == "actor"]
    c = group["crossing"]
    assert group["intrusion"] and c["northbound"] and c["port"] is None  # into the US
    path = np.array(group["path"])
    assert path[-1][1] < path[0][1] - 0.01  # ends well west of where it started
    assert abs(path[-1][2] - path[0][2]) < 0.005  # at about the same latitude


def test_a_scenario_finds_its_set_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "mine.geojson").write_bytes(orjson.dumps(bundled_doc("new-mexico")))
    (tmp_path / "walk.yaml").write_text(
        "name: walk\ngeofences: mine.geojson\nactors:\n"
        "  - {id: a, cls: person, frame: boundary, path: [[175000, -50], [175000, 200]]}\n")
    sc = load_scenario(tmp_path / "walk.yaml")
    assert sc.geofences == str(tmp_path / "mine.geojson")
    w = World(sc, start=START)
    (actor,) = [r for r in w.truth_records() if r.get("type") == "actor"]
    assert actor["intrusion"] and abs(actor["crossing"]["lon"] - (-108.20833)) < 1e-4
