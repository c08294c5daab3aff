"""A pipeline's share of the border (:mod:`stream.correlation.places`): which partitions a
raw sensor message goes to, what the pipeline of one partition keeps of it, and which of
its outputs it publishes.

A message goes to every partition one of its reports belongs to; the partition that
correlates a report keeps it, the others drop it. Dead letters of a message come from the
lowest of its partitions only, and an incident's alerts, camera tasks and zone events from
its owner only (the partition whose stretch holds its first report), so every output is
published once however many partitions saw the evidence.

>>> from geofences.frame import Frame
>>> from stream.correlation.places import Places
>>> from stream.models import GroundDetection, SensorKind
>>> places = Places(Frame.metric("EPSG:32612", [[(0.0, 0.0), (30_000.0, 0.0)]]), 4,
...                 cell_m=10_000.0, margin_m=1_000.0)
>>> x, y = places.frame.to_wgs84([9_500.0, 15_000.0], [0.0, 0.0])
>>> reports = [GroundDetection(sensor_id=f"s-{i}", seq=1, kind=SensorKind.PIR,
...                            ts=1.8e9, lon=float(x[i]), lat=float(y[i])) for i in (0, 1)]
>>> [sorted(s) for s in report_shares(places, reports)]
[[0, 1], [1]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pydantic_core

from stream.batch import BatchResult
from stream.correlation.engine import Correlator
from stream.correlation.incidents import Incident
from stream.correlation.places import Places
from stream.models import SensorHealth, SensorKind


@dataclass(frozen=True)
class Share:
    """The partition one pipeline correlates, of ``places``."""

    places: Places
    partition: int


def positioned(report: Any) -> bool:
    """Whether a report is placed by its position: detections are; a heartbeat is if it
    gives one and is not a camera's (cameras look over several stretches: every
    partition hears them)."""
    if isinstance(report, SensorHealth):
        return report.kind != SensorKind.CAMERA and report.lon is not None \
            and report.lat is not None
    return True


def report_shares(places: Places, reports: Sequence[Any]) -> list[frozenset[int]]:
    """The partitions that correlate each report (every one for an unplaced report)."""
    out = [places.everywhere] * len(reports)
    at = [(i, r.lon, r.lat) for i, r in enumerate(reports) if positioned(r)]
    if at:
        idx, lon, lat = zip(*at, strict=True)
        for i, s in zip(idx, places.shares(lon, lat), strict=True):
            out[i] = s
    return out


Copies = dict[int, tuple[bytes, tuple[frozenset[int], ...]]]


def copies(raw: bytes, indexes: Sequence[int], shares: Sequence[frozenset[int]],
           whole: bool) -> Copies:
    """Partition -> (the copy it gets, its reports' shares) of a message whose valid reports
    sit at ``indexes`` with these ``shares``. A copy holds only the reports of its partition
    (the message as sent if that is all of them, ``whole``: no report refused), so each
    correlator decodes its own share of a message that spans the border.

    >>> raw = b'{"v":1,"source":"gw-1","reports":[{"a":1},{"a":2},{"a":3}]}'
    >>> out = copies(raw, [0, 2], [frozenset({0}), frozenset({0, 1})], whole=False)
    >>> out[0][0] == b'{"v":1,"source":"gw-1","reports":[{"a":1},{"a":3}]}', out[1]
    (True, (b'{"v":1,"source":"gw-1","reports":[{"a":3}]}', (frozenset({0, 1}),)))
    >>> copies(raw, [0], [frozenset({2})], whole=True)[2][0] == raw
    True
    """
    parts = frozenset().union(*shares)
    if not parts:
        return {}
    if whole and all(s == shares[0] for s in shares):  # every partition gets all of it
        return {p: (raw, tuple(shares)) for p in parts}
    doc = pydantic_core.from_json(raw, allow_inf_nan=True)
    reports = doc["reports"]
    out: Copies = {}
    for p in sorted(parts):
        mine = [k for k, s in enumerate(shares) if p in s]
        out[p] = (orjson.dumps({**doc, "reports": [reports[indexes[k]] for k in mine]}),
                  tuple(shares[k] for k in mine))
    return out


def keep(share: Share, reports: Sequence[Any],
         given: Sequence[frozenset[int]] | None = None) -> tuple[list[bool], list[bool], bool]:
    """Which of a message's reports ``share`` correlates, which of those it speaks for
    (their late notices: the lowest partition of each), and whether it speaks for the
    message (its dead letters: the lowest partition the message went to). ``given``: the
    reports' shares as the router placed them (else placed here)."""
    shares = given if given is not None and len(given) == len(reports) \
        else report_shares(share.places, reports)
    mine = [share.partition in s for s in shares]
    lead = [share.partition == min(s) for s in shares]
    every = frozenset().union(*shares)
    return mine, lead, not every or share.partition == min(every)


def owns(share: Share, inc: Incident) -> bool:
    """Whether ``share`` owns an incident: its stretch holds the first report's place."""
    return share.places.owner_xy(inc.x0, inc.y0) == share.partition


def owner(correlator: Correlator, share: Share, incident_id: str | None) -> bool:
    """Whether ``share`` publishes for an incident (:func:`owns`; one it does not hold:
    yes, nothing else would speak for it)."""
    inc = correlator.incidents.get(incident_id) if incident_id is not None else None
    return inc is None or owns(share, inc)


def publish_owned(out: BatchResult, correlator: Correlator, share: Share,
                  spoken: set[str]) -> None:
    """Drop from ``out`` what another partition publishes: alerts, tasks and track
    positions (hence zone events) of incidents ``share`` does not own, late notices of
    reports it does not speak for (``spoken``: the event ids of those it does)."""
    by_alert = correlator.store.by_alert
    mine: dict[str | None, bool] = {}

    def owned(incident_id: str | None) -> bool:
        if incident_id not in mine:
            mine[incident_id] = owner(correlator, share, incident_id)
        return mine[incident_id]

    out.alerts = [a for a in out.alerts if owned(a.incident_id)]
    out.tasks = [t for t in out.tasks if owned(t.incident_id)]
    out.positions = [p for p in out.positions if owned(by_alert.get(p[0]))]
    out.late = [e for e in out.late if e.event_id in spoken]


#: the Kafka header a placed copy carries: where its original was sent
ORIGIN = "borderwatch-origin"
#: the Kafka header a placed copy carries: its valid reports' partitions, as placed
SHARES = "borderwatch-shares"


def shares_header(shares: Sequence[frozenset[int]]) -> bytes:
    """The :data:`SHARES` header's value: a bit mask of partitions per report.

    >>> shares_header([frozenset({0, 1}), frozenset({2})])
    b'3,4'
    >>> shares_of([(SHARES, b'3,4')])
    (frozenset({0, 1}), frozenset({2}))
    """
    return ",".join(format(sum(1 << p for p in s), "x") for s in shares).encode()


def shares_of(headers: Any) -> tuple[frozenset[int], ...] | None:
    """The shares a copy's headers give; None if none or garbled."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for name, value in pairs:
        if name == SHARES and isinstance(value, bytes):
            try:
                masks = [int(m, 16) for m in value.decode().split(",")] if value else []
            except ValueError:
                return None
            return tuple(frozenset(p for p in range(m.bit_length()) if m >> p & 1)
                         for m in masks)
    return None


def origin_header(topic: str, partition: int, offset: int) -> bytes:
    """The :data:`ORIGIN` header's value (Kafka topic names hold no ``/``).

    >>> origin_of([(ORIGIN, origin_header("bw.sensors.ground", 2, 41))])
    ('bw.sensors.ground', 2, 41)
    """
    return f"{topic}/{partition}/{offset}".encode()


def origin_of(headers: Any) -> tuple[str, int, int] | None:
    """The origin a message's headers (pairs or a mapping) name; None if none or garbled."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for name, value in pairs:
        if name == ORIGIN and isinstance(value, bytes):
            topic, _, rest = value.decode(errors="replace").partition("/")
            partition, _, offset = rest.partition("/")
            if topic and partition.isdigit() and offset.isdigit():
                return topic, int(partition), int(offset)
    return None
