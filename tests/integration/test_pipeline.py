"""End to end over the embedded broker: sensor messages in, alerts and dead letters out."""

from __future__ import annotations

import hashlib
import subprocess
import time

import orjson
import pytest

from stream import kafka_clients
from stream.models import Alert, DeadLetter
from stream.settings import Settings
from tests.conftest import run_cli
from tests.kafka_helpers import (
    consume,
    consume_to_end,
    consume_until,
    produce,
    reported_ends,
    wait_settled,
)

pytestmark = pytest.mark.integration

NOW = time.time()
INSIDE = (-111.0, 31.33341)  # inside the 60-ft strip, Nogales sector
OUTSIDE = (-111.0, 31.40)  # 7 km north: beyond the buffers, no zone with a policy


def ground(
    seq: int, lon: float, lat: float, sensor: str = "s-1", **extra: object
) -> dict[str, object]:
    return {
        "v": 1,
        "sensor_id": sensor,
        "seq": seq,
        "kind": "seismic",
        "ts": NOW,
        "lon": lon,
        "lat": lat,
        **extra,
    }


def camera(
    seq: int, lon: float, lat: float, cam: str = "cam-1", **extra: object
) -> dict[str, object]:
    """A camera's confident person detection: enough on its own in the border strip."""
    return {
        "v": 1,
        "camera_id": cam,
        "seq": seq,
        "ts": time.time(),
        "lon": lon,
        "lat": lat,
        "cls": "person",
        "confidence": 0.95,
        **extra,
    }


def send_ground(s: Settings, *values: bytes) -> None:
    produce(s, s.topic("sensors.ground"), [(b"s-1", v) for v in values])


def send_camera(s: Settings, *values: bytes, key: bytes = b"cam-1") -> None:
    produce(s, s.topic("sensors.camera"), [(key, v) for v in values])


def test_event_inside_restricted_zone_gives_one_alert(settings: Settings, worker: object) -> None:
    send_camera(settings, orjson.dumps(camera(1, *INSIDE)))
    got = consume(settings, settings.topic("alerts"), expect=1)
    assert len(got) == 1
    alert = Alert.model_validate_json(got[0][1])
    assert alert.state.value == "new"
    assert alert.zone_id == "strip-nog-sas" and alert.zone_type == "border_strip"
    assert alert.sector == "nogales" and alert.cls.value == "person"
    assert got[0][0] == alert.id.encode()
    assert alert.evidence[0].event_id == "cam-1:1"
    assert alert.evidence[0].topic == settings.topic("sensors.camera")
    # whatever follows is the same alert (one incident, one alert id)
    wait_settled(settings)
    later = consume_to_end(settings, settings.topic("alerts"))
    assert {Alert.model_validate_json(v).id for _, v in later} == {alert.id}
    # the incident is persisted in the correlation table's changelog
    changelog = consume_to_end(settings, f"{settings.app_id}-correlation-changelog")
    keys = {k.decode().strip('"') for k, _ in changelog if k}
    assert f"inc:{alert.incident_id}" in keys


def test_the_state_changelog_ends_where_the_broker_says(
    settings: Settings, worker: object
) -> None:
    """A batch's state changes leave batched, yet every changelog partition ends in a
    one-record batch: the broker's reported end (where a restarted worker's recovery
    stops) is its true end, so no change is left unread."""
    # 20 detections a kilometre apart along the strip: 20 incidents in one batch
    cams = [(f"cam-{i}".encode(), orjson.dumps(camera(1, INSIDE[0] + i * 0.01, INSIDE[1],
                                                      cam=f"cam-{i}"))) for i in range(20)]
    produce(settings, settings.topic("sensors.camera"), cams)
    wait_settled(settings)
    topic = f"{settings.app_id}-correlation-changelog"
    incidents = {k for k, _ in consume_to_end(settings, topic) if k and k.startswith(b'"inc:')}
    assert len(incidents) == 20
    assert reported_ends(settings, topic) == kafka_clients.end_offsets(settings, [topic])


def test_event_outside_gives_no_alert(settings: Settings, worker: object) -> None:
    send_camera(settings, orjson.dumps(camera(1, *OUTSIDE)))
    send_camera(settings, orjson.dumps(camera(1, *INSIDE, cam="cam-2")), key=b"cam-2")
    def inside_alerted(msgs: list[tuple[bytes | None, bytes]]) -> bool:
        return any(b"cam-2:1" in v for _, v in msgs)

    # the outside report is the older one: whatever it raised goes out no later
    got = consume_until(settings, settings.topic("alerts"), inside_alerted)
    assert {Alert.model_validate_json(v).evidence[0].event_id for _, v in got} == {"cam-2:1"}


MALFORMED: list[tuple[bytes, str]] = [
    (b"", "not_json"),
    (b"not json", "not_json"),
    (b'{"v": 1,', "not_json"),
    (b"\xff\xfe\x00", "not_json"),
    (b"[1, 2, 3]", "not_object"),
    (b"42", "not_object"),
    (orjson.dumps({k: v for k, v in ground(1, *INSIDE).items() if k != "lat"}), "missing_field"),
    (
        orjson.dumps({k: v for k, v in ground(1, *INSIDE).items() if k != "sensor_id"}),
        "missing_field",
    ),
    (orjson.dumps(ground(1, *INSIDE, colour="red")), "unknown_field"),
    (orjson.dumps(ground(1, *INSIDE)).replace(b'"lat":31.33341', b'"lat":NaN'), "non_finite"),
    (orjson.dumps(ground(1, *INSIDE)).replace(b'"lon":-111.0', b'"lon":Infinity'), "non_finite"),
    (orjson.dumps(ground(1, -111.0, 95.0)), "out_of_range"),
    (orjson.dumps(ground(1, -200.0, 31.3)), "out_of_range"),
    (orjson.dumps({**ground(1, *INSIDE), "ts": 1.0}), "out_of_range"),
    (orjson.dumps({**ground(1, *INSIDE), "seq": -5}), "out_of_range"),
    (orjson.dumps({**ground(1, *INSIDE), "v": 99}), "unsupported_version"),
    (orjson.dumps({**ground(1, *INSIDE), "lat": "31.3"}), "wrong_type"),
    (orjson.dumps({**ground(1, *INSIDE), "kind": "radar"}), "wrong_type"),
    (orjson.dumps({**ground(1, *INSIDE), "sensor_id": "bad id with spaces"}), "wrong_type"),
    (b'{"v": 1, "reports": "x"' + b" " * 300_000 + b"}", "too_large"),
]


def test_twenty_malformed_messages_are_dead_lettered_and_worker_goes_on(
    settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    assert len(MALFORMED) == 20
    send_ground(settings, *[raw for raw, _ in MALFORMED])
    send_camera(settings, orjson.dumps(camera(7, *INSIDE)))
    sent = {hashlib.sha256(raw).hexdigest() for raw, _ in MALFORMED}
    # A producer retry under load may store a message twice (at-least-once): one dead
    # letter per stored copy, so read until every original has one; count each once.
    first: dict[str, DeadLetter] = {}
    letters: list[DeadLetter] = []
    deadline = time.monotonic() + 60
    while set(first) != sent:
        assert time.monotonic() < deadline, ("no dead letter for", [
            r for raw, r in MALFORMED if hashlib.sha256(raw).hexdigest() not in first],
            [(hashlib.sha256(v).hexdigest() in sent, len(v)) for _, v in
             consume_to_end(settings, settings.topic("sensors.ground"))],
            sorted((d.offset, d.reason) for d in first.values()))
        letters = [d for d in (DeadLetter.model_validate_json(v) for _, v in
                               consume_to_end(settings, settings.topic("deadletters")))
                   if d.sha256 in sent]
        for d in sorted(letters, key=lambda d: d.offset):
            first.setdefault(d.sha256, d)
    parsed = sorted(first.values(), key=lambda d: d.offset)
    assert [d.reason for d in parsed] == [reason for _, reason in MALFORMED]
    assert all(d.topic == settings.topic("sensors.ground") and d.detail for d in letters)
    alerts = consume(settings, settings.topic("alerts"), expect=1)
    assert Alert.model_validate_json(alerts[0][1]).evidence[0].event_id == "cam-1:7"
    assert worker.poll() is None


def test_batch_with_one_bad_report_keeps_the_good_ones(settings: Settings, worker: object) -> None:
    frame = {
        "v": 1,
        "source": "cam-1",
        "reports": [camera(1, *INSIDE), {**camera(2, *INSIDE), "lat": 123.0}, camera(3, *INSIDE)],
    }
    send_camera(settings, orjson.dumps(frame))
    (first,) = consume(settings, settings.topic("alerts"), expect=1)
    alert = Alert.model_validate_json(first[1])
    assert {e.event_id for e in alert.evidence} == {"cam-1:1", "cam-1:3"}
    (letter,) = consume(settings, settings.topic("deadletters"), expect=1)
    dl = DeadLetter.model_validate_json(letter[1])
    assert (dl.reason, dl.index) == ("out_of_range", 1)


def test_cli_alerts_json_limit_one_prints_a_parsable_alert(
    settings: Settings, worker: object
) -> None:
    send_camera(settings, orjson.dumps(camera(1, *INSIDE)))
    out = run_cli(settings, "alerts", "--format", "json", "--limit", "1", "--from-beginning",
                  "--timeout", "60", timeout=90)
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    alert = Alert.model_validate_json(lines[0])
    assert alert.zone_type == "border_strip" and alert.severity.value in {
        "low",
        "medium",
        "high",
        "critical",
    }
