"""What hostile input costs: dead letters written, their bytes, worker memory, poison acks.

Starts an embedded broker and a worker, sends 1,000 hostile messages (hand-made kinds incl.
2-14 MB values and huge batches, and randomly mutated reports; the fault suite sends the
same) with valid heartbeats interleaved, and prints how many dead letters reached the
topic, their bytes against the hostile input's bytes (amplification), the dead-letter
metric, the valid reports processed and the worker's RSS. Then a poison check: an ack
with ``"at": NaN`` for a live alert, a worker restart, one more detection of the same
incident: counts failed batches and alert messages whose ack time is not a number.

    python -m benchmarks.hostile [--copies 12]

``--copies``: how often each small hand-made kind is sent (the fault suite: 12). Before
dead letters were bounded, one copy of the 9,999-report batch alone wrote ~400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from benchmarks import stop_cleanly_on_signals
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import scrape_total, stop_process, wait_worker_ready
from stream.settings import Settings
from stream.topics import create_topics

MB = 1_048_576
NOW = time.time()


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


def refused_mutations(oracle: Any, n: int = 1_500) -> list[tuple[str, bytes, str]]:
    """Of ``n`` mutated reports (seeded), those the edge (``oracle``, a ground
    :class:`~stream.codec.Decoder`) refuses, with its reason."""
    rng = random.Random(15)
    out = []
    for raw in (mutated(rng) for _ in range(n)):
        items, letters = oracle.decode(raw, topic="t", partition=0, offset=0)
        if letters and not items:
            out.append(("sensors.ground", raw, letters[0].reason))
    return out


def hostile_set(
    limit: int, refused: list[tuple[str, bytes, str]], copies: int = 12
) -> list[tuple[str, bytes, str]]:
    """1,000 hostile messages: the big kinds once, the small ones ``copies`` times, then
    ``refused`` (mutated reports the edge refuses) up to 1,000."""
    made = hand_made(limit)
    big = [m for m in made if len(m[1]) > MB]
    small = [m for m in made if len(m[1]) <= MB]
    return (big + small * copies + refused)[:1_000]


def interleaved(hostile: list[tuple[str, bytes, str]]) -> tuple[dict[str, list[Any]], int]:
    """Per topic suffix, ``(key, value)`` to send: every third hostile one is followed by a
    valid heartbeat. Returns them and the number of valid heartbeats."""
    by_topic: dict[str, list[tuple[bytes | None, bytes]]] = {}
    valid = 0
    for i, (topic, value, _) in enumerate(hostile):
        by_topic.setdefault(topic, []).append((b"k%d" % (i % 7), value))
        if i % 3 == 0:
            by_topic.setdefault("sensors.health", []).append((b"h", health(i)))
            valid += 1
    return by_topic, valid


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _settings(bootstrap: str, data: Path) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(bootstrap_servers=bootstrap, topic_prefix=f"h{tag}", app_id=f"bw-h{tag}",
                    data_dir=data, metrics_port=free_port(), web_port=free_port(),
                    partitions=2, max_message_bytes=262_144)


def _worker(s: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **{f"BORDERWATCH_{k.upper()}": str(v)
                            for k, v in s.model_dump(exclude_none=True).items()
                            if k != "sasl_password"}}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_worker_ready(f"http://127.0.0.1:{s.metrics_port}/metrics", proc, timeout=120)
    except RuntimeError:
        stop_process("worker", proc)  # not left running without its broker
        raise
    return proc


def _produce(s: Settings, topic: str, items: list[tuple[bytes | None, bytes]]) -> None:
    from confluent_kafka import Producer

    p = Producer({**s.producer_config(), "message.max.bytes": 20 * MB})
    for key, value in items:
        p.produce(s.topic(topic), value, key)
    if p.flush(60):
        raise RuntimeError("messages not delivered")


def _topic(s: Settings, topic: str, quiet: float = 10.0) -> list[bytes]:
    """Every value on a topic (read until ``quiet`` seconds without a message)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    c = Consumer({**s.consumer_config(f"read-{uuid.uuid4().hex[:6]}"),
                  "fetch.message.max.bytes": 64 * MB})
    meta = c.list_topics(s.topic(topic), timeout=10).topics[s.topic(topic)]
    c.assign([TopicPartition(s.topic(topic), p, OFFSET_BEGINNING) for p in meta.partitions])
    out, last = [], time.monotonic()
    while time.monotonic() - last < quiet:
        for m in c.consume(1000, 0.5):
            if m.error() is None:
                out.append(m.value() or b"")
                last = time.monotonic()
    c.close()
    return out


def flood(s: Settings, work: Path, copies: int) -> dict[str, Any]:
    create_topics(s)
    proc = _worker(s, work / "worker.log")
    url = f"http://127.0.0.1:{s.metrics_port}/metrics"
    from stream.codec import Decoder
    from stream.models import GroundDetection

    oracle = Decoder(GroundDetection, s.max_message_bytes)
    hostile = hostile_set(s.max_message_bytes, refused_mutations(oracle), copies)
    by_topic, valid = interleaved(hostile)
    base = peak = rss_mb(proc.pid)
    t0 = time.monotonic()
    for topic, items in by_topic.items():
        for start in range(0, len(items), 50):
            _produce(s, topic, items[start:start + 50])
            peak = max(peak, rss_mb(proc.pid))
    while time.monotonic() - t0 < 300:  # until every valid heartbeat is consumed
        peak = max(peak, rss_mb(proc.pid))
        if (scrape_total(url, "borderwatch_events_consumed_total") or 0) >= valid:
            break
        time.sleep(0.5)
    written = _topic(s, "deadletters")
    peak = max(peak, rss_mb(proc.pid))
    out: dict[str, Any] = {
        "hostile_messages": len(hostile),
        "hostile_bytes": sum(len(v) for _, v, _ in hostile),
        "dead_letters_on_topic": len(written),
        "dead_letter_bytes": sum(len(v) for v in written),
        "dead_letters_metric": scrape_total(url, "borderwatch_dead_letters_total"),
        "valid_reports": valid,
        "valid_consumed": scrape_total(url, "borderwatch_events_consumed_total"),
        "batch_failures": scrape_total(url, "borderwatch_batch_failures_total"),
        "rss_start_mb": round(base), "rss_peak_mb": round(peak),
        "rss_end_mb": round(rss_mb(proc.pid)),
    }
    out["amplification"] = round(out["dead_letter_bytes"] / out["hostile_bytes"], 4)
    stop_process("worker", proc)
    return out


def poison(s: Settings, work: Path) -> dict[str, Any]:
    create_topics(s)
    proc = _worker(s, work / "worker2.log")
    cam = {"v": 1, "camera_id": "cam-1", "seq": 1, "ts": time.time(), "lon": -111.0,
           "lat": 31.33341, "cls": "person", "confidence": 0.95}
    _produce(s, "sensors.camera", [(b"cam-1", orjson.dumps(cam))])
    deadline = time.monotonic() + 60
    alerts: list[bytes] = []
    while not alerts and time.monotonic() < deadline:
        alerts = _topic(s, "alerts", quiet=2)
    alert_id = orjson.loads(alerts[0])["id"]
    ack = b'{"v":1,"alert_id":"%s","by":"x","at":NaN}' % alert_id.encode()
    _produce(s, "alert-acks", [(alert_id.encode(), ack)])
    _topic(s, "deadletters", quiet=4)
    stop_process("worker", proc)
    proc = _worker(s, work / "worker2.log")
    url = f"http://127.0.0.1:{s.metrics_port}/metrics"
    _produce(s, "sensors.camera", [(b"cam-1", orjson.dumps({**cam, "seq": 2,
                                                               "ts": time.time()}))])
    _produce(s, "ticks", [(b"tick", b"{}")])
    _topic(s, "alerts", quiet=6)
    failures = scrape_total(url, "borderwatch_batch_failures_total")
    stop_process("worker", proc)
    msgs = [orjson.loads(v) for v in _topic(s, "alerts", quiet=2)]
    null_acks = sum(1 for m in msgs if m.get("ack") and m["ack"].get("at") is None)
    return {"alert_messages": len(msgs), "acks_without_time": null_acks,
            "batch_failures_after_restart": failures}


def main() -> None:
    stop_cleanly_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(port=free_port()) as broker:
        work = Path(tmp)
        print("hostile flood:", flush=True)
        a = _settings(broker.bootstrap_servers, work / "a")
        for k, v in flood(a, work, args.copies).items():
            print(f"  {k:24} {v}")
        print("NaN ack, restart, one more detection:", flush=True)
        for k, v in poison(_settings(broker.bootstrap_servers, work / "b"), work).items():
            print(f"  {k:30} {v}")


if __name__ == "__main__":
    main()
