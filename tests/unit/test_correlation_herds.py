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
