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
from stream.settings import Settings

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
    pure = run_campaign(c, keys, feed=Feed(cues=False, partitions=Settings().partitions),
                        start=doc["live"]["start"])
    for r in pure:
        want = orjson.loads(orjson.dumps(trial_dict(r, "")))
        got = live[r.key]
        assert got["messages"] == want["messages"]
        assert _scores(got["correlated"], False) == _scores(want["correlated"], False), r.key
        assert _scores(got["naive"], True) == _scores(want["naive"], True), r.key


def _live(broker: EmbeddedBroker, out: Path, workers: int, trials: tuple[str, ...],
          prefix: str) -> tuple[str, dict[str, Any]]:
    """``evaluate --live`` of ``trials`` with ``workers`` correlators: stderr and the report."""
    args = [a for key in trials for a in ("--trial", key)]
    run = subprocess.run(
        [sys.executable, "-m", "stream.cli", "evaluate", "campaigns/smoke.yaml", "--live",
         "--workers", str(workers), "--bootstrap-servers", broker.bootstrap_servers, *args,
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=500,
        env={**os.environ, "COLUMNS": "200", "BORDERWATCH_TOPIC_PREFIX": prefix})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"{workers} correlator worker(s)" in run.stderr, run.stderr[-2000:]
    return run.stdout, orjson.loads(out.read_bytes())


@pytest.mark.timeout(550)
def test_two_correlators_in_one_group_give_the_pure_answer(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    """Two correlator workers share the trial's partitions and give the alerts of the pure
    run on the same placed partitions. ``foot/0``'s reports lie on two placed partitions;
    in ``vehicle/1`` one worker holds no partition with reports and saw none, and the run
    still ends on the facts of both (lag zero, each one's event time released)."""
    trials = ("foot/0", "vehicle/1")
    stdout, doc = _live(broker, tmp_path / "live2.json", 2, trials, "bw-live2-test")
    assert doc["live"]["workers"] == 2
    assert doc["live"]["differing"] == {}, doc["live"]["differing"]
    assert "live and pure runs agree on all 2 trials" in stdout
    got = {r["trial"]: r for r in doc["results"]}
    assert sorted(got) == sorted(trials)
    assert all(r["messages"] > 20 for r in got.values())
    foot = got["foot/0"]["correlated"]["intrusions"]
    assert [o["alert_id"] is not None for o in foot] == [True]


@pytest.mark.timeout(550)
def test_three_correlators_give_the_pure_answer_at_a_stretch_end(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    """Trials whose reports fall on both sides of a stretch's end (``sector_split/1``: every
    report within the margin, both partitions correlate all of it; ``foot/2``: split about
    evenly) give one alert per crossing and the pure run's alerts with three workers."""
    trials = ("sector_split/1", "foot/2")
    _, doc = _live(broker, tmp_path / "live3.json", 3, trials, "bw-live3-test")
    assert doc["live"]["differing"] == {}, doc["live"]["differing"]
    for r in doc["results"]:
        c = r["correlated"]
        assert [o["alert_id"] is not None for o in c["intrusions"]] == [True], r["trial"]
        assert sum(o["duplicates"] for o in c["intrusions"]) == 0, r["trial"]


def test_more_correlators_than_partitions_is_one_clear_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "stream.cli", "evaluate", "campaigns/smoke.yaml", "--live",
         "--workers", "5", "--trial", "foot/0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": "200", "BORDERWATCH_PARTITIONS": "4"})
    assert run.returncode == 2
    assert "5 correlator workers need at least as many partitions" in run.stdout + run.stderr
