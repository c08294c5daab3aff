"""An incident's class, fused over all its evidence and stable once an alert shows it.

The fused scores (:mod:`.fusion`) accumulate over the incident; a class an alert already
carries is kept until another class's score exceeds it ``fusion.class_margin`` times:
a camera frame that sees an animal where twenty saw a person, or evidence that is about
even, does not turn a person/high alert into an animal/low one and back. Before an alert
shows a class, a class that does not lead the next one by that margin is no class yet
(``unknown``): a camera that cannot decide between a person and an animal confirms neither.
Where a zone weighs signatures (``person_llr``), a target too faint to fuse a class is a
person when their odds say so (:func:`.fusion.signed_person`) — on every message its alert
sends, acks and clears included.

>>> stable([1.0, 0.0, 1.2], "person", margin=1.5)
(<TargetClass.PERSON: 'person'>, 0.4)
>>> stable([1.0, 0.0, 1.6], "person", margin=1.5)
(<TargetClass.ANIMAL: 'animal'>, 0.57)
>>> stable([1.0, 0.0, 1.2], None, margin=1.5)  # no class yet: about even is not a class
(<TargetClass.UNKNOWN: 'unknown'>, 0.49)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from stream.correlation import fusion
from stream.correlation.incidents import Incident
from stream.correlation.store import Store
from stream.models import TargetClass


def stable(scores: Sequence[float], previous: str | None, margin: float,
           min_score: float = 0.3) -> tuple[TargetClass, float]:
    """The fused class of ``scores``, or ``previous`` while the best score is less than
    ``margin`` times its score."""
    cls, conf = fusion.fuse(scores, min_score)
    keep = fusion.INDEX.get(previous or "")
    if keep is None and cls != TargetClass.UNKNOWN:  # a new class must lead by the margin
        second = sorted(scores)[-2]
        return (cls, conf) if max(scores) >= margin * second else (TargetClass.UNKNOWN, conf)
    if keep is None or cls == TargetClass.UNKNOWN or cls == fusion.CLASSES[keep]:
        return cls, conf
    if scores[keep] * margin < max(scores):
        return cls, conf
    all_ = float(sum(scores))
    return fusion.CLASSES[keep], round(scores[keep] / all_ * (1.0 - math.exp(-all_)), 2)


def incident_class(store: Store, inc: Incident,
                   llr: float | None = None) -> tuple[TargetClass, float]:
    """The class and confidence an incident's alert shows now: its fused scores, kept
    :func:`stable`, or a person its signatures' odds sign for in its zone
    (:func:`.fusion.signed_person`; ``llr``: those odds, if already computed)."""
    pol = store.policies
    shown = inc.alert.snap.cls if inc.alert is not None and inc.alert.snap else None
    fused = stable(fusion.total(inc.scores), shown, pol.fusion.class_margin,
                   pol.fusion.min_score)
    zone = pol.zone(inc.zone_type or "")
    if zone is None or zone.person_llr is None:
        return fused
    if llr is None:
        llr = fusion.person_llr(inc.signatures, store.llr)
    return fusion.signed_person(fused, llr, zone.person_llr, shown)
