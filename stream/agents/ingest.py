"""The ingest agent: batches of sensor messages through :class:`~stream.pipeline.Pipeline`."""

from __future__ import annotations

import time
from typing import Any

import faust

from stream import topics
from stream.pipeline import Pipeline, RawMessage
from stream.settings import Settings


def register_ingest(app: faust.App, settings: Settings, pipeline: Pipeline) -> None:
    metrics = pipeline.metrics
    sources = app.topic(
        settings.topic(topics.GROUND.name),
        settings.topic(topics.CAMERA.name),
        settings.topic(topics.HEALTH.name),
    )
    alerts = app.topic(settings.topic(topics.ALERTS.name))
    dead = app.topic(settings.topic(topics.DEAD_LETTERS.name))

    async def ingest(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_max, settings.batch_within):
            result = pipeline.process(
                [
                    RawMessage(m.topic, m.partition, m.offset, m.key, m.value)
                    for m in (e.message for e in events)
                ]
            )
            for letter in result.dead_letters:
                await dead.send(key=letter.key, value=letter.model_dump_json().encode())
            for alert in result.alerts:
                await alerts.send(key=alert.id.encode(), value=alert.model_dump_json().encode())
                metrics.alerts.labels(
                    state=alert.state.value, severity=alert.severity.value,
                    sector=alert.sector or "unknown",
                ).inc()
                metrics.latency.observe(max(0.0, time.time() - alert.event_ts))

    app.agent(sources, name="ingest")(ingest)
