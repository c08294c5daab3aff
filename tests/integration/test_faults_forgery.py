"""Fault suite: with signing keys configured, a forged ack, an alert written straight to
the alert topic and a forged geofence set are refused; genuine ones work."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from pydantic import SecretStr

from stream.alerts.acks import make_ack, send_ack
from stream.cli.processes import scrape_total, stop_process
from stream.models import Alert, DeadLetter, Severity
from stream.settings import Settings
from stream.signing import KeyRing
from tests.conftest import run_cli, start_worker
from tests.kafka_helpers import consume, produce

pytestmark = [pytest.mark.integration, pytest.mark.faults]

KEYS = {"patrol-1": SecretStr("p" * 32), "worker-1": SecretStr("w" * 32),
        "hq-1": SecretStr("h" * 32)}


def test_forged_ack_alert_and_geofence_set_are_refused(topics: Settings, tmp_path: Path) -> None:
    worker_s = topics.model_copy(update={"signing_keys": KEYS, "signing_key_id": "worker-1"})
    patrol = topics.model_copy(update={"signing_keys": KEYS, "signing_key_id": "patrol-1"})
    mallory = topics.model_copy(update={"signing_keys": {"patrol-1": SecretStr("guess")},
                                        "signing_key_id": "patrol-1"})
    worker = start_worker(worker_s, tmp_path / "worker.log")
    try:
        cam = {"v": 1, "camera_id": "cam-1", "seq": 1, "ts": time.time(), "lon": -111.0,
               "lat": 31.33341, "cls": "person", "confidence": 0.95}
        produce(topics, topics.topic("sensors.camera"), [(b"cam-1", orjson.dumps(cam))])
        (first,) = consume(topics, topics.topic("alerts"), expect=1, timeout=60)
        alert = Alert.model_validate_json(first[1])
        assert alert.key_id == "worker-1" and KeyRing(KEYS).check_model(alert) is None
        # a forged close and an unsigned one: dead letters; the patrol's real ack: carried
        send_ack(mallory, make_ack(alert.id, "mallory", time.time(), action="close"))
        send_ack(topics, make_ack(alert.id, "mallory", time.time(), action="close"))
        send_ack(patrol, make_ack(alert.id, "agent-7", time.time(), note="en route"))
        letters = [DeadLetter.model_validate_json(v) for _, v in
                   consume(topics, topics.topic("deadletters"), expect=2, timeout=60)]
        assert sorted(d.reason for d in letters) == ["bad_signature", "unsigned"]
        msgs = [Alert.model_validate_json(v) for _, v in
                consume(topics, topics.topic("alerts"), expect=2, timeout=60)]
        assert msgs[-1].ack is not None and msgs[-1].ack.by == "agent-7"
        assert all(m.state.value != "cleared" for m in msgs)
        # an alert written straight to the topic: `borderwatch alerts` refuses it
        fake = alert.model_copy(update={"id": "alr-fake", "severity": Severity.CRITICAL})
        produce(topics, topics.topic("alerts"), [(b"alr-fake", fake.model_dump_json().encode())])
        out = run_cli(worker_s, "alerts", "--from-beginning", "--format", "json",
                      "--timeout", "3")
        shown = {orjson.loads(line)["id"] for line in out.stdout.splitlines() if line.strip()}
        assert shown == {alert.id} and "alr-fake" in out.stderr
        # a one-zone set published with a wrong key is not applied; a signed one is
        url = f"http://{topics.metrics_host}:{topics.metrics_port}/metrics"
        forged = run_cli(mallory, "geofences", "publish", "nogales-sasabe", "--version",
                         "forged-1", check=False)
        assert forged.returncode == 0, forged.stdout + forged.stderr
        deadline = time.monotonic() + 60
        while (scrape_total(url, "borderwatch_geofence_reloads_total") or 0) < 1:
            assert time.monotonic() < deadline, "the worker never read the forged set"
        text = (tmp_path / "worker.log").read_text()
        assert "bad_signature" in text and "forged-1 in force" not in text
        assert scrape_total(url, "borderwatch_geofence_reloads_total") == 1  # the rejection
    finally:
        stop_process("worker", worker)
