"""The alert side of an incident: evaluate it (rule, confirmation wait, rate limit,
lifecycle step), fold it into another, close it, cue a camera, apply patrol acks."""

from __future__ import annotations

from collections.abc import Sequence

from stream.alerts import lifecycle
from stream.correlation import continuation, fusion
from stream.correlation.assessment import assess, update_track
from stream.correlation.classify import incident_class
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.kinematics import track_speed_limit
from stream.correlation.merge import merge_into
from stream.correlation.result import CorrelatorResult
from stream.correlation.rules import fired_rule
from stream.correlation.store import Store
from stream.correlation.tasking import plan_task
from stream.models import Ack, Alert, AlertAckMessage, TargetClass


def evaluate(store: Store, inc: Incident, now: float, out: CorrelatorResult,
             timers_only: bool = False) -> None:
    """Run the incident's rule and advance (or open) its alert; ``timers_only``: no new
    evidence, so the track is not refitted."""
    pol = store.policies
    fused = None
    if inc.kind == IncidentKind.TAMPER:
        rule: str | None = "tamper"
    elif inc.kind == IncidentKind.FAULT:
        rule = "sensor-fault"
    else:
        if not timers_only:
            update_track(inc, store.frame, pol.track, track_speed_limit(inc, pol))
        zone = pol.zone(inc.zone_type or "")
        llr = fusion.person_llr(inc.signatures, store.llr)
        fused = cls, conf = incident_class(store, inc, llr)
        rule = fired_rule(zone, pol, cls, conf, inc.corroborated, inc.track,
                          inc.camera_conf, len(inc.scores.keys() | inc.sensor_hits.keys()),
                          llr)
        if rule is not None and store.placement.exits.leaving(
                inc.origin, cls, inc.zone_type, inc.x, inc.y):
            rule = None  # a port's own traffic driving off inland (.exits)
    a = assess(store, inc, rule, fused)
    msg: Alert | None = None
    if inc.alert is None:
        if rule is not None and inc.armed_event_ts is None:
            inc.armed_ts, inc.armed_event_ts = now, inc.last_ts
        if rule is None or a.backlog or inc.armed_event_ts is None or held(store, inc, now):
            maybe_task(store, inc, a, now, out)
            store.dirty.add(inc.id)
            return
        prior = continuation.host(store, inc, fused) if fused is not None else None
        if prior is not None:  # the same target, walked on inland from its alert
            merge_into(prior, inc)
            retire(store, inc, prior.alert.id if prior.alert else prior.id, "merged", now, out)
            evaluate(store, prior, now, out)
            return
        if inc.kind != IncidentKind.FAULT and not store.limiter.allow(limit_key(inc, a.zone_id),
                                                                      now):
            fold(store, inc, a, out)
            store.dirty.add(inc.id)
            return
        inc.alert, msg = lifecycle.open_alert(a, now)
        store.by_alert[inc.alert.id] = inc.id
    else:
        msg = lifecycle.step(inc.alert, a, now, pol.lifecycle)
    if msg is not None:
        emit(store, inc, msg, out)
        if msg.state.value == "cleared" and msg.reason != "confirmed-animal":
            close(store, inc, None, now, out)
    maybe_task(store, inc, a, now, out)
    store.dirty.add(inc.id)


def limit_key(inc: Incident, zone_id: str) -> str:
    """Where new alerts are counted against the rate limit: per zone and source partition
    (the incident's first report's), so that how many alerts pass does not depend on how
    many workers share the partitions.

    >>> inc = Incident("inc-1", "s-1:1", *[0.0] * 8)
    >>> inc.evidence.append({"partition": 3})
    >>> limit_key(inc, "strip-a")
    'strip-a@3'
    """
    return f"{zone_id}@{inc.home or 0}"


def herd(inc: Incident) -> bool:
    """An incident whose alert cleared as a confirmed animal: it stays open, silent, while
    its reports go on (until quiet for ``window_s``), so the herd's later hits join it
    instead of opening another alert; nothing merges into it (see :mod:`.joining`)."""
    return inc.alert is not None and not inc.alert.open and inc.open


def held(store: Store, inc: Incident, now: float) -> bool:
    """A new alert on ground sensors alone waits ``confirm_s`` of event time after its
    rule fired: health reports are correlated in event-time order with the detections,
    so a tamper report of the same moment explains the hits first (someone handling the
    sensors). Not after its own evidence ran on for more than ``touch_s``: then the
    hits are not all touches."""
    if inc.kind != IncidentKind.DETECTION or "camera" in inc.modalities:
        return False
    pol = store.policies
    armed = inc.armed_event_ts if inc.armed_event_ts is not None else inc.last_ts
    if inc.last_ts - armed > pol.incident.touch_s:
        return False
    return now < armed + pol.lifecycle.confirm_s


def emit(store: Store, inc: Incident, msg: Alert, out: CorrelatorResult) -> None:
    """Send an alert message: its owner's (:mod:`.places`; the other correlators that read
    its place keep the same alert, unsent, so that what joins or continues it there is
    judged as its owner judges it)."""
    if store.owns(inc):
        out.alerts.append(msg)


def fold(store: Store, inc: Incident, a: lifecycle.Assessment, out: CorrelatorResult) -> None:
    """Rate limited: count the incident (once) on the zone's newest open alert."""
    if inc.folded_into is not None:
        return
    if store.owns(inc):  # counted once, by its owner
        out.rate_limited[a.zone_id] += 1
        out.rate_limited_sectors[a.sector or "unknown"] += 1
    hosts = [i for i in store.incidents.values()
             if i.alert and i.alert.open and i.open and i.zone_id == a.zone_id]
    host = max(hosts, key=lambda i: i.alert.raised_ts if i.alert else 0.0, default=None)
    if host is None or host.alert is None:
        inc.folded_into = ""
        return
    host.alert.rate_limited_count += 1
    host.alert.pending = True
    inc.folded_into = host.alert.id
    store.dirty.add(host.id)


def close(store: Store, inc: Incident, msg: Alert | None, now: float,
          out: CorrelatorResult) -> None:
    """Close the incident, sending its alert's last message if there is one."""
    if msg is not None:
        emit(store, inc, msg, out)
    inc.closed_ts = now
    store.dirty.add(inc.id)


def absorb(store: Store, host: Incident, gone: Incident, why: str, now: float,
           out: CorrelatorResult) -> None:
    """``gone`` was part of ``host`` all along (a tamper, a sensor fault): its evidence
    moves over and it closes (see :func:`retire`)."""
    for ref in gone.evidence:
        if host.mark_seen(ref["event_id"]):
            host.add_ref(ref)
    retire(store, gone, host.id, why, now, out)


def retire(store: Store, gone: Incident, into: str, why: str, now: float,
           out: CorrelatorResult) -> None:
    """Close an incident folded into ``into`` (an incident or alert id); its alert, if
    any, clears with reason ``why``."""
    gone.closed_ts = now
    gone.folded_into = into
    if gone.alert is not None:
        msg = lifecycle.step(gone.alert, assess(store, gone, gone.alert.rule), now,
                             store.policies.lifecycle, close=why)
        if msg is not None:
            emit(store, gone, msg, out)
    store.dirty.add(gone.id)


def maybe_task(store: Store, inc: Incident, a: lifecycle.Assessment, now: float,
               out: CorrelatorResult) -> None:
    """Cue a camera once an incident has two detections or an alert (not animals)."""
    if (inc.kind != IncidentKind.DETECTION or not inc.open or a.backlog or not store.owns(inc)
            or a.cls == TargetClass.ANIMAL or store.policies.zone(a.zone_type) is None
            or (inc.alert is None and inc.evidence_count < 2)):
        return
    task = plan_task(inc, store.cameras, store.policies.tasking, now)
    if task is not None:
        out.tasks.append(task)


def apply_acks(store: Store, acks: Sequence[AlertAckMessage], now: float,
               out: CorrelatorResult) -> None:
    """Patrols' acks and closes, for alerts this correlator holds."""
    for m in acks:
        inc_id = store.by_alert.get(m.alert_id)
        inc = store.incidents.get(inc_id) if inc_id else None
        if inc is None or inc.alert is None:
            continue
        rule = inc.alert.rule
        msg = lifecycle.step(inc.alert, assess(store, inc, rule), now, store.policies.lifecycle,
                             ack=Ack(by=m.by, at=m.at, note=m.note),
                             close="closed-by-patrol" if m.action == "close" else None)
        if msg is not None:
            emit(store, inc, msg, out)
            if msg.state.value == "cleared":
                close(store, inc, None, now, out)
        store.dirty.add(inc.id)
