"""Zone policies as data: which evidence raises an alert in which kind of zone.

The bundled file ``policies.yaml`` is versioned like a geofence set; alerts carry its
version. ``Policies.load(path)`` reads another file, with the same clear errors.

>>> p = Policies.bundled()
>>> p.zone("wildlife_corridor").rules
('camera-confirmed', 'confident-detection', 'two-modalities')
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stream.models import Severity, TargetClass

Rule = Literal["confident-detection", "two-modalities", "track", "camera-confirmed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IncidentPolicy(_Strict):
    radius_m: float = Field(250.0, gt=0)
    #: the same for a camera's detection: a camera places the target itself, so one
    #: further than this from the incident is another target in the same view
    camera_radius_m: float = Field(250.0, gt=0)
    touch_s: float = Field(60.0, ge=0)
    max_speed_mps: float = Field(5.0, ge=0)
    window_s: float = Field(600.0, gt=0)
    retain_s: float = Field(900.0, ge=0)
    corroborate_s: float = Field(60.0, ge=0)
    grow_s: float = Field(60.0, ge=0)
    #: a detection that says nothing of its class (signature unknown) joins an incident
    #: silent for longer than this only where its sure track puts the target (None: any)
    faint_after_s: float | None = Field(None, ge=0)
    slice_s: float = Field(5.0, gt=0)
    #: fastest plausible movement per class (m/s): a detection joins an incident only
    #: within ``radius_m`` + this x elapsed time (at most ``grow_s``) of where it was
    speed_mps: dict[str, float] = Field(
        default_factory=lambda: {"person": 3.0, "animal": 4.0, "vehicle": 40.0,
                                 "unknown": 3.0})

    def speed_for(self, cls: str) -> float:
        return self.speed_mps.get(cls, self.speed_mps.get("unknown", self.max_speed_mps))


class LatenessPolicy(_Strict):
    allowed_s: float = Field(600.0, ge=0)
    hold_s: float = Field(1.0, ge=0)
    idle_s: float = Field(5.0, gt=0)


class FaultPolicy(_Strict):
    window_s: float = Field(60.0, gt=0)
    max_hits_per_window: int = Field(25, ge=2)
    periodic_hits: int = Field(8, ge=3)
    periodic_cv: float = Field(0.1, ge=0)
    periodic_window_s: float = Field(600.0, gt=0)
    sustained_hits: int = Field(30, ge=2)
    sustained_window_s: float = Field(600.0, gt=0)
    peer_ratio: float = Field(5.0, ge=1)
    peer_radius_m: float = Field(300.0, gt=0)
    recover_s: float = Field(120.0, gt=0)
    dead_after_beats: float = Field(3.0, gt=1)
    min_silence_s: float = Field(120.0, ge=0)
    clock_skew_s: float = Field(20.0, gt=0)
    severity: Severity = Severity.LOW
    dead_severity: Severity = Severity.MEDIUM


class FusionPolicy(_Strict):
    weights: dict[str, float] = Field(
        default_factory=lambda: {"seismic": 0.6, "acoustic": 0.5, "magnetic": 0.7,
                                 "pir": 0.4, "fibre": 0.5, "camera": 2.0}
    )
    min_score: float = Field(0.3, ge=0)
    #: an alert's class changes only when another class scores this many times more
    class_margin: float = Field(1.5, ge=1)
    #: per ground-sensor kind, how often it reports each signature (person, vehicle,
    #: animal; the rest "unknown") when a person or an animal passes: the kinds' published
    #: classification rates, read as likelihoods (:func:`.fusion.person_llr`)
    signatures: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)

    def llr_table(self) -> dict[str, tuple[float, ...]]:
        """Per kind, the log likelihood ratio (person against animal) of each signature
        (person, vehicle, animal, unknown); a probability under 0.02 counts 0.02. The
        correlator computes it once, where the policies come into force (``Store.llr``).

        >>> t = FusionPolicy(signatures={"fibre": {"person": {"person": 0.7}}}).llr_table()
        >>> [round(v, 2) for v in t["fibre"]]  # "person" 0.7 vs 0.02; "unknown" 0.3 vs 1
        [3.56, 0.0, 0.0, -1.2]
        """
        return _llr_table(self.signatures)


def _llr_table(signatures: dict[str, dict[str, dict[str, float]]]
               ) -> dict[str, tuple[float, ...]]:
    out: dict[str, tuple[float, ...]] = {}
    for kind, rows in signatures.items():
        def p(true: str, sig: str, rows: dict[str, dict[str, float]] = rows) -> float:
            row = rows.get(true, {})
            v = 1.0 - sum(row.values()) if sig == "unknown" else row.get(sig, 0.0)
            return max(v, 0.02)
        out[kind] = tuple(math.log(p("person", c) / p("animal", c))
                          for c in ("person", "vehicle", "animal", "unknown"))
    return out


class TrackPolicy(_Strict):
    min_sensors: int = Field(3, ge=3)
    max_residual_m: float = Field(40.0, gt=0)
    min_span_m: float = Field(60.0, ge=0)
    min_r2: float = Field(0.8, ge=0, le=1)
    min_speed_mps: float = Field(0.2, ge=0)
    max_speed_mps: float = Field(45.0, gt=0)
    #: fastest credible track per class (a person's running burst, a vehicle off road)
    class_speed_mps: dict[str, float] = Field(
        default_factory=lambda: {"person": 6.0, "animal": 12.0, "vehicle": 45.0})
    #: how far a ground sensor's own position may lie from the target it reports
    position_sd_m: float = Field(30.0, gt=0)
    #: a track carries a heading (and speed) only when its standard error is below this
    max_heading_sd_deg: float = Field(20.0, gt=0, le=90)
    #: fit only evidence this recent (seconds before the newest; None: all of it)
    recent_s: float | None = Field(None, gt=0)


class TaskingPolicy(_Strict):
    lead_s: float = Field(20.0, ge=0)
    retask_s: float = Field(30.0, ge=0)
    move_m: float = Field(150.0, ge=0)
    expires_s: float = Field(60.0, gt=0)


class LifecyclePolicy(_Strict):
    confirm_s: float = Field(0.0, ge=0)
    update_interval_s: float = Field(10.0, ge=0)
    move_m: float = Field(50.0, ge=0)
    escalate_unacked_s: float = Field(300.0, gt=0)
    clear_idle_s: float = Field(600.0, gt=0)
    clear_animal_confidence: float = Field(0.7, ge=0, le=1)
    rate_per_zone_per_minute: int = Field(6, ge=1)


class SectorPolicy(_Strict):
    #: an alert keeps its patrol sector until a position lies this much further from it
    #: than from another sector
    hysteresis_m: float = Field(150.0, ge=0)


class PlacePolicy(_Strict):
    """Correlation keyed by place (:mod:`.places`): stretches of the boundary this long,
    each read this far beyond its ends."""

    cell_m: float = Field(5000.0, gt=0)
    halo_m: float = Field(1000.0, ge=0)


class CameraPolicy(_Strict):
    min_confidence: float = Field(0.6, ge=0, le=1)


class ZonePolicy(_Strict):
    priority: int
    rules: tuple[Rule, ...]
    ignore_classes: tuple[TargetClass, ...] = ()
    min_confidence: float = Field(0.6, ge=0, le=1)
    #: ``min_confidence`` for a class its sensors report more reliably than the others
    class_min_confidence: dict[TargetClass, float] = Field(default_factory=dict)
    severity: Severity = Severity.MEDIUM
    boundary: bool = False
    #: traffic leaving the zone: an incident first seen in it or within this many metres
    #: beyond it inland (across its width), of a class in ``ignore_classes``, raises
    #: nothing while it stays on the home side (0: no exit; see :mod:`.exits`)
    exit_m: float = Field(0.0, ge=0)
    #: the zone types such traffic drives off through; once in another (the border strip,
    #: a restricted area) the rules of that zone hold again
    exit_zones: tuple[str, ...] = ()
    #: the lanes reach this far out on the far side too (traffic queueing to enter)
    queue_m: float = Field(0.0, ge=0)
    #: and this much around (a camera's position estimate of a lane's traffic)
    lane_margin_m: float = Field(0.0, ge=0)
    #: classes that are the zone's own traffic while in its lanes (queueing on the far
    #: side, at the zone itself, leaving through its exit), governed by the zone's type or
    #: one of ``exit_zones``: pedestrians walking through a port
    queue_classes: tuple[TargetClass, ...] = ()
    #: a target whose ground-sensor signatures are this much likelier (natural log) from a
    #: person than from an animal is a confident detection of a person, whatever its fused
    #: confidence, and even when too faint to fuse a class (:func:`.fusion.signed_person`)
    person_llr: float | None = None


class Policies(_Strict):
    """Everything the correlator and the alert lifecycle can be tuned with."""

    version: str = Field(min_length=1)
    incident: IncidentPolicy = IncidentPolicy()
    lateness: LatenessPolicy = LatenessPolicy()
    faults: FaultPolicy = FaultPolicy()
    fusion: FusionPolicy = FusionPolicy()
    track: TrackPolicy = TrackPolicy()
    tasking: TaskingPolicy = TaskingPolicy()
    lifecycle: LifecyclePolicy = LifecyclePolicy()
    camera: CameraPolicy = CameraPolicy()
    sectors: SectorPolicy = SectorPolicy()
    places: PlacePolicy = PlacePolicy()
    zones: dict[str, ZonePolicy]
    alert_classes: tuple[TargetClass, ...] = (
        TargetClass.PERSON, TargetClass.VEHICLE, TargetClass.UNKNOWN,
    )
    tamper_severity: Severity = Severity.HIGH
    #: south of the boundary, in no zone, within this distance of the line: the ``approach``
    #: zone type (0: none)
    approach_m: float = Field(0.0, ge=0)

    def zone(self, zone_type: str) -> ZonePolicy | None:
        return self.zones.get(zone_type)

    @classmethod
    def from_dict(cls, doc: Any, source: str = "policies") -> Policies:
        try:
            return cls.model_validate(doc)
        except ValidationError as exc:
            raise ValueError(f"invalid policy file {source}: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path) -> Policies:
        return cls.from_dict(yaml.safe_load(Path(path).read_text()), str(path))

    @classmethod
    def bundled(cls) -> Policies:
        text = resources.files("stream.correlation").joinpath("policies.yaml").read_text()
        return cls.from_dict(yaml.safe_load(text), "bundled policies.yaml")
