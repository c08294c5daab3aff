"""Ground sensors' signatures weighed by how often their kind reports each for a person
and for an animal: a walker one sensor keeps calling "person" alerts in a wildlife
corridor, a herd it sometimes calls "person" does not."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from geofences.index import GeofenceSet
from stream.correlation import fusion, state_codec
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.correlation.incidents import Incident
from stream.correlation.merge import merge_into
from stream.correlation.policies import Policies
from stream.models import Alert, AlertAckMessage, AlertState, SensorKind, Severity, TargetClass
from tests.unit.correlation_builders import CORRIDOR_DX, T0, ground, health

FENCES = GeofenceSet.load_bundled()
P, A, U = TargetClass.PERSON, TargetClass.ANIMAL, TargetClass.UNKNOWN
BUNDLED = Policies.bundled()


def one_sensor(name: str, t0: float, dx: float,
               hits: Sequence[tuple[TargetClass, float]]) -> list[Evidence]:
    """One seismic sensor at the line, a report every 5 s."""
    return [ground(name, i, t0 + 5.0 * i, dx, 10, strength=s, sig=sig)
            for i, (sig, s) in enumerate(hits)]


def without_corridor_odds() -> Policies:
    """The bundled policies with no signature odds in the wildlife corridor."""
    corridor = BUNDLED.zones["wildlife_corridor"].model_copy(update={"person_llr": None})
    return BUNDLED.model_copy(update={"zones": {**BUNDLED.zones, "wildlife_corridor": corridor}})


def run(policies: Policies, evidence: list[Evidence]) -> list[Alert]:
    """The reports in one batch, then a heartbeat elsewhere two minutes later."""
    cor = Correlator(FENCES, policies=policies)
    last = max(e.report.ts for e in evidence)
    alerts = cor.process(evidence, now=last + 1).alerts
    beat = health("hb", 1, last - T0 + 120, tamper=False)
    return alerts + cor.process([], now=last + 125, health=[beat]).alerts


# a group walking past one strip sensor in a corridor (the campaign's corridor/0): four
# "person" signatures and three it could not tell, fused 0.59, under the corridor's 0.6
WALKER = [(U, 0.43), (P, 0.574), (P, 0.707), (P, 0.744), (U, 0.597), (P, 0.61), (U, 0.382)]
# a herd past the same kind of sensor: two "person" among three "animal"
HERD = [(A, 0.449), (A, 0.555), (U, 0.533), (P, 0.521), (P, 0.58), (A, 0.374)]


def test_the_walker_s_signatures_favour_a_person_and_the_herd_s_an_animal() -> None:
    table = BUNDLED.fusion.llr_table()
    counts: dict[str, list[float]] = {}
    for sig, _ in WALKER:
        fusion.count_signature(counts, "seismic", fusion.INDEX.get(sig.value, -1))
    assert round(fusion.person_llr(counts, table), 2) == 2.80  # 4 x 0.92 - 3 x 0.29
    counts = {}
    for sig, _ in HERD:
        fusion.count_signature(counts, "seismic", fusion.INDEX.get(sig.value, -1))
    assert fusion.person_llr(counts, table) < -3.0


def test_a_walker_one_sensor_keeps_calling_person_alerts_in_a_corridor() -> None:
    alerts = run(BUNDLED, one_sensor("c-1", 0.0, CORRIDOR_DX, WALKER))
    assert len({a.id for a in alerts}) == 1
    assert alerts[0].cls == P and alerts[0].zone_type == "wildlife_corridor"
    assert alerts[0].rule == "confident-detection"
    assert alerts[0].confidence < 0.6  # the signatures' likelihood made it, not the fusion


def test_without_the_likelihood_the_corridor_misses_that_walker() -> None:
    assert run(without_corridor_odds(), one_sensor("c-1", 0.0, CORRIDOR_DX, WALKER)) == []


def test_a_herd_the_sensor_sometimes_calls_person_raises_nothing_in_a_corridor() -> None:
    assert run(BUNDLED, one_sensor("h-1", 0.0, CORRIDOR_DX, HERD)) == []


# a group crossing a fence at the joint of two fibre segments (the campaign's corridor/29):
# one faint "person" (0.396 x weight 0.5: too faint to fuse a class) and one it could not
# tell; a fence never calls an animal a person, so the odds are 21 to 1 (3.05)
FENCE = [("f-5", P, 0.396), ("f-6", U, 1.0)]


def fence_hits(hits: Sequence[tuple[str, TargetClass, float]]) -> list[Evidence]:
    return [ground(name, 1, 1.2 * i, CORRIDOR_DX + 10.0 * i, 1, kind=SensorKind.FIBRE,
                   strength=s, sig=sig) for i, (name, sig, s) in enumerate(hits)]


def test_a_faint_fence_person_call_alerts_in_a_corridor_by_its_odds() -> None:
    alerts = run(BUNDLED, fence_hits(FENCE))
    assert len({a.id for a in alerts}) == 1
    first = alerts[0]
    assert (first.cls, first.rule, first.zone_type) == (P, "confident-detection",
                                                        "wildlife_corridor")
    assert 0.3 <= first.confidence < 0.8  # the odds' confidence, short of a confident one


def test_more_faint_calls_that_say_nothing_do_not_flip_that_alert() -> None:
    # then three more segments it could not tell: odds 3.05 -> 2.03, still a person's
    later = [("f-7", U, 0.8), ("f-8", U, 0.6), ("f-9", U, 0.5)]
    alerts = run(BUNDLED, fence_hits(FENCE + later))
    assert len({a.id for a in alerts}) == 1 and len(alerts) >= 2
    assert {(a.cls, a.severity.rank >= Severity.MEDIUM.rank) for a in alerts} == {(P, True)}


def test_without_the_likelihood_that_faint_call_stays_unknown_and_silent() -> None:
    assert run(without_corridor_odds(), fence_hits(FENCE)) == []


def test_the_patrol_s_ack_and_close_of_that_alert_still_say_person() -> None:
    cor = Correlator(FENCES, policies=BUNDLED)
    evidence = fence_hits(FENCE)
    last = max(e.report.ts for e in evidence)
    opened = cor.process(evidence, now=last + 1).alerts
    beat = health("hb", 1, last - T0 + 120, tamper=False)
    opened += cor.process([], now=last + 125, health=[beat]).alerts
    aid = opened[0].id
    ack = AlertAckMessage(alert_id=aid, by="agent-7", at=last + 130, note="en route")
    acked = cor.process([], now=last + 131, acks=[ack]).alerts
    close = AlertAckMessage(alert_id=aid, by="agent-7", at=last + 140, action="close")
    closed = cor.process([], now=last + 141, acks=[close]).alerts
    assert [(a.reason, a.cls) for a in acked] == [("acknowledged", P)]
    assert [(a.state, a.cls) for a in closed] == [(AlertState.CLEARED, P)]
    assert {a.severity.rank >= Severity.MEDIUM.rank for a in acked + closed} == {True}


def test_a_faint_fence_call_among_more_it_could_not_tell_raises_nothing() -> None:
    # 3 x -0.51 + 3.56 = 2.03, under the corridor's 2.5 (the faint call last: a rule is
    # judged as evidence comes)
    hits = [("f-6", U, 1.0), ("f-7", U, 0.8), ("f-8", U, 0.6), ("f-5", P, 0.396)]
    assert run(BUNDLED, fence_hits(hits)) == []


def test_merged_incidents_add_their_counts_and_older_state_has_none() -> None:
    keep = Incident("i-1", "e-1", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)
    gone = Incident("i-2", "e-2", 1.0, 6.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)
    keep.signatures = {"seismic": [2.0, 0.0, 1.0, 0.0]}
    gone.signatures = {"seismic": [1.0, 0.0, 0.0, 2.0], "fibre": [1.0, 0.0, 0.0, 0.0]}
    merge_into(keep, gone)
    assert keep.signatures == {"seismic": [3.0, 0.0, 1.0, 2.0], "fibre": [1.0, 0.0, 0.0, 0.0]}
    saved = orjson.loads(state_codec.dumps(keep.to_dict()))
    assert Incident.from_dict(saved).signatures == keep.signatures
    del saved["signatures"]  # written before signatures were counted
    assert Incident.from_dict(saved).signatures == {}


def test_a_policy_copied_with_other_rates_weighs_by_those() -> None:
    fusion = BUNDLED.fusion
    assert round(fusion.llr_table()["seismic"][0], 2) == 0.92
    even = fusion.model_copy(update={"signatures": {
        "seismic": {"person": {"person": 0.5}, "animal": {"person": 0.5}}}})
    assert even.llr_table() == {"seismic": (0.0, 0.0, 0.0, 0.0)}
    assert round(fusion.llr_table()["seismic"][0], 2) == 0.92
