"""Typed, versioned event and alert models: the one place BorderWatch's wire formats live.

Sensor-side models are strict (``extra="forbid"``, no type coercion, finite and
in-range numbers): they guard the edge. Times are UTC epoch seconds (float),
positions WGS84 ``lon``/``lat`` in degrees.

A sensor topic message is either one report or a :class:`ReportBatch` (what a
ground-sensor gateway or one camera frame sends)::

    {"v": 1, "source": "gw-07", "reports": [{"v": 1, "sensor_id": "s-1", ...}, ...]}
"""

from stream.models.inputs import (
    AlertAckMessage,
    CameraDetection,
    GroundDetection,
    R,
    Report,
    ReportBatch,
    SensorHealth,
)
from stream.models.outputs import (
    Ack,
    Alert,
    CameraTask,
    DeadLetter,
    EvidenceRef,
    LateEvent,
    ZoneEvent,
)
from stream.models.types import (
    MAX_TS,
    MIN_TS,
    SCHEMA_VERSION,
    Actor,
    AlertId,
    AlertState,
    EpochSeconds,
    Ident,
    Lat,
    Lon,
    Note,
    SensorKind,
    Seq,
    Severity,
    TargetClass,
    Unit,
)

__all__ = [
    "MAX_TS",
    "MIN_TS",
    "SCHEMA_VERSION",
    "Ack",
    "Actor",
    "Alert",
    "AlertAckMessage",
    "AlertId",
    "AlertState",
    "CameraDetection",
    "CameraTask",
    "DeadLetter",
    "EpochSeconds",
    "EvidenceRef",
    "GroundDetection",
    "Ident",
    "Lat",
    "LateEvent",
    "Lon",
    "Note",
    "R",
    "Report",
    "ReportBatch",
    "SensorHealth",
    "SensorKind",
    "Seq",
    "Severity",
    "TargetClass",
    "Unit",
    "ZoneEvent",
]
