"""Reports that arrive after the event clock passed their moment (a gateway's upload of
what it held) give the same alerts however the transport groups messages into arrivals:
one message at a time, as the upload was sent, or all of one moment together, as a worker
fetches them. Before, the first message of a shuffled upload named the incident and its
alert, and its confidence rose or fell with the order of the messages."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from prometheus_client import CollectorRegistry

from stream.batch import RawMessage
from stream.evaluation.campaign import load_campaign
from stream.evaluation.execute import _context, make_trial
from stream.evaluation.runner import AFTER_S, trial_world, worker_feed
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings

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
