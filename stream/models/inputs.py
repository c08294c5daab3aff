"""What arrives from sensors and patrols: strict, closed, finite and in range."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from stream.models.types import (
    SCHEMA_VERSION,
    Actor,
    AlertId,
    EpochSeconds,
    Ident,
    Lat,
    Lon,
    Note,
    SensorKind,
    Seq,
    TargetClass,
    Unit,
)


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
