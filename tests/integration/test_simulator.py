"""The simulator against the real embedded broker: topics, keys, replay, a late broker, tasking."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import orjson
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from typer.testing import CliRunner

from simulators.tasking import TaskingListener
from stream.broker import EmbeddedBroker, free_port
from stream.cli import app
from stream.settings import Settings
from stream.topics import create_topics
from tests.conftest import settings_env
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration

START = "1800000000"
TOPICS = ("sensors.ground", "sensors.health", "sensors.camera")


def recorded(path: Path) -> dict[str, Counter[tuple[bytes, bytes]]]:
    """What a recorded file says each topic must hold: (key, value) with multiplicity."""
    out: dict[str, Counter[tuple[bytes, bytes]]] = {t: Counter() for t in TOPICS}
    for line in path.read_bytes().splitlines():
        rec = orjson.loads(line)
        out[rec["topic"]][(rec["key"].encode(), orjson.dumps(rec["value"]))] += 1
    return out


def in_broker(
    settings: Settings, expect: dict[str, Counter[tuple[bytes, bytes]]]
) -> dict[str, Counter[tuple[bytes, bytes]]]:
    got = {}
    for t in TOPICS:
        n = sum(expect[t].values())
        items = consume(settings, settings.topic(t), expect=n, timeout=60) if n else []
        got[t] = Counter((k or b"", v) for k, v in items)
    return got


def wait_scenario_time(settings: Settings, at: float, timeout: float = 60) -> None:
    """Until the simulator has published a report from scenario time ``at`` or later."""
    c = Consumer(settings.consumer_config(f"test-{uuid.uuid4().hex[:8]}"))
    names = [settings.topic(t) for t in TOPICS]
    meta = c.list_topics(timeout=10).topics
    c.assign([TopicPartition(n, p, OFFSET_BEGINNING) for n in names for p in meta[n].partitions])
    latest = float("nan")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = c.poll(0.2)
            if msg is None or msg.error():
                continue
            latest = max(r["ts"] for r in orjson.loads(msg.value() or b"")["reports"])
            if latest >= at:
                return
    finally:
        c.close()
    raise AssertionError(f"no report from scenario time {at} within {timeout}s (last {latest})")


def record(tmp_path: Path, scenario: str, *extra: str) -> Path:
    out = tmp_path / f"{scenario}.jsonl"
    res = CliRunner().invoke(
        app, ["simulate", scenario, "--start", START, "--output", str(out), "--quiet", *extra]
    )
    assert res.exit_code == 0, res.output
    return out


def test_bundled_scenario_arrives_with_the_right_topics_and_keys(
    topics: Settings, tmp_path: Path
) -> None:
    expect = recorded(record(tmp_path, "tamper-gap"))
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            "tamper-gap",
            "--fast",
            "--start",
            START,
            "--quiet",
            "--no-tasking",
            "-b",
            topics.bootstrap_servers,
        ],
        env=settings_env(topics),
    )
    assert res.exit_code == 0, res.output
    got = in_broker(topics, expect)
    assert got == expect
    assert all(sum(expect[t].values()) > 0 for t in TOPICS)
    for t in TOPICS:
        for key, value in got[t]:
            assert orjson.loads(value)["source"] == key.decode()  # keyed by gateway or camera
    assert {k for k, _ in got["sensors.camera"]} == {b"cam-gap"}


def test_replay_publishes_a_recording_unchanged(topics: Settings, tmp_path: Path) -> None:
    path = record(tmp_path, "sensor-faults", "--duration", "300")
    res = CliRunner().invoke(
        app,
        ["replay", str(path), "--fast", "--quiet", "-b", topics.bootstrap_servers],
        env=settings_env(topics),
    )
    assert res.exit_code == 0, res.output
    expect = recorded(path)
    assert in_broker(topics, expect) == expect


def test_simulator_waits_for_a_broker_that_is_not_there_yet(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(bootstrap_servers=f"127.0.0.1:{port}", topic_prefix="late", partitions=2)
    expect = recorded(record(tmp_path, "vehicle-drive-through", "--duration", "300"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stream.cli",
            "simulate",
            "vehicle-drive-through",
            "--fast",
            "--duration",
            "300",
            "--start",
            START,
            "--no-tasking",
        ],
        env=settings_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    unreachable = threading.Event()

    def read() -> None:
        for raw in proc.stdout or []:
            lines.append(raw.decode())
            if "unreachable" in lines[-1]:
                unreachable.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert unreachable.wait(60), lines  # a loaded machine starts Python slowly
        assert any("waiting and retrying" in ln for ln in lines), lines
        assert proc.poll() is None  # still waiting, not failed
        with EmbeddedBroker(port=port):
            create_topics(settings)
            assert proc.wait(90) == 0, "".join(lines)
            got = in_broker(settings, expect)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    assert got == expect  # everything once, nothing twice
    assert any("reachable again" in ln for ln in lines), lines


def test_tasking_listener_hands_cues_to_the_world(topics: Settings) -> None:
    cues: list[dict[str, object]] = []
    cued = threading.Event()

    def on_cue(**cue: object) -> None:
        cues.append(cue)
        cued.set()

    listener = TaskingListener(topics, on_cue).start()
    try:
        assert listener.wait_ready(30), "tasking listener never reached the end of the topic"
        cue = {
            "camera_id": "cam-gap",
            "lon": -111.0769,
            "lat": 31.3336,
            "ts": 1.8e9,
            "incident_id": "inc-7",
        }
        produce(
            topics,
            topics.topic("camera-tasking"),
            [(b"cam-gap", b"junk"), (b"cam-gap", orjson.dumps(cue))],
        )
        assert cued.wait(20), "no cue reached the listener"
    finally:
        listener.stop()
    assert cues == [{**cue, "hold_s": None}]
    assert listener.ignored == 1


def test_simulate_obeys_cues_from_the_tasking_topic(topics: Settings, tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stream.cli",
            "simulate",
            "tamper-gap",
            "--speed",
            "40",
            "--duration",
            "400",
            "--start",
            START,
            "--truth",
            str(truth),
            "--quiet",
        ],
        env=settings_env(topics),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # The simulator publishes only once its tasking listener reads the topic's end.
        wait_scenario_time(topics, float(START) + 60)
        cue = {
            "camera_id": "cam-gap",
            "lon": -111.0769,
            "lat": 31.3370,
            "ts": 1.8e9,
            "incident_id": "inc-9",
        }
        produce(topics, topics.topic("camera-tasking"), [(b"cam-gap", orjson.dumps(cue))])
        out, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out.decode()
    records = [orjson.loads(line) for line in truth.read_bytes().splitlines()]
    tasked = [r for r in records if r["type"] == "tasking"]
    assert len(tasked) == 1 and tasked[0]["applied"] and tasked[0]["origin"] == "live"
    assert tasked[0]["incident_id"] == "inc-9"
    assert 1_800_000_000 + 50 < tasked[0]["applied_ts"] < 1_800_000_000 + 400
