"""The alert an incident carries between messages: what was last sent and the lifecycle
flags (see :mod:`.lifecycle`). Persisted inside the incident as a plain dict whose keys
are the field names, so state written earlier loads unchanged.

>>> r = AlertRecord(id="alr-1", rule="tamper", raised_ts=5.0, sent_ts=5.0)
>>> AlertRecord.from_dict(r.to_dict()) == r
True
>>> r.to_dict()["state"]
'new'
>>> b = AlertRecord(id="alr-2", rule="r", raised_ts=5.0, sent_ts=5.0, blind_at=4.0, blind_s=600.0)
>>> AlertRecord.from_dict(b.to_dict()) == b
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stream.models import Ack, AlertState


@dataclass(slots=True)
class Snapshot:
    """What the last message said, to tell what changed since."""

    lon: float
    lat: float
    cls: str
    severity: str
    count: int
    track: dict[str, float] | None = None
    sector: str | None = None
    sectored: bool = True  # False: written before snapshots named the sector

    def to_dict(self) -> dict[str, Any]:
        d = {"lon": self.lon, "lat": self.lat, "cls": self.cls, "severity": self.severity,
             "count": self.count, "track": self.track}
        if self.sectored:
            d["sector"] = self.sector
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Snapshot | None:
        """None for the empty snapshot of an alert that sent nothing yet."""
        if "lon" not in d:
            return None
        return cls(lon=d["lon"], lat=d["lat"], cls=d["cls"], severity=d["severity"],
                   count=d["count"], track=d.get("track"), sector=d.get("sector"),
                   sectored="sector" in d)


@dataclass(slots=True)
class AlertRecord:
    id: str
    rule: str | None
    raised_ts: float  # event time it was raised
    sent_ts: float  # event time of the last message
    state: AlertState = AlertState.NEW
    revision: int = -1  # of the last message; the first one is 0
    sent_event_ts: float | None = None  # the incident's last report time then
    ack: Ack | None = None
    escalated: bool = False
    rate_limited_count: int = 0  # incidents folded in by the zone rate limit
    pending: bool = False  # something changed that no message said yet
    snap: Snapshot | None = None
    #: the incident's last report time when its idle clear was put off because sensors
    #: near it had gone dead (a gateway may hold their reports), and by how long
    blind_at: float | None = None
    blind_s: float = 0.0

    @property
    def open(self) -> bool:
        return self.state != AlertState.CLEARED

    def blind(self, last_ts: float) -> float:
        """The time given on top of the usual waits while sensors near the incident were
        dead, if its last report is still ``last_ts`` (a newer report ends it).

        >>> r = AlertRecord(id="alr-1", rule="r", raised_ts=0.0, sent_ts=0.0,
        ...                 blind_at=50.0, blind_s=600.0)
        >>> r.blind(50.0), r.blind(70.0), r.idle_s(600.0, 50.0)
        (600.0, 0.0, 1200.0)
        """
        return self.blind_s if self.blind_at == last_ts else 0.0

    def idle_s(self, clear_idle_s: float, last_ts: float) -> float:
        """How long after ``last_ts`` (the incident's last report) the alert clears as
        idle: ``clear_idle_s`` and :meth:`blind`."""
        return clear_idle_s + self.blind(last_ts)

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "state": self.state.value, "revision": self.revision,
             "rule": self.rule, "raised_ts": self.raised_ts, "sent_ts": self.sent_ts,
             "sent_event_ts": self.sent_event_ts,
             "ack": self.ack.model_dump() if self.ack else None,
             "escalated": self.escalated, "rate_limited_count": self.rate_limited_count,
             "pending": self.pending, "snap": self.snap.to_dict() if self.snap else {}}
        if self.blind_at is not None:  # only then: state written before loads unchanged
            d |= {"blind_at": self.blind_at, "blind_s": self.blind_s}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AlertRecord:
        ack = d.get("ack")
        return cls(id=d["id"], rule=d.get("rule"), raised_ts=d["raised_ts"],
                   sent_ts=d["sent_ts"], state=AlertState(d.get("state", "new")),
                   revision=d.get("revision", -1), sent_event_ts=d.get("sent_event_ts"),
                   ack=Ack(**ack) if ack else None, escalated=d.get("escalated", False),
                   rate_limited_count=d.get("rate_limited_count", 0),
                   pending=d.get("pending", False), snap=Snapshot.from_dict(d.get("snap") or {}),
                   blind_at=d.get("blind_at"), blind_s=d.get("blind_s", 0.0))
