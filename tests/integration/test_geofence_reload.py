"""Hot reload: a set published while the worker runs judges the very next events."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import orjson
import pytest

from geofences.index import GeofenceSet
from stream.evaluation.facts import samples, until
from stream.models import Alert
from stream.settings import Settings
from tests.conftest import run_cli
from tests.kafka_helpers import consume_to_end, consume_until, produce

pytestmark = pytest.mark.integration

SPOT = (-111.30, 31.45)  # north of the buffers, in the Sasabe sector: no alert under v1
STRIP = (-111.0, 31.33341)
STRIP_EAST = (-110.96, 31.33341)  # another stretch of the strip: a separate incident
V1 = GeofenceSet.load_bundled().version


def camera(cam: str, lon: float, lat: float) -> tuple[bytes, bytes]:
    """A camera's confident person detection: enough for an alert in a policed zone."""
    return cam.encode(), orjson.dumps({"v": 1, "camera_id": cam, "seq": 1, "ts": time.time(),
                                       "lon": lon, "lat": lat, "cls": "person",
                                       "confidence": 0.95})


def version_two(path: Path) -> Path:
    bundled = Path(__file__).parents[2] / "geofences" / "data" / "nogales-sasabe.geojson"
    doc = orjson.loads(bundled.read_bytes())
    lon, lat = SPOT
    ring = [[lon - 0.005, lat - 0.005], [lon + 0.005, lat - 0.005], [lon + 0.005, lat + 0.005],
            [lon - 0.005, lat + 0.005], [lon - 0.005, lat - 0.005]]
    doc["features"].append({
        "type": "Feature", "id": "restricted-test",
        "properties": {"id": "restricted-test", "name": "Closed area", "zone_type": "restricted"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    })
    doc["borderwatch"]["version"] = "2"
    path.write_bytes(orjson.dumps(doc))
    return path


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, "geofences", *args, timeout=60, check=False, COLUMNS="200")


def wait_version(settings: Settings, version: str, timeout: float = 30) -> None:
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    until(lambda: samples(url, "borderwatch_geofence_set_info").get(
              (("version", version),)) == 1.0 or None, timeout,
          lambda: f"worker did not switch to geofence version {version}")


def alerts_with(settings: Settings, events: set[str], timeout: float = 30
                ) -> set[tuple[str, str, str]]:
    """(event id, zone type, geofence version) of alerts citing ``events``, once all do."""

    def found(msgs: list[tuple[bytes | None, bytes]]) -> set[tuple[str, str, str]]:
        return {(e.event_id, a.zone_type, a.geofence_version)
                for a in (Alert.model_validate_json(v) for _, v in msgs)
                for e in a.evidence if e.event_id in events}

    return found(consume_until(settings, settings.topic("alerts"),
                               lambda msgs: {e for e, _, _ in found(msgs)} == events,
                               timeout=timeout))


def test_publish_version_two_while_the_worker_runs(
    settings: Settings, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    cameras = settings.topic("sensors.camera")
    produce(settings, cameras, [camera("cam-1", *SPOT), camera("cam-2", *STRIP)])
    before = alerts_with(settings, {"cam-2:1"})
    assert {(e, zone_type, v) for e, zone_type, v in before} == {
        ("cam-2:1", "border_strip", V1)
    }

    res = cli(settings, "publish", str(version_two(tmp_path / "v2.geojson")))
    assert res.returncode == 0, res.stderr
    assert "version 2" in res.stderr
    wait_version(settings, "2")

    produce(settings, cameras, [camera("cam-3", *SPOT), camera("cam-4", *STRIP_EAST)])
    # cam-3 joins the incident cam-1 opened at the same spot under v1 (no alert then)
    after = alerts_with(settings, {"cam-3:1", "cam-4:1"})
    assert after == {("cam-3:1", "restricted", "2"), ("cam-4:1", "border_strip", "2")}
    # under v1 the spot raised nothing: every alert naming cam-1 was judged with v2
    assert {v for e, _, v in alerts_with(settings, {"cam-1:1"})} == {"2"}

    listed = cli(settings, "list")
    assert listed.returncode == 0, listed.stderr
    assert "active version 2" in listed.stderr and "restricted-test" in listed.stderr
    again = cli(settings, "publish", str(tmp_path / "v2.geojson"))
    assert again.returncode == 0 and "already in force" in again.stderr


def test_publish_refuses_an_invalid_set(settings: Settings, topics: Settings,
                                        tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "x", "zone_type": "moat"},
         "geometry": {"type": "Polygon", "coordinates": [[[-111.0, 31.4], [-110.9, 31.4],
                                                          [-110.9, 31.5], [-111.0, 31.4]]]}}]}))
    res = cli(settings, "publish", str(bad))
    assert res.returncode == 1 and "unknown_zone_type" in res.stderr
    assert consume_to_end(settings, settings.topic("geofences")) == []


def test_a_worker_started_after_publishing_judges_its_first_events_with_the_set(
    topics: Settings, tmp_path: Path
) -> None:
    """The strip alerts under the bundled set too: only the version tells which set
    judged the detection; the spot alerts only under version 2."""
    from stream.cli.processes import stop_process
    from tests.conftest import start_worker

    res = cli(topics, "publish", str(version_two(tmp_path / "v2.geojson")))
    assert res.returncode == 0, res.stderr
    proc = start_worker(topics, tmp_path / "worker.log")
    cameras = topics.topic("sensors.camera")
    try:
        produce(topics, cameras, [camera("cam-1", *STRIP), camera("cam-2", *SPOT)])
        found = alerts_with(topics, {"cam-1:1", "cam-2:1"})
        assert found == {("cam-1:1", "border_strip", "2"), ("cam-2:1", "restricted", "2")}, (
            found, (tmp_path / "worker.log").read_text()[-3000:])
    finally:
        stop_process("worker", proc)
