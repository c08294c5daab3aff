"""Render alerts: one JSON object a line, or a live table for people."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from rich.table import Table

from stream.models import Alert, Severity

SEVERITY_STYLE = {
    Severity.LOW: "dim",
    Severity.MEDIUM: "yellow",
    Severity.HIGH: "bold red",
    Severity.CRITICAL: "bold white on red",
}


def to_json(alert: Alert) -> str:
    return alert.model_dump_json()


def to_text(alert: Alert, fmt: str) -> str:
    """One alert as ``json``, ``cot`` (a delete event once cleared) or ``cap`` text."""
    if fmt == "json":
        return to_json(alert)
    if fmt == "cot":
        from stream.alerts.cot import to_cot

        return to_cot(alert).decode()
    if fmt == "cap":
        from stream.alerts.cap import to_cap

        return to_cap(alert).decode()
    raise ValueError(f"unknown alert format {fmt!r}")


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


class AlertTable:
    """The newest ``size`` alerts, newest last, as a rich table."""

    def __init__(self, size: int = 20) -> None:
        self.rows: deque[Alert] = deque(maxlen=size)
        self.total = 0

    def add(self, alert: Alert) -> None:
        self.rows.append(alert)
        self.total += 1

    def render(self) -> Table:
        table = Table(title=f"BorderWatch alerts ({self.total} received)", expand=False)
        for col in (
            "time UTC",
            "severity",
            "state",
            "zone",
            "sector",
            "class",
            "conf",
            "lat, lon",
            "alert",
        ):
            table.add_column(col, no_wrap=True)
        for a in self.rows:
            table.add_row(
                _clock(a.event_ts),
                f"[{SEVERITY_STYLE[a.severity]}]{a.severity.value}[/]",
                a.state.value,
                a.zone_id,
                a.sector or "-",
                a.cls.value,
                f"{a.confidence:.2f}",
                f"{a.lat:.5f}, {a.lon:.5f}",
                a.id,
            )
        return table
