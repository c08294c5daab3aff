"""What a due timer (:mod:`.timers`) does to an incident, at a step boundary of event
time: forget it once closed long enough, recover a quiet faulted sensor, escalate, clear
(later while sensors near it are dead) or update its alert, open the alert whose
confirmation wait ended, close it when quiet."""

from __future__ import annotations

from stream.alerts import lifecycle
from stream.correlation.alerting import close, evaluate
from stream.correlation.incidents import IncidentKind
from stream.correlation.result import CorrelatorResult
from stream.correlation.sensor_faults import QUIET_RECOVERY, dead_near, recover
from stream.correlation.store import Store


def on_due(store: Store, inc_id: str, now: float, out: CorrelatorResult) -> None:
    """Run the timers of incident ``inc_id`` that are due at ``now``."""
    pol = store.policies
    inc = store.incidents[inc_id]
    if not inc.open:
        if now - (inc.closed_ts or now) >= pol.incident.retain_s:
            del store.incidents[inc_id]
            store.by_alert.pop(lifecycle.alert_id(inc_id), None)
            store.dirty.add(inc_id)
        return
    if inc.kind == IncidentKind.FAULT:
        if inc.fault in QUIET_RECOVERY and now - inc.last_ts >= pol.faults.recover_s:
            recover(store, inc, now, out)
    elif inc.alert and not inc.alert.open:  # a confirmed animal gone quiet
        if now - inc.last_ts >= pol.incident.window_s:
            close(store, inc, None, now, out)
    elif inc.alert:
        rec = inc.alert
        if (rec.blind_at != inc.last_ts
                and now - inc.last_ts >= pol.lifecycle.clear_idle_s and dead_near(store, inc)):
            # silent because the sensors near it are? wait as long as their reports may
            # still come late, once per report time (:meth:`.AlertRecord.idle_s`)
            rec.blind_at, rec.blind_s = inc.last_ts, pol.lateness.allowed_s
            store.dirty.add(inc.id)
        evaluate(store, inc, now, out, timers_only=True)
    elif inc.armed_event_ts is not None and inc.kind == IncidentKind.DETECTION:
        evaluate(store, inc, now, out)  # a rule fired: alert once confirm_s passed
        if inc.alert is None and now - inc.last_ts >= pol.incident.window_s:
            close(store, inc, None, now, out)
    elif inc.kind == IncidentKind.DETECTION and now - inc.last_ts >= pol.incident.window_s:
        close(store, inc, None, now, out)
