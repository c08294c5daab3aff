"""Baseline for ``benchmarks/pipeline.py``: a plain per-event Faust agent doing the same work.

Each event goes alone through the same :class:`~stream.pipeline.Pipeline` (decode,
validate, geofence check, alert), one Faust event at a time. Configured like the
real worker, from ``BORDERWATCH_*`` variables.
"""

from __future__ import annotations

import time
from typing import Any

import faust

from geofences.index import GeofenceSet
from stream import topics
from stream.app import faust_settings
from stream.batch import RawMessage
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings


def main() -> None:
    settings = Settings()
    metrics = Metrics()
    metrics.serve(settings.metrics_host, settings.metrics_port)
    app = faust.App(settings.app_id, **faust_settings(settings))
    pipeline = Pipeline(settings, GeofenceSet.load_bundled(), metrics)
    sources = app.topic(settings.topic(topics.GROUND.name))
    alerts = app.topic(settings.topic(topics.ALERTS.name))

    async def per_event(stream: Any) -> None:
        async for event in stream.events():
            m = event.message
            raw = RawMessage(m.topic, m.partition, m.offset, m.key, m.value)
            result = pipeline.process([raw], time.time())
            for alert in result.alerts:
                await alerts.send(key=alert.id.encode(), value=alert.model_dump_json().encode())
                metrics.latency.observe(max(0.0, time.time() - alert.event_ts))
            metrics.reports_done.inc(result.reports)

    app.agent(sources, name="per_event")(per_event)

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]
    async def ready(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        metrics.worker_ready.set(1)

    faust.Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
