"""``borderwatch ack``: a patrol acknowledges (or closes) an alert over Kafka."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from confluent_kafka import Producer

from stream import topics
from stream.cli.common import Bootstrap, console, make_settings
from stream.models import AlertAckMessage


def ack(
    alert_id: Annotated[
        str, typer.Argument(help="The alert's id, as shown by `borderwatch alerts`.")
    ],
    by: Annotated[str, typer.Option("--by", help="Who acknowledges (call sign or name).")],
    note: Annotated[str | None, typer.Option(help="Free text carried on the alert.")] = None,
    close: Annotated[
        bool, typer.Option("--close", help="Also clear the alert (closed by the patrol).")
    ] = False,
    bootstrap_servers: Bootstrap = None,
) -> None:
    """Acknowledge an alert; its next message carries who acknowledged it and when."""
    if not by.strip():
        console.print("[red]error:[/] --by must name someone")
        raise typer.Exit(2)
    settings = make_settings(bootstrap_servers=bootstrap_servers)
    msg = AlertAckMessage(
        alert_id=alert_id, by=by, at=time.time(), note=note, action="close" if close else "ack"
    )
    producer = Producer(settings.producer_config())
    errors: list[str] = []
    producer.produce(
        settings.topic(topics.ACKS.name),
        msg.model_dump_json().encode(),
        alert_id.encode(),
        on_delivery=lambda err, _m: errors.append(str(err)) if err else None,
    )
    left = producer.flush(30)
    if left or errors:
        console.print(f"[red]error:[/] acknowledgement not delivered: {errors or 'timed out'}")
        raise typer.Exit(1)
    console.print(f"{msg.action} of {alert_id} by {by} sent")
