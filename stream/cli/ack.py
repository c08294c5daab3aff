"""``borderwatch ack``: a patrol acknowledges (or closes) an alert over Kafka."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from stream import topics
from stream.alerts.acks import AckNotDelivered, ack_partition, make_ack, send_ack
from stream.alerts.feed import find_alert
from stream.cli.common import Bootstrap, connected_settings, console
from stream.cli.errors import fail


def ack(
    alert_id: Annotated[
        str,
        typer.Argument(
            help="The alert's id as `borderwatch alerts` shows it (a unique prefix will do)."
        ),
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
        fail("--by must name someone", 2)
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    matches = find_alert(settings, alert_id)
    if not matches:
        fail(f"no alert {alert_id} on {settings.topic(topics.ALERTS.name)}: "
             "`borderwatch alerts --from-beginning` lists them", 2)
    if len(matches) > 1:
        fail(f"{alert_id} is the start of {len(matches)} alert ids "
             f"({', '.join(list(matches)[:5])}): give more of it", 2)
    alert_id, alert = next(iter(matches.items()))
    msg = make_ack(alert_id, by, time.time(), note, "close" if close else "ack")
    try:
        send_ack(settings, msg, partition=ack_partition(alert) if alert else None)
    except AckNotDelivered as exc:
        fail(str(exc))
    console.print(f"{msg.action} of {alert_id} by {by} sent")
