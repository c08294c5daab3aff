"""Every topic BorderWatch uses, declared once, and their explicit creation.

Topics are created before workers start: Faust does not create source topics, and
a broker's auto-created topics would get the wrong partition count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import NewTopic

from stream.kafka_clients import admin as admin_client
from stream.settings import Settings

COMPACT = {"cleanup.policy": "compact"}


@dataclass(frozen=True)
class TopicSpec:
    """``name`` is the suffix after the prefix; ``keyed`` topics get ``settings.partitions``."""

    name: str
    doc: str
    keyed: bool = True
    config: dict[str, str] = field(default_factory=dict)

    def partitions(self, settings: Settings) -> int:
        return settings.partitions if self.keyed else 1


GROUND = TopicSpec("sensors.ground", "Ground-sensor detections, keyed by sensor or gateway id.")
CAMERA = TopicSpec("sensors.camera", "Camera detections, keyed by camera id.")
HEALTH = TopicSpec("sensors.health", "Sensor heartbeats, battery and tamper, keyed by sensor id.")
ALERTS = TopicSpec("alerts", "Patrol alerts, one message per state change, keyed by alert id.")
DEAD_LETTERS = TopicSpec("deadletters", "Refused sensor messages with reason and origin.")
LATE = TopicSpec("late-events", "Reports older than the allowed lateness.")
GEOFENCES = TopicSpec("geofences", "Versioned geofence sets.", keyed=False, config=COMPACT)
POLICIES = TopicSpec("policies", "Versioned zone policies.", keyed=False, config=COMPACT)
ACKS = TopicSpec("alert-acks", "Patrol acknowledgements, keyed by alert id.")
TASKING = TopicSpec("camera-tasking", "Slew-to-cue requests, keyed by camera id.")
TICKS = TopicSpec("ticks", "Timer ticks per partition that drive escalation and clearing.")
ZONE_EVENTS = TopicSpec(
    "zone-events", "Tracked alerts entering, leaving and dwelling in zones, keyed by alert id."
)

ALL: tuple[TopicSpec, ...] = (
    GROUND,
    CAMERA,
    HEALTH,
    ALERTS,
    DEAD_LETTERS,
    LATE,
    GEOFENCES,
    POLICIES,
    ACKS,
    TASKING,
    TICKS,
    ZONE_EVENTS,
)


def worker_topics(settings: Settings) -> dict[str, int]:
    """Faust's internal topics of the worker group: ``{name: partitions}``."""
    return {
        f"{settings.app_id}-correlation-changelog": settings.partitions,
        f"{settings.app_id}-__assignor-__leader": 1,
    }


def create_topics(settings: Settings, timeout: float = 30.0) -> dict[str, str]:
    """Create every topic that does not exist yet; returns ``{topic: "created"|"exists"}``."""
    admin = admin_client(settings)
    new = [
        NewTopic(
            settings.topic(spec.name),
            num_partitions=spec.partitions(settings),
            replication_factor=settings.replication_factor,
            config={"max.message.bytes": str(settings.max_request_bytes), **spec.config},
        )
        for spec in ALL
    ]
    # The worker's own topics too (Faust creates them only when a worker starts): after a
    # broker lost its topics, `borderwatch topics create` gives running workers back the
    # changelog they write their state to, with the right partition count.
    new += [
        NewTopic(name, num_partitions=n, replication_factor=settings.replication_factor,
                 config={"max.message.bytes": str(settings.max_request_bytes), **COMPACT})
        for name, n in worker_topics(settings).items()
    ]
    result: dict[str, str] = {}
    for name, fut in admin.create_topics(new, request_timeout=timeout).items():
        try:
            fut.result(timeout=timeout)
            result[name] = "created"
        except KafkaException as exc:
            err = exc.args[0]
            if err.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
            result[name] = "exists"
    return result


def describe_topics(settings: Settings, timeout: float = 10.0) -> dict[str, int]:
    """``{topic: partitions}`` for the project's topics that exist on the broker."""
    admin = admin_client(settings)
    meta = admin.list_topics(timeout=timeout)
    prefix = settings.topic_prefix + "."
    return {n: len(t.partitions) for n, t in meta.topics.items() if n.startswith(prefix)}
