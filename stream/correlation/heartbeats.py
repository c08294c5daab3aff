"""Health reports in event time: heartbeat rhythm and self-test faults of each sensor,
and its tamper switch (opened: a tamper incident; closed again: it clears)."""

from __future__ import annotations

from collections.abc import Sequence

from stream.alerts import lifecycle
from stream.correlation.alerting import close
from stream.correlation.assessment import assess
from stream.correlation.evidence import Heartbeat
from stream.correlation.faults import Fault
from stream.correlation.incidents import IncidentKind
from stream.correlation.result import CorrelatorResult
from stream.correlation.sensor_faults import by_sensor, fault_incident, recover
from stream.correlation.store import Store
from stream.correlation.tamper import absorb_touches, open_tamper


def on_health(store: Store, beats: Sequence[Heartbeat], now: float,
              out: CorrelatorResult) -> set[str]:
    """Apply one step's heartbeats (each with the partition it came on and how far its
    time lay from its gateway's others in its message); the incidents they opened or
    touched."""
    limit = store.policies.faults.clock_skew_s
    touched: set[str] = set()
    tampered = {inc.device: inc for inc in store.incidents.values()
                if inc.kind == IncidentKind.TAMPER and inc.open}
    faults = by_sensor(store) if beats else {}
    for beat in sorted(beats, key=lambda b: b.report.ts):
        h, skew = beat.report, beat.skew_s
        # a self-test's state is that of the newest heartbeat: older ones a gateway
        # uploads late, in any order, must not clear and re-open it by turns
        source = f"{beat.topic}:{beat.partition}"
        newest = store.faults.beat(h.sensor_id, h.ts, source)
        for peer in store.peers.get(h.sensor_id, ()):  # one never heard is expected
            if peer != h.sensor_id:
                store.faults.expect(peer, h.ts, source)
        mine = faults.setdefault(h.sensor_id, [])
        skewed = abs(skew) > limit
        for f in list(mine):  # (a clock agrees again from a heartbeat sent after it was off)
            if (f.fault == Fault.DEAD or (f.fault == Fault.SELF_TEST and newest and not h.fault)
                    or (f.fault == Fault.CLOCK and not skewed and h.ts > f.first_ts)):
                recover(store, f, now, out)
                mine.remove(f)
        failed = h.fault and newest
        kind = Fault.SELF_TEST if failed else Fault.CLOCK if skewed else None
        if kind is not None and not mine:  # (a wrong clock's: when its gateway sent it)
            ts = h.ts - skew
            mine.append(fault_incident(store, h.sensor_id, kind, ts, h.event_id, None, now, out))
            touched.add(mine[-1].id)
        inc = tampered.get(h.sensor_id)
        if h.tamper and inc is None:
            inc = open_tamper(store, h)
            if inc is None:
                continue  # a replay of a tamper already closed
            tampered[h.sensor_id] = inc
            touched.add(inc.id)
            touched |= absorb_touches(store, inc, now, out)
        elif inc is not None:
            inc.mark_seen(h.event_id)
            inc.last_ts = max(inc.last_ts, h.ts)
            if not h.tamper and inc.alert:
                msg = lifecycle.step(inc.alert, assess(store, inc, "tamper"), now,
                                     store.policies.lifecycle, close="tamper-cleared")
                close(store, inc, msg, now, out)
                tampered.pop(h.sensor_id)
            else:
                touched.add(inc.id)
    return touched
