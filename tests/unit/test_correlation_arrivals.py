"""Reports that arrive after the event clock passed their moment (a gateway's upload of
what it held) give the same alerts however the transport groups messages into arrivals:
one message at a time, as the upload was sent, or all of one moment together, as a worker
fetches them. Before, the first message of a shuffled upload named the incident and its
alert, and its confidence rose or fell with the order of the messages."""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby
from pathlib import Path

from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream.batch import RawMessage
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.evaluation.campaign import load_campaign
from stream.evaluation.execute import _context, make_trial
from stream.evaluation.runner import AFTER_S, trial_world, worker_feed
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings
from tests.unit.correlation_builders import T0, ground

ROOT = Path(__file__).parents[2]


def _alerts(together: bool) -> list[tuple[str, str, str]]:
    c = load_campaign(ROOT / "campaigns" / "smoke.yaml")
    _, site = _context(c.model_dump())
    world = trial_world(make_trial(c, "store_forward", 0), site, c.start)
    settings = Settings()
    pipe = Pipeline(settings, site.fences, Metrics(CollectorRegistry()))
    out = []
    feed = list(worker_feed(settings, world.run(), world.start, AFTER_S))
    for at, group in groupby(feed, key=lambda m: m[0]):
        msgs = [m for _, m in group]
        batches = [[RawMessage(m.topic, m.partition, m.offset, m.key, m.value) for m in msgs]
                   ] if together else [[m] for m in msgs]
        for batch in batches:
            out += [(a.id, a.state.value, a.severity.value)
                    for a in pipe.process(batch, now=at).alerts]
    return out


def test_an_upload_gives_the_same_alerts_one_message_at_a_time_or_all_together() -> None:
    one_by_one = _alerts(together=False)
    assert any(s == "critical" for _, _, s in one_by_one), "the held crossing is alerted"
    assert _alerts(together=True) == one_by_one


def _chatter(sensor: str, dx: float, start: int, stop: int, partition: int) -> list[Evidence]:
    """A sensor firing every 0.3 s, its strength never twice alike (chattering, not stuck)."""
    return [replace(ground(sensor, k + 1, 0.3 * k, dx, 200.0, strength=0.5 + 0.01 * k),
                    partition=partition) for k in range(start, stop)]


def _faults(arrivals: list[tuple[float, list[Evidence]]]) -> list[tuple[str, float]]:
    """The sensor-fault alerts of ``(processing time, reports)`` arrivals, then a tick."""
    cor, out = Correlator(GeofenceSet.load_bundled()), []
    for at, evidence in [*arrivals, (arrivals[-1][0] + 1.0, [])]:
        out += cor.process(evidence, now=T0 + at).alerts
    return sorted((a.id, a.event_ts) for a in out if a.rule == "sensor-fault")


def test_reports_behind_the_clock_go_before_the_newer_ones_of_their_arrival() -> None:
    # b's partition fell silent after its first hit and the clock went on without it; its
    # next hits come after the clock passed the first of them (as a worker that took the
    # partition over in a rebalance reads them again): b is judged in event order anyway,
    # its fault named after the same hit as when every report came in order
    a, b = _chatter("a", 300.0, 0, 40, 0), _chatter("b", -300.0, 0, 50, 1)
    in_order = _faults([(60.0, sorted(a + b, key=lambda e: e.report.ts))])
    assert len(in_order) == 2
    assert _faults([(60.0, a + b[:1]), (70.0, []), (71.0, b[1:])]) == in_order
