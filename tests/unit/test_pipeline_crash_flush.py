"""A worker killed while one batch's state is on its way to the changelog resumes with the
alert ids of a worker that never stopped.

The batch's keys spread over the changelog's partitions, so a kill mid-flush lands any
part of what the worker had sent. The worker sends in two phases
(:func:`~stream.correlation.state_codec.in_two_phases`): here every other key of either
phase lands (either half), the batch's offsets are not committed, and the restarted worker
reads that batch again. No Kafka: the table is a dict, as in :mod:`.test_pipeline_restart`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import orjson
import pytest

from simulators.scenario import load_scenario
from simulators.world import World
from stream.batch import RawMessage
from stream.correlation.held import event_id
from stream.correlation.seen import digest
from stream.correlation.state_codec import BUF, INC, dumps, in_two_phases
from stream.models import Alert, Severity
from tests.unit.test_pipeline_restart import PAUSE_S, START, Worker, batches, ids

Writes = dict[str, bytes | None]
Landing = Callable[[Writes], Writes]


@cache
def feed() -> tuple[list[list[RawMessage]], float]:
    """Five-on-foot in batches, and when the replay starts (after the scenario happened)."""
    emissions = list(World(load_scenario("five-on-foot"), start=START).run())
    return list(batches(emissions, 0)), max(e.ts for e in emissions) + 1.0


@cache
def steady() -> set[str]:
    """The medium+ alert ids of a worker that never stopped."""
    bs, start = feed()
    worker = Worker({}, start)
    for b in bs:
        worker.feed(b)
    worker.settle()
    return ids(worker.alerts, Severity.MEDIUM)


@dataclass(frozen=True)
class Killed:
    """A worker that died while writing one batch's state: its table before that batch,
    every alert it sent (a batch's alerts go before its state), the batch's writes and its
    processing clock."""

    before: dict[str, bytes]
    alerts: list[Alert]
    writes: Writes
    now: float


@cache
def kills() -> list[Killed]:
    """What a kill while writing each batch's state leaves (one run, state before each)."""
    bs, start = feed()
    worker, out = Worker({}, start), []
    for b in bs:
        before = dict(worker.table)
        worker.now += 0.05
        writes: Writes = {}
        for result in (worker.pipeline.process(b, now=worker.now),
                       worker.pipeline.tick(worker.now)):
            worker.alerts += result.alerts
            worker.write(result)
            writes.update({key: None if v is None else dumps(v)
                           for key, v in result.changed.items()})
        out.append(Killed(before, list(worker.alerts), writes, worker.now))
    return out


def restarted(k: int, landing: Landing) -> set[str]:
    """The medium+ alert ids when ``landing`` is what reached the changelog of batch k."""
    kill = kills()[k]
    table = dict(kill.before)
    for key, raw in landing(kill.writes).items():
        if raw is None:
            table.pop(key, None)
        else:
            table[key] = raw
    worker = Worker(table, kill.now + PAUSE_S)
    for b in feed()[0][k:]:  # from the batch whose offsets were not committed
        worker.feed(b)
    worker.settle()
    return ids(kill.alerts + worker.alerts, Severity.MEDIUM)


def every_other(writes: Writes, parity: int) -> Writes:
    return {k: v for i, (k, v) in enumerate(sorted(writes.items())) if i % 2 == parity}


LANDINGS: dict[str, Landing] = {
    "half the values": lambda w: every_other(in_two_phases(w)[0], 0),
    "the other half of the values": lambda w: every_other(in_two_phases(w)[0], 1),
    "the values, half the clocks and deletions": lambda w: {
        **in_two_phases(w)[0], **every_other(in_two_phases(w)[1], 0)},
    "the values, the other half of the clocks and deletions": lambda w: {
        **in_two_phases(w)[0], **every_other(in_two_phases(w)[1], 1)},
}


def releasing() -> list[int]:
    """Batches that release held reports into an incident: their writes delete a ``buf:``
    key and write an ``inc:`` key (the case a partial flush could lose)."""
    return [k for k, kill in enumerate(kills())
            if any(key.startswith(f"{BUF}:") and v is None for key, v in kill.writes.items())
            and any(key.startswith(f"{INC}:") and v for key, v in kill.writes.items())]


def deletions(writes: Writes) -> Writes:
    """What the order of old could land: the deletions before the values."""
    return {k: v for k, v in writes.items() if v is None}


@cache
def lossy(n: int = 2) -> list[int]:
    """The first ``n`` releasing batches where landing only the deletions loses reports."""
    out: list[int] = []
    for k in releasing():
        if len(out) < n and restarted(k, deletions) != steady():
            out.append(k)
    return out


def test_deletions_landing_before_the_values_would_lose_reports() -> None:
    """The case is worth testing: the deletion of released reports without the incident
    that took them gives other alert ids, in more than one batch."""
    assert len(lossy()) == 2


@pytest.mark.parametrize("landing", list(LANDINGS))
def test_a_kill_while_state_is_written_keeps_the_alert_ids(landing: str) -> None:
    """In the batches where the old order lost reports, any part of either phase is safe."""
    points = lossy()
    assert {k: restarted(k, LANDINGS[landing]) for k in points} == dict.fromkeys(
        points, steady())


def test_released_reports_a_kill_left_held_are_not_released_again() -> None:
    """Killed after the values and clocks landed but before the deletions: the reports the
    batch released are still in ``buf:`` keys, and an incident holds them."""
    kill = kills()[lossy()[0]]
    first, then = in_two_phases(kill.writes)
    table = {**kill.before, **first, **{k: v for k, v in then.items() if v is not None}}
    worker = Worker(table, kill.now + PAUSE_S)
    seen = worker.pipeline.correlator.seen_events()
    stale = {e for key, raw in table.items() if key.startswith(f"{BUF}:")
             for d in orjson.loads(raw) if (e := event_id(d)) and digest(e) in seen}
    assert stale, "the case occurs: released reports left held"
    held = {event_id(d) for chunks in worker.pipeline.correlator.held.docs.values()
            for docs in chunks.values() for d in docs}
    assert not held & stale
