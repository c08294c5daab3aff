"""Acknowledging an alert: the one place an ack message is built and sent.

``borderwatch ack`` and the map's ack button both call :func:`send_ack`, so every ack on
the topic has the same shape whoever sends it, and goes where its alert is held: the acks
topic is partitioned like the sensor topics, and a worker holds an alert with the sensor
partition of its incident's first report (:func:`ack_partition`).
"""

from __future__ import annotations

from typing import Literal

from stream import kafka_clients, topics
from stream.models import Alert, AlertAckMessage
from stream.settings import Settings


class AckNotDelivered(RuntimeError):
    """The broker did not confirm the ack in time."""


def make_ack(
    alert_id: str, by: str, at: float, note: str | None = None,
    action: Literal["ack", "close"] = "ack",
) -> AlertAckMessage:
    """The ack message; ``by`` names who acknowledges (stripped, never empty)."""
    if not by.strip():
        raise ValueError("an acknowledgement must name someone")
    return AlertAckMessage(alert_id=alert_id, by=by.strip(), at=at, note=note, action=action)


def ack_partition(alert: Alert) -> int | None:
    """The partition of the acks topic that reaches the worker holding ``alert``: that of
    its incident's first report (its first evidence); None if it names none.

    >>> from stream.models import EvidenceRef
    >>> a = Alert.model_construct(evidence=[EvidenceRef(event_id="s-1:1", topic="g",
    ...                                                  partition=3, offset=9, ts=1.0)])
    >>> ack_partition(a), ack_partition(Alert.model_construct(evidence=[]))
    (3, None)
    """
    return alert.evidence[0].partition if alert.evidence else None


def send_ack(settings: Settings, msg: AlertAckMessage, timeout: float = 30.0,
             partition: int | None = None) -> None:
    """Sign ``msg`` with this process's key (if keys are configured), publish it on the
    acks topic (keyed by alert id; on ``partition`` if given, :func:`ack_partition`) and
    wait for the broker."""
    msg = settings.key_ring().sign_model(msg)
    producer = kafka_clients.producer(settings)
    errors: list[str] = []
    topic = settings.topic(topics.ACKS.name)
    if partition is not None:  # an alert from elsewhere may name a partition acks lack
        meta = producer.list_topics(topic, timeout=timeout).topics.get(topic)
        if meta is None or partition not in meta.partitions:
            partition = None
    producer.produce(
        topic,
        msg.model_dump_json().encode(),
        msg.alert_id.encode(),
        partition=-1 if partition is None else partition,  # -1: the key's (librdkafka)
        on_delivery=lambda err, _m: errors.append(str(err)) if err else None,
    )
    left = producer.flush(timeout)
    if left or errors:
        raise AckNotDelivered(f"acknowledgement not delivered: {errors or 'timed out'}")
