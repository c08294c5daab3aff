"""A herd a camera confirmed as animals: its alert clears (reason ``confirmed-animal``) and
the herd's later hits stay with it instead of opening another alert."""

from __future__ import annotations

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.models import Alert, AlertState, SensorKind, TargetClass
from tests.unit.correlation_builders import T0, camera, ground
from tests.unit.test_correlation_engine import beat, feed

FENCES = GeofenceSet.load_bundled()
X = 3000.0  # a stretch of strip with no port or corridor
PERSON, ANIMAL, UNKNOWN = TargetClass.PERSON, TargetClass.ANIMAL, TargetClass.UNKNOWN


def herd_confirmed(cor: Correlator) -> list[Alert]:
    """A seismic sensor in the strip hears 'person' twice (an alert), then a camera sees
    cattle there (the alert clears) and turns away."""
    hits = [ground("strip-1", k + 1, 5.0 * k, X, 9.0) for k in range(2)]
    return feed(cor, [*hits, camera("cam-1", 1, 12.0, X + 10.0, 0.0, ANIMAL, 0.9)])


def test_a_herd_confirmed_by_a_camera_raises_no_second_alert_as_it_goes_on() -> None:
    cor = Correlator(FENCES)
    alerts = herd_confirmed(cor)
    assert (alerts[-1].state, alerts[-1].reason) == (AlertState.CLEARED, "confirmed-animal")
    # the herd lingers: the same sensor says 'person' again, a fence beside it shakes
    more: list[Evidence] = [ground("strip-1", 10 + k, 40.0 + 5.0 * k, X, 9.0)
                            for k in range(3)]
    more += [ground("fence-1", 1, 47.0, X + 20.0, 1.0, kind=SensorKind.FIBRE, sig=UNKNOWN)]
    assert feed(cor, more) == []
    assert {a.id for a in alerts} == {alerts[0].id}
    (herd,) = [i for i in cor.incidents.values() if i.open]  # silent, until quiet
    beat(cor, herd.last_ts - T0 + cor.policies.incident.window_s + 10.0)
    assert not herd.open


def test_a_person_a_camera_is_sure_of_beside_the_herd_still_alerts() -> None:
    cor = Correlator(FENCES)
    herd = {a.id for a in herd_confirmed(cor)}
    person = [camera("cam-1", 20 + k, 40.0 + 2.0 * k, X + 60.0, 30.0 + 2.0 * k, PERSON, 0.9)
              for k in range(4)]
    alerts = feed(cor, person)
    assert alerts and {a.id for a in alerts}.isdisjoint(herd)
    assert alerts[0].cls == PERSON and alerts[0].rule == "camera-confirmed"


def test_walkers_meeting_a_herd_a_camera_sees_keep_their_own_track() -> None:
    """A camera follows people walking north and, 500 m ahead, cattle walking south; they
    pass 60 m apart. Two targets the camera tells apart by class stay two incidents: merged,
    the walkers' path would take the herd's points and their track turn south (the
    seed-7 campaign's `corridor/30`)."""
    cor = Correlator(FENCES)
    walkers = [camera("cam-1", 2 * k, 4.0 * k, X, 100.0 + 6.0 * k, PERSON, 0.87)
               for k in range(60)]  # 1.5 m/s north, 100 -> 454 m
    herd = [camera("cam-1", 2 * k + 1, 4.0 * k + 0.5, X + 60.0, 700.0 - 4.0 * k, ANIMAL, 0.91)
            for k in range(60)]  # 1 m/s south, 700 -> 464 m
    alerts = feed(cor, sorted(walkers + herd, key=lambda e: e.report.ts))
    assert len({a.id for a in alerts}) == 1
    last = alerts[-1]
    assert last.cls == PERSON and last.heading_deg is not None
    assert min(last.heading_deg, 360.0 - last.heading_deg) < 30.0  # north, as they walk
    seen = sorted(tuple(sorted(i.camera_conf)) for i in cor.incidents.values() if i.open)
    assert seen == [("animal",), ("person",)]
