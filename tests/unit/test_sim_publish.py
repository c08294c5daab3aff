"""Replay files, pacing, and the Kafka sink's resend of unacknowledged messages (fake producer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

import simulators.publish as publish
from simulators.messages import Emission
from simulators.publish import KafkaSink, PublishError, ReplayError, paced, read_emissions
from stream import kafka_clients
from stream.metrics import SimulatorMetrics
from stream.settings import Settings


def em(ts: float, n: int = 1) -> Emission:
    value = orjson.dumps(
        {"v": 1, "source": "gw", "reports": [{"v": 1, "sensor_id": "s", "seq": n, "ts": ts}]}
    )
    return Emission(ts, "sensors.ground", "gw", value, 1)


def test_paced_releases_at_scenario_time_over_speed() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(d: float) -> None:
        slept.append(round(d, 6))
        now[0] += d

    out = list(paced([em(10.0), em(12.0), em(16.0)], 2.0, clock=lambda: now[0], sleep=sleep))
    assert [e.ts for e in out] == [10.0, 12.0, 16.0]
    assert slept == [1.0, 2.0]
    assert list(paced([em(1.0), em(100.0)], None, clock=lambda: 0.0, sleep=lambda _: None))


def test_replay_retime_shifts_message_and_report_times(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(publish.encode_line(e) for e in (em(1000.0, 1), em(1005.5, 2))))
    out = list(read_emissions(path, retime_to=2_000_000_000.0))
    assert [e.ts for e in out] == [2_000_000_000.0, 2_000_000_005.5]
    assert orjson.loads(out[1].value)["reports"][0]["ts"] == 2_000_000_005.5


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"not json", "r.jsonl:2: not a recorded message"),
        (
            b'{"ts": 1, "topic": "t", "key": "k", "value": 3}',
            "r.jsonl:2: value is not a JSON object",
        ),
    ],
)
def test_replay_names_the_bad_line(tmp_path: Path, line: bytes, message: str) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(publish.encode_line(em(1.0)) + line + b"\n")
    with pytest.raises(ReplayError, match=message):
        list(read_emissions(path))


class FakeError:
    def __init__(self, fatal: bool) -> None:
        self._fatal = fatal

    def fatal(self) -> bool:
        return self._fatal

    def code(self) -> int:
        return -150 if self._fatal else 0

    def name(self) -> str:
        return "_FATAL"

    def __str__(self) -> str:
        return "fatal: out of order sequence"


class FakeProducer:
    """Acknowledges everything, except that the first instance fails fatally after 3 acks."""

    instances: list[FakeProducer] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.queue: list[tuple[bytes, Any]] = []
        self.acked: list[bytes] = []
        FakeProducer.instances.append(self)

    def produce(
        self, topic: str, value: bytes, key: bytes, timestamp: int, on_delivery: Any
    ) -> None:
        self.queue.append((value, on_delivery))

    def poll(self, _t: float = 0) -> int:
        first = self is FakeProducer.instances[0]
        while self.queue:
            value, cb = self.queue.pop(0)
            if first and len(self.acked) == 3:
                self.config["error_cb"](FakeError(True))
                cb(FakeError(True), None)
                continue
            self.acked.append(value)
            cb(None, None)
        return 0

    def flush(self, _t: float = 0) -> int:
        self.poll()
        return 0

    def purge(self, **_kw: Any) -> None:
        self.queue.clear()


def test_fatal_producer_error_resends_only_unacknowledged_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    FakeProducer.instances = []
    monkeypatch.setattr(kafka_clients, "Producer", FakeProducer)
    news: list[str] = []
    metrics = SimulatorMetrics(registry=CollectorRegistry())
    sink = KafkaSink(Settings(), metrics=metrics, on_status=news.append)
    sent = [em(float(i), i) for i in range(10)]
    for e in sent:
        sink.send(e)
    sink.close()
    acked = [v for p in FakeProducer.instances for v in p.acked]
    assert sorted(acked) == sorted(e.value for e in sent)  # every message once, none twice
    assert len(FakeProducer.instances) == 2 and any("reconnecting" in n for n in news)
    assert metrics.events_produced.labels(kind="ground")._value.get() == 10


def test_producer_is_idempotent_with_acks_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_clients, "Producer", FakeProducer)
    sink = KafkaSink(Settings(bootstrap_servers="127.0.0.1:1"), timeout_s=1)
    assert sink.config["enable.idempotence"] is True and sink.config["acks"] == "all"
    assert sink.config["message.timeout.ms"] == 1000
    assert KafkaSink(Settings(bootstrap_servers="127.0.0.1:1")).config["message.timeout.ms"] == 0


class RaisingProducer(FakeProducer):
    """Fatal errors surface as exceptions from produce(), as librdkafka does once the
    idempotent producer is dead; ``dead_for`` instances in a row are dead."""

    dead_for = 1

    def produce(
        self, topic: str, value: bytes, key: bytes, timestamp: int, on_delivery: Any
    ) -> None:
        from confluent_kafka import KafkaError, KafkaException

        if len(FakeProducer.instances) <= RaisingProducer.dead_for:
            raise KafkaException(KafkaError(KafkaError._FATAL, "fatal: producer fenced",
                                            fatal=True))
        super().produce(topic, value, key, timestamp, on_delivery)

    def poll(self, _t: float = 0) -> int:
        while self.queue:
            value, cb = self.queue.pop(0)
            self.acked.append(value)
            cb(None, None)
        return 0


def test_a_fatal_error_raised_by_produce_rebuilds_the_producer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    FakeProducer.instances = []
    RaisingProducer.dead_for = 1
    monkeypatch.setattr(kafka_clients, "Producer", RaisingProducer)
    sink = KafkaSink(Settings())
    sent = [em(float(i), i) for i in range(5)]
    for e in sent:
        sink.send(e)
    sink.close(timeout=5)
    assert sorted(v for p in FakeProducer.instances for v in p.acked) == sorted(
        e.value for e in sent)


def test_a_producer_that_keeps_dying_ends_with_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    FakeProducer.instances = []
    RaisingProducer.dead_for = 100
    monkeypatch.setattr(kafka_clients, "Producer", RaisingProducer)
    sink = KafkaSink(Settings())
    with pytest.raises(PublishError, match="producer failed 6 times"):
        sink.send(em(1.0, 1))
