"""Acknowledging an alert: the one place an ack message is built and sent.

``borderwatch ack`` and the map's ack button both call :func:`send_ack`, so every ack on
the topic has the same shape whoever sends it.
"""

from __future__ import annotations

from typing import Literal

from stream import kafka_clients, topics
from stream.models import AlertAckMessage
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


def send_ack(settings: Settings, msg: AlertAckMessage, timeout: float = 30.0) -> None:
    """Sign ``msg`` with this process's key (if keys are configured), publish it on the
    acks topic (keyed by alert id) and wait for the broker."""
    msg = settings.key_ring().sign_model(msg)
    producer = kafka_clients.producer(settings)
    errors: list[str] = []
    producer.produce(
        settings.topic(topics.ACKS.name),
        msg.model_dump_json().encode(),
        msg.alert_id.encode(),
        on_delivery=lambda err, _m: errors.append(str(err)) if err else None,
    )
    left = producer.flush(timeout)
    if left or errors:
        raise AckNotDelivered(f"acknowledgement not delivered: {errors or 'timed out'}")
