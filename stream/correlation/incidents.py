"""Incidents: detections grouped by space and time, in metres (the geofence set's metric
frame) and seconds.

A detection joins the open incident whose gate admits it (:func:`.gate.match`);
detections that join none start new incidents, grouped among themselves in time order
(:mod:`.grouping`). An :class:`Incident` is plain data
(``to_dict``/``from_dict``), so a worker can keep it in a changelogged table and resume it
after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from stream.alerts.record import AlertRecord
from stream.correlation import path as paths
from stream.correlation.seen import SeenIds

MAX_REFS_HEAD = 5
MAX_REFS_TAIL = 25


class HasRef(Protocol):
    """Evidence that can say where its report is (:class:`.evidence.Evidence`)."""

    def ref_dict(self) -> dict[str, Any]: ...


class IncidentKind(StrEnum):
    """What opened an incident; persisted as its value."""

    DETECTION = "detection"  # sensor and camera reports of a target
    TAMPER = "tamper"  # a sensor's tamper switch
    FAULT = "fault"  # a faulted sensor (see faults.Fault)


@dataclass(slots=True, eq=False)
class Incident:
    """Everything known about one incident: JSON-native fields, but the path an array."""

    id: str
    first_event: str
    first_ts: float
    last_ts: float
    x: float  # last position, metric
    y: float
    x0: float  # first position, metric
    y0: float
    lon: float
    lat: float
    kind: IncidentKind = IncidentKind.DETECTION
    fault: str | None = None  # a fault incident's kind (faults.Fault)
    zone_id: str | None = None
    zone_type: str | None = None
    zone_name: str | None = None
    zone_priority: int = -1
    #: the port of entry (zone id) whose area or exit held its first evidence (.exits)
    origin: str | None = None
    sector: str | None = None
    boundary_reached: bool = False
    backlog: bool = False
    modalities: list[str] = field(default_factory=list)
    #: sensor kind -> [ts, x, y] of its latest detection; ``corroborated`` once two kinds
    #: fired within ``corroborate_s`` and ``radius_m`` of each other
    modality_last: dict[str, list[float]] = field(default_factory=dict)
    corroborated: bool = False
    #: ground sensor id -> [hits, sum of hit times, x, y]
    sensor_hits: dict[str, list[float]] = field(default_factory=dict)
    #: sensor or camera id -> best score per class, then reports per class (fusion.CLASSES)
    scores: dict[str, list[float]] = field(default_factory=dict)
    camera_conf: dict[str, float] = field(default_factory=dict)  # class -> best camera conf
    #: ground-sensor kind -> its reports by signature (fusion.count_signature)
    signatures: dict[str, list[float]] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_count: int = 0
    seen: SeenIds = field(default_factory=SeenIds)
    track: dict[str, float] | None = None
    #: where it was when (:mod:`~stream.correlation.path`), for matching detections that
    #: arrive out of order; rows from state or a caller are made an array
    path: npt.NDArray[np.float64] = field(default_factory=paths.empty)
    task: dict[str, Any] | None = None
    alert: AlertRecord | None = None
    armed_ts: float | None = None  # processing time a rule first fired (see confirm_s)
    armed_event_ts: float | None = None  # and the incident's event time then
    folded_into: str | None = None  # alert id that counted this rate-limited incident
    closed_ts: float | None = None
    #: event time of its newest detection that said what the target is (a signature or a
    #: camera class; None: none yet, or state written before): after a silence, hits
    #: saying nothing join only on its sure track, until one says something again
    known_ts: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, np.ndarray) or self.path.dtype != float:
            self.path = paths.coerce(self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Incident):
            return NotImplemented
        return all(np.array_equal(a, b) if f == "path" else a == b for f, a, b in zip(
            _FIELDS, _values(self), _values(other), strict=True))

    @property
    def open(self) -> bool:
        return self.closed_ts is None

    @property
    def device(self) -> str:
        """The sensor or camera a tamper or fault incident concerns: its first event
        (``<device>:<seq>`` or ``<device>:<fault>``) names it.

        >>> Incident("i", "strip-021:dead", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0).device
        'strip-021'
        """
        return self.first_event.rsplit(":", 1)[0]

    @property
    def home(self) -> int | None:
        """The source partition the incident belongs with: its first report's (None: no
        report kept)."""
        return int(self.evidence[0]["partition"]) if self.evidence else None

    def position_at(self, ts: float) -> tuple[float, float]:
        """Where the incident is at ``ts`` (metric): on its fitted track, else its last
        position."""
        tr = self.track
        if not tr:
            return self.x, self.y
        dt = ts - tr["t"]
        return tr["x"] + tr["vx"] * dt, tr["y"] + tr["vy"] * dt

    def path_points(self) -> npt.NDArray[np.float64]:
        """The path as rows ``[ts, x, y]``, its last position when it has none.

        >>> inc = Incident("i", "e", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)
        >>> inc.path_points().tolist()
        [[5.0, 1.0, 2.0]]
        >>> inc.add_path(np.array([5.0]), np.array([1.0]), np.array([3.0]))
        >>> inc.path_points().tolist()
        [[5.0, 1.0, 3.0]]
        """
        if not len(self.path):
            return np.array([[self.last_ts, self.x, self.y]], float)
        return self.path

    def add_ref(self, ref: dict[str, Any]) -> None:
        """Count a report and keep its reference: the first ``MAX_REFS_HEAD`` and the
        newest ``MAX_REFS_TAIL``. A fault incident keeps only the first (the reports that
        revealed the fault) and counts the rest: a chattering sensor's newest hits are
        no news, and its incident is written to the state every batch they come in.

        >>> inc = Incident("i", "e", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)
        >>> flt = Incident("f", "s:stuck", 0.0, 5.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0,
        ...                kind=IncidentKind.FAULT)
        >>> for k in range(40):
        ...     inc.add_ref({"event_id": f"s:{k}"}); flt.add_ref({"event_id": f"s:{k}"})
        >>> [(len(i.evidence), i.evidence_count, i.evidence[-1]) for i in (inc, flt)]
        [(30, 40, {'event_id': 's:39'}), (5, 40, {'event_id': 's:4'})]
        """
        self.evidence_count += 1
        if self._counts_only():
            return
        self.evidence.append(ref)
        if len(self.evidence) > MAX_REFS_HEAD + MAX_REFS_TAIL:
            del self.evidence[MAX_REFS_HEAD]

    def add_ref_of(self, e: HasRef) -> None:
        """:meth:`add_ref` of ``e.ref_dict()``, made only if it is kept (a chattering
        sensor's hundredth hit is counted)."""
        if self._counts_only():
            self.evidence_count += 1
        else:
            self.add_ref(e.ref_dict())

    def _counts_only(self) -> bool:
        return self.kind == IncidentKind.FAULT and len(self.evidence) >= MAX_REFS_HEAD

    def mark_seen(self, event_id: str) -> bool:
        """Remember an event id; False if it was already counted (a redelivery)."""
        return self.seen.add(event_id)

    def add_path(self, ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64],
                 y: npt.NDArray[np.float64]) -> None:
        """Remember positions (time-ordered arrays): :func:`~stream.correlation.path.merge`."""
        self.path = paths.merge(self.path, ts, x, y)

    def to_dict(self) -> dict[str, Any]:
        """A view for :func:`~stream.correlation.state_codec.dumps` (the path an array, no
        list per row); it shares inner lists with the incident, so serialise it now."""
        d = {f: getattr(self, f) for f in _FIELDS}
        d["seen"] = self.seen.dump()
        d["alert"] = self.alert.to_dict() if self.alert is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incident:
        d = dict(d)
        d["seen"] = SeenIds.load(d.get("seen", ()))
        d["kind"] = IncidentKind(d.get("kind", IncidentKind.DETECTION))
        d["alert"] = AlertRecord.from_dict(d["alert"]) if d.get("alert") else None
        return cls(**d)


_FIELDS = tuple(f.name for f in fields(Incident))


def _values(inc: Incident) -> tuple[Any, ...]:
    return tuple(getattr(inc, f) for f in _FIELDS)
