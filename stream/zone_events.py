"""Zone events of tracked alerts: the positions the correlator moved become enter, exit and
dwell messages, and the transition state each alert leaves behind (``zon:`` keys)."""

from __future__ import annotations

from geofences.index import GeofenceSet
from geofences.transitions import Kind, TransitionEngine
from stream.batch import BatchResult
from stream.correlation import state_codec
from stream.metrics import Metrics
from stream.models import AlertState, ZoneEvent

__all__ = ["add_zone_events"]


def add_zone_events(zones: TransitionEngine, fences: GeofenceSet, metrics: Metrics,
                    out: BatchResult) -> None:
    """Enter, exit and dwell of the alerts ``out`` moved, into ``out.zone_events``; a
    cleared alert is no longer tracked. Patrol sectors report entries and exits, not dwell."""
    if out.positions:
        ids, ts, lon, lat = zip(*out.positions, strict=True)
        moves = [t for t in zones.update(fences, ids, lon, lat, ts)
                 if not (t.kind == Kind.DWELL and t.zone_type == "patrol_sector")]
        lon_m, lat_m = [t.lon for t in moves], [t.lat for t in moves]
        sectors = fences.sectors(*fences.locate(lon_m, lat_m), len(moves))
        for t, sector in zip(moves, sectors, strict=True):
            out.zone_events.append(ZoneEvent(
                kind=t.kind.value, alert_id=t.object_id, zone_id=t.zone_id,
                zone_type=t.zone_type, zone_name=fences.zones[fences.ids[t.zone_id]].name,
                sector=sector, ts=t.ts, since=t.since, lon=t.lon, lat=t.lat,
                geofence_version=t.version,
            ))
            metrics.zone_events.labels(kind=t.kind.value, zone_type=t.zone_type).inc()
        for oid in set(ids):
            out.changed[state_codec.key(state_codec.ZON, oid)] = zones.state(oid)
    for alert in out.alerts:
        if alert.state == AlertState.CLEARED and alert.id in zones.objects:
            zones.forget(alert.id)
            out.changed[state_codec.key(state_codec.ZON, alert.id)] = None
