"""Edge validation: every refusal names a reason, valid reports survive."""

from __future__ import annotations

import base64
import hashlib

import orjson
import pytest

from stream.codec import DETAIL_CHARS, EXCERPT_BYTES, REASONS, Decoder
from stream.models import CameraDetection, GroundDetection, SensorHealth, TargetClass

TS = 1_800_000_000.0


def ground(seq: int = 1, **over: object) -> dict[str, object]:
    return {
        "v": 1,
        "sensor_id": "s-1",
        "seq": seq,
        "kind": "seismic",
        "ts": TS,
        "lon": -111.0,
        "lat": 31.3334,
        **over,
    }


def decode(raw: bytes, model: type = GroundDetection, limit: int = 10_000):  # type: ignore[no-untyped-def]
    return Decoder(model, max_bytes=limit).decode(raw, topic="t", partition=3, offset=42, key=b"k")


def test_single_report_decodes_with_defaults() -> None:
    items, dead = decode(orjson.dumps(ground()))
    assert dead == []
    (item,) = items
    assert item.index == 0
    assert item.report.event_id == "s-1:1"
    assert item.report.strength == 1.0 and item.report.signature is TargetClass.UNKNOWN


def test_batch_decodes_every_report_in_order() -> None:
    raw = orjson.dumps({"v": 1, "source": "gw-1", "reports": [ground(i) for i in range(5)]})
    items, dead = decode(raw)
    assert dead == [] and [i.report.seq for i in items] == [0, 1, 2, 3, 4]
    assert [i.index for i in items] == [0, 1, 2, 3, 4]


def test_a_batch_decodes_alike_however_its_key_is_written() -> None:
    """Batches are validated straight from their bytes when they spell "reports"; one
    that escapes it (valid JSON all the same) takes the general path to the same reports."""
    plain = orjson.dumps({"v": 1, "source": "gw-1", "reports": [ground(i) for i in range(3)]})
    escaped = plain.replace(b'"reports"', b'"\\u0072eports"')
    assert escaped != plain
    (a, dead_a), (b, dead_b) = decode(plain), decode(escaped)
    assert dead_a == dead_b == []
    assert [i.report for i in a] == [i.report for i in b] and len(a) == 3


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not_json"),
        (b"{", "not_json"),
        (b"[]", "not_object"),
        (b'"text"', "not_object"),
        (orjson.dumps({k: v for k, v in ground().items() if k != "ts"}), "missing_field"),
        (orjson.dumps(ground(extra=1)), "unknown_field"),
        (orjson.dumps(ground()).replace(b'"lat":31.3334', b'"lat":NaN'), "non_finite"),
        (orjson.dumps(ground(lat=-91.0)), "out_of_range"),
        (orjson.dumps(ground(lon=180.5)), "out_of_range"),
        (orjson.dumps(ground(strength=1.5)), "out_of_range"),
        (orjson.dumps(ground(v=2)), "unsupported_version"),
        (orjson.dumps(ground(seq="1")), "wrong_type"),
        (orjson.dumps(ground(lat=True)), "wrong_type"),
        (orjson.dumps({"v": 1, "source": "gw", "reports": []}), "out_of_range"),
        (orjson.dumps({"v": 1, "source": "gw"}), "missing_field"),
        (b"x" * 10_001, "too_large"),
    ],
)
def test_refusals_name_their_reason_and_digest_the_original(raw: bytes, reason: str) -> None:
    items, dead = decode(raw)
    assert items == []
    (letter,) = dead
    assert letter.reason == reason and reason in REASONS
    assert base64.b64decode(letter.excerpt_b64) == raw[:EXCERPT_BYTES]
    assert (letter.size, letter.sha256) == (len(raw), hashlib.sha256(raw).hexdigest())
    assert (letter.topic, letter.partition, letter.offset, letter.key) == ("t", 3, 42, "k")
    assert letter.detail


def test_bad_reports_inside_a_batch_are_split_out() -> None:
    reports = [ground(0), ground(1, lat=99.0), ground(2), ground(3, kind="radar"), ground(4)]
    raw = orjson.dumps({"v": 1, "source": "gw", "reports": reports})
    items, dead = decode(raw)
    assert [i.report.seq for i in items] == [0, 2, 4]
    assert [i.index for i in items] == [0, 2, 4]
    (letter,) = dead  # one dead letter for the message, naming the first bad report
    assert (letter.index, letter.reason, letter.rejected) == (1, "out_of_range", 2)
    assert "2 of 5 reports" in letter.detail and "lat" in letter.detail


def test_a_batch_of_many_bad_reports_is_one_small_dead_letter() -> None:
    raw = orjson.dumps({"v": 1, "source": "gw", "reports": [{}] * 9_999})
    items, dead = decode(raw, limit=1_000_000)
    assert items == []
    (letter,) = dead
    assert letter.reason == "missing_field" and letter.rejected == 9_999
    assert len(letter.model_dump_json()) < 3 * EXCERPT_BYTES + DETAIL_CHARS


def test_an_oversize_value_is_refused_without_parsing_and_stays_small() -> None:
    raw = b'{"v": 1, "source": "gw", "reports": [' + b" " * 14_000_000 + b"]}"
    items, dead = decode(raw, limit=1_048_576)
    (letter,) = dead
    assert items == [] and letter.reason == "too_large" and letter.size == len(raw)
    assert len(letter.model_dump_json()) < 3 * EXCERPT_BYTES + DETAIL_CHARS


def test_camera_and_health_models_validate_their_own_fields() -> None:
    cam = {
        "v": 1,
        "camera_id": "cam-1",
        "seq": 1,
        "ts": TS,
        "lon": -111.0,
        "lat": 31.34,
        "cls": "person",
        "confidence": 0.9,
    }
    (item,), dead = decode(orjson.dumps(cam), CameraDetection)
    assert dead == [] and item.report.cls is TargetClass.PERSON
    _, dead = decode(orjson.dumps({**cam, "confidence": 2}), CameraDetection)
    assert dead[0].reason == "out_of_range"
    hb = {
        "v": 1,
        "sensor_id": "s-1",
        "seq": 1,
        "kind": "pir",
        "ts": TS,
        "battery": 0.5,
        "tamper": True,
    }
    (item,), dead = decode(orjson.dumps(hb), SensorHealth)
    assert item.report.tamper is True
    _, dead = decode(orjson.dumps({**hb, "tamper": "yes"}), SensorHealth)
    assert dead[0].reason == "wrong_type"
