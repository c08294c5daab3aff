"""Scenario files: the schema and its error messages, bundled scenarios and their ground truth."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
import yaml

from simulators.messages import Emission
from simulators.scenario import ScenarioError, bundled_names, load_scenario
from simulators.schema import SCHEMA_FILE, render
from simulators.world import World
from stream.models import CameraDetection, GroundDetection, ReportBatch, SensorHealth
from tests.unit.sim_helpers import START, scenario

REQUIRED = {
    "quiet-night",
    "five-on-foot",
    "vehicle-drive-through",
    "tamper-gap",
    "busy-port",
    "crossing",
}


def test_schema_file_is_generated_from_the_models() -> None:
    assert SCHEMA_FILE.read_bytes() == render(), "run: python -m simulators.schema"


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenarios_match_the_json_schema(name: str) -> None:
    schema = orjson.loads(SCHEMA_FILE.read_bytes())
    path = Path(__file__).parents[2] / "simulators" / "scenarios" / f"{name}.yaml"
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_json_schema_refuses_what_the_loader_refuses() -> None:
    schema = orjson.loads(SCHEMA_FILE.read_bytes())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"name": "x", "sensors": [{"id": "a", "lon": 1, "lat": 2, "colour": "red"}]}, schema
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"name": "x", "faults": [{"kind": "melted", "targets": ["a"], "at_s": 1}]}, schema
        )


def test_the_required_scenarios_are_bundled() -> None:
    assert set(bundled_names()) >= REQUIRED


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nduration_s: -5\n", "duration_s: Input should be greater than 0"),
        ("name: x\ncolour: red\n", "colour: Extra inputs are not permitted"),
        ("description: no name\n", "name: Field required"),
        (
            "name: x\nsensors:\n  - {id: a, lon: 1, lat: 95}\n",
            "sensors.0.lat: Input should be less than or equal to 90",
        ),
        (
            "name: x\nsensors:\n  - {id: a, kind: radar, lon: 1, lat: 2}\n",
            "sensors.0.kind: Input should be",
        ),
        (
            "name: x\nfaults:\n  - {kind: melted, targets: [a], at_s: 1}\n",
            "faults.0: Input tag 'melted'",
        ),
        (
            "name: x\nfaults:\n  - {kind: store_forward, targets: [a], at_s: 1}\n",
            "store_forward needs until_s",
        ),
        (
            "name: x\nfaults:\n  - {kind: dead, targets: [a], at_s: 5, until_s: 2}\n",
            "until_s must be after at_s",
        ),
        ("name: x\nactors:\n  - {id: a, cls: person}\n", "actors.0: give either path or wander"),
        (
            "name: x\nsensor_lines:\n"
            "  - {prefix: p, start: [-111, 31.3], along_boundary: {from_m: 0, to_m: 9}}\n",
            "sensor_lines.0: give exactly one of start+end, path, along_boundary",
        ),
        ("name: x\nlocal_start: '25:00'\n", "local_start: String should match pattern"),
        ("name: x\nsensors: {a: 1}\n", "sensors: Input should be a valid list"),
        ("- just\n- a list\n", "a scenario is a mapping of fields"),
        ("name: [unclosed\n", "not valid YAML/JSON"),
    ],
)
def test_bad_files_get_messages_naming_the_file_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"actors": [{"id": "a", "cls": "animal", "wander": {"zone": "nowhere"}}]},
            "unknown zone 'nowhere'",
        ),
        (
            {
                "sensors": [
                    {"id": "x", "lon": -111, "lat": 31.4},
                    {"id": "x", "lon": -111, "lat": 31.5},
                ]
            },
            "'x' is used twice",
        ),
        (
            {
                "sensor_lines": [
                    {
                        "prefix": "f",
                        "kind": "fibre",
                        "spacing_m": 500,
                        "along_boundary": {"from_m": 0, "to_m": 100},
                    }
                ]
            },
            "fibre fence needs to be longer",
        ),
        (
            {
                "sensors": [
                    {
                        "id": "x",
                        "lon": -111,
                        "lat": 31.4,
                        "signature": {"person": {"person": 0.8, "animal": 0.5}},
                    }
                ]
            },
            "add up to 1.300 > 1",
        ),
    ],
)
def test_semantic_errors_are_scenario_errors(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        World(scenario(**fields), start=START)


def test_unknown_bundled_name_lists_the_bundled_ones() -> None:
    with pytest.raises(ScenarioError, match=r"bundled: .*five-on-foot"):
        load_scenario("no-such-scenario")


@cache
def ran(name: str) -> tuple[World, list[Emission], list[dict[str, Any]]]:
    """A bundled scenario run once per test session: world, messages, truth."""
    w = World(load_scenario(name), start=START)
    messages = list(w.run())
    return w, messages, w.truth_records()


def truth_of(name: str) -> tuple[World, list[dict[str, Any]]]:
    w, _, truth = ran(name)
    return w, truth


def actors(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == "actor"]


def test_quiet_night_has_only_wildlife_and_wind() -> None:
    w, truth = truth_of("quiet-night")
    acts = actors(truth)
    assert acts and {a["cls"] for a in acts} == {"animal"} and not any(a["intrusion"] for a in acts)
    assert any(a["crossing"] for a in acts)  # animals do cross the line
    assert w.daylight.night(0) and w.weather.at(3600)[0] > 10
    assert w.reports["sensors.ground"] > 0


def test_five_on_foot_is_one_intrusion_of_five_through_the_sensor_line() -> None:
    _, truth = truth_of("five-on-foot")
    intruders = [a for a in actors(truth) if a["intrusion"]]
    assert len(intruders) == 1
    group = intruders[0]
    assert group["cls"] == "person" and group["count"] == 5
    assert group["crossing"]["northbound"] and group["crossing"]["port"] is None
    assert abs(group["crossing"]["along_m"] - 20000) < 5
    assert any(s.startswith("strip-") for s in group["detected_by"])
    assert any(s.startswith("fence-") for s in group["detected_by"])


def test_vehicle_drive_through() -> None:
    _, truth = truth_of("vehicle-drive-through")
    (car,) = actors(truth)
    assert car["cls"] == "vehicle" and car["intrusion"]
    assert any(s.startswith("mag-") for s in car["detected_by"])


def test_tamper_then_crossing_in_the_gap() -> None:
    _, truth = truth_of("tamper-gap")
    faults = [r for r in truth if r["type"] == "fault"]
    assert [f["kind"] for f in faults] == ["tamper", "dead"]
    (group,) = actors(truth)
    assert group["intrusion"] and group["crossing"]["ts"] > faults[1]["at_ts"]
    # the dead sensors are the ones either side of the crossing point
    assert not {"strip-020", "strip-021"} & set(group["detected_by"])
    assert abs(group["crossing"]["along_m"] - 13025) < 5


def test_busy_port_has_traffic_and_no_intrusion() -> None:
    _, truth = truth_of("busy-port")
    acts = actors(truth)
    assert len(acts) > 100 and not any(a["intrusion"] for a in acts)
    crossed = [a for a in acts if a["crossing"]]
    assert crossed and all(a["crossing"]["port"] == "poe-nogales-deconcini" for a in crossed)
    assert {a["cls"] for a in acts} == {"person", "vehicle"}


def test_crossing_scenario_reaches_the_strip_within_forty_seconds() -> None:
    w = World(load_scenario("crossing"), start=START)
    first = next(e for e in w.run() if e.topic == "sensors.ground")
    assert first.ts - START <= 40


def test_boundary_frame_actor_crosses_where_and_when_it_should() -> None:
    sc = scenario(
        duration_s=300,
        actors=[
            {
                "id": "p",
                "cls": "person",
                "speed_mps": 1.0,
                "frame": "boundary",
                "start_s": 10,
                "path": [[8000, -100], [8000, 100]],
            }
        ],
    )
    w = World(sc, start=START)
    list(w.run())
    (p,) = actors(w.truth_records())
    assert p["crossing"]["ts"] == pytest.approx(START + 110, abs=0.01)
    assert p["crossing"]["along_m"] == pytest.approx(8000, abs=0.5)
    assert p["path"][0] == [START + 10, *p["path"][0][1:]]
    assert p["intrusion"]


def test_intrusion_can_be_overridden_and_southbound_is_not_one() -> None:
    sc = scenario(
        duration_s=300,
        actors=[
            {
                "id": "south",
                "cls": "person",
                "frame": "boundary",
                "path": [[8000, 100], [8000, -100]],
            },
            {
                "id": "agent",
                "cls": "vehicle",
                "frame": "boundary",
                "intrusion": False,
                "path": [[9000, -100], [9000, 100]],
            },
            {
                "id": "late",
                "cls": "person",
                "frame": "boundary",
                "start_s": 250,
                "path": [[7000, -500], [7000, 100]],
            },
        ],
    )
    w = World(sc, start=START)
    list(w.run())
    by_id = {a["id"]: a for a in actors(w.truth_records())}
    assert not by_id["south"]["intrusion"] and not by_id["south"]["crossing"]["northbound"]
    assert not by_id["agent"]["intrusion"]
    assert (
        not by_id["late"]["intrusion"] and by_id["late"]["crossing"] is None
    )  # crosses after the end
    assert by_id["late"]["crossings"][0]["in_scenario"] is False


@pytest.mark.parametrize("name", sorted(REQUIRED | {"sensor-faults"}))
def test_every_message_of_a_bundled_scenario_passes_the_edge_models(name: str) -> None:
    batches: dict[str, Any] = {
        "sensors.ground": ReportBatch[GroundDetection],
        "sensors.camera": ReportBatch[CameraDetection],
        "sensors.health": ReportBatch[SensorHealth],
    }
    w, messages, _ = ran(name)
    seen: set[str] = set()
    for e in messages:
        batch = batches[e.topic].model_validate_json(e.value)
        assert batch.source == e.key
        for r in batch.reports:
            assert r.event_id not in seen  # sensor_id:seq is unique
            seen.add(r.event_id)
    assert len(seen) == sum(w.reports.values())


@pytest.mark.parametrize("port", ["poe-sasabe", "poe-nogales-deconcini"])
def test_port_traffic_crosses_the_line_inside_the_port(port: str) -> None:
    from geofences.index import GeofenceSet

    sc = scenario(
        duration_s=1800,
        port_traffic=[{"port": port, "vehicles_per_h": 60, "pedestrians_per_h": 30}],
    )
    w = World(sc, start=START)
    list(w.run())
    acts = actors(w.truth_records())
    assert len(acts) > 20 and not any(a["intrusion"] for a in acts)
    crossings = [a["crossing"] for a in acts if a["crossing"]]
    assert len(crossings) > 10
    assert all(c["port"] == port and c["northbound"] for c in crossings)
    # where they cross lies in the port's zone (on the diagonal at Sasabe too; the
    # crossing is on the line, the zone's south edge: allow the centimetre of rounding)
    fences = GeofenceSet.load_bundled()
    zone = fences.ids[port]
    assert max(fences.distance_m(zone, c["lon"], c["lat"]) for c in crossings) < 0.05


def test_wildlife_stays_in_its_zone() -> None:
    from shapely.geometry import Point

    from simulators.boundary import Boundary

    sc = scenario(duration_s=60, wildlife=[{"zone": "corridor-sycamore", "herds": 20, "legs": 6}])
    w = World(sc, start=START)
    b = Boundary.bundled()
    zone = b.zone("corridor-sycamore").buffer(1.0)
    for a in actors(w.truth_records()):
        assert a["cls"] == "animal" and a["origin"] == "wildlife" and not a["intrusion"]
        x, y = b.to_metric([p[1] for p in a["path"]], [p[2] for p in a["path"]])
        assert all(zone.contains(Point(px, py)) for px, py in zip(x, y, strict=True))
