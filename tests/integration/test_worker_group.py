"""Workers in one consumer group share the correlation and give one worker's answer: 1, 2
and 3 workers take the same gateway-keyed backlog (the pipeline benchmark's load: seismic
reports from fixed sites, crossings, buffer sensors that chatter), raise the same alerts,
and together hold the correlation state once; a worker killed (SIGKILL) or one more joining
while the group works changes nothing either: the state of each sensor partition is kept
in the changelog partition that goes with it and moves with it. An ack sent to the
partition of its alert reaches the worker holding the alert."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import scale
from benchmarks.scale_group import Group, group_settings
from benchmarks.scale_load import keyed_backlog, produce_keyed
from benchmarks.stormy_night import Load
from stream import kafka_clients, topics
from stream.alerts.acks import ack_partition, make_ack, send_ack
from stream.broker import EmbeddedBroker
from stream.models import Alert, DeadLetter
from tests.kafka_helpers import consume_until

pytestmark = pytest.mark.integration

REPORTS = 20_000
RATE = 2_000.0  # 10 s of event time: a buffer sensor fires every 0.3 s and chatters by 8 s
LOAD = Load(600, 1000, 2000)


def _backlog() -> list[tuple[bytes, bytes]]:
    start = float(int(time.time() - REPORTS / RATE - 60))
    return keyed_backlog(LOAD, "gateway", REPORTS, RATE, start, 1, 16)


@pytest.fixture(scope="module")
def backlog() -> list[tuple[bytes, bytes]]:
    return _backlog()


@pytest.fixture(scope="module")
def one_worker(broker: EmbeddedBroker, backlog: list[tuple[bytes, bytes]],
               tmp_path_factory: pytest.TempPathFactory) -> scale.Row:
    return scale.run_row(1, broker, tmp_path_factory.mktemp("one"), 6, backlog, REPORTS,
                         0.0, 300.0)


def test_one_workers_alerts_are_crossings_and_chattering_sensors(one_worker: scale.Row) -> None:
    severities = Counter(severity for _, severity, _ in one_worker.alerts.values())
    assert severities["critical"] + severities["high"] >= 5, severities  # crossings
    assert severities["low"] >= 500  # buffer sensors far above their peers: sensor faults


def test_two_and_three_workers_raise_the_same_alerts_and_hold_the_state_once(
        broker: EmbeddedBroker, backlog: list[tuple[bytes, bytes]], one_worker: scale.Row,
        tmp_path: Path) -> None:
    for n in (2, 3):
        row = scale.run_row(n, broker, tmp_path, 6, backlog, REPORTS, 0.0, 300.0)
        assert scale.differences(one_worker.alerts, row.alerts) == [], n
        assert all(k > 0 for k in row.state_keys)
        # held once: no worker keeps a copy of another's partitions (a copy would double
        # it). A few per cent more keys than one worker's: nuisance incidents of two
        # partitions that one worker merges stay apart in two.
        assert sum(row.state_keys) <= 1.1 * one_worker.state_keys[0], row.state_keys


def _kill_one(group: Group, label: str) -> None:
    group.kill(2)


def _add_one(group: Group, label: str) -> None:
    group.add(label)


@pytest.mark.parametrize("midway", [_kill_one, _add_one], ids=["kill-9", "join"])
def test_a_worker_killed_or_joining_midway_changes_no_alert(
        broker: EmbeddedBroker, backlog: list[tuple[bytes, bytes]], one_worker: scale.Row,
        tmp_path: Path, midway: object) -> None:
    row = scale.run_row(3, broker, tmp_path, 6, backlog, REPORTS, 0.0, 300.0,
                        midway=midway)  # type: ignore[arg-type]
    assert scale.differences(one_worker.alerts, row.alerts) == []
    assert len(row.state_keys) == (2 if midway is _kill_one else 4)


def test_an_ack_reaches_the_worker_that_holds_its_alert(
        broker: EmbeddedBroker, backlog: list[tuple[bytes, bytes]], tmp_path: Path) -> None:
    group = Group(group_settings(broker, 6, tmp_path), tmp_path, 300.0)
    s = group.s
    try:
        group.start(3, "[acks]")
        produce_keyed(kafka_clients.producer(s), s.topic(topics.GROUND.name), backlog)
        group.drain(REPORTS, "[acks]")
        group.released("[acks]")
        first: dict[str, Alert] = {}
        for _, value in kafka_clients.read_to_end(s, s.topic(topics.ALERTS.name), timeout=60):
            alert = Alert.model_validate_json(value or b"")
            if alert.rule != "sensor-fault":
                first.setdefault(alert.id, alert)
        assert len({ack_partition(a) for a in first.values()}) >= 3, first  # three workers'
        for alert in first.values():
            send_ack(s, make_ack(alert.id, "agent-7", time.time(), note="en route"),
                     partition=ack_partition(alert))

        def all_acked(msgs: list[tuple[bytes | None, bytes]]) -> bool:
            acked = {a.id for a in (Alert.model_validate_json(v) for _, v in msgs) if a.ack}
            return first.keys() <= acked

        consume_until(s, s.topic(topics.ALERTS.name), all_acked, timeout=120)
        letters = [DeadLetter.model_validate_json(v or b"") for _, v in
                   kafka_clients.read_to_end(s, s.topic(topics.DEAD_LETTERS.name), timeout=60)]
        assert [d for d in letters if d.reason == "unknown_alert"] == []
    finally:
        group.stop()
