"""Every fault kind: dead, stuck, tamper, low battery, clock offset, store-and-forward."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from simulators.scenario import ScenarioError
from simulators.world import World
from tests.unit.sim_helpers import START, reports, run, scenario

LINE = {
    "prefix": "s",
    "kind": "seismic",
    "spacing_m": 100,
    "nuisance_per_h": 0,
    "along_boundary": {"from_m": 1000, "to_m": 1900, "offset_m": 8},
}  # s-000..s-009, gw-0000


def faulty(*faults: dict[str, Any], **kw: Any) -> tuple[World, list[Any]]:
    sc = scenario(
        duration_s=kw.pop("duration_s", 900),
        heartbeat_s=30,
        gateway_size=5,
        sensor_lines=[LINE],
        faults=list(faults),
        **kw,
    )
    return run(sc)


def of(items: list[dict[str, Any]], sid: str) -> list[dict[str, Any]]:
    return [r for r in items if r["sensor_id"] == sid]


def test_dead_sensor_stops_heartbeats_and_recovers_when_the_fault_ends() -> None:
    _, em = faulty({"kind": "dead", "targets": ["s-003"], "at_s": 200, "until_s": 500})
    hb = of(reports(em, "sensors.health"), "s-003")
    assert hb and all(not (START + 200 <= h["ts"] < START + 500) for h in hb)
    assert any(h["ts"] >= START + 500 for h in hb)
    assert any(h["ts"] < START + 200 for h in hb)
    other = of(reports(em, "sensors.health"), "s-004")
    assert len(other) == 30  # 900 s / 30 s


def test_stuck_sensor_fires_constantly() -> None:
    _, em = faulty(
        {"kind": "stuck", "targets": ["s-005"], "at_s": 100, "until_s": 400, "interval_s": 5}
    )
    det = of(reports(em, "sensors.ground"), "s-005")
    assert 55 <= len(det) <= 61  # 300 s / 5 s
    assert all(START + 99 <= d["ts"] <= START + 400 for d in det)
    assert reports(em, "sensors.ground") == det  # nothing else fires (no nuisance, no actors)


def test_chattering_sensor_fires_in_bursts_with_silence_between() -> None:
    _, em = faulty({"kind": "chatter", "targets": ["s-002"], "at_s": 100, "until_s": 400,
                    "interval_s": 2, "on_s": 10, "off_s": 50})
    det = of(reports(em, "sensors.ground"), "s-002")
    assert reports(em, "sensors.ground") == det  # nothing else fires
    phase = [(d["ts"] - START - 99) % 60 for d in det]  # a report is stamped in the step before
    assert all(p <= 11 for p in phase)  # only in the first 10 s of every minute
    assert 20 <= len(det) <= 30  # five bursts of about five reports
    assert all(START + 99 <= d["ts"] <= START + 400 for d in det)


def test_chatter_applies_to_ground_sensors_only() -> None:
    with pytest.raises(ScenarioError, match="chatter applies to ground sensors"):
        faulty({"kind": "chatter", "targets": ["cam-1"], "at_s": 10},
               cameras=[{"id": "cam-1", "lon": -111.0, "lat": 31.34}])


def test_tamper_sends_an_immediate_health_report_with_the_flag() -> None:
    _, em = faulty({"kind": "tamper", "targets": ["s-001"], "at_s": 123, "touch_detections": 2})
    hb = of(reports(em, "sensors.health"), "s-001")
    flagged = [h for h in hb if h["tamper"]]
    assert flagged[0]["ts"] == START + 123  # not waiting for the next heartbeat
    assert all(h["tamper"] == (h["ts"] >= START + 123) for h in hb)
    touches = of(reports(em, "sensors.ground"), "s-001")
    assert len(touches) == 2 and {t["signature"] for t in touches} == {"person"}


def test_low_battery_is_reported() -> None:
    _, em = faulty({"kind": "low_battery", "targets": ["s-002"], "at_s": 300, "level": 0.07})
    hb = of(reports(em, "sensors.health"), "s-002")
    assert all(h["battery"] > 0.9 for h in hb if h["ts"] < START + 300)
    assert all(h["battery"] <= 0.07 for h in hb if h["ts"] >= START + 300)


def test_battery_that_runs_out_kills_the_sensor_and_is_in_the_truth() -> None:
    sc = scenario(
        duration_s=900, heartbeat_s=30, sensor_lines=[{**LINE, "battery_drain_per_h": 10.0}]
    )
    w, em = run(sc)
    hb = reports(em, "sensors.health")
    assert hb and max(h["ts"] for h in hb) < START + 400  # 1/10 h = 360 s
    depleted = [
        r for r in w.truth_records() if r["type"] == "fault" and r["kind"] == "battery_depleted"
    ]
    assert len(depleted) == 10 and all(r["derived"] for r in depleted)


def test_clock_offset_shifts_the_reported_time_only() -> None:
    _, em = faulty({"kind": "clock_offset", "targets": ["s-006"], "at_s": 0, "offset_s": -45.5})
    for h in of(reports(em, "sensors.health"), "s-006"):
        assert h["ts"] == pytest.approx(h["_sent"] - 45.5)
    for h in of(reports(em, "sensors.health"), "s-007"):
        assert h["ts"] == h["_sent"]


def test_store_and_forward_holds_a_gateway_and_sends_a_late_out_of_order_burst() -> None:
    _, em = faulty(
        {"kind": "store_forward", "targets": ["gw-0000"], "at_s": 200, "until_s": 500},
        duration_s=700,
    )
    held = [e for e in em if e.key == "gw-0000"]
    sent_times = sorted({e.ts for e in held})
    assert not any(START + 200 <= t < START + 500 for t in sent_times)
    burst = [e for e in held if e.ts == START + 500]
    inside = [orjson.loads(e.value)["reports"][0]["ts"] for e in burst]
    old = [t for t in inside if t < START + 500]
    assert len(old) >= 10  # 300 s of 30-s heartbeats held
    assert old != sorted(old)  # out of order
    # the other gateway is not affected
    assert any(START + 200 <= e.ts < START + 500 for e in em if e.key == "gw-0001")


def test_store_and_forward_can_name_a_sensor_for_its_gateway() -> None:
    w, _ = faulty({"kind": "store_forward", "targets": ["s-007"], "at_s": 10, "until_s": 20})
    assert w.faults.sources[0] == ("gw-0001",)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            {"kind": "dead", "targets": ["nope"], "at_s": 1},
            "faults.0.targets: no sensor or camera with id 'nope'",
        ),
        (
            {"kind": "store_forward", "targets": ["gw-9"], "at_s": 1, "until_s": 5},
            "no sensor, camera or gateway",
        ),
    ],
)
def test_fault_on_an_unknown_device_is_a_scenario_error(
    fault: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        faulty(fault)


def test_every_fault_is_in_the_ground_truth() -> None:
    faults = [
        {"kind": "dead", "targets": ["s-000"], "at_s": 10},
        {"kind": "stuck", "targets": ["s-001"], "at_s": 10, "until_s": 20},
        {"kind": "tamper", "targets": ["s-002"], "at_s": 10},
        {"kind": "low_battery", "targets": ["s-003"], "at_s": 10},
        {"kind": "clock_offset", "targets": ["s-004"], "at_s": 10, "offset_s": 3},
        {"kind": "store_forward", "targets": ["gw-0001"], "at_s": 10, "until_s": 30},
    ]
    w, _ = faulty(*faults, duration_s=60)
    truth = [r for r in w.truth_records() if r["type"] == "fault"]
    assert [r["kind"] for r in truth] == [f["kind"] for f in faults]
    assert truth[0]["at_ts"] == START + 10 and truth[0]["until_ts"] is None
    assert truth[1]["until_ts"] == START + 20
    assert truth[4]["params"] == {"offset_s": 3.0}
    assert truth[5]["sources"] == ["gw-0001"]


def test_heartbeat_faster_than_the_step_sends_one_per_step_without_falling_behind() -> None:
    sc = scenario(duration_s=10, step_s=1, sensor_lines=[{**LINE, "heartbeat_s": 0.5}])
    _, em = run(sc)
    hb = of(reports(em, "sensors.health"), "s-000")
    assert 10 <= len(hb) <= 11  # one per step: a step sends what fell due in it


def test_tamper_at_second_zero_still_reports_the_touches() -> None:
    _, em = faulty({"kind": "tamper", "targets": ["s-001"], "at_s": 0, "touch_detections": 3})
    assert len(of(reports(em, "sensors.ground"), "s-001")) == 3
