"""The ingest agent: batches of placed sensor messages through the pipelines of the placed
partitions this worker holds (:class:`~stream.partitioned.Partitioned`).

It consumes the placed topics (:mod:`stream.agents.route` fills them), patrol
acknowledgements and timer ticks, hands each partition's messages to that partition's
pipeline, and sends what the pure core returns: alerts, dead letters, late events, zone
events and camera tasks.

At least once, end to end: each batch's outputs are sent and their delivery awaited, then
the correlator's changed state (incidents, sensor sites, zone stays) is written to the
changelogged ``correlation`` table through the same producer (its new values, and once
the broker has them, its clocks and deletions: ``stream/agents/changelog.py``), and only
once those are on the broker too are the batch's events acknowledged, so a commit of
their offsets never passes state still on its way. A crash
replays at most the batches not yet committed, and deterministic alert ids make that
replay harmless. A send that fails is logged and counted and never stops the rest of the
batch. The table is restored after a rebalance, so a restarted worker resumes its
incidents and alert ids.
If the broker lost the logs the worker had read (restarted empty), the worker says so once
(``borderwatch_broker_resets_total``) and writes its whole state to the changelog again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import faust
import orjson

from stream import state_partitions, topics
from stream.agents import assignment
from stream.agents.changelog import Changelog
from stream.agents.log_reset import LogReset, Reset
from stream.agents.outputs import Outputs
from stream.agents.stall import StallWatch
from stream.agents.unread import UnreadPartitions
from stream.agents.watchdog import register_watchdog
from stream.batch import BatchResult, RawMessage
from stream.models import AlertState
from stream.partitioned import Partitioned, merged
from stream.placed import origin_of, shares_of
from stream.progress import is_progress
from stream.settings import Settings

log = logging.getLogger(__name__)


def register_ingest(app: faust.App, settings: Settings, pipeline: Partitioned) -> None:
    metrics = pipeline.metrics
    placed = [topics.placed_topic(settings, name) for name in topics.PLACED]
    sources = app.topic(*placed, settings.topic(topics.ACKS.name),
                        settings.topic(topics.TICKS.name))
    ticks = app.topic(settings.topic(topics.TICKS.name))
    # The correlator's state is kept per placed partition (stream/state_partitions.py): a
    # partition's keys in its partition of the changelog, so the worker given that
    # partition after a rebalance restores it. In memory (the RocksDB
    # store keeps a copy per source partition), and its values stay the bytes written
    # (value_type: without it a recovered table hands back JSON-decoded values, not bytes).
    # Faust ignores a table's store="memory://" (the URL is falsy) and uses the app's store,
    # which stream/app.py therefore sets to memory:// as well.
    state = app.Table(
        "correlation",
        partitions=settings.partitions,
        key_type=str,
        value_type=bytes,
        use_partitioner=True,
        store="memory://",
        schema=faust.Schema(
            key_type=str, value_type=bytes, key_serializer="json", value_serializer="raw"
        ),
    )
    restore = {"needed": True}
    sensor_topics = set(placed)
    source_topics = sensor_topics | {settings.topic(t.name) for t in (topics.ACKS, topics.TICKS)}
    unread = UnreadPartitions(sensor_topics)
    held: set[int] = set()  # the placed partitions this worker holds (their state with them)

    highwater = assignment.highwater(app)

    async def track_assignment() -> None:
        """Where each assigned placed partition is read from and where it ends."""
        held.clear()
        held.update(tp.partition for tp in app.consumer.assignment()
                    if tp.topic in source_topics)
        ranges = await assignment.assigned_ranges(app, settings, sensor_topics)
        unread.assign(ranges or {}, time.monotonic())

    keys = settings.key_ring()
    too_large: set[str] = set()  # state key kinds already logged as over the size limit
    if not keys.enabled:
        log.warning("no signing keys: acks are not checked and alerts are not signed")
    outputs = {kind: settings.topic(t.name) for kind, t in (
        ("alert", topics.ALERTS), ("dead_letter", topics.DEAD_LETTERS), ("late", topics.LATE),
        ("zone_event", topics.ZONE_EVENTS), ("task", topics.TASKING))}
    producer: list[Outputs] = []  # made on the first send, in the agent's loop

    async def produce(topic: str, key: bytes | None, value: bytes | None,
                      partition: int | None = None) -> asyncio.Future[int]:
        """Hand one record to the worker's producer (in call order per partition)."""
        if not producer:
            producer.append(Outputs(settings))
        return await producer[0].send(topic, key, value, partition)

    async def enqueue(kind: str, key: str | None, value: bytes) -> Any:
        """Hand one output to the producer (in order); its delivery future, or the error."""
        try:
            return await produce(outputs[kind], key.encode() if key is not None else None,
                                 value)
        except Exception as exc:
            return exc

    async def delivered(kind: str, size: int, fut: Any) -> bool:
        """Wait for the broker (at most ``send_timeout`` s); False (logged, counted) if the
        send failed or timed out."""
        try:
            if isinstance(fut, Exception):
                raise fut
            await asyncio.wait_for(fut, settings.send_timeout)
            return True
        except Exception as exc:  # one bad send never drops the rest of the batch
            log.error("sending a %s (%d bytes) failed: %s", kind, size, exc)
            metrics.send_failures.labels(kind=kind).inc()
            return False

    async def send(results: Mapping[int, BatchResult]) -> None:
        """Every partition's outputs, then its state."""
        result = merged(results)
        jobs: list[tuple[str, str | None, bytes, Any]] = []
        for letter in result.dead_letters:
            jobs.append(("dead_letter", letter.key, letter.model_dump_json().encode(), letter))
        for event in result.late:
            jobs.append(("late", event.event_id, event.model_dump_json().encode(), None))
        for change in result.zone_events:
            jobs.append(("zone_event", change.alert_id, change.model_dump_json().encode(), None))
        for task in result.tasks:
            jobs.append(("task", task.camera_id, task.model_dump_json().encode(), None))
        for alert in result.alerts:
            signed = keys.sign_model(alert)
            jobs.append(("alert", alert.id, signed.model_dump_json().encode(), alert))
        # enqueued one after the other (a key's messages keep their order), then awaited
        futs = [await enqueue(kind, key, value) for kind, key, value, _ in jobs]
        sent = await asyncio.gather(*(delivered(kind, len(value), fut)
                                      for (kind, _, value, _), fut in zip(jobs, futs,
                                                                            strict=True)))
        for (kind, _, _, item), ok in zip(jobs, sent, strict=True):
            if not ok:
                continue
            if kind == "dead_letter":
                metrics.dead_letters.labels(reason=item.reason).inc()
            elif kind == "alert":
                metrics.alerts.labels(
                    state=item.state.value,
                    severity=item.severity.value,
                    sector=item.sector or "unknown",
                ).inc()
                if item.state == AlertState.NEW:
                    metrics.latency.observe(max(0.0, time.time() - item.event_ts))
        # Then the state those outputs came from, in two phases (a crash between them or in
        # either leaves state the batch's replay puts right: state_codec.in_two_phases),
        # each on the broker before the next, and before the batch's events are acknowledged.
        w = state_partitions.writes({p: r.changed for p, r in results.items()},
                                    settings.max_message_bytes)
        for kind, size in w.sizes.items():
            metrics.state_written.labels(kind=kind).inc(size)
        await write_state(w.first, w.homes)
        await write_state(w.then, w.homes)
        for key, size in w.refused:  # kept at its last value: a restart restores that
            kind = key.split(":", 1)[0]
            metrics.state_oversize.labels(kind=kind).inc()
            if kind not in too_large:
                too_large.add(kind)
                log.error("state key %s is %d bytes, over the %d-byte message limit: not "
                          "written (counted in borderwatch_state_oversize_total)", key, size,
                          settings.max_message_bytes)
        metrics.state_keys.set(len(state))

    changelog = Changelog(state, produce, state.changelog_topic.get_topic_name())

    async def write_state(changes: Mapping[str, bytes | None],
                          homes: Mapping[str, int] | None = None) -> None:
        """State changes applied and on the broker, each in its partition (``homes``, else
        where it was); failures are logged and counted."""
        failed = await changelog.write(changes, settings.send_timeout, homes)
        if failed:
            metrics.send_failures.labels(kind="state").inc(failed)

    resets = LogReset()

    async def rewrite_all() -> list[str]:
        """Write every live state key to the changelog again; the keys written."""
        live = {k: v for k, v in state.items() if v is not None}
        homes = {k: p for k in live if (p := state_partitions.partition_of(k)) is not None}
        await write_state(live, homes)
        return list(live)

    async def rewrite_state(reset: Reset) -> None:
        """The broker lost what this worker read: say so once, count it, and write the
        whole state to the (recreated) changelog so a restart finds it there."""
        keys = await rewrite_all()
        log.warning(
            "the broker lost %s[%d] (handed offset %d after %d; it now ends at %d): it "
            "restarted empty or the topic was recreated; writing the worker's state (%d "
            "keys) to the changelog again", reset.topic, reset.partition, reset.now,
            reset.before, reset.end, len(keys))
        metrics.broker_resets.inc()

    watch = StallWatch(settings.stall_s)

    async def ingest(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_max, settings.batch_within):
            watch.begin(time.monotonic())
            try:
                await take(events)
            finally:
                watch.end(time.monotonic())

    async def take(events: list[Any]) -> None:
        if restore["needed"]:
            restore["needed"] = False
            await track_assignment()
            try:  # the state of the partitions held now, and nothing else
                table = dict(state.items())
                pipeline.hold(held)
                n = 0
                for p, pipe in pipeline.pipes.items():
                    keys = state_partitions.of_partition(table, p)
                    saved = {k: orjson.loads(v) for k, v in keys.items() if v is not None}
                    pipe.restore(saved)
                    n += len(saved)
                log.info("correlators of partitions %s restored from %d state keys",
                         sorted(held), n)
            except Exception:  # go on with what was restored: the batch still counts
                log.exception("restoring the correlator's state failed")
                metrics.batch_failures.inc()
        try:
            # arrival time: this batch's clock (message timestamps would make a worker
            # reading a backlog see its partitions idle while it still reads them)
            messages = [RawMessage(m.topic, m.partition, m.offset, m.key, m.value,
                                   origin=origin_of(m.headers),
                                   progress=is_progress(m.headers),
                                   shares=shares_of(m.headers))
                        for m in (e.message for e in events)]
            for (topic, part), expected, got in unread.read(
                    (m.topic, m.partition, m.offset) for m in messages):
                log.warning("%s[%d]: the consumer handed over offset %d where %d was due: "
                            "%d messages skipped", topic, part, got, expected, got - expected)
                metrics.skipped_messages.labels(topic=topic).inc(got - expected)
            began = time.monotonic()
            batches: dict[int, list[RawMessage]] = {}
            for m in messages:
                if m.partition not in pipeline.pipes:  # not (or no longer) held here
                    log.warning("%s[%d]: a message of a partition this worker does not hold",
                                m.topic, m.partition)
                    continue
                batches.setdefault(m.partition, []).append(m)
            result = pipeline.process_placed(batches, time.time(),
                                             unread.unread(highwater, time.monotonic()))
            reset = resets.check(((m.topic, m.partition, m.offset) for m in messages),
                                 highwater)
            if reset is not None:
                await rewrite_state(reset)
            processed = time.monotonic()
            metrics.batch_seconds.labels(phase="process").observe(processed - began)
            await send(result)
            metrics.batch_seconds.labels(phase="send").observe(time.monotonic() - processed)
        except Exception:  # a bug must not stop the agent: log, count, go on
            log.exception("batch of %d messages failed", len(events))
            metrics.batch_failures.inc()

    app.agent(sources, name="ingest")(ingest)

    async def save_state() -> int:
        """The whole state written to the changelog again and on the broker; its size."""
        return len(await rewrite_all())

    register_watchdog(app, settings, watch, source_topics, save_state, metrics.stalls)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def on_assigned(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        restore["needed"] = True

    @app.timer(settings.tick_interval, on_leader=True)
    async def tick() -> None:
        """One tick to every partition: each partition's correlator runs its timers."""
        for partition in range(settings.partitions):
            await ticks.send(key=b"tick", value=b"{}", partition=partition)
