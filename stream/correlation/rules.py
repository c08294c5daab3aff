"""Which rule, if any, makes an incident alert-worthy under its zone's policy.

>>> from stream.correlation.policies import Policies
>>> p = Policies.bundled()
>>> fired_rule(p.zone("border_strip"), p, TargetClass.PERSON, 0.7, False, None, {})
'confident-detection'
>>> [fired_rule(p.zone("border_strip"), p, c, 0.35, False, None, {})
...  for c in (TargetClass.PERSON, TargetClass.VEHICLE)]  # a vehicle's signature is surer
[None, 'confident-detection']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stream.correlation.policies import Policies, ZonePolicy
from stream.models import TargetClass

CONFIRMABLE = (TargetClass.PERSON, TargetClass.VEHICLE)


def fired_rule(
    zone: ZonePolicy | None,
    policies: Policies,
    cls: TargetClass,
    confidence: float,
    corroborated: bool,
    track: Mapping[str, Any] | None,
    camera_conf: Mapping[str, float],
    sensors: int = 2,
    llr: float = 0.0,
) -> str | None:
    """The first of the zone's rules the incident satisfies; None if it must not alert.

    ``two-modalities`` needs a person/vehicle class or three sensors besides: wind shakes a
    fence and a seismic sensor side by side at once, with no signature. ``llr``: the
    ground sensors' signatures, person against animal (:func:`.fusion.person_llr`): at
    the zone's ``person_llr`` or more, a person is confident whatever its fused confidence."""
    if zone is None or cls in zone.ignore_classes or cls not in policies.alert_classes:
        return None
    camera_ok = any(camera_conf.get(c.value, 0.0) >= policies.camera.min_confidence
                    for c in CONFIRMABLE)
    confident = cls in CONFIRMABLE and (
        confidence >= zone.class_min_confidence.get(cls, zone.min_confidence))
    if cls == TargetClass.PERSON and zone.person_llr is not None and llr >= zone.person_llr:
        confident = True
    for rule in zone.rules:
        if rule == "confident-detection" and confident:
            return rule
        if rule == "two-modalities" and corroborated and (cls in CONFIRMABLE or sensors >= 3):
            return rule
        if rule == "track" and track is not None:
            return rule
        if rule == "camera-confirmed" and camera_ok and cls in CONFIRMABLE:
            return rule
    return None


def animal_confirmed(cls: TargetClass, confidence: float, camera_conf: Mapping[str, float],
                     policies: Policies) -> bool:
    """A camera saw an animal and the fused class agrees with enough confidence."""
    return (cls == TargetClass.ANIMAL
            and camera_conf.get(TargetClass.ANIMAL.value, 0.0) >= policies.camera.min_confidence
            and confidence >= policies.lifecycle.clear_animal_confidence)
