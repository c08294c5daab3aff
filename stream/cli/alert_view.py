"""The live alert table on a terminal, shared by ``borderwatch alerts`` and ``demo``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.live import Live
from rich.table import Table

from stream.alerts.formats import AlertTable
from stream.models import Alert

#: Seconds between redraws while no alert arrives (the ages keep counting).
REDRAW_S = 1.0


class LiveAlerts:
    """A :class:`~stream.alerts.formats.AlertTable` drawn in place, as wide as the terminal."""

    def __init__(self, console: Console, *, wide: bool = False, size: int = 20) -> None:
        self.console = console
        self.table = AlertTable(size=size, wide=wide)
        self.live = Live(self._render(), console=console, auto_refresh=False)
        self.drawn = time.monotonic()

    def _render(self) -> Table:
        return self.table.render(time.time(), width=self.console.width)

    def __enter__(self) -> LiveAlerts:
        self.live.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.live.update(self._render(), refresh=True)
        self.live.stop()
        if not self.console.is_terminal:
            self.console.line()  # a file or pipe gets the table without a final line break

    def add(self, alert: Alert) -> None:
        self.table.add(alert)
        self.redraw()

    def redraw(self) -> None:
        self.drawn = time.monotonic()
        self.live.update(self._render(), refresh=True)

    def idle(self, also: Callable[[], None] | None = None) -> Callable[[], None]:
        """A callback for quiet moments: redraws once a second (then calls ``also``)."""

        def tick() -> None:
            if time.monotonic() - self.drawn >= REDRAW_S:
                self.redraw()
            if also is not None:
                also()

        return tick

    def follow(self, alerts: Iterator[Alert], keep: Callable[[Alert], bool]) -> Iterator[Alert]:
        """Show the alerts ``keep`` accepts as they arrive; yields each one shown."""
        for alert in alerts:
            if keep(alert):
                self.add(alert)
                yield alert
