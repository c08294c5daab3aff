"""The second stretch end to end: a worker on the New Mexico set and a group crossing the
bootheel's north-south line westwards, through the real broker."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Geod

from geofences.index import GeofenceSet
from stream.cli.processes import stop_process
from stream.models import ZoneEvent
from stream.settings import Settings
from tests.conftest import start_worker
from tests.integration.test_scenarios import alerts_by_id, angle_between, serious, simulate
from tests.kafka_helpers import consume_to_end

pytestmark = pytest.mark.integration

NM = GeofenceSet.load_bundled("new-mexico")
NM_SECTORS = {z.sector for z in NM.zones if z.zone_type == "patrol_sector"}


def true_heading(actor: dict[str, object]) -> float:
    """Azimuth (degrees from true north) from the actor's crossing to its last position."""
    path, crossing = actor["path"], actor["crossing"]
    assert isinstance(path, list) and isinstance(crossing, dict)
    az, _, _ = Geod(ellps="WGS84").inv(crossing["lon"], crossing["lat"], path[-1][1], path[-1][2])
    return float(az) % 360


def test_nm_crossing_gives_one_alert_heading_west_in_a_new_mexico_sector(
    topics: Settings, tmp_path: Path
) -> None:
    settings = topics.model_copy(update={"geofences": "new-mexico"})
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        truth = simulate(settings, "nm-crossing", tmp_path)
        alerts = serious(alerts_by_id(settings))
        events = [ZoneEvent.model_validate_json(v) for _, v in
                  consume_to_end(settings, settings.topic("zone-events"))]
    finally:
        stop_process("worker", worker)
    (group,) = [r for r in truth if r.get("type") == "actor" and r.get("intrusion")]
    assert 250 <= true_heading(group) <= 290  # across a meridian segment: east to west
    assert len(alerts) == 1, {k: [(a.state, a.severity, a.rule) for a in v]
                              for k, v in alerts.items()}
    (messages,) = alerts.values()
    headings = [a.heading_deg for a in messages if a.heading_deg is not None]
    assert headings, "no track heading on the alert"
    assert angle_between(headings[-1], true_heading(group)) <= 30, headings
    # approaching from Mexico it has no sector yet; across the line, a New Mexico one
    assert {a.sector for a in messages} - {None} <= NM_SECTORS
    assert messages[-1].sector in NM_SECTORS
    assert {a.geofence_version for a in messages} == {NM.version}
    mine = [(e.kind, e.zone_id) for e in events if e.alert_id == messages[0].id]
    # the strip is among its zone events: an enter, or (when a burst puts the approach and
    # the crossing in one batch, so the track is first seen inside) the exit beyond it
    assert {z for _, z in mine} >= {"nm-strip", "nm-buffer-1km"}, mine
    assert {e.sector for e in events if e.alert_id == messages[0].id} <= NM_SECTORS
