"""A group that goes quiet between sensor lines and is seen again further inland keeps its
alert (:mod:`stream.correlation.continuation`); another group beside it gets its own."""

from __future__ import annotations

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.models import AlertState, TargetClass
from tests.unit.correlation_builders import camera, ground
from tests.unit.test_correlation_engine import feed

FENCES = GeofenceSet.load_bundled()
PERSON = TargetClass.PERSON


def crossing(cor: Correlator) -> str:
    """Four 'person' hits of one strip sensor: one alert; its id."""
    hits = [ground("strip-1", i + 1, 5.0 * i, 0.0, 9.0) for i in range(4)]
    alerts = feed(cor, hits)
    assert {a.id for a in alerts if a.state == AlertState.NEW} == {alerts[0].id}
    return alerts[0].id


def seen(dx: float, dy: float, t0: float) -> list:
    """A camera sure of people at one spot, a frame every 4 s."""
    return [camera("cam-1", 100 + i, t0 + 4.0 * i, dx, dy, PERSON, 0.9) for i in range(5)]


def test_the_group_seen_again_further_inland_minutes_later_keeps_its_alert() -> None:
    cor = Correlator(FENCES)
    first = crossing(cor)
    later = feed(cor, seen(20.0, 490.0, 200.0))  # 480 m north, 185 s after its last hit
    assert later and {a.id for a in later} == {first}
    assert all(a.state != AlertState.NEW for a in later)


def test_a_group_crossing_beside_it_gets_an_alert_of_its_own() -> None:
    cor = Correlator(FENCES)
    first = crossing(cor)
    later = feed(cor, seen(600.0, 9.0, 150.0))  # 600 m along the line, in the strip
    assert {a.id for a in later if a.state == AlertState.NEW} - {first}


def test_a_group_seen_too_far_inland_for_a_walk_gets_an_alert_of_its_own() -> None:
    cor = Correlator(FENCES)
    first = crossing(cor)
    later = feed(cor, seen(0.0, 900.0, 150.0))  # 900 m in 135 s: 6.5 m/s, over 3 m/s
    assert {a.id for a in later if a.state == AlertState.NEW} - {first}


def test_a_stray_hit_that_moved_the_alert_last_does_not_hide_where_its_group_was() -> None:
    """After the crossing, a weak "person" hit 300 m along the strip three minutes later
    joins and moves the alert there; the group, seen 10 s later 480 m inland of the
    crossing (560 m from the stray), still continues the alert."""
    cor = Correlator(FENCES)
    first = crossing(cor)
    feed(cor, [ground("strip-9", 1, 190.0, 300.0, 9.0, strength=0.3)])
    assert "strip-9" in cor.incidents[next(iter(cor.incidents))].sensor_hits
    later = feed(cor, seen(20.0, 490.0, 200.0))
    assert later and {a.id for a in later} == {first}


def test_a_dweller_seen_again_beside_its_alert_after_a_silence_keeps_it() -> None:
    """A group lingering in the strip, silent 90 s, then heard by the next sensor 150 m
    along (its first hit of another class, so it starts an incident of its own): the
    same alert, although the group moved along the line rather than inland."""
    cor = Correlator(FENCES)
    first = crossing(cor)
    hits = [ground("strip-2", 1, 105.0, 150.0, 9.0, sig=TargetClass.ANIMAL, strength=0.5)]
    hits += [ground("strip-2", i + 2, 110.0 + 5.0 * i, 150.0, 9.0) for i in range(6)]
    later = feed(cor, hits)
    assert later and {a.id for a in later} == {first}
