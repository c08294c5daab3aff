"""Patrol-facing commands over Kafka: ack, sector filters, CoT and CAP output, the TAK bridge."""

from __future__ import annotations

import socket
import threading
import time
import xml.etree.ElementTree as ET

import orjson
import pytest
import takproto

from stream.models import Alert
from stream.settings import Settings
from tests.conftest import run_cli
from tests.kafka_helpers import consume, consume_until, produce

pytestmark = pytest.mark.integration

STRIP = (-111.0, 31.33341)  # in the border strip, Nogales sector


def camera_person(settings: Settings, seq: int = 1) -> None:
    value = {
        "v": 1,
        "camera_id": "cam-9",
        "seq": seq,
        "ts": time.time(),
        "lon": STRIP[0],
        "lat": STRIP[1],
        "cls": "person",
        "confidence": 0.95,
    }
    produce(settings, settings.topic("sensors.camera"), [(b"cam-9", orjson.dumps(value))])


def borderwatch(settings: Settings, *args: str) -> str:
    return run_cli(settings, *args).stdout


def first_alert(settings: Settings) -> Alert:
    got = consume(settings, settings.topic("alerts"), expect=1, timeout=60)
    assert got, "no alert"
    return Alert.model_validate_json(got[0][1])


def test_ack_over_kafka_is_carried_by_the_next_alert_message(
    settings: Settings, worker: object
) -> None:
    camera_person(settings)
    alert = first_alert(settings)
    assert alert.ack is None
    borderwatch(settings, "ack", alert.id, "--by", "agent-7", "--note", "on my way")

    def carries_ack(msgs: list[tuple[bytes | None, bytes]]) -> bool:
        return any(m.id == alert.id and m.ack is not None
                   for m in (Alert.model_validate_json(v) for _, v in msgs))

    msgs = [Alert.model_validate_json(v) for _, v in
            consume_until(settings, settings.topic("alerts"), carries_ack, timeout=60)]
    acked = [m for m in msgs if m.id == alert.id and m.ack is not None]
    assert acked[0].ack is not None
    assert (acked[0].ack.by, acked[0].ack.note) == ("agent-7", "on my way")
    assert acked[0].ack.at >= alert.raised_ts


def test_sector_and_severity_filters_show_a_team_only_its_own(
    settings: Settings, worker: object
) -> None:
    camera_person(settings)
    first_alert(settings)
    base = ("alerts", "--format", "json", "--from-beginning", "--timeout", "4")
    own = borderwatch(settings, *base, "--sector", "nogales", "--min-severity", "high")
    other = borderwatch(settings, *base, "--sector", "sasabe")
    assert own.strip() and all(
        Alert.model_validate_json(x).sector == "nogales" for x in own.splitlines()
    )
    assert other.strip() == ""


def test_cot_output_parses_as_tak_and_cap_output_is_cap_1_2(
    settings: Settings, worker: object
) -> None:
    camera_person(settings)
    alert = first_alert(settings)
    cot = borderwatch(
        settings, "alerts", "--format", "cot", "--limit", "1", "--from-beginning", "--timeout", "30"
    )
    assert cot.count("\n") == 1, "one CoT document per line"
    event = ET.fromstring(cot.strip().encode())
    assert event.get("uid") == f"borderwatch.{alert.id}" and event.get("type", "").startswith("a-")
    point = event.find("point")
    assert point is not None and abs(float(point.get("lat", "0")) - alert.lat) < 1e-6
    parsed = takproto.parse_proto(takproto.xml2proto(cot.strip()))
    assert parsed.cotEvent.uid == f"borderwatch.{alert.id}"
    cap = borderwatch(
        settings, "alerts", "--format", "cap", "--limit", "1", "--from-beginning", "--timeout", "30"
    )
    assert cap.count("\n") == 1, "one CAP document per line"
    root = ET.fromstring(cap.strip().encode())
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"


def test_tak_bridge_sends_cot_to_a_tak_server(settings: Settings, worker: object) -> None:
    received = bytearray()
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    camera_person(settings)
    alert = first_alert(settings)
    borderwatch(
        settings,
        "alerts",
        "--format",
        "json",
        "--limit",
        "1",
        "--from-beginning",
        "--timeout",
        "30",
        "--tak",
        f"tcp://127.0.0.1:{port}",
    )
    thread.join(10)
    server.close()
    text = received.decode()
    assert f'uid="borderwatch.{alert.id}"' in text
    assert (
        takproto.parse_proto(takproto.xml2proto(text.strip())).cotEvent.uid
        == f"borderwatch.{alert.id}"
    )
