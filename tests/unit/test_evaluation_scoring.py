"""Scoring of a trial's alerts against hand-made truth (metres, event-time seconds)."""

from __future__ import annotations

import pytest

from stream.evaluation.scoring import (
    Actor,
    AlertMsg,
    FaultTruth,
    Options,
    TrialTruth,
    ZoneMark,
    score_trial,
)
from stream.evaluation.stats import pd_lower, poisson_interval
from stream.evaluation.summary import summarise


def walker(ident: str = "g1", x0: float = 0.0, intrusion: bool = True, cls: str = "person",
           sector: str | None = "east") -> Actor:
    """Walks north from (x0, -100) at t=0 to (x0, 100) at t=200, crossing y=0 at t=100."""
    return Actor(ident, cls, intrusion, (0.0, 200.0), (x0, x0), (-100.0, 100.0),
                 crossing_ts=100.0 if intrusion else None, first_report_ts=90.0,
                 heading_deg=0.0, sector=sector)


def msg(ident: str, x: float, y: float, ts: float, *, severity: int = 1, rule: str = "r",
        sector: str | None = "east", cls: str = "person", heading: float | None = None,
        raised: float | None = None) -> AlertMsg:
    return AlertMsg(ident, rule, severity, x, y, ts, ts + 1.0 if raised is None else raised,
                    sector, cls, heading)


def test_detection_latency_heading_class_sector() -> None:
    alerts = [msg("A", 10, 0, 100, raised=101, heading=350.0),
              msg("A", 12, 20, 120, severity=2, heading=20.0)]
    s = score_trial(TrialTruth([walker()], [], 600, 2.0), alerts, [], Options())
    (o,) = s.intrusions
    assert o.alert_id == "A" and s.passed
    assert o.latency_first_s == 11.0 and o.latency_crossing_s == 1.0
    assert o.heading_error_deg == pytest.approx(20.0)  # the latest heading counts
    assert o.class_right and o.sector_right
    assert s.km_days == pytest.approx(2.0 * 600 / 86400)


def test_second_id_on_one_intrusion_is_a_duplicate_not_false() -> None:
    alerts = [msg("A", 0, 0, 100), msg("B", 30, 5, 105)]
    s = score_trial(TrialTruth([walker()], []), alerts, [], Options())
    assert s.intrusions[0].alert_id == "A"
    assert s.intrusions[0].duplicates == 1 and s.false_ids == []


def test_alerts_far_in_space_or_time_are_false_and_animals_are_nuisance() -> None:
    truth = TrialTruth([walker(), walker("cow", x0=3000, intrusion=False, cls="animal")], [])
    alerts = [msg("far", 9000, 0, 100), msg("late", 0, 100, 5000), msg("cow", 3000, 0, 100)]
    s = score_trial(truth, alerts, [], Options(window_s=900))
    assert not s.intrusions[0].detected
    assert sorted(s.false_ids) == ["cow", "far", "late"]
    assert s.nuisance_ids == ["cow"]


def test_low_severity_ids_count_neither_as_detection_nor_as_false() -> None:
    s = score_trial(TrialTruth([walker()], []), [msg("A", 0, 0, 100, severity=0),
                                                 msg("B", 9000, 0, 100, severity=0)],
                    [], Options(min_severity=1))
    assert not s.intrusions[0].detected and s.false_ids == [] and s.alert_ids == 0
    low = score_trial(TrialTruth([walker()], []), [msg("A", 0, 0, 100, severity=0)], [],
                      Options(min_severity=0))
    assert low.intrusions[0].detected


def test_matching_is_one_to_one_and_not_greedy() -> None:
    # A is near both groups (closest to g1); B reaches only g1. Greedy would give g1 to A
    # and leave g2 undetected; the assignment gives g1 to B and g2 to A.
    truth = TrialTruth([walker("g1", 0), walker("g2", 400)], [])
    alerts = [msg("A", 150, 0, 100), msg("B", -300, 0, 100)]
    s = score_trial(truth, alerts, [], Options(radius_m=500))
    got = {o.actor_id: o.alert_id for o in s.intrusions}
    assert got == {"g1": "B", "g2": "A"}
    assert s.false_ids == [] and all(o.duplicates == 0 for o in s.intrusions)


@pytest.mark.parametrize("sectors", [["east", "west"], [None, "east"], ["west"]])
def test_sector_must_be_right_on_every_message(sectors: list[str | None]) -> None:
    alerts = [msg("A", 0, 0, 100 + i, sector=s) for i, s in enumerate(sectors)]
    s = score_trial(TrialTruth([walker()], []), alerts, [], Options())
    assert s.intrusions[0].detected and s.intrusions[0].sector_right is False


def test_class_is_judged_on_the_last_message_sent() -> None:
    """Every message of an alert carries the time it was raised: the last one sent counts."""
    def score(classes: list[str]) -> bool | None:
        alerts = [msg("A", 0, 0, 100 + i, cls=c, raised=101) for i, c in enumerate(classes)]
        return score_trial(TrialTruth([walker()], []), alerts, [], Options()).intrusions[0] \
            .class_right

    assert score(["unknown", "person"]) is True
    assert score(["person", "animal"]) is False


def test_heading_error_wraps_around_north() -> None:
    s = score_trial(TrialTruth([walker()], []), [msg("A", 0, 0, 100, heading=340.0)], [],
                    Options())
    assert s.intrusions[0].heading_error_deg == pytest.approx(20.0)


def test_expected_dwell_is_seen_only_for_the_matched_alert_in_the_strip() -> None:
    w = walker()
    dwell = Actor(w.id, w.cls, True, w.t, w.x, w.y, w.crossing_ts, w.first_report_ts,
                  w.heading_deg, w.sector, dwell_expected=True)
    alerts = [msg("A", 0, 0, 100)]
    for zones, seen in (([ZoneMark("A", "dwell", "border_strip")], True),
                        ([ZoneMark("A", "dwell", "buffer")], False),
                        ([ZoneMark("B", "dwell", "border_strip")], False)):
        s = score_trial(TrialTruth([dwell], []), alerts, zones, Options())
        assert s.intrusions[0].dwell_seen is seen


def test_tamper_alerts_are_health_alerts_not_false_intrusion_alerts() -> None:
    faults = [FaultTruth("tamper", (1000.0,), (0.0,), 50.0), FaultTruth("dead", (5000.0,), (0.0,),
                                                                        50.0)]
    alerts = [msg("T", 1020, 5, 60, rule="tamper", severity=2)]
    s = score_trial(TrialTruth([], faults), alerts, [], Options())
    assert s.false_ids == [] and (s.faults, s.faults_alerted) == (2, 1)


def test_summary_pools_trials_with_exact_bounds() -> None:
    scores = [score_trial(TrialTruth([walker()], [], 86400, 1.0),
                          [msg("A", 0, 0, 100), msg("F", 9000, 0, 100)], [], Options())
              for _ in range(49)]
    scores.append(score_trial(TrialTruth([walker()], [], 86400, 1.0), [], [], Options()))
    f = summarise(scores)
    assert (f.detected, f.intrusions) == (49, 50)
    assert f.pd_lower95 == pytest.approx(0.909, abs=5e-4)
    assert f.false_alerts == 49 and f.false_fraction == pytest.approx(0.5)
    assert f.false_rate == pytest.approx(49 / 50)
    assert f.false_rate_low is not None and f.false_rate_low < 49 / 50 < f.false_rate_high


def test_exact_bounds_match_published_values() -> None:
    assert pd_lower(29, 29) == pytest.approx(0.902, abs=5e-4)
    assert pd_lower(96, 100) == pytest.approx(0.911, abs=5e-4)
    assert pd_lower(98, 100) == pytest.approx(0.938, abs=5e-4)
    assert pd_lower(0, 10) == 0.0
    lo, hi = poisson_interval(0, 2.0)
    assert lo == 0.0 and hi == pytest.approx(3.689 / 2, abs=1e-3)
    lo, hi = poisson_interval(10, 1.0)  # Garwood interval for 10 events
    assert (round(lo, 2), round(hi, 2)) == (4.80, 18.39)


def test_intruder_no_sensor_reported_is_counted_apart_from_pd() -> None:
    w = walker()
    unseen = Actor(w.id, w.cls, True, w.t, w.x, w.y, w.crossing_ts, None, w.heading_deg,
                   w.sector)
    s = score_trial(TrialTruth([unseen], []), [], [], Options())
    assert s.passed and not s.intrusions[0].reported
    f = summarise([s, score_trial(TrialTruth([walker()], []), [], [], Options())])
    assert (f.unreported, f.intrusions, f.detected) == (1, 1, 0)


def dweller() -> Actor:
    """Crosses northward (t 0-100), walks east along the strip (t 100-500, 1 m/s), then
    north again (t 500-700)."""
    return Actor("d", "person", True, (0.0, 100.0, 500.0, 700.0), (0.0, 0.0, 400.0, 400.0),
                 (-100.0, 0.0, 0.0, 200.0), crossing_ts=100.0, first_report_ts=90.0,
                 heading_deg=0.0, sector="east", legs_deg=(0.0, 90.0, 0.0))


@pytest.mark.parametrize(("ts", "heading", "error"), [
    (300.0, 90.0, 0.0),   # walking along the strip: the course then, not the crossing's
    (300.0, 0.0, 90.0),   # the crossing heading while it walks along the strip is wrong
    (550.0, 90.0, 0.0),   # 50 m after turning north: the course it left still counts
    (650.0, 90.0, 90.0),  # 150 m after: no longer
    (650.0, 10.0, 10.0),
])
def test_heading_is_judged_against_the_course_when_the_alert_showed_it(
        ts: float, heading: float, error: float) -> None:
    alerts = [msg("A", 0, 0, 100), msg("A", *dweller().at(ts), ts, heading=heading)]  # type: ignore[arg-type]
    s = score_trial(TrialTruth([dweller()], []), alerts, [], Options(heading_lag_m=100.0))
    assert s.intrusions[0].heading_error_deg == pytest.approx(error)


def split_excess(sector: str | None, x: object, y: object) -> object:
    """Two sectors split at x = 0: west below, east above."""
    import numpy as np
    xs = np.asarray(x, float)
    if sector == "west":
        return np.clip(xs, 0.0, None)
    if sector == "east":
        return np.clip(-xs, 0.0, None)
    return np.full(xs.shape, np.inf)


def eastward() -> Actor:
    """Walks east from x=-1000 at t=0 to x=1000 at t=2000, across the split at t=1000."""
    return Actor("e", "person", True, (0.0, 2000.0), (-1000.0, 1000.0), (10.0, 10.0),
                 crossing_ts=100.0, first_report_ts=90.0, sector="west")


@pytest.mark.parametrize(("times", "sectors", "right"), [
    # the intruder at x -900, -500, +100, +500
    ([100, 500, 1100, 1500], ["west", "west", "east", "east"], True),  # changes once, as it did
    ([100, 500, 1100, 1500], ["west", "west", "west", "east"], True),  # kept 100 m into the next
    ([100, 500, 1100, 1500], ["west", "east", "east", "east"], False),  # east 500 m before it
    ([100, 500, 1100, 1500], ["west", "west", None, "east"], False),
    # x -100, -50, 0, +50: every sector is near, but it flips more often than the intruder
    ([900, 950, 1000, 1050], ["west", "east", "west", "east"], False),
    ([900, 950, 1000, 1050], ["west", "west", "west", "east"], True),
])
def test_sector_is_that_covering_the_intruder_when_each_message_was_sent(
        times: list[float], sectors: list[str | None], right: bool) -> None:
    alerts = [msg("A", *eastward().at(t), t, sector=s)  # type: ignore[arg-type]
              for t, s in zip(times, sectors, strict=True)]
    truth = TrialTruth([eastward()], [], sector_excess=split_excess)  # type: ignore[arg-type]
    s = score_trial(truth, alerts, [], Options(sector_m=250.0))
    assert s.intrusions[0].sector_right is right
