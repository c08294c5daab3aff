"""Fault suite: the broker restarts empty under a running worker and simulator. The worker
recovers (new incidents raise alerts on the recreated topics) instead of crashing, and says
once, in its log and in a metric, that the broker lost what it had read; the
simulator resumes or exits with one clear line, and never hangs."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from stream import kafka_clients
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import stop_process
from stream.models import Alert
from stream.settings import Settings
from stream.topics import create_topics
from tests.conftest import settings_env, start_worker
from tests.kafka_helpers import consume_until, produce, wait_committed

pytestmark = [pytest.mark.integration, pytest.mark.faults]


@pytest.fixture
def own_broker() -> Iterator[EmbeddedBroker]:
    """A broker of this test alone (the test restarts it)."""
    b = EmbeddedBroker(port=free_port()).start()
    yield b
    b.stop()


def camera(seq: int, lon: float) -> bytes:
    return orjson.dumps({"v": 1, "camera_id": f"cam-{seq}", "seq": seq, "ts": time.time(),
                         "lon": lon, "lat": 31.33341, "cls": "person", "confidence": 0.95})


def evidence_with(s: Settings, event_id: str, timeout: float) -> set[str]:
    """The evidence of the first alert citing ``event_id`` (empty if none came within
    ``timeout``)."""
    found: set[str] = set()

    def cited(msgs: list[tuple[bytes | None, bytes]]) -> bool:
        for _, v in msgs:
            ids = {e.event_id for e in Alert.model_validate_json(v).evidence}
            if event_id in ids:
                found.update(ids)
                return True
        return False

    with contextlib.suppress(AssertionError):
        consume_until(s, s.topic("alerts"), cited, timeout=timeout)
    return found


def alert_from(s: Settings, event_id: str, timeout: float) -> bool:
    """Whether an alert with ``event_id`` among its evidence appears within ``timeout``."""
    return bool(evidence_with(s, event_id, timeout))


def why_no_alert(s: Settings, log: Path) -> str:
    """What the worker's group still has not committed, and the end of its log: a stuck
    partition and a worker that consumed everything but held the alert read differently."""
    topics = [s.topic(t) for t in ("sensors.ground", "sensors.camera", "sensors.health", "ticks")]
    try:
        wait_committed(s, topics, timeout=15)
        lag = "its group committed every sensor report and tick"
    except AssertionError as exc:
        lag = str(exc)
    return f"no alert from the worker; {lag}; its log ends:\n{log.read_text()[-3000:]}"


def broker_resets(s: Settings) -> float:
    """The worker's ``borderwatch_broker_resets_total``."""
    url = f"http://{s.metrics_host}:{s.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "borderwatch_broker_resets_total":
                return float(sample.value)
    raise AssertionError("no borderwatch_broker_resets_total on /metrics")


def test_worker_recovers_and_simulator_does_not_hang_after_a_broker_bounce(
    own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    s = Settings(bootstrap_servers=own_broker.bootstrap_servers, topic_prefix=f"b{tag}",
                 app_id=f"bw-b{tag}", data_dir=tmp_path / "state", metrics_port=free_port(),
                 web_port=free_port(), partitions=2)
    create_topics(s)
    worker = start_worker(s, tmp_path / "worker.log")
    sim_log = tmp_path / "sim.log"
    try:
        produce(s, s.topic("sensors.camera"), [(b"cam-1", camera(1, -111.0))])
        assert alert_from(s, "cam-1:1", timeout=60)
        with sim_log.open("wb") as out:
            sim = subprocess.Popen(
                [sys.executable, "-m", "stream.cli", "simulate", "five-on-foot", "--speed",
                 "20", "--quiet"], env=settings_env(s), stdout=out, stderr=subprocess.STDOUT)
        own_broker.stop()
        own_broker.start()  # same port, empty
        create_topics(s)
        code = sim.wait(timeout=300)  # resumes and finishes, or exits with one line
        sim_out = sim_log.read_text()
        assert code == 0 or len(sim_out.strip().splitlines()) <= 3, sim_out
        # (a paced scenario is placed in the past and holds the event-time watermark back
        # while it plays, so the fresh report is probed once the simulator is done)
        produce(s, s.topic("sensors.camera"), [(b"cam-2", camera(2, -110.975))])
        assert alert_from(s, "cam-2:2", timeout=180), why_no_alert(s, tmp_path / "worker.log")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        # the worker noticed: one line, one count; or, if its consumer stopped delivering
        # after the bounce, one line saying so before it started again (its state went to
        # the recreated changelog first)
        log = (tmp_path / "worker.log").read_text()
        said = [line for line in log.splitlines() if "the broker lost" in line]
        stalled = [line for line in log.splitlines() if "has taken no message" in line]
        assert len(said) + len(stalled) == 1, log[-3000:]
        if said:
            assert "restarted empty or the topic was recreated" in said[0]
            assert broker_resets(s) == 1
        else:
            assert "starting it again" in stalled[0]
    finally:
        stop_process("worker", worker)
        if "sim" in locals():
            stop_process("simulator", sim)


def test_our_producers_never_create_a_topic(broker: EmbeddedBroker) -> None:
    """A simulator producing into a broker that lost its topics must not create them with
    the broker's default partition count (the embedded broker's is 4): the worker reads
    only the partitions `borderwatch topics create` makes, so reports on the others would
    wait unread. The message waits for its topic instead."""
    tag = uuid.uuid4().hex[:8]
    s = Settings(bootstrap_servers=broker.bootstrap_servers, topic_prefix=f"n{tag}",
                 app_id=f"bw-n{tag}", partitions=2)
    topic = s.topic("sensors.camera")
    outcomes: list[object] = []
    producer = kafka_clients.producer(s, **{"message.timeout.ms": 3000})
    producer.produce(topic, camera(1, -111.0), b"cam-1",
                     on_delivery=lambda err, _msg: outcomes.append(err))
    producer.flush(15)
    assert len(outcomes) == 1 and outcomes[0] is not None  # timed out: no topic to go to
    listed = kafka_clients.admin(s).list_topics(timeout=10).topics
    assert topic not in listed
    create_topics(s)
    produce(s, topic, [(b"cam-1", camera(1, -111.0))])
    listed = kafka_clients.admin(s).list_topics(timeout=10).topics
    assert len(listed[topic].partitions) == 2
