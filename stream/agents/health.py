"""Health gauges: sensors per sector from heartbeats, open incidents from alerts, consumer lag.

Two light agents (heartbeats and alerts are low volume) fill pure trackers from
:mod:`stream.health`; a timer turns them into gauges every ``health_interval`` s.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Hashable, Mapping
from typing import Any

import faust
from prometheus_client import Counter, Gauge
from pydantic import ValidationError

from stream import topics
from stream.codec import REASONS, Decoder
from stream.health import (
    UNKNOWN,
    OpenIncidents,
    Partition,
    SensorHealthTracker,
    consumer_lag,
    fence_sectors,
    sector_lookup,
)
from stream.metrics import Metrics
from stream.models import Alert, AlertState, SensorHealth, SensorKind, Severity
from stream.pipeline import Pipeline
from stream.settings import Settings


class GaugeSync:
    """Set a labelled gauge to a full snapshot, removing series that left it."""

    def __init__(self, gauge: Gauge) -> None:
        self.gauge = gauge
        self.keys: set[tuple[str, ...]] = set()

    def set(self, values: Mapping[Any, float]) -> None:
        for key, value in values.items():
            self.gauge.labels(*key).set(value)
        for gone in self.keys - values.keys():
            with contextlib.suppress(KeyError):
                self.gauge.remove(*gone)
        self.keys = set(values)


def init_series(metrics: Metrics, settings: Settings, sectors: list[str]) -> None:
    """Export zeros for bounded label sets, so rates and alert rules see 0, not no data."""
    for reason in REASONS:
        metrics.dead_letters.labels(reason=reason)
    kinds = [
        (topics.GROUND, [k.value for k in SensorKind if k != SensorKind.CAMERA]),
        (topics.CAMERA, [SensorKind.CAMERA.value]),
        (topics.HEALTH, [k.value for k in SensorKind]),
    ]
    for spec, spec_kinds in kinds:
        topic = settings.topic(spec.name)
        metrics.late_events.labels(topic=topic)
        metrics.messages_consumed.labels(topic=topic)
        for kind in spec_kinds:
            metrics.events_consumed.labels(topic=topic, kind=kind)
    for sector in [*sectors, UNKNOWN]:
        for state in AlertState:
            for severity in Severity:
                metrics.alerts.labels(state=state.value, severity=severity.value, sector=sector)
    counters: tuple[Counter, ...] = (metrics.alerts_rate_limited, metrics.sector_heartbeats)
    for sector in sectors:
        for counter in counters:
            counter.labels(sector=sector)
    if not any(m.samples for m in metrics.policy_version.collect()):
        metrics.policy_version.labels(version="none").set(1)


def register_health(app: faust.App, settings: Settings, pipeline: Pipeline) -> None:
    metrics = pipeline.metrics
    decoder: Decoder[SensorHealth] = Decoder(SensorHealth, settings.max_message_bytes)
    sensors = SensorHealthTracker(
        lambda lon, lat: sector_lookup(pipeline.fences)(lon, lat),
        offline_after_s=settings.sensor_offline_after,
        low_battery=settings.low_battery_level,
    )
    incidents = OpenIncidents()
    init_series(metrics, settings, fence_sectors(pipeline.fences))
    sensor_gauge, incident_gauge = GaugeSync(metrics.sensors), GaugeSync(metrics.open_incidents)
    lag_gauge = GaugeSync(metrics.consumer_lag)

    async def heartbeats(stream: Any) -> None:
        async for event in stream.events():
            m = event.message
            items, _ = decoder.decode(  # refused ones are dead-lettered by the ingest agent
                m.value, topic=m.topic, partition=m.partition, offset=m.offset, key=m.key
            )
            heard = sensors.update((d.report for d in items), (m.topic, m.partition))
            for sector, n in heard.items():
                metrics.sector_heartbeats.labels(sector=sector).inc(n)

    async def alerts(stream: Any) -> None:
        async for event in stream.events():
            m = event.message
            with contextlib.suppress(ValidationError):
                incidents.observe(Alert.model_validate_json(m.value), (m.topic, m.partition))

    app.agent(app.topic(settings.topic(topics.HEALTH.name)), name="health")(heartbeats)
    app.agent(app.topic(settings.topic(topics.ALERTS.name)), name="incidents")(alerts)

    @app.timer(settings.health_interval)
    async def publish_health() -> None:
        try:
            owned = app.consumer.assignment()
        except Exception:  # consumer not started or rebalancing: try next tick
            return
        assigned: set[Partition] = {(tp.topic, tp.partition) for tp in owned}
        sensors.keep_partitions(assigned)
        incidents.keep_partitions(assigned)
        sensor_gauge.set(sensors.counts(time.time()))
        open_now: dict[tuple[str, str], float] = {
            (s, sev.value): 0 for s in fence_sectors(pipeline.fences) for sev in Severity
        }
        open_now.update(incidents.counts().items())
        incident_gauge.set(open_now)
        lag_gauge.set(
            {(t, str(p)): n for (t, p), n in _lag(app.consumer, assigned).items()}
        )


def _lag(consumer: Any, assigned: set[Partition]) -> dict[Partition, int]:
    """Lag of every assigned partition from Faust's consumer (high watermark - committed)."""
    tps = {(tp.topic, tp.partition): tp for tp in consumer.assignment()}
    committed: Mapping[Hashable, int | None] = getattr(consumer, "_committed_offset", {})
    highs: dict[Partition, int | None] = {}
    done: dict[Partition, int | None] = {}
    for key in assigned:
        tp = tps.get(key)
        if tp is None or "__assignor" in key[0]:  # Faust's internal leader topic
            continue
        try:
            highs[key] = consumer.highwater(tp)
        except Exception:  # partition not fetched yet
            highs[key] = None
        done[key] = committed.get(tp)
    return consumer_lag(highs, done)
