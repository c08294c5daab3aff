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
#: the repartition topic of each sensor topic (stream/agents/route.py): its messages again,
#: on the partitions of the places they report on; one per consumer group, as Faust's own
PLACED = {GROUND.name: "placed-ground", CAMERA.name: "placed-camera",
          HEALTH.name: "placed-health"}
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


def placed_topic(settings: Settings, sensor_topic: str) -> str:
    """The worker group's placed topic of a sensor topic (its name without the prefix).

    >>> placed_topic(Settings(), GROUND.name)
    'borderwatch-placed-ground'
    """
    return f"{settings.app_id}-{PLACED[sensor_topic]}"


def report_stages(settings: Settings) -> tuple[list[str], list[str]]:
    """The topics a worker group reads reports from, stage by stage: the sensor topics
    (the route agent), then the group's placed topics (the ingest agent). A group is done
    with what was published once it committed the first to their ends, and then the
    second to theirs (their ends read only then)."""
    names = (GROUND.name, CAMERA.name, HEALTH.name)
    return ([settings.topic(n) for n in names], [placed_topic(settings, n) for n in names])


def worker_topics(settings: Settings) -> dict[str, int]:
    """The worker group's own topics: ``{name: partitions}`` (compacted but the placed
    topics, :func:`placed_topic`)."""
    return {
        f"{settings.app_id}-correlation-changelog": settings.partitions,
        f"{settings.app_id}-__assignor-__leader": 1,
        **{placed_topic(settings, name): settings.partitions for name in PLACED},
    }


def create_topics(settings: Settings, timeout: float = 30.0,
                  group_only: bool = False) -> dict[str, str]:
    """Create every topic (``group_only``: the worker group's own) that does not exist yet;
    returns ``{topic: "created"|"exists"}``."""
    admin = admin_client(settings)
    new = [
        NewTopic(
            settings.topic(spec.name),
            num_partitions=spec.partitions(settings),
            replication_factor=settings.replication_factor,
            config={"max.message.bytes": str(settings.max_request_bytes), **spec.config},
        )
        for spec in ([] if group_only else ALL)
    ]
    # The worker's own topics too (Faust creates them only when a worker starts): after a
    # broker lost its topics, `borderwatch topics create` gives running workers back the
    # changelog they write their state to, with the right partition count.
    placed = {placed_topic(settings, name) for name in PLACED}
    new += [
        NewTopic(name, num_partitions=n, replication_factor=settings.replication_factor,
                 config={"max.message.bytes": str(settings.max_request_bytes),
                         **({} if name in placed else COMPACT)})
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
