"""``borderwatch ack``: a patrol acknowledges (or closes) an alert over Kafka."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from stream.alerts.acks import AckNotDelivered, make_ack, send_ack
from stream.cli.common import Bootstrap, console, make_settings


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
    msg = make_ack(alert_id, by, time.time(), note, "close" if close else "ack")
    try:
        send_ack(settings, msg)
    except AckNotDelivered as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"{msg.action} of {alert_id} by {by} sent")
