"""Stable ids: derived from the evidence, so every worker and every replay of the same
reports names an incident, its alert and its camera tasks alike.

>>> alert_id(incident_id("s-1:7"))
'alr-fafbe4dbebc86b21'
"""

from __future__ import annotations

import hashlib
import math

from stream.correlation.incidents import IncidentKind


def stable_id(prefix: str, *parts: str) -> str:
    """``stable_id("alr", "s-1:7", "strip")`` is the same on every worker and every replay.

    >>> stable_id("x", "a", "b") == stable_id("x", "a", "b") != stable_id("x", "ab")
    True
    """
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{prefix}-{digest}"


def incident_id(first_event: str) -> str:
    """A detection incident, named after its first report's event id."""
    return stable_id("inc", first_event)


def tamper_id(event_id: str) -> str:
    """The tamper incident a health report with its tamper switch open opens."""
    return stable_id("inc", IncidentKind.TAMPER, event_id)


def fault_id(sensor: str, fault: str, ts: float) -> str:
    """A sensor's fault incident of one kind, from the second it was seen."""
    return stable_id("inc", IncidentKind.FAULT, sensor, fault, str(math.floor(ts)))


def alert_id(incident: str) -> str:
    """The one alert of an incident."""
    return stable_id("alr", incident)


def task_id(incident: str, n: int) -> str:
    """The ``n``-th camera task of an incident."""
    return stable_id("tsk", incident, str(n))
