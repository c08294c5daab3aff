"""Offline scoring of alerts against ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stream.correlation.evaluate import TruthIncident, load_truth, score, truth_from_records
from stream.models import Alert, AlertState, Severity
from tests.unit.alert_samples import T, sample_alert
from tests.unit.correlation_builders import lonlat


def truth(actor: str, dx: float, t: float, intrusion: bool = True) -> TruthIncident:
    lon, lat = lonlat(dx, 0)
    return TruthIncident(actor_id=actor, cls="person" if intrusion else "animal",
                         true_intrusion=intrusion, crossing_ts=T + t, lon=lon, lat=lat)


def alert_at(aid: str, dx: float, dy: float, t: float, **kw: Any) -> Alert:
    lon, lat = lonlat(dx, dy)
    return sample_alert(id=aid, lon=lon, lat=lat, event_ts=T + t, **kw)


def test_detected_missed_false_and_duplicates() -> None:
    gt = [truth("g1", 0, 100), truth("g2", 5000, 100), truth("deer", 9000, 50, intrusion=False)]
    alerts = [
        alert_at("a1", 50, 200, 150),  # g1, first message
        alert_at("a1", 60, 600, 400, state=AlertState.UPDATED),  # g1, later
        alert_at("a2", -100, 100, 120),  # g1 again: a duplicate alert
        alert_at("a3", 9000, 20, 60),  # the deer: a false alert
    ]
    s = score(alerts, gt)
    assert (s.alerts, s.truth_incidents, s.detected, s.missed, s.false_alerts,
            s.duplicate_alerts) == (3, 2, 1, 1, 1, 1)
    assert s.false_alert_ratio == 1 / 3


def test_far_in_time_or_space_does_not_count() -> None:
    gt = [truth("g1", 0, 100)]
    s = score([alert_at("a", 0, 0, 100 + 2000), alert_at("b", 2000, 0, 100)], gt)
    assert (s.detected, s.false_alerts) == (0, 2)


def test_min_severity_ignores_low_alerts_and_no_alerts_means_all_missed() -> None:
    gt = [truth("g1", 0, 100)]
    low = alert_at("a", 0, 0, 100, severity=Severity.LOW)
    assert score([low], gt, min_severity=Severity.MEDIUM).alerts == 0
    s = score([], gt)
    assert (s.alerts, s.detected, s.missed) == (0, 0, 1)


def test_tamper_alerts_are_not_intrusion_alerts() -> None:
    assert score([alert_at("t", 0, 0, 100, rule="tamper")], []).alerts == 0
    assert score([alert_at("t", 0, 0, 100, rule="tamper")], [], skip_rules=()).false_alerts == 1


def test_simulator_truth_records() -> None:
    lon, lat = lonlat(0, 0)
    records: list[dict[str, Any]] = [
        {"type": "scenario", "name": "x"},
        {"type": "actor", "id": "g", "cls": "person", "intrusion": True,
         "crossing": {"ts": T + 5, "lon": lon, "lat": lat}, "path": [[T, lon, lat - 0.01]]},
        {"type": "actor", "id": "deer", "cls": "animal", "intrusion": False, "crossing": None,
         "path": [[T + 1, -111.1, 31.4], [T + 9, -111.1, 31.41]]},
    ]
    got = truth_from_records(records)
    assert [(t.actor_id, t.true_intrusion, t.crossing_ts, t.lat) for t in got] == [
        ("g", True, T + 5, lat), ("deer", False, T + 1, 31.4)]


def test_truth_files_as_json_array_or_lines(tmp_path: Path) -> None:
    rows = [truth("g1", 0, 100).model_dump(), truth("d", 10, 5, False).model_dump()]
    arr, lines = tmp_path / "a.json", tmp_path / "t.jsonl"
    arr.write_text(json.dumps(rows))
    lines.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert load_truth(arr) == load_truth(lines) == [TruthIncident(**r) for r in rows]
