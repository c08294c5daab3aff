"""Hot reload: a set published while the worker runs judges the very next events."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import orjson
import pytest

from geofences.index import GeofenceSet
from stream.models import Alert
from stream.settings import Settings
from tests.conftest import settings_env
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration

SPOT = (-111.30, 31.45)  # north of the buffers, in the Sasabe sector: no alert under v1
STRIP = (-111.0, 31.33341)
V1 = GeofenceSet.load_bundled().version


def ground(seq: int, lon: float, lat: float) -> bytes:
    return orjson.dumps({"v": 1, "sensor_id": "s-9", "seq": seq, "kind": "seismic",
                         "ts": time.time(), "lon": lon, "lat": lat})


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
    return subprocess.run([sys.executable, "-m", "stream.cli", "geofences", *args],
                          env={**settings_env(settings), "COLUMNS": "200"}, capture_output=True,
                          text=True, timeout=60)


def wait_version(settings: Settings, version: str, timeout: float = 30) -> None:
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    want = f'borderwatch_geofence_set_info{{version="{version}"}} 1.0'
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=2) as r:
            if want in r.read().decode():
                return
        time.sleep(0.2)
    raise AssertionError(f"worker did not switch to geofence version {version}")


def test_publish_version_two_while_the_worker_runs(
    settings: Settings, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    ground_topic, alerts_topic = settings.topic("sensors.ground"), settings.topic("alerts")
    produce(settings, ground_topic, [(b"s-9", ground(1, *SPOT)), (b"s-9", ground(2, *STRIP))])
    before = [Alert.model_validate_json(v) for _, v in consume(settings, alerts_topic, expect=1)]
    assert [(a.zone_id, a.geofence_version) for a in before] == [("strip-nog-sas", V1)]

    res = cli(settings, "publish", str(version_two(tmp_path / "v2.geojson")))
    assert res.returncode == 0, res.stderr
    assert "version 2" in res.stderr
    wait_version(settings, "2")

    produce(settings, ground_topic, [(b"s-9", ground(3, *SPOT)), (b"s-9", ground(4, *STRIP))])
    got = [Alert.model_validate_json(v) for _, v in consume(settings, alerts_topic, expect=3)]
    judged = sorted((a.evidence[0].event_id, a.zone_type, a.geofence_version) for a in got)
    assert judged == [("s-9:2", "border_strip", V1), ("s-9:3", "restricted", "2"),
                      ("s-9:4", "border_strip", "2")]

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
    assert consume(settings, settings.topic("geofences"), quiet=1) == []


def test_a_worker_started_after_publishing_judges_its_first_event_with_the_set(
    topics: Settings, tmp_path: Path
) -> None:
    from stream.cli.demo import stop_process
    from tests.conftest import start_worker

    res = cli(topics, "publish", str(version_two(tmp_path / "v2.geojson")))
    assert res.returncode == 0, res.stderr
    proc = start_worker(topics, tmp_path / "worker.log")
    try:
        produce(topics, topics.topic("sensors.ground"), [(b"s-9", ground(1, *SPOT))])
        (alert,) = [Alert.model_validate_json(v)
                    for _, v in consume(topics, topics.topic("alerts"), expect=1)]
        assert (alert.zone_type, alert.geofence_version) == ("restricted", "2")
    finally:
        stop_process("worker", proc)
