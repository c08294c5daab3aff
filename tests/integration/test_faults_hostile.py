"""Fault suite: 1,000 hostile messages (hand-made kinds and randomly mutated reports,
including 2-14 MB values and huge batches; tests/unit/test_hostile_properties.py puts
hypothesis-generated ones through the same pure core) against a running worker. Each is
dead-lettered once with its reason, the valid messages interleaved with them are all processed, dead
letters stay small, and the worker's memory stays bounded."""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream.cli.demo import scrape_total
from stream.codec import DETAIL_CHARS, EXCERPT_BYTES, Decoder
from stream.models import DeadLetter, GroundDetection
from stream.settings import Settings
from tests.kafka_helpers import consume, produce

pytestmark = [pytest.mark.integration, pytest.mark.faults]

NOW = time.time()
INSIDE = (-111.0, 31.33341)
MB = 1_048_576


def ground(seq: int, **over: Any) -> dict[str, Any]:
    return {"v": 1, "sensor_id": "s-1", "seq": seq, "kind": "seismic", "ts": NOW,
            "lon": -111.0, "lat": 31.36, **over}


def health(seq: int) -> bytes:
    return orjson.dumps({"v": 1, "sensor_id": f"h-{seq}", "seq": seq, "kind": "pir",
                         "ts": NOW, "battery": 0.9})


def hand_made(limit: int) -> list[tuple[str, bytes, str]]:
    """(topic suffix, value, expected reason) of every hand-made hostile kind."""
    g = "sensors.ground"
    batch = b'{"v":1,"source":"gw","reports":[%s]}'
    kinds: list[tuple[str, bytes, str]] = [
        (g, b"\xff\xfe not utf-8 \x00", "not_json"),
        (g, b"", "not_json"),
        (g, b"[1, 2, 3]", "not_object"),
        (g, b'"a string"', "not_object"),
        (g, b"[" * 5000 + b"]" * 5000, "not_json"),
        (g, b"{}", "missing_field"),
        (g, batch % b",".join([b"{}"] * 9_999), "missing_field"),  # 9,999 bad reports: ONE
        (g, batch % b",".join([b"{}"] * 10_001), "out_of_range"),  # too many reports
        (g, orjson.dumps(ground(1)).replace(b'"lat":31.36', b'"lat":NaN'), "non_finite"),
        (g, orjson.dumps(ground(1)).replace(b'"lat":31.36', b'"lat":1e999'), "non_finite"),
        (g, orjson.dumps(ground(1, lat=95.0)), "out_of_range"),
        (g, orjson.dumps(ground(1, sensor_id="x" * 100_000)), "out_of_range"),
        (g, orjson.dumps(ground(1, extra="y")), "unknown_field"),
        (g, orjson.dumps(ground(1, v=7)), "unsupported_version"),
        (g, orjson.dumps({**ground(1), "seq": "1"}), "wrong_type"),
        ("sensors.camera", orjson.dumps({"v": 1, "camera_id": "c", "seq": 1, "ts": NOW,
                                          "lon": 0, "lat": 0, "cls": "person",
                                          "confidence": 2.0}), "out_of_range"),
        ("sensors.health", orjson.dumps({"v": 1, "sensor_id": "h", "seq": 1, "kind": "pir",
                                          "ts": NOW, "battery": -1}), "out_of_range"),
        ("alert-acks", b'{"v":1,"alert_id":"a","by":"m","at":NaN}', "non_finite"),
        ("alert-acks", b'{"v":1,"alert_id":"a","by":"m","at":1e999}', "non_finite"),
        ("alert-acks", orjson.dumps({"v": 1, "alert_id": "alr-none", "by": "m", "at": NOW}),
         "unknown_alert"),
        ("alert-acks", orjson.dumps({"v": 1, "alert_id": "a", "by": "m", "at": NOW,
                                     "note": "n" * 10_000}), "out_of_range"),
        ("ticks", b'{"evil": true}', "unknown_field"),
        (g, b"x" * (limit + 1), "too_large"),
    ]
    for size_mb in (2, 5, 9, 14):  # the values that used to drop whole batches
        kinds.append((g, batch % (b" " * (size_mb * MB)), "too_large"))
    return kinds


FIELDS = ["sensor_id", "seq", "kind", "ts", "lon", "lat", "strength", "v", "xtra"]
VALUES: list[Any] = [None, True, -1, 2**63, "", "x" * 80, "a b", 1e308, -1e308, 0.5, 400.0,
                     [1, 2], {"a": 1}, "seismic", 1.5e9, "NaN"]


def mutated(rng: random.Random) -> bytes:
    """A ground report with one or two fields replaced by a hostile value."""
    report = ground(rng.randrange(10**6))
    for _ in range(rng.randint(1, 2)):
        report[rng.choice(FIELDS)] = rng.choice(VALUES)
    return json.dumps(report).encode()  # the stdlib writes any integer


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_a_thousand_hostile_messages_are_each_dead_lettered_once(
    settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    oracle = Decoder(GroundDetection, settings.max_message_bytes)
    rng = random.Random(15)
    refused = []
    for raw in (mutated(rng) for _ in range(1_500)):  # keep the ones the edge refuses
        items, letters = oracle.decode(raw, topic="t", partition=0, offset=0)
        if letters and not items:
            refused.append(("sensors.ground", raw, letters[0].reason))
    made = hand_made(settings.max_message_bytes)
    big = [m for m in made if len(m[1]) > MB]
    small = [m for m in made if len(m[1]) <= MB]
    hostile = (big + small * 12 + refused)[:1_000]
    assert len(hostile) == 1_000 and len({m[0] for m in hostile}) == 5
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    base_rss = rss_mb(worker.pid)
    by_topic: dict[str, list[tuple[bytes | None, bytes]]] = {}
    valid = 0
    for i, (topic, value, _) in enumerate(hostile):
        by_topic.setdefault(topic, []).append((b"k%d" % (i % 7), value))
        if i % 3 == 0:
            by_topic.setdefault("sensors.health", []).append((b"h", health(i)))
            valid += 1
    peak = base_rss
    for topic, items in by_topic.items():
        for start in range(0, len(items), 50):  # a hostile client allows itself big requests
            produce(settings, settings.topic(topic), items[start:start + 50],
                    **{"message.max.bytes": 20 * MB})
            peak = max(peak, rss_mb(worker.pid))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(worker.pid))
        done = scrape_total(url, "borderwatch_dead_letters_total")
        if done is not None and done >= len(hostile):
            break
    letters = [DeadLetter.model_validate_json(v)
               for _, v in consume(settings, settings.topic("deadletters"), expect=len(hostile),
                                   timeout=120)]
    assert len(letters) == len(hostile)
    expected: dict[str, list[str]] = {}
    for topic, _, reason in hostile:
        expected.setdefault(settings.topic(topic), []).append(reason)
    got: dict[str, list[str]] = {}
    for d in sorted(letters, key=lambda d: (d.topic, d.partition, d.offset)):
        got.setdefault(d.topic, []).append(d.reason)
    assert {t: sorted(r) for t, r in got.items()} == {t: sorted(r) for t, r in expected.items()}
    assert max(len(d.model_dump_json()) for d in letters) < 3 * EXCERPT_BYTES + DETAIL_CHARS
    assert scrape_total(url, "borderwatch_dead_letters_total") == len(hostile)
    assert scrape_total(url, "borderwatch_send_failures_total") == 0
    consumed = scrape_total(url, "borderwatch_events_consumed_total")
    assert consumed == valid
    assert worker.poll() is None
    # 4 values of 2-14 MB and dozens of 0.25 MB ones went through; the worker keeps none of them
    print(f"worker RSS: {base_rss:.0f} MB at start, {peak:.0f} MB peak")
    assert peak < base_rss + 400
