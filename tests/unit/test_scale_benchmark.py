"""The scale benchmark's pure parts: CPU time from /proc, its backlog, the alert comparison."""

from __future__ import annotations

import os
import time

import orjson

from benchmarks import scale
from benchmarks.pipeline import Load
from stream.models import AlertState, Severity
from tests.unit.alert_samples import sample_alert

# /proc/<pid>/stat of a process whose name holds a space and a parenthesis; utime 1234,
# stime 566 (fields 14 and 15)
STAT = ("4242 (bw (worker) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 566 3 4 20 0 "
        "9 0 12345 456789012 12000 18446744073709551615 1 1 0 0 0 0 0 16781312 17410 0 0 0 "
        "17 1 0 0 0 0 0")


def test_parse_cpu_adds_user_and_system_time_after_the_name() -> None:
    assert scale.parse_cpu(STAT, 100) == 18.0
    assert scale.parse_cpu(STAT, 200) == 9.0


def test_cpu_seconds_of_this_process_grow_with_work() -> None:
    before = scale.cpu_seconds(os.getpid())
    t = time.process_time()
    while time.process_time() - t < 0.1:
        sum(range(10_000))
    after = scale.cpu_seconds(os.getpid())
    assert 0.05 <= after - before <= 5.0


def test_backlog_is_the_same_bytes_for_a_seed_with_event_time_by_tick() -> None:
    load = Load(50, 10, 0)
    one = scale.backlog(load, 1_234, 2_000.0, 1_000.0, seed=7)
    assert one == scale.backlog(load, 1_234, 2_000.0, 1_000.0, seed=7)
    assert one != scale.backlog(load, 1_234, 2_000.0, 1_000.0, seed=8)
    reports = [r for m in one for r in orjson.loads(m)["reports"]]
    assert [r["seq"] for r in reports] == list(range(1_234))
    assert all(len(orjson.loads(m)["reports"]) <= scale.PER_MESSAGE for m in one)
    # 2,000 reports/s in ticks of 0.05 s: 100 reports a tick, event time 0.05 s apart
    assert {r["ts"] for r in reports[:100]} == {1_000.0}
    assert reports[100]["ts"] == 1_000.05
    assert reports[-1]["ts"] == 1_000.6


def test_final_alerts_take_the_last_revision_and_the_highest_severity() -> None:
    a = "alr-aaaa"
    msgs = [
        sample_alert(id=a, revision=0, severity=Severity.MEDIUM, sector="nogales"),
        sample_alert(id=a, revision=2, state=AlertState.CLEARED, severity=Severity.LOW,
                     sector="sasabe"),
        sample_alert(id=a, revision=1, state=AlertState.ESCALATED, severity=Severity.HIGH),
        sample_alert(id=a, revision=0, severity=Severity.MEDIUM),  # a duplicate delivery
        sample_alert(id="alr-bbbb", severity=Severity.LOW, sector=None),
    ]
    assert scale.final_alerts(msgs) == {a: ("cleared", "high", "sasabe"),
                                        "alr-bbbb": ("new", "low", None)}


def test_differences_name_missing_extra_and_changed_alerts() -> None:
    base = {"a": ("new", "low", "nogales"), "b": ("cleared", "high", "sasabe"),
            "c": ("new", "medium", None)}
    assert scale.differences(base, dict(base)) == []
    assert scale.compare_line(base, dict(base)) == "identical (3 alerts)"
    other = {"b": ("cleared", "critical", "sasabe"), "c": ("new", "medium", None),
             "d": ("new", "low", None)}
    assert scale.differences(base, other) == [
        "a: ('new', 'low', 'nogales') vs absent",
        "b: ('cleared', 'high', 'sasabe') vs ('cleared', 'critical', 'sasabe')",
        "d: absent vs ('new', 'low', None)",
    ]
    assert scale.compare_line(base, other) == (
        "3 of 4 alert ids differ: 1 missing, 1 extra, 1 changed")
