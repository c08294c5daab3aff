"""One bundle of Prometheus metrics per process, created against a given registry.

>>> from prometheus_client import CollectorRegistry
>>> m = Metrics(registry=CollectorRegistry())
>>> m.dead_letters.labels(reason="not_json").inc()
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import start_http_server

#: 1 ms .. 10 s, roughly x2 apart.
LATENCY_BUCKETS = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)


class Metrics:
    """Every BorderWatch metric; names start with ``borderwatch_``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.events_consumed = Counter(
            "borderwatch_events_consumed",
            "Sensor reports consumed, by source topic and sensor kind.",
            ["topic", "kind"],
            registry=registry,
        )
        self.reports_done = Counter(
            "borderwatch_reports_done",
            "Sensor reports whose batch is done: its outputs and state are on the broker.",
            registry=registry,
        )
        self.messages_consumed = Counter(
            "borderwatch_messages_consumed",
            "Kafka messages consumed (one may carry a batch of reports), by topic.",
            ["topic"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "borderwatch_dead_letters",
            "Dead letters written (one per refused message), by reason.",
            ["reason"],
            registry=registry,
        )
        self.send_failures = Counter(
            "borderwatch_send_failures",
            "Worker outputs the broker did not take (logged; the rest of the batch goes on), "
            "by kind (alert, dead_letter, late, zone_event, task).",
            ["kind"],
            registry=registry,
        )
        self.broker_resets = Counter(
            "borderwatch_broker_resets",
            "Times the worker found that the broker had lost a log it had already read "
            "(the broker restarted empty or a topic was recreated); each time it logs one "
            "line and writes its whole state to the changelog again.",
            registry=registry,
        )
        self.stalls = Counter(
            "borderwatch_consumer_stalls",
            "Times the worker took no message for stall_s seconds while its partitions held "
            "unread ones; each time it logs one line, writes its state to the changelog and "
            "starts again in the same process (where the count begins again at 0; the line stays).",
            registry=registry,
        )
        self.replayed_reports = Counter(
            "borderwatch_replayed_reports",
            "Reports redelivered after a restart that the restored state already holds "
            "(skipped: a replay must not open a second incident).",
            registry=registry,
        )
        self.skipped_messages = Counter(
            "borderwatch_skipped_messages",
            "Sensor messages the consumer stepped over (it handed over a later offset than "
            "the next one due): lost to correlation unless a restart reads them again.",
            ["topic"],
            registry=registry,
        )
        self.alerts = Counter(
            "borderwatch_alerts",
            "Alert messages produced, by state, severity and sector ('unknown' if none).",
            ["state", "severity", "sector"],
            registry=registry,
        )
        self.latency = Histogram(
            "borderwatch_processing_latency_seconds",
            "Event time of the newest evidence to alert produced.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "borderwatch_batch_reports",
            "Reports processed per worker batch.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "borderwatch_batch_seconds",
            "Seconds a worker batch took: correlating it (process) and waiting for the "
            "broker to take its outputs and state (send).",
            ["phase"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.geofence_version = Gauge(
            "borderwatch_geofence_set_info",
            "Geofence set in force (value 1, version as label).",
            ["version"],
            registry=registry,
        )
        self.geofence_reloads = Counter(
            "borderwatch_geofence_reloads",
            "Geofence sets read from the geofences topic, by result (applied/rejected/same).",
            ["result"],
            registry=registry,
        )
        self.batch_failures = Counter(
            "borderwatch_batch_failures",
            "Worker batches that raised an error (logged with a traceback; the agent goes on).",
            registry=registry,
        )
        self.worker_ready = Gauge(
            "borderwatch_worker_ready",
            "1 once the worker's agents run and it has partitions assigned.",
            registry=registry,
        )
        self.event_time = Gauge(
            "borderwatch_event_time_seconds",
            "Correlator's event time, UTC epoch seconds: the newest report it has seen "
            "(clock=seen) and how far its reports are correlated (clock=released); released "
            "passes seen once the stream went idle and everything seen was correlated.",
            ["clock"],
            registry=registry,
        )
        self.assigned_partitions = Gauge(
            "borderwatch_assigned_partitions",
            "Partitions currently assigned to this worker.",
            registry=registry,
        )
        self.late_events = Counter(
            "borderwatch_late_events",
            "Reports older than the allowed lateness (sent to the late-events topic), by topic.",
            ["topic"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "borderwatch_consumer_lag_messages",
            "Messages between the partition's high watermark and the committed offset.",
            ["topic", "partition"],
            registry=registry,
        )
        self.open_incidents = Gauge(
            "borderwatch_open_incidents",
            "Incidents whose latest alert is not cleared, by sector and severity.",
            ["sector", "severity"],
            registry=registry,
        )
        self.state_keys = Gauge(
            "borderwatch_state_keys",
            "Keys in the worker's correlation state (incidents, sensor sites, zone stays).",
            registry=registry,
        )
        self.state_written = Counter(
            "borderwatch_state_written_bytes",
            "Bytes of state values written to the changelog, by key kind (inc, flt, site, "
            "...): every incident a batch touches is written whole.",
            ["kind"],
            registry=registry,
        )
        self.state_oversize = Counter(
            "borderwatch_state_oversize",
            "State values not written because they exceed the message size limit, by key "
            "kind (inc, meta, ...): the key keeps its last written value.",
            ["kind"],
            registry=registry,
        )
        self.policy_version = Gauge(
            "borderwatch_policy_set_info",
            "Zone policy set in force (value 1, version as label; 'none' before one is loaded).",
            ["version"],
            registry=registry,
        )
        self.zone_events = Counter(
            "borderwatch_zone_events",
            "Zone transitions of tracked alerts (enter, exit, dwell), by kind and zone type.",
            ["kind", "zone_type"],
            registry=registry,
        )
        self.alerts_rate_limited = Counter(
            "borderwatch_alerts_rate_limited",
            "Alert messages held back by the per-zone rate limit, by sector.",
            ["sector"],
            registry=registry,
        )
        self.sensors = Gauge(
            "borderwatch_sensors",
            "Sensors by sector, kind and status (online, offline, low_battery, tampered, fault).",
            ["sector", "kind", "status"],
            registry=registry,
        )
        self.sensor_faults = Gauge(
            "borderwatch_sensor_faults",
            "Sensors the worker found faulted (chattering, stuck, dead, self-test), by sector "
            "and fault; each has one open health alert (rule sensor-fault).",
            ["sector", "fault"],
            registry=registry,
        )
        self.sector_heartbeats = Counter(
            "borderwatch_sector_heartbeats",
            "Sensor health reports received, by sector of the reporting sensor.",
            ["sector"],
            registry=registry,
        )

    def serve(self, host: str, port: int) -> None:
        """Serve ``/metrics`` on ``host:port`` in a background thread."""
        start_http_server(port, addr=host, registry=self.registry)


class SimulatorMetrics:
    """Metrics of ``borderwatch simulate`` and ``replay``: what was produced, how fast acked."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.events_produced = Counter(
            "borderwatch_sim_events_produced",
            "Sensor reports acknowledged by the broker, by kind (ground, camera, health).",
            ["kind"],
            registry=registry,
        )
        self.messages_produced = Counter(
            "borderwatch_sim_messages_produced",
            "Kafka messages (batches of reports) acknowledged by the broker, by kind.",
            ["kind"],
            registry=registry,
        )
        self.produce_errors = Counter(
            "borderwatch_sim_produce_errors",
            "Messages the broker refused for good, by librdkafka error name.",
            ["reason"],
            registry=registry,
        )
        self.delivery_latency = Histogram(
            "borderwatch_sim_delivery_latency_seconds",
            "Time from handing a message to the producer to its acknowledgement.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def serve(self, host: str, port: int) -> None:
        """Serve ``/metrics`` on ``host:port`` in a background thread."""
        start_http_server(port, addr=host, registry=self.registry)
