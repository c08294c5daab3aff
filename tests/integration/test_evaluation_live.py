"""`borderwatch evaluate --live` runs trials through the broker, real worker processes and
the simulator's Kafka sink, and scores exactly what the pure core scores for the same trials
(same placement, camera cues off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream.broker import EmbeddedBroker
from stream.evaluation.campaign import load_campaign
from stream.evaluation.execute import run_campaign
from stream.evaluation.report import trial_dict
from stream.evaluation.runner import Feed

ROOT = Path(__file__).parents[2]
TRIALS = ("foot/0", "multi_group/0")


def _scores(rule: dict[str, Any], processing_time: bool) -> dict[str, Any]:
    """A rule's scores, id lists in a fixed order; without the naive rule's latencies
    (its alerts carry the processing time they were raised at)."""
    out = {k: sorted(v) if isinstance(v, list) and k != "intrusions" else v
           for k, v in rule.items()}
    if processing_time:
        out["intrusions"] = [{k: v for k, v in o.items() if not k.startswith("latency_")}
                             for o in rule["intrusions"]]
    return out


@pytest.mark.timeout(600)
def test_live_scores_equal_the_pure_scores(broker: EmbeddedBroker, tmp_path: Path) -> None:
    out = tmp_path / "live.json"
    args = [a for key in TRIALS for a in ("--trial", key)]
    run = subprocess.run(
        [sys.executable, "-m", "stream.cli", "evaluate", "campaigns/smoke.yaml", "--live",
         "--bootstrap-servers", broker.bootstrap_servers, *args, "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=540,
        env={**os.environ, "COLUMNS": "200", "BORDERWATCH_TOPIC_PREFIX": "bw-live-test"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # progress: one line per trial, then the agreement
    for key in TRIALS:
        assert any(line.startswith(key) and "messages" in line
                   for line in run.stderr.splitlines()), run.stderr[-2000:]
    assert "live and pure runs agree on all 2 trials" in run.stdout
    doc = orjson.loads(out.read_bytes())
    assert doc["live"]["differing"] == {} and doc["live"]["cues"] is False
    live = {r["trial"]: r for r in doc["results"]}
    assert set(live) == set(TRIALS)
    # the live run went through the worker: every trial published messages and got alerts
    assert all(r["messages"] > 100 and r["correlated"]["alert_ids"] > 0 for r in live.values())
    # the pure core, run here on the same placement, scores every figure the same
    c = load_campaign(ROOT / "campaigns" / "smoke.yaml")
    keys = [(k.split("/")[0], int(k.split("/")[1])) for k in TRIALS]
    pure = run_campaign(c, keys, feed=Feed(cues=False), start=doc["live"]["start"])
    for r in pure:
        want = orjson.loads(orjson.dumps(trial_dict(r, "")))
        got = live[r.key]
        assert got["messages"] == want["messages"]
        assert _scores(got["correlated"], False) == _scores(want["correlated"], False), r.key
        assert _scores(got["naive"], True) == _scores(want["naive"], True), r.key


@pytest.mark.timeout(450)
def test_live_with_two_correlators_in_one_group_runs_to_its_end(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    """Two correlator workers share the trial's partitions; the run ends on the facts of
    both (lag zero, each one's event time released; in ``vehicle/1`` one of them holds no
    partition with reports and saw none) and the walkers' crossing is alerted. Whether their
    alerts equal one worker's is what the agreement then lists (a group heard on
    partitions of two workers can be two incidents: ``docs/architecture.md``, Scaling)."""
    out = tmp_path / "live2.json"
    run = subprocess.run(
        [sys.executable, "-m", "stream.cli", "evaluate", "campaigns/smoke.yaml", "--live",
         "--workers", "2", "--bootstrap-servers", broker.bootstrap_servers,
         "--trial", "foot/0", "--trial", "vehicle/1", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
        env={**os.environ, "COLUMNS": "200", "BORDERWATCH_TOPIC_PREFIX": "bw-live2-test"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 correlator worker(s)" in run.stderr, run.stderr[-2000:]
    doc = orjson.loads(out.read_bytes())
    assert doc["live"]["workers"] == 2
    trials = {r["trial"]: r for r in doc["results"]}
    assert sorted(trials) == ["foot/0", "vehicle/1"]
    assert all(r["messages"] > 20 for r in trials.values())
    foot = trials["foot/0"]["correlated"]["intrusions"]
    assert [o["alert_id"] is not None for o in foot] == [True]


def test_more_correlators_than_partitions_is_one_clear_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "stream.cli", "evaluate", "campaigns/smoke.yaml", "--live",
         "--workers", "5", "--trial", "foot/0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": "200", "BORDERWATCH_PARTITIONS": "4"})
    assert run.returncode == 2
    assert "5 correlator workers need at least as many partitions" in run.stdout + run.stderr
