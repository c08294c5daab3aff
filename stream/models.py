"""Typed, versioned event and alert models: the one place BorderWatch's wire formats live.

Sensor-side models are strict (``extra="forbid"``, no type coercion, finite and
in-range numbers): they guard the edge. Times are UTC epoch seconds (float),
positions WGS84 ``lon``/``lat`` in degrees.

A sensor topic message is either one report or a :class:`ReportBatch` (what a
ground-sensor gateway or one camera frame sends)::

    {"v": 1, "source": "gw-07", "reports": [{"v": 1, "sensor_id": "s-1", ...}, ...]}
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal[1] = 1

#: 2000-01-01 .. 2100-01-01: anything outside is a broken clock, not an event.
MIN_TS = 946_684_800.0
MAX_TS = 4_102_444_800.0

Lon = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
EpochSeconds = Annotated[float, Field(ge=MIN_TS, le=MAX_TS, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]


class SensorKind(StrEnum):
    SEISMIC = "seismic"
    ACOUSTIC = "acoustic"
    MAGNETIC = "magnetic"
    PIR = "pir"
    FIBRE = "fibre"
    CAMERA = "camera"


class TargetClass(StrEnum):
    PERSON = "person"
    VEHICLE = "vehicle"
    ANIMAL = "animal"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class AlertState(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    ESCALATED = "escalated"
    CLEARED = "cleared"


class _Edge(BaseModel):
    """Base of everything that arrives from sensors: strict and closed."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class GroundDetection(_Edge):
    """One unattended-ground-sensor detection."""

    v: Literal[1] = SCHEMA_VERSION
    sensor_id: Ident
    seq: Seq
    kind: SensorKind
    ts: EpochSeconds
    lon: Lon
    lat: Lat
    strength: Unit = 1.0
    #: The sensor's own guess (e.g. seismic footstep cadence vs engine rumble).
    signature: TargetClass = TargetClass.UNKNOWN

    @property
    def event_id(self) -> str:
        return f"{self.sensor_id}:{self.seq}"


class CameraDetection(_Edge):
    """One object a camera's detector saw; ``lon``/``lat`` is the object's estimated position."""

    v: Literal[1] = SCHEMA_VERSION
    camera_id: Ident
    seq: Seq
    ts: EpochSeconds
    lon: Lon
    lat: Lat
    cls: TargetClass
    confidence: Unit
    bearing_deg: Annotated[float, Field(ge=0.0, lt=360.0, allow_inf_nan=False)] | None = None

    @property
    def event_id(self) -> str:
        return f"{self.camera_id}:{self.seq}"

    @property
    def sensor_id(self) -> str:
        return self.camera_id


class SensorHealth(_Edge):
    """Heartbeat of a sensor or camera: battery, tamper switch, fault flag."""

    v: Literal[1] = SCHEMA_VERSION
    sensor_id: Ident
    seq: Seq
    kind: SensorKind
    ts: EpochSeconds
    battery: Unit
    tamper: bool = False
    fault: bool = False
    #: Where the sensor stands, if its status report says (health is then counted per sector).
    lon: Lon | None = None
    lat: Lat | None = None

    @property
    def event_id(self) -> str:
        return f"{self.sensor_id}:{self.seq}"


Report = GroundDetection | CameraDetection | SensorHealth
R = TypeVar("R", GroundDetection, CameraDetection, SensorHealth)


class ReportBatch(_Edge, Generic[R]):
    """Reports sent together: one gateway upload or one camera frame."""

    v: Literal[1] = SCHEMA_VERSION
    source: Ident
    reports: Annotated[list[R], Field(min_length=1, max_length=10_000)]


# --- produced by the pipeline ------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvidenceRef(_Out):
    """Where a contributing event came from, so an analyst can fetch it again."""

    event_id: str
    topic: str
    partition: int
    offset: int
    ts: float


#: Who acknowledged (call sign or name) and the free text a patrol may add: bounded.
Actor = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
Note = Annotated[str, Field(max_length=500)]
AlertId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]


class Ack(_Out):
    by: str
    at: Annotated[float, Field(allow_inf_nan=False)]
    note: str | None = None


class Alert(_Out):
    """A patrol alert; every state change is one message keyed by ``id``."""

    v: Literal[1] = SCHEMA_VERSION
    id: str
    incident_id: str
    state: AlertState = AlertState.NEW
    severity: Severity
    rule: str
    zone_id: str
    zone_type: str
    zone_name: str
    sector: str | None = None
    cls: TargetClass = TargetClass.UNKNOWN
    confidence: float = 0.0
    lon: float
    lat: float
    event_ts: float
    raised_ts: float
    geofence_version: str
    policy_version: str | None = None
    evidence: list[EvidenceRef]
    ack: Ack | None = None
    # --- correlation (issue 5); defaults keep older messages valid ---------------------
    revision: int = Field(0, description="Message number of this alert, 0 for the first.")
    reason: str | None = Field(None, description="Why this message: e.g. 'more-evidence'.")
    evidence_count: int = Field(0, description="All contributing events, incl. unlisted ones.")
    sensors: int = Field(0, description="Distinct sensors and cameras that contributed.")
    modalities: list[str] = Field(default_factory=list)
    rate_limited_count: int = Field(0, description="Incidents folded in by the zone rate limit.")
    heading_deg: float | None = Field(None, description="Track heading, degrees from true north.")
    speed_mps: float | None = None
    crossing_lon: float | None = Field(None, description="Predicted boundary crossing point.")
    crossing_lat: float | None = None
    crossing_ts: float | None = None
    updated_ts: float | None = None
    # --- sectors (issue 12); a default keeps older messages valid -----------------------
    previous_sector: str | None = Field(
        None, description="On the one message whose reason says sector-changed: the patrol "
        "sector the alert belonged to until then.")
    key_id: str | None = Field(None, description="Key the worker signed this message with.")
    sig: str | None = Field(None, description="HMAC-SHA256 of the rest (stream/signing.py).")


class AlertAckMessage(_Edge):
    """What `borderwatch ack` publishes on the acks topic (keyed by ``alert_id``).

    A control input, validated as strictly as a sensor report: closed, finite, bounded.
    """

    v: Literal[1] = SCHEMA_VERSION
    alert_id: AlertId
    by: Actor
    at: EpochSeconds
    note: Note | None = None
    #: ``ack`` acknowledges; ``close`` also clears the alert (closed by a patrol).
    action: Literal["ack", "close"] = "ack"
    #: HMAC of the rest (see stream/signing.py) and the id of the key that made it.
    key_id: Ident | None = None
    sig: Annotated[str, Field(max_length=128)] | None = None


class CameraTask(_Out):
    """Slew-to-cue: point ``camera_id`` at a position (keyed by ``camera_id``). Carries the
    cue the camera simulators read: ``camera_id``, ``lon``, ``lat``, ``ts``, ``incident_id``."""

    v: Literal[1] = SCHEMA_VERSION
    id: str
    camera_id: str
    incident_id: str
    alert_id: str | None = None
    lon: float
    lat: float
    bearing_deg: float
    distance_m: float
    ts: float  # when it was issued
    expires_ts: float
    reason: str


class ZoneEvent(_Out):
    """A tracked alert entered, left or dwelt in a zone (on the zone-events topic).

    ``since`` is when the stay began; an exit is reported only beyond the hysteresis band.
    """

    v: Literal[1] = SCHEMA_VERSION
    kind: Literal["enter", "exit", "dwell"]
    alert_id: str
    zone_id: str
    zone_type: str
    zone_name: str
    sector: str | None = Field(None, description="Patrol sector at the position, if any.")
    ts: float = Field(description="Event time of the position that caused it.")
    since: float
    lon: float
    lat: float
    geofence_version: str


class LateEvent(_Out):
    """A detection older than the allowed lateness, sent to the late-events topic."""

    v: Literal[1] = SCHEMA_VERSION
    event_id: str
    topic: str
    partition: int
    offset: int
    ts: float
    watermark: float
    lateness_s: float
    reason: Literal["late"] = "late"


class DeadLetter(_Out):
    """A message the edge refused, with why and where it came from.

    Never the whole original: its size, SHA-256 and first bytes (``excerpt_b64``), so a
    dead letter stays small whatever was sent. One per refused message, however many of
    a batch's reports failed (``rejected`` says how many; the batch's valid ones go on).
    Version 2; version 1 carried the whole original.
    """

    v: Literal[2] = 2
    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    key: str | None = None
    index: int | None = Field(None, description="First failed report's position in a batch.")
    rejected: int = Field(1, description="Reports of the message refused (1 for a message).")
    size: int = Field(description="Bytes of the original value.")
    sha256: str = Field(description="Hex SHA-256 of the original value.")
    excerpt_b64: str = Field(description="The original's first bytes, base64.")
    ts: float
