"""Fault suite: 1,000 hostile messages (hand-made kinds and randomly mutated reports,
including 2-14 MB values and huge batches; tests/unit/test_hostile_properties.py puts
hypothesis-generated ones through the same pure core) against a running worker. Each is
dead-lettered once with its reason, the valid messages interleaved with them are all
processed, dead letters stay small, and the worker's memory stays bounded."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections import Counter

import pytest

from benchmarks.hostile import MB, hostile_set, interleaved, refused_mutations, rss_mb
from stream.cli.processes import scrape_total
from stream.codec import DETAIL_CHARS, EXCERPT_BYTES, Decoder
from stream.models import DeadLetter, GroundDetection
from stream.settings import Settings
from tests.kafka_helpers import consume, consume_to_end, produce, wait_settled

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def test_a_thousand_hostile_messages_are_each_dead_lettered_once(
    settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    oracle = Decoder(GroundDetection, settings.max_message_bytes)
    hostile = hostile_set(settings.max_message_bytes, refused_mutations(oracle))
    assert len(hostile) == 1_000 and len({m[0] for m in hostile}) == 5
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    base_rss = rss_mb(worker.pid)
    by_topic, valid = interleaved(hostile)
    peak = base_rss
    for topic, items in by_topic.items():
        for start in range(0, len(items), 50):  # a hostile client allows itself big requests
            produce(settings, settings.topic(topic), items[start:start + 50],
                    **{"message.max.bytes": 20 * MB})
            peak = max(peak, rss_mb(worker.pid))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(worker.pid))
        done = scrape_total(url, "borderwatch_dead_letters_total")
        if done is not None and done >= len(hostile) - 5:
            break
    # What the broker stored is what the worker can judge: a producer retry may store a
    # message twice, and the broker may refuse one of the huge values (said, not hidden).
    reason_of = {(settings.topic(t), hashlib.sha256(v).hexdigest()): r for t, v, r in hostile}
    stored: Counter[tuple[str, str]] = Counter()
    for topic in {settings.topic(t) for t, _, _ in hostile}:
        for _, v in consume_to_end(settings, topic, timeout=180):
            key = (topic, hashlib.sha256(v).hexdigest())
            if key in reason_of:
                stored[key] += 1
    expected: Counter[tuple[str, str]] = Counter()
    for (t, h), n in stored.items():
        expected[t, reason_of[t, h]] += n
    refused = len({(settings.topic(t), hashlib.sha256(v).hexdigest()) for t, v, _ in hostile}
                  - set(stored))
    print(f"{sum(stored.values())} hostile messages stored ({refused} distinct refused)")
    assert refused <= 5, "the broker refused more than the few huge values"
    letters = [DeadLetter.model_validate_json(v)
               for _, v in consume(settings, settings.topic("deadletters"),
                                   expect=sum(stored.values()), timeout=120)]
    got = Counter((d.topic, d.reason) for d in letters)
    assert got == expected, (got - expected, expected - got)
    assert max(len(d.model_dump_json()) for d in letters) < 3 * EXCERPT_BYTES + DETAIL_CHARS
    assert scrape_total(url, "borderwatch_dead_letters_total") == len(letters)
    assert scrape_total(url, "borderwatch_send_failures_total") == 0
    consumed = scrape_total(url, "borderwatch_events_consumed_total")
    assert consumed == valid
    # and every batch that read them is done (outputs and state on the broker): it is once
    # the group committed their offsets and the tick that released their event time
    wait_settled(settings)
    assert scrape_total(url, "borderwatch_reports_done_total") == consumed
    assert worker.poll() is None
    # 4 values of 2-14 MB and dozens of 0.25 MB ones went through; the worker keeps none of them
    print(f"worker RSS: {base_rss:.0f} MB at start, {peak:.0f} MB peak")
    assert peak < base_rss + 400
