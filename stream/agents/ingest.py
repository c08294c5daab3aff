"""The ingest agent: batches of sensor messages through :class:`~stream.pipeline.Pipeline`.

It consumes the sensor topics, patrol acknowledgements and timer ticks, and sends what
the pure core returns: alerts, dead letters, late events, zone events and camera tasks.

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
from faust.types import TP

from stream import kafka_clients, state_partitions, topics
from stream.agents.batches import take_batches
from stream.agents.changelog import Changelog
from stream.agents.log_reset import LogReset, Reset
from stream.agents.outputs import Outputs, settle
from stream.agents.stall import StallWatch
from stream.agents.unread import UnreadPartitions
from stream.agents.watchdog import register_watchdog
from stream.batch import BatchResult, RawMessage
from stream.correlation import state_codec
from stream.models import AlertState
from stream.pipeline import Pipeline
from stream.settings import Settings

log = logging.getLogger(__name__)


def register_ingest(app: faust.App, settings: Settings, pipeline: Pipeline) -> None:
    metrics = pipeline.metrics
    sources = app.topic(
        settings.topic(topics.GROUND.name),
        settings.topic(topics.CAMERA.name),
        settings.topic(topics.HEALTH.name),
        settings.topic(topics.ACKS.name),
        settings.topic(topics.TICKS.name),
    )
    ticks = app.topic(settings.topic(topics.TICKS.name))
    # The correlator's state is kept per source partition (stream/state_partitions.py): each
    # key in the changelog partition of the sensor partition its evidence came on, so the
    # worker given that partition after a rebalance restores it. In memory (the RocksDB
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
    sensor_topics = {settings.topic(t.name) for t in (topics.GROUND, topics.CAMERA, topics.HEALTH)}
    source_topics = sensor_topics | {settings.topic(t.name) for t in (topics.ACKS, topics.TICKS)}
    unread = UnreadPartitions(sensor_topics)
    held: set[int] = set()  # the sensor partitions this worker holds (their state with them)

    def highwater(topic: str, partition: int) -> int | None:
        """The end of a partition as the consumer's latest fetch saw it."""
        try:
            return int(app.consumer.highwater(TP(topic, partition)))
        except Exception:  # not fetched yet, or no longer assigned
            return None

    async def track_assignment() -> None:
        """Where each assigned sensor partition is read from and where it ends."""
        mine = [(tp.topic, tp.partition) for tp in app.consumer.assignment()
                if tp.topic in sensor_topics]
        held.clear()
        held.update(p for _, p in mine)
        try:
            ranges = await asyncio.to_thread(kafka_clients.read_range, settings,
                                             settings.app_id, mine)
        except Exception as exc:  # without it the clock judges by idleness alone
            log.warning("cannot read the assigned partitions' offsets: %s", exc)
            ranges = {}
        unread.assign(ranges, time.monotonic())

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

    async def delivered(jobs: list[tuple[str, int]], futs: list[Any]) -> list[bool]:
        """Wait for the broker (at most ``send_timeout`` s for them all, in one wait: a
        fault storm's thousands of health alerts); for each of ``jobs`` (kind, size), False
        (logged, counted) if its send failed or timed out."""
        sent = []
        for (kind, size), got in zip(jobs, await settle(futs, settings.send_timeout),
                                     strict=True):
            failed = isinstance(got, BaseException)
            if failed:  # one bad send never drops the rest of the batch
                log.error("sending a %s (%d bytes) failed: %s", kind, size, got)
                metrics.send_failures.labels(kind=kind).inc()
            sent.append(not failed)
        return sent

    async def send(result: BatchResult) -> None:
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
        sent = await delivered([(kind, len(value)) for kind, _, value, _ in jobs], futs)
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
        writes, refused = state_codec.encode_changes(
            state_partitions.per_partition_meta(result.changed, held), settings.max_message_bytes)
        homes = state_partitions.homes(writes, pipeline.correlator, pipeline.heard)
        first, then = state_codec.in_two_phases(writes)
        for kind, size in state_codec.bytes_by_kind(writes).items():
            metrics.state_written.labels(kind=kind).inc(size)
        await write_state(first, homes)
        await write_state(then, homes)
        for key, size in refused:  # kept at its last value: a restart restores that
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
        await write_state(live)
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
        async for events in take_batches(stream, settings.batch_max, settings.batch_within):
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
                keys = state_partitions.held_by(dict(state.items()), held, changelog.where)
                saved = {k: orjson.loads(v) for k, v in keys.items() if v is not None}
                pipeline.reset()
                pipeline.restore(saved)
                log.info("correlator restored from %d state keys of partitions %s",
                         len(saved), sorted(held))
            except Exception:  # go on with what was restored: the batch still counts
                log.exception("restoring the correlator's state failed")
                metrics.batch_failures.inc()
        try:
            # arrival time: this batch's clock (message timestamps would make a worker
            # reading a backlog see its partitions idle while it still reads them)
            messages = [RawMessage(m.topic, m.partition, m.offset, m.key, m.value)
                        for m in (e.message for e in events)]
            for (topic, part), expected, got in unread.read(
                    (m.topic, m.partition, m.offset) for m in messages):
                log.warning("%s[%d]: the consumer handed over offset %d where %d was due: "
                            "%d messages skipped", topic, part, got, expected, got - expected)
                metrics.skipped_messages.labels(topic=topic).inc(got - expected)
            began = time.monotonic()
            result = pipeline.process(messages, time.time(),
                                      unread=unread.unread(highwater, time.monotonic()))
            reset = resets.check(((m.topic, m.partition, m.offset) for m in messages),
                                 highwater)
            if reset is not None:
                await rewrite_state(reset)
            processed = time.monotonic()
            metrics.batch_seconds.labels(phase="process").observe(processed - began)
            await send(result)
            metrics.batch_seconds.labels(phase="send").observe(time.monotonic() - processed)
            metrics.reports_done.inc(result.reports)
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
        """One tick to every partition: each worker's correlator runs its timers."""
        for partition in range(settings.partitions):
            await ticks.send(key=b"tick", value=b"{}", partition=partition)
