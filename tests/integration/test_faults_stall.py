"""Fault suite: a worker whose consumer stops handing over messages (seen once after a
broker bounce: it went on running, said nothing and read nothing) notices it while
messages wait, says so in one line, writes its state to the changelog and starts again in
the same process, which restores that state and goes on alerting.

The stall is injected (``stall_injection/sitecustomize.py`` on the worker's PYTHONPATH):
once a flag file exists, the worker's Faust consumer hands over nothing more."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import stop_process
from stream.evaluation.facts import until
from stream.settings import Settings
from stream.topics import create_topics
from tests.conftest import start_worker
from tests.integration.test_faults_bounce import alert_from, camera, evidence_with
from tests.kafka_helpers import produce

pytestmark = [pytest.mark.integration, pytest.mark.faults]

INJECTION = Path(__file__).parent / "stall_injection"


def wait_for_line(log: Path, text: str, timeout: float) -> str:
    """The first line of ``log`` containing ``text``, once it is there."""
    return until(lambda: next((line for line in log.read_text().splitlines() if text in line),
                              None), timeout,
                 lambda: f"no {text!r} in the worker's log within {timeout:.0f} s:\n"
                         f"{log.read_text()[-3000:]}")


@pytest.mark.parametrize("lag_readable", [True, False], ids=["lag-read", "lag-unknown"])
def test_a_worker_that_stops_consuming_restarts_itself_and_keeps_its_incidents(
    broker: EmbeddedBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    lag_readable: bool
) -> None:
    """Also when the broker, reachable, cannot say where the group stands: then the worker
    says so once and starts again after twice ``stall_s``."""
    tag = uuid.uuid4().hex[:8]
    s = Settings(bootstrap_servers=broker.bootstrap_servers, topic_prefix=f"st{tag}",
                 app_id=f"bw-st{tag}", data_dir=tmp_path / "state", metrics_port=free_port(),
                 web_port=free_port(), partitions=2, stall_s=10)
    create_topics(s)
    flag = tmp_path / "stall"
    monkeypatch.setenv("STALL_INJECTION_FLAG", str(flag))
    if not lag_readable:
        monkeypatch.setenv("STALL_INJECTION_NO_LAG", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(INJECTION), *filter(None, [os.environ.get("PYTHONPATH")])]))
    log = tmp_path / "worker.log"
    worker = start_worker(s, log)
    try:
        produce(s, s.topic("sensors.camera"), [(b"cam-1", camera(1, -111.0))])
        assert alert_from(s, "cam-1:1", timeout=60)
        flag.touch()  # from now on the consumer hands over nothing; ticks keep arriving
        line = wait_for_line(log, "has taken no message", timeout=120)
        assert "starting it again" in line
        if lag_readable:
            assert "wait on its partitions" in line
        else:
            assert "cannot read its lag" in line
            unknown = [x for x in log.read_text().splitlines() if "cannot say" in x]
            assert len(unknown) == 1, log.read_text()[-3000:]
        # the same process, started again, reads on and keeps cam-1's incident: the next
        # camera frame 25 m on joins it (an alert citing both), not a new one
        produce(s, s.topic("sensors.camera"), [(b"cam-2", camera(2, -110.99975))])
        cited = evidence_with(s, "cam-2:2", timeout=120)
        assert "cam-1:1" in cited, (cited, log.read_text()[-3000:])
        assert worker.poll() is None, log.read_text()[-3000:]
        said = [x for x in log.read_text().splitlines() if "has taken no message" in x]
        assert len(said) == 1, log.read_text()[-3000:]
    finally:
        stop_process("worker", worker)
