"""``borderwatch alerts``: subscribe to the alert topic and print alerts."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from stream.alerts.feed import alert_filter, known_sectors, read_alerts
from stream.alerts.formats import to_text
from stream.alerts.tak import TakSender
from stream.cli.alert_view import LiveAlerts
from stream.cli.common import (
    Bootstrap,
    FromBeginning,
    IdleTimeout,
    Limit,
    connected_settings,
)
from stream.cli.errors import fail
from stream.models import Alert, Severity


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
            help=(
                "Output: table for people, json for scripts, cot for TAK clients, cap for "
                "CAP 1.2 consumers (cot and cap: one XML document per line)."
            ),
        ),
    ] = Format.TABLE,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide", help="Table: every column (full id, position, confidence), however wide."
        ),
    ] = False,
    sector: Annotated[
        str | None, typer.Option(help="Only alerts routed to this patrol sector.")
    ] = None,
    min_severity: Annotated[
        Severity | None, typer.Option(help="Only alerts at or above this severity.")
    ] = None,
    tak: Annotated[
        str | None,
        typer.Option(
            help=(
                "Also send each alert as CoT to a TAK server (tcp://host:port or udp://host:port); "
                "an unreachable server is retried with backoff while alerts keep printing."
            ),
        ),
    ] = None,
) -> None:
    """Print patrol alerts as they arrive (Ctrl-C stops)."""
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    if sector is not None:
        known = known_sectors(settings)
        if known and sector not in known:
            fail(f"unknown sector {sector!r}: known sectors are {', '.join(known)}", 2)
    keep = alert_filter(sector, min_severity)
    try:
        bridge = TakSender(tak) if tak else None
    except ValueError as exc:
        fail(str(exc), 2)
    shown = 0

    def forward(alert: Alert) -> bool:
        nonlocal shown
        shown += 1
        if bridge:
            bridge.send(to_text(alert, "cot").encode() + b"\n")
        return limit is not None and shown >= limit

    try:
        if fmt == Format.TABLE:
            view = LiveAlerts(Console(), wide=wide)
            with view:
                stream = read_alerts(settings, from_beginning=from_beginning, timeout=timeout,
                                     idle=view.idle())
                for alert in view.follow(stream, keep):
                    if forward(alert):
                        break
        else:
            for alert in read_alerts(settings, from_beginning=from_beginning, timeout=timeout):
                if not keep(alert):
                    continue
                sys.stdout.write(to_text(alert, fmt.value) + "\n")
                sys.stdout.flush()
                if forward(alert):
                    break
    except KeyboardInterrupt:
        pass
    finally:
        if bridge:
            bridge.close()
