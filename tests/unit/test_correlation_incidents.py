"""Grouping detections into incidents by metres and seconds."""

from __future__ import annotations

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream.alerts.record import AlertRecord
from stream.correlation import state_codec
from stream.correlation.gate import match
from stream.correlation.grouping import group_new
from stream.correlation.incidents import MAX_REFS_HEAD, MAX_REFS_TAIL, Incident
from stream.correlation.kinematics import Limits
from stream.correlation.policies import IncidentPolicy
from stream.correlation.seen import MAX_SEEN

POL = IncidentPolicy(radius_m=100, max_speed_mps=2.0, window_s=300, grow_s=60)


def a(*v: float) -> np.ndarray:
    return np.array(v, float)


def test_match_gates_on_distance_grown_by_speed_times_elapsed_time() -> None:
    inc_t, inc_x, inc_y = a(0.0), a(0.0), a(0.0)
    # 90 m at once: in; 150 m at once: out; 150 m after 30 s (100 + 2*30 = 160): in
    got = match(a(1.0, 0.0, 30.0), a(90.0, 150.0, 150.0), a(0.0, 0.0, 0.0),
                inc_t, inc_x, inc_y, POL)
    assert got.tolist() == [0, -1, 0]


def test_gate_stops_growing_after_grow_s() -> None:
    # 200 s later: the gate is 100 + 2 * min(200, 60) = 220 m, not 500 m
    got = match(a(200.0, 200.0), a(210.0, 230.0), a(0.0, 0.0), a(0.0), a(0.0), a(0.0), POL)
    assert got.tolist() == [0, -1]


def test_match_prefers_the_closest_in_space_and_time() -> None:
    # incident 0: 50 m away but quiet for 50 s; incident 1: 80 m away, active 1 s ago
    got = match(a(100.0), a(0.0), a(0.0), a(50.0, 99.0), a(50.0, 80.0), a(0.0, 0.0), POL)
    assert got.tolist() == [1]


def test_class_gating_keeps_people_and_vehicles_apart() -> None:
    args = (a(1.0), a(10.0), a(0.0), a(0.0), a(0.0), a(0.0), POL)
    vehicle, person, none = np.array([1]), np.array([0]), np.array([-1])
    assert match(*args, cls=person, inc_cls=vehicle).tolist() == [-1]
    assert match(*args, cls=person, inc_cls=person).tolist() == [0]
    assert match(*args, cls=none, inc_cls=vehicle).tolist() == [0]


def test_match_refuses_after_the_window_and_picks_the_nearest() -> None:
    got = match(a(301.0, 10.0), a(0.0, 60.0), a(0.0, 0.0), a(0.0, 0.0), a(0.0, 100.0),
                a(0.0, 0.0), POL)
    assert got.tolist() == [-1, 1]


def test_match_with_no_open_incidents() -> None:
    assert match(a(1.0), a(0.0), a(0.0), a(), a(), a(), POL).tolist() == [-1]


def test_group_new_chains_a_walker_in_time_order_and_splits_far_points() -> None:
    ts = a(60.0, 0.0, 30.0, 10.0)
    x = a(0.0, 0.0, 0.0, 5000.0)
    y = a(120.0, 0.0, 60.0, 0.0)
    labels = group_new(ts, x, y, POL)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] != labels[0]


def _incident() -> Incident:
    return Incident(id="inc-1", first_event="s:1", first_ts=1.0, last_ts=1.0, x=0.0, y=0.0,
                    x0=0.0, y0=0.0, lon=-111.0, lat=31.3)


def test_incident_round_trips_as_plain_data() -> None:
    inc = _incident()
    inc.mark_seen("s:1")
    inc.scores["s"] = [0.5, 0.0, 0.0]
    inc.alert = AlertRecord(id="alr-1", rule="tamper", raised_ts=1.0, sent_ts=1.0)
    inc.add_path(np.array([1.0, 7.0]), np.array([0.0, 3.0]), np.array([0.0, 4.0]))
    d = inc.to_dict()
    assert isinstance(d["seen"], str)  # the digests, in base64
    back = Incident.from_dict(orjson.loads(state_codec.dumps(d)))
    assert back == inc and back.path.tolist() == [[1.0, 0.0, 0.0], [7.0, 3.0, 4.0]]
    back.add_path(np.array([8.0]), np.array([5.0]), np.array([5.0]))
    assert back != inc  # the path counts
    assert not back.mark_seen("s:1")


def test_an_incident_persisted_with_event_ids_loads_them() -> None:
    """An older state lists the event ids themselves."""
    d = _incident().to_dict() | {"seen": ["s:1", "s:2"]}
    back = Incident.from_dict(d)
    assert not back.mark_seen("s:2") and back.mark_seen("s:3")


def test_an_alert_persisted_as_a_plain_dict_loads_and_writes_back_the_same() -> None:
    old = {"id": "alr-1", "state": "escalated", "revision": 3, "rule": "track",
           "raised_ts": 10.0, "sent_ts": 40.0, "sent_event_ts": 39.5,
           "ack": {"by": "agent-7", "at": 30.0, "note": None}, "escalated": True,
           "rate_limited_count": 2, "pending": True,
           "snap": {"lon": -111.0, "lat": 31.3, "cls": "person", "severity": "high",
                    "count": 7, "track": {"heading_deg": 10.0, "speed_mps": 1.2}}}
    d = _incident().to_dict() | {"alert": old}
    inc = Incident.from_dict(d)
    assert inc.alert is not None and inc.alert.ack is not None
    assert (inc.alert.state, inc.alert.ack.by, inc.alert.snap and inc.alert.snap.count) == (
        "escalated", "agent-7", 7)
    assert inc.to_dict()["alert"] == old


def test_seen_and_evidence_refs_stay_bounded() -> None:
    inc = _incident()
    for i in range(MAX_SEEN + 10):
        assert inc.mark_seen(f"s:{i}")
        inc.add_ref({"event_id": f"s:{i}"})
    assert len(inc.seen) == MAX_SEEN
    assert len(inc.evidence) == MAX_REFS_HEAD + MAX_REFS_TAIL
    assert inc.evidence[0]["event_id"] == "s:0"  # the first evidence is always kept
    assert inc.evidence[-1]["event_id"] == f"s:{MAX_SEEN + 9}"
    assert inc.evidence_count == MAX_SEEN + 10


@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 400), st.floats(-300, 300),
                          st.floats(-300, 300)), min_size=1, max_size=12),
       st.lists(st.tuples(st.floats(400, 500), st.floats(-300, 300), st.floats(-300, 300)),
                min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(0, 3), st.floats(-300, 300), st.floats(-300, 300)),
                max_size=6))
@settings(max_examples=200, deadline=None)
def test_points_older_than_the_join_window_change_no_match(
        points: list[tuple[int, float, float, float]], dets: list[tuple[float, float, float]],
        old: list[tuple[int, float, float]]) -> None:
    """What joining may leave out of its index: a path point older than its incident's
    join window before every detection of the step."""
    n = 1 + max(k for k, *_ in points)
    windows = np.array([300.0, 120.0, 60.0, 300.0][:n])
    old = [(k % n, x, y) for k, x, y in old]
    ts, x, y = (np.array(v, float) for v in zip(*dets, strict=True))
    limits = Limits(np.full(n, np.nan), windows, np.full(ts.size, 3.0))

    def run(extra: list[tuple[int, float, float]]) -> list[int]:
        own = np.array([k for k, *_ in points] + [k for k, *_ in extra], np.intp)
        t = np.array([p[1] for p in points] + [ts.min() - windows[k] - 1.0 for k, *_ in extra])
        px = np.array([p[2] for p in points] + [e[1] for e in extra], float)
        py = np.array([p[3] for p in points] + [e[2] for e in extra], float)
        return match(ts, x, y, t, px, py, POL, owner=own, limits=limits).tolist()

    assert run(old) == run([])
