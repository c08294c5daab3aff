"""Render alerts: one JSON object a line, or a live table for people."""

from __future__ import annotations

from datetime import UTC, datetime

from rich import box
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
    """One row per alert, showing its latest message; the ``size`` most recently changed.

    >>> t = AlertTable()
    >>> t.total
    0
    """

    def __init__(self, size: int = 20) -> None:
        self.size = size
        self.latest: dict[str, Alert] = {}
        self.messages: dict[str, int] = {}
        self.total = 0

    def add(self, alert: Alert) -> None:
        self.latest.pop(alert.id, None)  # re-insert: most recently changed last
        self.latest[alert.id] = alert
        self.messages[alert.id] = self.messages.get(alert.id, 0) + 1
        self.total += 1
        while len(self.latest) > self.size:
            del self.latest[next(iter(self.latest))]

    def render(self) -> Table:
        title = f"BorderWatch alerts: {len(self.messages)} alerts, {self.total} messages"
        table = Table(
            title=title, box=box.SIMPLE_HEAD, expand=False, pad_edge=False, collapse_padding=True
        )
        for col in (
            "time",
            "severity",
            "state",
            "class",
            "zone",
            "sector",
            "lat, lon",
            "alert",
            "msgs",
        ):
            table.add_column(col, no_wrap=True, overflow="ellipsis")
        for a in self.latest.values():
            table.add_row(
                _clock(a.updated_ts or a.event_ts),
                f"[{SEVERITY_STYLE[a.severity]}]{a.severity.value}[/]",
                a.state.value,
                f"{a.cls.value} {a.confidence:.2f}",
                a.zone_id,
                a.sector or "-",
                f"{a.lat:.4f}, {a.lon:.4f}",
                a.id,
            )
        return table
