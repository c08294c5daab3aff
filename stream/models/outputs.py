"""What the pipeline produces: alerts, camera tasks, zone events, late events, dead letters.
Lenient on read (unknown fields are ignored), so older consumers read newer messages."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from stream.models.types import SCHEMA_VERSION, AlertState, Severity, TargetClass


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvidenceRef(_Out):
    """Where a contributing event came from, so an analyst can fetch it again."""

    event_id: str
    topic: str
    partition: int
    offset: int
    ts: float


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
    # --- health alerts; defaults keep older messages valid ------------------------------
    device: str | None = Field(
        None, description="On a health alert (rule sensor-fault or tamper): the sensor or "
        "camera it concerns.")
    fault: str | None = Field(
        None, description="On a sensor-fault alert: chattering, stuck, dead, self-test or clock.")
    key_id: str | None = Field(None, description="Key the worker signed this message with.")
    sig: str | None = Field(None, description="HMAC-SHA256 of the rest (stream/signing.py).")


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
