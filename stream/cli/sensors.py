"""``borderwatch sensors``: the health of every sensor, from the heartbeats on the health topic."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from stream import topics
from stream.alerts.feed import fences_in_force, read_snapshot
from stream.alerts.formats import age
from stream.cli.common import Bootstrap, connected_settings
from stream.cli.errors import fail
from stream.codec import Decoder
from stream.health import fence_sectors, sector_lookup
from stream.inventory import load_inventory
from stream.models import SensorHealth
from stream.sensor_status import UNKNOWN, SensorStatus, newest, statuses


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def sensors(
    bootstrap_servers: Bootstrap = None,
    sector: Annotated[
        str | None, typer.Option(help="Only sensors in this patrol sector.")
    ] = None,
    problem: Annotated[
        bool,
        typer.Option(
            "--problem",
            help="Only sensors needing attention: offline, tampered, faulty or low battery.",
        ),
    ] = False,
    fmt: Annotated[
        Format,
        typer.Option("--format", help="Output: table for people, json (one line a sensor)."),
    ] = Format.TABLE,
) -> None:
    """Show every sensor's health: online, last heartbeat, battery, fault, tamper, sector;
    with an inventory (BORDERWATCH_INVENTORY_FILE), also its sensors never heard."""
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    fences = fences_in_force(settings)
    known = [*fence_sectors(fences), UNKNOWN]
    if sector is not None and sector not in known:
        fail(f"unknown sector {sector!r}: known sectors are {', '.join(known)}", 2)
    inventory = load_inventory(settings.inventory_file)  # a bad file: before any waiting
    decoder: Decoder[SensorHealth] = Decoder(SensorHealth, settings.max_message_bytes)
    name = settings.topic(topics.HEALTH.name)
    beats: list[SensorHealth] = []
    for key, value in read_snapshot(settings, topics.HEALTH, timeout=60.0):
        reports, _refused = decoder.decode(value, topic=name, partition=0, offset=0, key=key)
        beats.extend(r.report for r in reports)
    rows = statuses(
        newest(beats),
        now=time.time(),
        sector_of=sector_lookup(fences),
        offline_after_s=settings.sensor_offline_after,
        low_battery=settings.low_battery_level,
        inventory=inventory,
    )
    rows = [s for s in rows if (sector is None or s.sector == sector) and
            (not problem or s.problems)]
    if fmt == Format.JSON:
        for s in rows:
            print(orjson.dumps(s.to_json()).decode())
        return
    online = sum(s.online for s in rows)
    attention = sum(bool(s.problems) for s in rows)
    console = Console()
    console.print(f"{len(rows)} sensors: {online} online, {len(rows) - online} offline, "
                  f"{attention} needing attention", highlight=False, soft_wrap=True)
    console.print(_table(rows))


def _table(rows: list[SensorStatus]) -> Table:
    table = Table(show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), box=None,
                  header_style="bold underline")
    for col in ("sensor", "kind", "sector", "status", "heartbeat", "battery", "problems"):
        table.add_column(col, no_wrap=True,
                         justify="right" if col in ("heartbeat", "battery") else "left")
    for s in rows:
        table.add_row(
            s.sensor_id, s.kind, s.sector,
            Text("online" if s.online else "offline", style="" if s.online else "bold red"),
            "never" if s.age_s is None else f"{age(s.age_s)} ago",
            "-" if s.battery is None else f"{s.battery:.0%}",
            Text(", ".join(s.problems) or "-", style="yellow" if s.problems else "dim"),
        )
    return table
