"""The ingest agent: batches of sensor messages through :class:`~stream.pipeline.Pipeline`.

It consumes the sensor topics, patrol acknowledgements and timer ticks, and sends what
the pure core returns: alerts, dead letters, late events, zone events and camera tasks. The
correlator's state (incidents, sensor sites) is mirrored into the changelogged
``correlation`` table (at once when an alert changed, else at most every
``state_flush_interval`` seconds) and restored from it after a rebalance, so a
restarted worker resumes its incidents and keeps their alert ids.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import faust
import orjson

from stream import topics
from stream.models import AlertState
from stream.pipeline import BatchResult, Pipeline, RawMessage
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
    alerts = app.topic(settings.topic(topics.ALERTS.name))
    dead = app.topic(settings.topic(topics.DEAD_LETTERS.name))
    late = app.topic(settings.topic(topics.LATE.name))
    zone_events = app.topic(settings.topic(topics.ZONE_EVENTS.name))
    tasking = app.topic(settings.topic(topics.TASKING.name))
    ticks = app.topic(settings.topic(topics.TICKS.name))
    # The correlator's state is per worker, not per source partition (see
    # docs/architecture.md, Scaling). So each key lives in ONE changelog partition (by key
    # hash, not the batch's last event, which would leave an older copy of the key in
    # another partition for a restart to read), in memory (the RocksDB store keeps a copy
    # per source partition), and its values stay the bytes written (value_type: without
    # it a recovered table hands back JSON-decoded values, not bytes).
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
    # Changed state keys wait here and are written together, at most every
    # state_flush_interval seconds, and at once when the batch changed an alert.
    pending: dict[str, Any] = {}
    flushed = {"at": 0.0}

    async def send(result: BatchResult) -> None:
        for letter in result.dead_letters:
            await dead.send(key=letter.key, value=letter.model_dump_json().encode())
        for event in result.late:
            await late.send(key=event.event_id.encode(), value=event.model_dump_json().encode())
        for change in result.zone_events:
            await zone_events.send(key=change.alert_id.encode(),
                                   value=change.model_dump_json().encode())
        for task in result.tasks:
            await tasking.send(key=task.camera_id.encode(), value=task.model_dump_json().encode())
        for alert in result.alerts:
            await alerts.send(key=alert.id.encode(), value=alert.model_dump_json().encode())
            metrics.alerts.labels(
                state=alert.state.value,
                severity=alert.severity.value,
                sector=alert.sector or "unknown",
            ).inc()
            if alert.state == AlertState.NEW:
                metrics.latency.observe(max(0.0, time.time() - alert.event_ts))
        pending.update(result.changed)
        now = time.monotonic()
        if result.alerts or now - flushed["at"] >= settings.state_flush_interval:
            # Values are the correlator's live records: written as they are now.
            for key, value in pending.items():
                if value is None:
                    state.pop(key, None)
                else:
                    state[key] = orjson.dumps(value)
            pending.clear()
            flushed["at"] = now

    async def ingest(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_max, settings.batch_within):
            if restore["needed"]:
                restore["needed"] = False
                try:
                    saved = {k: orjson.loads(v) for k, v in state.items() if v is not None}
                    pipeline.restore(saved)
                    log.info("correlator restored from %d state keys", len(saved))
                except Exception:  # go on with what was restored: the batch still counts
                    log.exception("restoring the correlator's state failed")
                    metrics.batch_failures.inc()
            try:
                result = pipeline.process(
                    [
                        RawMessage(m.topic, m.partition, m.offset, m.key, m.value)
                        for m in (e.message for e in events)
                    ]
                )
                stream._set_current_event(events[-1])  # table writes need one
                await send(result)
            except Exception:  # a bug must not stop the agent: log, count, go on
                log.exception("batch of %d messages failed", len(events))
                metrics.batch_failures.inc()

    app.agent(sources, name="ingest")(ingest)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def on_assigned(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        restore["needed"] = True

    @app.timer(settings.tick_interval, on_leader=True)
    async def tick() -> None:
        """One tick to every partition: each worker's correlator runs its timers."""
        for partition in range(settings.partitions):
            await ticks.send(key=b"tick", value=b"{}", partition=partition)
