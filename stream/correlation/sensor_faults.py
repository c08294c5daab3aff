"""Fault incidents: a sensor seen chattering, stuck or dead, or reporting a failed
self-test, gets one incident (and health alert) of its own; while it is faulted its
detections are evidence of that fault, not of a crossing — except a stuck sensor's reports
unlike the one it repeats (strength and signature): those are targets it still senses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial

from stream.alerts import lifecycle
from stream.correlation.alerting import absorb, close
from stream.correlation.assessment import assess
from stream.correlation.evidence import Evidence
from stream.correlation.faults import Fault
from stream.correlation.ids import fault_id
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.result import CorrelatorResult
from stream.correlation.store import Store
from stream.models import GroundDetection, TargetClass

#: Faults that end when the sensor has been quiet for ``faults.recover_s``.
QUIET_RECOVERY = {Fault.CHATTERING.value, Fault.STUCK.value}


def by_sensor(store: Store) -> dict[str, list[Incident]]:
    """Sensor id -> its open fault incidents."""
    out: dict[str, list[Incident]] = {}
    for inc in store.incidents.values():
        if inc.kind == IncidentKind.FAULT and inc.open:
            out.setdefault(inc.device, []).append(inc)
    return out


def lone_by_sensor(store: Store) -> dict[str, list[Incident]]:
    """Sensor id -> the open detection incidents holding that sensor's detections only
    (what its fault incident folds in), in the store's order.

    Built once for a step's screening: on a stormy night hundreds of sensors fault in one
    step, and each would otherwise scan every incident."""
    out: dict[str, list[Incident]] = {}
    for inc in store.incidents.values():
        if inc.kind == IncidentKind.DETECTION and inc.open and len(inc.sensor_hits) == 1:
            out.setdefault(next(iter(inc.sensor_hits)), []).append(inc)
    return out


def counts(store: Store) -> Counter[tuple[str, str]]:
    """Open sensor faults by (sector, fault kind), for the health gauges."""
    return Counter((i.sector or "unknown", i.fault or "")
                   for i in store.incidents.values() if i.kind == IncidentKind.FAULT and i.open)


def screen(store: Store, evidence: Sequence[Evidence], now: float,
           out: CorrelatorResult) -> tuple[list[Evidence], set[str]]:
    """The detections of sensors that are not faulted; the others become evidence of
    their sensor's fault incident (a chattering or stuck sensor opens one here)."""
    keep: list[Evidence] = []
    touched: set[str] = set()
    faults = by_sensor(store)
    dead = {s for s, incs in faults.items() if any(f.fault == Fault.DEAD for f in incs)}
    lone: dict[str, list[Incident]] | None = None  # built when a first sensor faults
    opened: list[Incident] = []
    repeats = store.faults.repeats
    absorbed: set[str] = set()  # fault incidents that took reports
    for e in evidence:
        r = e.report
        if not isinstance(r, GroundDetection):
            keep.append(e)
            continue
        sensor = r.sensor_id
        mine = faults.get(sensor) or []
        if sensor in dead:  # it speaks: alive
            dead.discard(sensor)
            for f in [f for f in mine if f.fault == Fault.DEAD]:
                recover(store, f, now, out)
                mine.remove(f)
            # now, not when it spoke: a gateway's upload of held reports must not make it
            # dead again at the next step, each report then opening an incident of its own
            store.faults.alive(sensor, now)
        said = None
        if not mine:
            said = repeated(r)
            kind = store.faults.hit(sensor, r.ts, partial(peers, store, sensor, (r.lon, r.lat)),
                                    said)
            if kind is None:
                keep.append(e)
                continue
            lone = lone_by_sensor(store) if lone is None else lone
            inc = fault_incident(store, sensor, kind, r.ts, r.event_id, (r.lon, r.lat),
                                 now, out, lone.get(sensor, []), placed=False)
            opened.append(inc)
            mine = faults[sensor] = [inc]
            touched.add(inc.id)
            if kind == Fault.STUCK:
                store.faults.repeat(sensor, said)
        stuck = repeats.get(sensor)
        if stuck is not None and (repeated(r) if said is None else said) != stuck:
            keep.append(e)  # a stuck sensor still senses targets: reports unlike its repeat
            continue
        inc = mine[0]
        if inc.mark_seen(r.event_id):
            inc.add_ref_of(e)
            if r.ts > inc.last_ts:
                inc.last_ts = r.ts
        absorbed.add(inc.id)
    store.dirty.update(absorbed)  # once an incident, not once a report
    place(store, opened)
    return keep, touched


def repeated(r: GroundDetection) -> str:
    """What a stuck sensor repeats: a report unlike it is a target it still senses. A
    report at full strength that names what it sensed is a target close by (its
    strength saturates, so such reports are alike), never a repeat.

    >>> from stream.models import SensorKind
    >>> hit = GroundDetection(sensor_id="s-1", seq=7, kind=SensorKind.SEISMIC, ts=1.8e9,
    ...                       lon=0.0, lat=0.0, strength=1.0, signature=TargetClass.UNKNOWN)
    >>> repeated(hit), repeated(hit.model_copy(update={"signature": TargetClass.PERSON}))
    ('1/unknown', '1/person#7')
    """
    said = f"{r.strength:g}/{r.signature.value}"
    close_by = r.strength >= 1.0 and r.signature != TargetClass.UNKNOWN
    return f"{said}#{r.seq}" if close_by else said


def peers(store: Store, sensor: str, where: tuple[float, float]) -> list[str]:
    """The sensors sited within ``faults.peer_radius_m`` of ``sensor``."""
    return store.grid.near(store.sites, store.frame, store.policies.faults.peer_radius_m,
                           sensor, where)


def dead_sensors(store: Store, now: float, progress: Callable[[str], float],
                 out: CorrelatorResult) -> set[str]:
    """Fault incidents for sensors whose heartbeats stopped; ``progress``: the newest
    event time a source (topic and partition) delivered."""
    dead = store.faults.dead(now, set(by_sensor(store)), progress)
    lone = lone_by_sensor(store) if dead else {}
    opened = [fault_incident(store, s, Fault.DEAD, due, f"{s}:dead", None, now, out,
                             lone.get(s, []), placed=False) for s, due in dead]
    place(store, opened)
    return {inc.id for inc in opened}


def fault_incident(store: Store, sensor: str, kind: Fault, ts: float, event_id: str,
                   where: tuple[float, float] | None, now: float,
                   out: CorrelatorResult,
                   lone: Sequence[Incident] | None = None, placed: bool = True) -> Incident:
    """Open the fault incident of ``sensor``; its detections that made incidents of
    their own (nothing else in them) are folded into it (``lone``: the candidates, from
    :func:`lone_by_sensor`; default: every incident). ``placed=False``: its zone, sector
    and metric position are the caller's to :func:`place`, with the others it opens."""
    inc_id = fault_id(sensor, kind.value, ts)
    lon, lat = store.sites.get(sensor) or where or (0.0, 0.0)
    inc = Incident(id=inc_id, first_event=f"{sensor}:{kind.value}", first_ts=ts, last_ts=ts,
                   x=0.0, y=0.0, x0=0.0, y0=0.0, lon=lon, lat=lat,
                   kind=IncidentKind.FAULT, fault=kind.value)
    if placed:
        place(store, [inc])
    inc.mark_seen(event_id)
    inc.evidence_count = 1
    store.add(inc)
    for other in list(store.incidents.values() if lone is None else lone):
        if (other.kind == IncidentKind.DETECTION and other.open
                and set(other.sensor_hits) == {sensor} and set(other.scores) <= {sensor}):
            absorb(store, inc, other, "sensor-fault", now, out)
    return inc


def place(store: Store, incidents: Sequence[Incident]) -> None:
    """Where new fault incidents are (their sensors' sites): metric position, zone and
    sector, in one query."""
    at = store.placement.points([i.lon for i in incidents], [i.lat for i in incidents])
    for inc, p in zip(incidents, at, strict=True):
        inc.x = inc.x0 = p.x
        inc.y = inc.y0 = p.y
        inc.zone_id, inc.zone_type, inc.zone_name = p.zone
        inc.sector = p.sector


def recover(store: Store, inc: Incident, now: float, out: CorrelatorResult) -> None:
    """The sensor works again: clear its fault alert."""
    msg = None
    if inc.alert is not None:
        msg = lifecycle.step(inc.alert, assess(store, inc, "sensor-fault"), now,
                             store.policies.lifecycle, close="recovered")
    store.faults.forget_hits(inc.device)
    close(store, inc, msg, now, out)


def dead_near(store: Store, inc: Incident) -> bool:
    """Whether a sensor within the join gate's reach of the incident's last position
    (``radius_m`` + ``max_speed_mps`` x ``grow_s``) is dead now: its reports may be held
    by a gateway, so the incident's silence does not say its target has gone."""
    pol = store.policies.incident
    reach = pol.radius_m + pol.max_speed_mps * pol.grow_s
    return any(f.kind == IncidentKind.FAULT and f.open and f.fault == Fault.DEAD
               and (f.x - inc.x) ** 2 + (f.y - inc.y) ** 2 <= reach * reach
               for f in store.incidents.values())
