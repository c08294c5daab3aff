"""``borderwatch alerts``: subscribe to the alert topic and print alerts."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from confluent_kafka import KafkaException
from rich.live import Live

from stream.alerts.feed import alert_filter, read_alerts
from stream.alerts.formats import AlertTable, to_text
from stream.alerts.tak import TakSender
from stream.cli.common import (
    Bootstrap,
    FromBeginning,
    IdleTimeout,
    Limit,
    console,
    make_settings,
)
from stream.models import Severity


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    COT = "cot"
    CAP = "cap"


def alerts(
    bootstrap_servers: Bootstrap = None,
    from_beginning: FromBeginning = False,
    limit: Limit = None,
    timeout: IdleTimeout = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            help="table for people, json for scripts, cot for TAK clients, cap (CAP 1.2 XML).",
        ),
    ] = Format.TABLE,
    sector: Annotated[
        str | None, typer.Option(help="Only alerts routed to this patrol sector.")
    ] = None,
    min_severity: Annotated[
        Severity | None, typer.Option(help="Only alerts at or above this severity.")
    ] = None,
    tak: Annotated[
        str | None,
        typer.Option(
            envvar="BORDERWATCH_TAK_URL",
            show_envvar=True,
            help="Also send each alert as CoT to a TAK server: tcp://host:port or udp://host:port.",
        ),
    ] = None,
) -> None:
    """Print patrol alerts as they arrive (Ctrl-C stops)."""
    settings = make_settings(bootstrap_servers=bootstrap_servers)
    keep = alert_filter(sector, min_severity)
    try:
        bridge = TakSender(tak) if tak else None
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    shown = 0
    table = AlertTable()
    live = (
        Live(table.render(), console=console, auto_refresh=False) if fmt == Format.TABLE else None
    )
    try:
        if live:
            live.start()
        for alert in read_alerts(settings, from_beginning=from_beginning, timeout=timeout):
            if not keep(alert):
                continue
            shown += 1
            if live:
                table.add(alert)
                live.update(table.render(), refresh=True)
            else:
                sys.stdout.write(to_text(alert, fmt.value) + "\n")
                sys.stdout.flush()
            if bridge:
                bridge.send(to_text(alert, "cot").encode())
            if limit is not None and shown >= limit:
                break
    except (KafkaException, OSError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass
    finally:
        if live:
            live.stop()
        if bridge:
            bridge.close()
