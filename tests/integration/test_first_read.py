"""A worker that starts on a backlog reads its partitions one after another; the event
clock waits until every assigned partition delivered, so none of them turns late and the
alerts are those of the scenario read in time."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from stream.cli.processes import stop_process
from stream.settings import Settings
from stream.topics import CAMERA, GROUND, HEALTH, LATE
from tests.conftest import start_worker
from tests.integration.test_scenarios import alerts_by_id, serious, simulate
from tests.kafka_helpers import consume_until, wait_committed

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", ["tamper-gap", "five-on-foot"])
def test_a_worker_started_on_a_recorded_scenario_reads_it_all_in_time(
    name: str, topics: Settings, tmp_path: Path
) -> None:
    settings = topics
    simulate(settings, name, tmp_path)  # all of it waits in the topics
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        wait_committed(settings, [settings.topic(t.name) for t in (GROUND, CAMERA, HEALTH)],
                       timeout=180)
        # outputs are sent before offsets commit: at lag zero the outputs are all there
        late = consume_until(settings, settings.topic(LATE.name), lambda _: True)
        alerts = serious(alerts_by_id(settings))
    finally:
        stop_process("worker", worker)
    assert [orjson.loads(v)["event_id"] for _, v in late] == []
    rules = [msgs[0].rule for msgs in alerts.values()]
    if name == "tamper-gap":
        assert "tamper" in rules
        assert len([r for r in rules if r != "tamper"]) == 1, rules
    else:
        assert len(alerts) == 1, rules
