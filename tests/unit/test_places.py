"""Correlation keyed by place: correlators that each read their stretches of the boundary
(and a halo beyond their ends) and alert on what began there give one correlator's alerts."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.correlation.places import Places, Share
from stream.models import Alert
from tests.unit.correlation_builders import FRAME, T0, health, lonlat, walk_north

FENCES = GeofenceSet.load_bundled()
_LON, _LAT = lonlat(0, 0)
#: metres along the boundary of the builders' origin: a cell ends there
EDGE = float(FRAME.along(*FRAME.to_metric([_LON], [_LAT]))[0])


def group_across_the_edge() -> list[Evidence]:
    """A group walking north between two sensor lines 30 m either side of a cell's end:
    the west line hears it first."""
    return walk_north("w", 0.0, -100.0, 200.0, dx=-30.0) + walk_north(
        "e", 2.0, -100.0, 200.0, dx=30.0)


def owner_alerts(evidence: Sequence[Evidence], places: Places | None, me: int = 0
                 ) -> list[Alert]:
    """One owner's alerts (``places`` None: one correlator's): all evidence in one
    message, then a heartbeat two minutes later."""
    cor = Correlator(FENCES)
    if places is not None:
        cor.store.share = Share(places, FRAME, me)
    last = max(e.report.ts for e in evidence)
    alerts = cor.process(list(evidence), now=last + 1).alerts
    beat = health("hb", 1, last - T0 + 120, tamper=False)
    return alerts + cor.process([], now=last + 125, health=[beat]).alerts


def correlate(evidence: Sequence[Evidence], places: Places | None) -> list[Alert]:
    """Every owner's alerts for the same messages."""
    owners = 1 if places is None else places.owners
    return [a for me in range(owners) for a in owner_alerts(evidence, places, me)]


def outcome(alerts: Sequence[Alert]) -> dict[str, tuple[str, str, str, str | None]]:
    """Each alert id's last state, severity, class and sector."""
    return {a.id: (a.state.value, a.severity.value, a.cls.value, a.sector) for a in alerts}


@pytest.mark.parametrize("owners", [2, 3])
def test_a_group_at_a_cell_s_end_gives_one_correlator_s_alert(owners: int) -> None:
    evidence = group_across_the_edge()
    one = outcome(correlate(evidence, None))
    assert len(one) == 1
    assert outcome(correlate(evidence, Places(EDGE, 600.0, owners))) == one


def test_without_a_halo_each_side_sees_half_the_group() -> None:
    evidence = group_across_the_edge()
    one = outcome(correlate(evidence, None))
    split = outcome(correlate(evidence, Places(EDGE, 0.0, 2)))
    assert len(split) == 2 and one.keys() < split.keys()  # the east line's half alerts too


def test_only_the_owner_of_where_it_began_alerts() -> None:
    evidence = group_across_the_edge()
    places = Places(EDGE, 600.0, 2)
    first = min(evidence, key=lambda e: e.report.ts).report
    x, y = FRAME.to_metric([first.lon], [first.lat])
    owner = places.owner(float(FRAME.along(x, y)[0]))
    by_owner = [owner_alerts(evidence, places, me) for me in range(2)]
    assert by_owner[owner] and not by_owner[1 - owner]


def test_a_target_walking_on_into_the_next_cell_continues_its_alert() -> None:
    # alerted west of the cell's end; five minutes later heard again 500 m inland, east of
    # it (too far to join the incident: the alert is continued, .continuation): the
    # owner of the east cell keeps the west owner's alert unsent and continues it too
    evidence = walk_north("a", 0.0, -100.0, 100.0, dx=-40.0) + walk_north(
        "b", 300.0, 600.0, 900.0, dx=60.0)
    one = outcome(correlate(evidence, None))
    assert len(one) == 1
    assert outcome(correlate(evidence, Places(EDGE, 600.0, 2))) == one


def test_places_refuse_a_halo_as_long_as_a_cell() -> None:
    with pytest.raises(ValueError, match="cell_m > halo_m"):
        Places(1000.0, 1000.0, 2)
