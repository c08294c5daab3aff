"""Tamper incidents: a sensor's tamper switch opens an incident (and an alert) of its own,
at the sensor's known position; a later report with the switch closed clears it."""

from __future__ import annotations

import numpy as np

from stream.correlation.incidents import Incident
from stream.correlation.zone_placement import ZonePlacement
from stream.models import SensorHealth


def tamper_incident(inc_id: str, h: SensorHealth, lon: float, lat: float,
                    placement: ZonePlacement) -> Incident:
    """The incident for a tamper report; ``lon``/``lat`` 0, 0 when the position is unknown
    (its zone is then ``unlocated``)."""
    x, y = placement.fences.frame.to_metric([lon], [lat])
    inc = Incident(id=inc_id, first_event=h.event_id, first_ts=h.ts, last_ts=h.ts,
                   x=float(x[0]), y=float(y[0]), x0=float(x[0]), y0=float(y[0]),
                   lon=lon, lat=lat, kind="tamper")
    place = placement.place(np.array([lon]), np.array([lat]))
    z = place.zone[0]
    inc.zone_id, inc.zone_type, inc.zone_name = (
        (z.id, z.zone_type, z.name) if z else ("unlocated", "unknown", "position unknown"))
    inc.sector = place.sector[0]
    inc.mark_seen(h.event_id)
    inc.modalities.append(h.kind.value)
    inc.evidence_count = 1
    return inc
