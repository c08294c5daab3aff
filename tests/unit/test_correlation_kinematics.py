"""Joining by kinematics: nuisance hits between two groups do not chain them together."""

from __future__ import annotations

import numpy as np
import pytest

from geofences.index import GeofenceSet
from stream.correlation import kinematics
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.models import TargetClass
from tests.unit.correlation_builders import T0, camera, ground, health
from tests.unit.test_correlation_engine import feed

FENCES = GeofenceSet.load_bundled()


def _group(prefix: str, x0: float, t0: float) -> list[Evidence]:
    """Three strip sensors 40 m apart around ``x0``, each reporting a person every 5 s for
    two minutes (a group walking through)."""
    return [ground(f"{prefix}-{k}", i + 1, t0 + 5.0 * i + k, x0 + 40.0 * (k - 1), 9.0)
            for i in range(25) for k in range(3)]


def _run(evidence: list[Evidence]) -> Correlator:
    cor = Correlator(FENCES)
    for e in sorted(evidence, key=lambda e: e.report.ts):
        cor.process([e], now=e.report.ts + 1.0)
    end = max(e.report.ts for e in evidence) - T0
    cor.process([], now=T0 + end + 30.0, health=[health("hb", 1, end + 20.0, tamper=False)])
    return cor


def test_two_groups_2_km_apart_with_nuisance_hits_between_stay_two_incidents() -> None:
    # group A at x=0 from t=0, group B at x=2000 from t=330; lone weak hits of no class on
    # the line between them, 500 m apart, a minute or more after each other: a gate that
    # grows 5 m/s for a minute (550 m) chained them all into one incident
    nuisance = [ground(f"n-{k}", 1, t, x, 9.0, sig=TargetClass.UNKNOWN, strength=0.3)
                for k, (t, x) in enumerate([(130.0, 500.0), (200.0, 1000.0), (270.0, 1500.0)])]
    cor = _run(_group("a", 0.0, 0.0) + nuisance + _group("b", 2000.0, 330.0))
    owner = {s: i.id for i in cor.incidents.values() for s in i.sensor_hits}
    assert owner["a-0"] == owner["a-2"] and owner["b-0"] == owner["b-2"]
    assert owner["a-1"] != owner["b-1"]
    alerted = {i.id for i in cor.incidents.values() if i.alert}
    assert {owner["a-1"], owner["b-1"]} <= alerted
    assert not any(owner[f"n-{k}"] in (owner["a-1"], owner["b-1"]) for k in range(3))


def test_a_target_met_again_where_its_track_went_keeps_its_alert() -> None:
    # a camera follows a walker north at 2.5 m/s for 40 s (a sure track), loses it for
    # three minutes, then sees it again 560 m on, where the track puts it: beyond the gate
    # around its last position (250 m + 3 m/s x 60 s), so it opened a second alert
    walk = [camera("cam-1", k + 1, 2.0 * k, 3000.0, 100.0 + 5.0 * k, TargetClass.PERSON)
            for k in range(21)]
    again = [camera("cam-1", 30 + k, 220.0 + 2.0 * k, 3000.0, 650.0 + 5.0 * k,
                    TargetClass.PERSON) for k in range(5)]
    cor = Correlator(FENCES)
    alerts = feed(cor, walk)
    (inc,) = [i for i in cor.incidents.values() if i.alert]
    assert inc.track is not None and "heading_deg" in inc.track
    alerts += feed(cor, again)
    assert len({a.id for a in alerts}) == 1
    assert len([i for i in cor.incidents.values() if i.kind == "detection"]) == 1


def test_a_frame_off_the_track_beyond_the_gate_is_another_target() -> None:
    walk = [camera("cam-1", k + 1, 2.0 * k, 3000.0, 100.0 + 5.0 * k, TargetClass.PERSON)
            for k in range(21)]
    aside = [camera("cam-1", 30 + k, 220.0 + 2.0 * k, 3600.0, 650.0 + 5.0 * k,
                    TargetClass.PERSON) for k in range(5)]  # 600 m east of where it went
    cor = Correlator(FENCES)
    alerts = feed(cor, walk) + feed(cor, aside)
    assert len({a.id for a in alerts}) == 2


def _walker(t0: float = 0.0, n: int = 13) -> list[Evidence]:
    """A walker going north at 1.5 m/s past a line of sensors 50 m apart, each saying
    "person" as it passes (the first at the line, 3 km along it)."""
    return [ground(f"w-{k}", 1, t0 + 33.0 * k, 3000.0, 10.0 + 50.0 * k) for k in range(n)]


def test_wind_where_a_walker_passed_minutes_ago_is_not_the_walker() -> None:
    # at 400 s the walker is 600 m north; a hit of no class 150 m from where it crossed
    # is 150 m from its path, but no one who walks is there any more
    wind = ground("wind-1", 1, 400.0, 3150.0, 10.0, sig=TargetClass.UNKNOWN, strength=0.5)
    cor = _run([*_walker(), wind])
    owner = {s: i.id for i in cor.incidents.values() for s in i.sensor_hits}
    assert owner["w-0"] == owner["w-12"]
    assert owner["wind-1"] != owner["w-0"]


def test_a_camera_frame_near_where_a_walker_was_may_still_be_it() -> None:
    # a camera places its target itself (a ground sensor places only itself): a frame of
    # no sure class near the walker's path is left to the gate as before
    frame = camera("cam-1", 1, 400.0, 3150.0, 10.0, TargetClass.UNKNOWN, confidence=0.4)
    cor = _run([*_walker(), frame])
    (inc,) = [i for i in cor.incidents.values() if "w-0" in i.sensor_hits]
    assert "camera" in inc.modalities and inc.last_ts == T0 + 400.0


def test_wind_met_on_a_silent_walker_s_track_does_not_lead_it_along_the_line() -> None:
    # the walker's sensors fall silent for two minutes; wind fires where its track puts it
    # (joining on the track), then 7 s later 262 m east along the strip: gated from the
    # first wind hit as if the walker stood there, it joined too
    walk = _walker()
    t_last = 33.0 * 12
    y_then = 10.0 + 50.0 * 12 + 1.5 * 120.0
    wind = [ground("wind-1", 1, t_last + 120.0, 3000.0, y_then, sig=TargetClass.UNKNOWN),
            ground("wind-2", 1, t_last + 127.0, 3262.0, y_then, sig=TargetClass.UNKNOWN)]
    cor = _run(walk + wind)
    owner = {s: i.id for i in cor.incidents.values() for s in i.sensor_hits}
    (inc,) = [i for i in cor.incidents.values() if "w-0" in i.sensor_hits]
    assert inc.track is not None and "heading_deg" in inc.track
    assert owner["wind-1"] == owner["w-0"]  # where the walker is: it may be the walker
    assert owner["wind-2"] != owner["w-0"]


def test_on_track_gives_the_same_pairs_in_any_number_of_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    n, m = 600, 300
    ts, x, y = rng.uniform(0, 1000, n), rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    tracks = np.column_stack([rng.uniform(0, 1000, m), rng.uniform(0, 3000, m),
                              rng.uniform(0, 3000, m), rng.normal(0, 2, m),
                              rng.normal(0, 2, m), rng.uniform(0, 1000, m)])
    tracks[::7, 0] = np.nan  # incidents without a sure track
    window = rng.uniform(100, 600, m)
    whole = kinematics.on_track(ts, x, y, tracks, window, 250.0)
    monkeypatch.setattr(kinematics, "PAIRS_AT_ONCE", 1000)  # 4 detections a pass
    passes = kinematics.on_track(ts, x, y, tracks, window, 250.0)
    assert whole[0].size > 100
    for a, b in zip(whole, passes, strict=True):
        np.testing.assert_array_equal(a, b)
