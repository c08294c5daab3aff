"""One step of event time: its health reports, the sensor-fault screen, then joining and
evaluation. :class:`.engine.Correlator` decides when a step runs; this says what it does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

from stream.correlation import alerting, joining, sensor_faults
from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.heartbeats import on_health
from stream.correlation.result import CorrelatorResult, Move
from stream.correlation.store import Store

__all__ = ["by_step", "run"]


def _order(it: Evidence | Heartbeat) -> tuple[float, str]:
    """Event-time order, ties by event id: the same however the reports arrived."""
    return it.report.ts, it.report.event_id


def by_step(items: list[Evidence | Heartbeat], cell: Callable[[float], int]
            ) -> list[list[Evidence | Heartbeat]]:
    """``items`` in event-time order, one list per step of the grid ``cell`` numbers.

    >>> from types import SimpleNamespace as NS
    >>> items = [NS(report=NS(ts=t, event_id=e)) for t, e in [(3.5, "b"), (0.5, "x"), (3.1, "a")]]
    >>> [[it.report.event_id for it in s] for s in by_step(items, lambda ts: int(ts // 2))]
    [['x'], ['a', 'b']]
    """
    return [list(g) for _, g in groupby(sorted(items, key=_order),
                                        key=lambda it: cell(it.report.ts))]


def run(store: Store, items: Sequence[Evidence | Heartbeat], clock: float,
        progress: Callable[[str], float] | None, out: CorrelatorResult,
        moved: list[Move]) -> None:
    """One step of event time ending at ``clock``: its health reports (tamper), then its
    detections. ``progress`` (how far each source has been read) judges who is dead; None
    for reports older than the frontier, where that was judged already (else a gateway's
    upload, message by message, makes its sensors dead and heard by turns)."""
    beats = [it for it in items if isinstance(it, Heartbeat)]
    early = on_health(store, beats, clock, out) | (
        set() if progress is None else sensor_faults.dead_sensors(store, clock, progress, out))
    ev, faulty = sensor_faults.screen(
        store, [it for it in items if isinstance(it, Evidence)], clock, out)
    incidents = store.incidents
    for inc_id in sorted(early | faulty):
        if incidents[inc_id].open:
            alerting.evaluate(store, incidents[inc_id], clock, out)
    touched = joining.merge(store, joining.ingest(store, ev, out), clock, out)
    for inc_id in sorted(touched):
        inc = incidents[inc_id]
        alerting.evaluate(store, inc, clock, out)
        if inc.track and inc.alert and inc.alert.open and store.owns(inc):
            moved.append((inc.alert.id, inc.last_ts, *inc.position_at(inc.last_ts)))
