"""Bundled scenarios through the real broker and worker: few, trustworthy alerts."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from simulators.boundary import Boundary
from stream.cli.processes import stop_process
from stream.models import Alert, Severity
from stream.settings import Settings
from stream.topics import CAMERA, GROUND, HEALTH
from tests.conftest import run_cli, start_worker
from tests.kafka_helpers import consume_to_end, wait_committed, wait_settled

pytestmark = pytest.mark.integration


def simulate(settings: Settings, name: str, tmp: Path) -> list[dict[str, object]]:
    """Publish a bundled scenario as fast as the broker takes it; its truth records."""
    truth = tmp / f"{name}.truth.jsonl"
    run_cli(settings, "simulate", name, "--fast", "--quiet", "--truth", str(truth), timeout=300)
    return [orjson.loads(line) for line in truth.read_bytes().splitlines()]


def alerts_by_id(settings: Settings) -> dict[str, list[Alert]]:
    """Every alert message, by id, once the worker is done with what was published."""
    wait_settled(settings)
    return read_alerts_by_id(settings)


def read_alerts_by_id(settings: Settings) -> dict[str, list[Alert]]:
    """Every alert message now on the alert topic, by id, in topic order."""
    out: dict[str, list[Alert]] = defaultdict(list)
    for _, value in consume_to_end(settings, settings.topic("alerts")):
        alert = Alert.model_validate_json(value)
        out[alert.id].append(alert)
    return out


def serious(alerts: dict[str, list[Alert]]) -> dict[str, list[Alert]]:
    """Alerts about a target or a tamper that reached medium severity or above at some point
    (not a sensor's fault: a dead or stuck sensor is the health picture's)."""
    return {
        k: v for k, v in alerts.items()
        if max(a.severity.rank for a in v) >= Severity.MEDIUM.rank and v[0].rule != "sensor-fault"
    }


def true_heading(actor: dict[str, object]) -> float:
    """Heading from the actor's crossing to its last position, degrees from north."""
    path = actor["path"]
    crossing = actor["crossing"]
    assert isinstance(path, list) and isinstance(crossing, dict)
    to_metric = Boundary.bundled().to_metric
    x, y = to_metric([crossing["lon"], path[-1][1]], [crossing["lat"], path[-1][2]])
    return math.degrees(math.atan2(x[1] - x[0], y[1] - y[0])) % 360


def angle_between(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def test_five_crossing_on_foot_gives_one_alert_that_moves_escalates_and_heads_north(
    settings: Settings, worker: object, tmp_path: Path
) -> None:
    truth = simulate(settings, "five-on-foot", tmp_path)
    (group,) = [r for r in truth if r.get("type") == "actor" and r.get("intrusion")]
    alerts = serious(alerts_by_id(settings))
    assert len(alerts) == 1, {
        k: [(a.state, a.severity, a.rule) for a in v] for k, v in alerts.items()
    }
    (messages,) = alerts.values()
    states = [a.state.value for a in messages]
    assert states[0] == "new" and "escalated" in states, states
    # Updated as it moves: later messages of the same alert carry new positions. (Their
    # state reads 'updated' before the boundary and stays 'escalated' after it; in a
    # burst replay the approach and the crossing can share one batch.)
    moved = {(round(a.lat, 4), round(a.lon, 4)) for a in messages[1:]}
    assert len(moved - {(round(messages[0].lat, 4), round(messages[0].lon, 4))}) >= 1, "it moved"
    assert [a.revision for a in messages] == sorted(a.revision for a in messages)
    headings = [a.heading_deg for a in messages if a.heading_deg is not None]
    assert headings, "no track heading on the alert"
    assert angle_between(headings[-1], true_heading(group)) <= 30
    assert all(a.geofence_version and a.policy_version for a in messages)
    assert all(a.evidence for a in messages)


def test_quiet_night_with_wildlife_gives_nothing_above_low(
    settings: Settings, worker: object, tmp_path: Path
) -> None:
    truth = simulate(settings, "quiet-night", tmp_path)
    assert not [r for r in truth if r.get("type") == "actor" and r.get("intrusion")]
    alerts = alerts_by_id(settings)
    above_low = [a for msgs in alerts.values() for a in msgs
                 if a.severity.rank > Severity.LOW.rank and a.rule != "sensor-fault"]
    assert above_low == []


def test_tamper_then_crossing_gives_a_tamper_alert_and_a_crossing_alert(
    settings: Settings, worker: object, tmp_path: Path
) -> None:
    simulate(settings, "tamper-gap", tmp_path)
    alerts = serious(alerts_by_id(settings))
    rules = {msgs[0].rule for msgs in alerts.values()}
    assert "tamper" in rules
    crossing = [msgs for msgs in alerts.values() if msgs[0].rule != "tamper"]
    assert len(crossing) == 1, [(m[0].rule, m[0].zone_id) for m in crossing]
    tamper = [msgs for msgs in alerts.values() if msgs[0].rule == "tamper"]
    assert all(m[0].zone_id != "unlocated" for m in tamper), (
        "tamper alerts carry the sensor's place"
    )


def test_worker_killed_mid_crossing_resumes_without_a_second_alert_id(
    topics: Settings, tmp_path: Path
) -> None:
    settings = topics
    recording, truth = tmp_path / "five.jsonl", tmp_path / "five.truth.jsonl"
    run_cli(
        settings,
        "simulate",
        "five-on-foot",
        "--quiet",
        "--output",
        str(recording),
        "--truth",
        str(truth),
        "--start",  # it happened just before the replays (nothing in the future)
        str(round(time.time()) - 1600),
        timeout=300,
    )
    lines = recording.read_bytes().splitlines()
    (group,) = [
        r
        for r in map(orjson.loads, truth.read_bytes().splitlines())
        if r.get("type") == "actor" and r.get("intrusion")
    ]
    split = group["crossing"]["ts"] + 30  # the kill comes just after the group crossed
    first = [ln for ln in lines if orjson.loads(ln)["ts"] <= split]
    rest = [ln for ln in lines if orjson.loads(ln)["ts"] > split]
    assert first and rest
    (tmp_path / "first.jsonl").write_bytes(b"\n".join(first) + b"\n")
    (tmp_path / "rest.jsonl").write_bytes(b"\n".join(rest) + b"\n")

    worker = start_worker(settings, tmp_path / "worker-1.log")
    try:
        run_cli(settings, "replay", str(tmp_path / "first.jsonl"), "--fast", "--quiet",
                timeout=300)
        before = serious(alerts_by_id(settings))
        assert len(before) == 1, "the crossing alerts before the kill"
        # the worker writes its state before it commits: once the group's lag is zero,
        # what the first half did is in the changelog
        wait_committed(settings, [settings.topic(t.name) for t in (GROUND, CAMERA, HEALTH)])
    finally:
        worker.kill()
        worker.wait()
    worker = start_worker(settings, tmp_path / "worker-2.log")
    try:
        run_cli(settings, "replay", str(tmp_path / "rest.jsonl"), "--fast", "--quiet",
                timeout=300)
        after = serious(alerts_by_id(settings))
    finally:
        stop_process("worker", worker)
    assert set(after) == set(before), {k: [a.state.value for a in v] for k, v in after.items()}
