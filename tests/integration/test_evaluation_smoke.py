"""The smoke campaign meets the checked-in thresholds (a regression in Pd, false alerts,
latency, heading, sector or determinism fails the build), and a missed bound fails the
command with one line per bound."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).parents[2]


def evaluate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stream.cli", "evaluate", *args, "--quiet"],
                          cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})


@pytest.mark.timeout(900)
def test_smoke_campaign_meets_thresholds(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    run = evaluate("campaigns/smoke.yaml", "--thresholds", "campaigns/thresholds.yaml",
                   "--jobs", "2", "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "every threshold of campaigns/thresholds.yaml met" in run.stdout
    doc = orjson.loads(out.read_bytes())
    assert doc["trials"] == 33 and doc["determinism"]["batches"] == [1, 100]
    assert doc["places"]["owners"] == [1, 3] and doc["places"]["differing"] == []
    assert set(doc["rules"]["correlated"]) >= {"foot", "vehicle", "store_forward", "all"}


def test_missed_bound_fails_with_one_line_each(tmp_path: Path) -> None:
    campaign = tmp_path / "one.yaml"
    campaign.write_text("name: one\nseed: 1\nfamilies:\n  foot: {trials: 1}\n")
    limits = tmp_path / "limits.yaml"
    limits.write_text("correlated:\n  all: {pd_min: 1.1, false_alerts_max: -1}\n")
    run = evaluate(str(campaign), "--thresholds", str(limits))
    assert run.returncode == 1
    lines = [x for x in run.stdout.splitlines() if x.startswith("threshold not met")]
    assert len(lines) == 2 and "pd" in lines[0] and "false_alerts" in lines[1]
    bad = tmp_path / "bad.yaml"
    bad.write_text("correlated:\n  all: {pdd_min: 1}\n")
    run = evaluate(str(campaign), "--thresholds", str(bad))
    assert run.returncode == 2 and "pdd_min" in run.stderr


def test_places_check_compares_owners_and_refuses_bad_counts(tmp_path: Path) -> None:
    campaign = tmp_path / "two.yaml"
    campaign.write_text("name: two\nseed: 3\nfamilies:\n  foot: {trials: 2}\n")
    out = tmp_path / "two.json"
    run = evaluate(str(campaign), "--places", "1,2", "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "all 2 trials give the same alerts with [1, 2] place owners" in run.stdout
    assert orjson.loads(out.read_bytes())["places"] == {"owners": [1, 2], "trials": 2,
                                                        "differing": []}
    run = evaluate(str(campaign), "--places", "0,2")  # refused before any trial runs
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == "error: --places takes positive numbers like 1,2,3, not '0,2'"
