"""Render alerts: JSON, CoT or CAP one document per line for scripts, a table for people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich import box
from rich.table import Table
from rich.text import Text

from stream.models import Alert, AlertState, Severity

SEVERITY_STYLE = {
    Severity.LOW: "dim",
    Severity.MEDIUM: "yellow",
    Severity.HIGH: "bold red",
    Severity.CRITICAL: "bold white on red",
}
#: Shortest id prefix shown in the table (after ``alr-``); ``borderwatch ack`` accepts it.
SHORT_ID = 8


def to_json(alert: Alert) -> str:
    return alert.model_dump_json()


def one_line(xml: bytes) -> str:
    """An XML document on one line: line breaks become character references (same document).

    >>> one_line(b'<?xml version="1.0"?>\\n<a>\\n  <b>x\\ny</b>\\n</a>\\n')
    '<?xml version="1.0"?><a>&#10;  <b>x&#10;y</b>&#10;</a>'
    """
    text = xml.decode().strip()
    if text.startswith("<?xml"):
        head, _, body = text.partition("?>")
        return head + "?>" + body.lstrip().replace("\r", "&#13;").replace("\n", "&#10;")
    return text.replace("\r", "&#13;").replace("\n", "&#10;")


def to_text(alert: Alert, fmt: str) -> str:
    """One alert as ``json``, ``cot`` (a delete event once cleared) or ``cap``, on one line."""
    if fmt == "json":
        return to_json(alert)
    if fmt == "cot":
        from stream.alerts.cot import to_cot

        return one_line(to_cot(alert))
    if fmt == "cap":
        from stream.alerts.cap import to_cap

        return one_line(to_cap(alert))
    raise ValueError(f"unknown alert format {fmt!r}")


def age(seconds: float) -> str:
    """``42s``, ``7m``, ``3h``, ``2d``.

    >>> [age(5), age(420), age(3 * 3600 + 10), age(-3)]
    ['5s', '7m', '3h', '0s']
    """
    s = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def short_ids(ids: list[str], minimum: int = SHORT_ID) -> dict[str, str]:
    """The shortest prefix (of the part after ``alr-``, ``minimum`` long at least) of each id
    that no other id shares.

    >>> short_ids(["alr-aaaabbbb1", "alr-aaaabbbb2", "alr-12345678ff"])
    {'alr-aaaabbbb1': 'aaaabbbb1', 'alr-aaaabbbb2': 'aaaabbbb2', 'alr-12345678ff': '12345678'}
    """
    bare = {i: i.split("-", 1)[1] if i.startswith("alr-") else i for i in ids}
    out = {}
    for i, b in bare.items():
        n = min(minimum, len(b))
        while n < len(b) and any(o != i and ob.startswith(b[:n]) for o, ob in bare.items()):
            n += 1
        out[i] = b[:n]
    return out


def sort_key(alert: Alert) -> tuple[bool, int, float]:
    """Open before cleared, then by severity, then the most recently changed first."""
    recent = alert.updated_ts or alert.event_ts
    return (alert.state == AlertState.CLEARED, -alert.severity.rank, -recent)


@dataclass(frozen=True)
class Column:
    name: str
    #: columns are dropped in ascending ``keep`` order when the terminal is too narrow
    keep: int
    #: a long value may be cut to this width (with an ellipsis); None: never cut
    min_width: int | None = None


COLUMNS = (
    Column("id", 100),
    Column("severity", 99),
    Column("state", 98),
    Column("age", 90),
    Column("class", 80),
    Column("sector", 70),
    Column("ack", 60, 9),
    Column("zone", 50, 10),
    Column("rule", 40, 10),
    Column("msgs", 30),
)
WIDE = ("lat, lon", "conf", "updated", "zone name")


def _cut(widths: dict[str, int], width: int) -> dict[str, int] | None:
    out = dict(widths)
    excess = sum(out.values()) + len(out) - 1 - width
    for c in sorted(COLUMNS, key=lambda c: c.keep):
        if excess <= 0:
            break
        if c.name in out and c.min_width is not None and out[c.name] > c.min_width:
            cut = min(excess, out[c.name] - c.min_width)
            out[c.name] -= cut
            excess -= cut
    return out if excess <= 0 else None


def fit(widths: dict[str, int], width: int) -> dict[str, int]:
    """Column widths that fit ``width`` (one space between columns): cut what may be cut,
    then drop the least useful columns; id, severity, state and age always stay whole.

    >>> fit({"id": 8, "severity": 8, "zone": 23, "rule": 19}, 40)
    {'id': 8, 'severity': 8, 'zone': 11, 'rule': 10}
    >>> fit({"id": 8, "severity": 8, "zone": 23, "rule": 19}, 30)
    {'id': 8, 'severity': 8, 'zone': 12}
    """
    keep = dict(widths)
    while True:
        out = _cut(keep, width)
        if out is not None:
            return out
        droppable = [c for c in COLUMNS if c.name in keep and c.keep < 90]
        if not droppable:
            return keep
        del keep[min(droppable, key=lambda c: c.keep).name]


class AlertTable:
    """The latest message of every alert, worst and newest first, fitted to the terminal.

    >>> t = AlertTable()
    >>> t.total
    0
    """

    def __init__(self, size: int = 20, *, wide: bool = False) -> None:
        self.size = size
        self.wide = wide
        self.latest: dict[str, Alert] = {}
        self.messages: dict[str, int] = {}
        self.total = 0

    def add(self, alert: Alert) -> None:
        self.latest[alert.id] = alert
        self.messages[alert.id] = self.messages.get(alert.id, 0) + 1
        self.total += 1

    def _cells(self, a: Alert, short: str, now: float) -> dict[str, str]:
        ack = "" if a.ack is None else f"{a.ack.by} {age(now - a.ack.at)}"
        cells = {
            "id": a.id if self.wide else short,
            "severity": a.severity.value,
            "state": a.state.value,
            "age": age(now - a.raised_ts),
            "class": a.cls.value,
            "sector": a.sector or "-",
            "ack": ack,
            "zone": a.zone_id,
            "rule": f"{a.rule} {a.device}" if a.device else a.rule,
            "msgs": str(self.messages.get(a.id, 0)),
        }
        if self.wide:
            updated = datetime.fromtimestamp(a.updated_ts or a.event_ts, UTC)
            cells |= {
                "lat, lon": f"{a.lat:.5f}, {a.lon:.5f}",
                "conf": f"{a.confidence:.2f}",
                "updated": updated.strftime("%H:%M:%S"),
                "zone name": a.zone_name,
            }
        return cells

    def render(self, now: float, width: int = 80) -> Table:
        """The table at wall-clock time ``now`` for a terminal ``width`` columns wide."""
        alerts = sorted(self.latest.values(), key=sort_key)
        shown = alerts[: self.size]
        short = short_ids(list(self.latest))
        rows = [self._cells(a, short[a.id], now) for a in shown]
        names = [c.name for c in COLUMNS] + (list(WIDE) if self.wide else [])
        natural = {n: max([len(n), *(len(r[n]) for r in rows)]) for n in names}
        widths = natural if self.wide else fit(natural, width)
        open_ = sum(a.state != AlertState.CLEARED for a in alerts)
        title = (f"BorderWatch alerts: {open_} open, {len(alerts) - open_} cleared, "
                 f"{self.total} messages")
        if len(alerts) > len(shown):
            title += f" ({len(shown)} shown)"
        table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                      padding=0, expand=False, title_justify="left")
        for n in widths:
            table.add_column(n, no_wrap=True, overflow="ellipsis", width=widths[n],
                             justify="right" if n in ("age", "msgs") else "left")
        for a, cells in zip(shown, rows, strict=True):
            values = [
                Text(cells[n], style=SEVERITY_STYLE[a.severity] if n == "severity" else "")
                for n in widths
            ]
            table.add_row(*values, style="dim" if a.state == AlertState.CLEARED else None)
        return table
