"""The scale benchmark's pure parts: CPU time from /proc, its backlog and keying, the alert
comparison."""

from __future__ import annotations

import os
import random
import time
from collections import Counter

import orjson
import pytest

from benchmarks import scale, scale_load
from benchmarks.stormy_night import Load
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
    one = scale_load.backlog(load, 1_234, 2_000.0, 1_000.0, seed=7)
    assert one == scale_load.backlog(load, 1_234, 2_000.0, 1_000.0, seed=7)
    assert one != scale_load.backlog(load, 1_234, 2_000.0, 1_000.0, seed=8)
    reports = [r for m in one for r in orjson.loads(m)["reports"]]
    assert [r["seq"] for r in reports] == list(range(1_234))
    assert all(len(orjson.loads(m)["reports"]) <= scale_load.PER_MESSAGE for m in one)
    # 2,000 reports/s in ticks of 0.05 s: 100 reports a tick, event time 0.05 s apart
    assert {r["ts"] for r in reports[:100]} == {1_000.0}
    assert reports[100]["ts"] == 1_000.05
    assert reports[-1]["ts"] == 1_000.6


def test_assign_gateways_cuts_the_sites_in_order_along_the_line_into_blocks() -> None:
    along = [float(x) for x in random.Random(3).sample(range(100_000), 1_000)]
    got = scale_load.assign_gateways(along, 64)
    assert len(got) == len(along) and set(got) == set(range(64))  # one each, every gateway
    in_order = [got[i] for i in sorted(range(len(along)), key=along.__getitem__)]
    assert in_order == sorted(in_order)  # neighbours along the line share a gateway
    assert set(Counter(got).values()) <= {15, 16}  # 1,000 sites over 64
    assert got == scale_load.assign_gateways(along, 64)
    shuffled = random.Random(4).sample(range(len(along)), len(along))
    again = scale_load.assign_gateways([along[i] for i in shuffled], 64)
    assert [again[j] for j in sorted(range(len(along)), key=shuffled.__getitem__)] == got


def test_assign_gateways_with_ties_and_fewer_sites_than_gateways() -> None:
    assert scale_load.assign_gateways([5.0, 5.0, 1.0, 9.0], 2) == [0, 1, 0, 1]
    assert scale_load.assign_gateways([2.0, 1.0], 64) == [1, 0]
    assert scale_load.assign_gateways([], 64) == []


def test_site_gateways_give_neighbouring_sites_of_both_lines_one_gateway_each() -> None:
    load = Load(200, 10, 0)
    owner = scale_load.site_gateways(load, 8)
    assert owner == scale_load.site_gateways(load, 8)
    assert len(owner) == 400 and set(owner.values()) == set(range(8))
    for line in ("strip", "buffer"):  # sites are numbered along the line
        gws = [owner[f"{line}-{k}"] for k in range(200)]
        assert gws == sorted(gws)
    # a strip site and the buffer site inland of it: one gateway but near a block's end
    assert sum(owner[f"strip-{k}"] != owner[f"buffer-{k}"] for k in range(200)) <= 8


def test_gateway_messages_carry_one_gateways_reports_keyed_by_it() -> None:
    load = Load(200, 10, 500)
    keyed = scale_load.keyed_backlog(load, "gateway", 6_000, 2_000.0, 1_000.0, 7, 12)
    assert keyed == scale_load.by_gateway(load, 6_000, 2_000.0, 1_000.0, 7, 12)
    owner = scale_load.site_gateways(load, 12)
    sizes = Counter(len(orjson.loads(v)["reports"]) == 100 for _, v in keyed)
    assert sizes[True] and sizes[False] > 12  # full ones, and ones sent after their wait
    heard: dict[str, set[bytes]] = {}
    for key, value in keyed:
        msg = orjson.loads(value)
        assert key.decode() == msg["source"] and 0 < len(msg["reports"]) <= 100
        ts = [r["ts"] for r in msg["reports"]]
        assert max(ts) - min(ts) <= scale_load.GATEWAY_WAIT_S
        for r in msg["reports"]:
            assert f"gw-{owner[r['sensor_id']]}" == key.decode()
            heard.setdefault(r["sensor_id"], set()).add(key)
    assert all(len(keys) == 1 for keys in heard.values())  # one sensor, one key
    # the same reports as the round-robin backlog, only grouped and keyed otherwise
    same = scale_load.backlog(load, 6_000, 2_000.0, 1_000.0, 7)
    flat = sorted(orjson.dumps(r) for m in same for r in orjson.loads(m)["reports"])
    assert sorted(orjson.dumps(r) for _, v in keyed for r in orjson.loads(v)["reports"]) == flat


def test_round_robin_keys_as_the_pipeline_benchmark() -> None:
    load = Load(50, 10, 0)
    keyed = scale_load.keyed_backlog(load, "round-robin", 1_000, 2_000.0, 1_000.0, 7, 64)
    assert [v for _, v in keyed] == scale_load.backlog(load, 1_000, 2_000.0, 1_000.0, 7)
    assert [k for k, _ in keyed] == [f"gw-{i % 64}".encode() for i in range(len(keyed))]
    with pytest.raises(ValueError, match="unknown keying"):
        scale_load.keyed_backlog(load, "sensor", 1_000, 2_000.0, 1_000.0, 7, 64)


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
