"""Classification fusion: sensor signatures and camera classes -> one class with a confidence.

Each report scores one class: its kind's weight times its strength; a camera frame its
weight times the log-odds its confidence gives the class against a uniform prior over
the three classes (scaled so that 0.9 counts 0.9): a 0.4 frame is barely evidence, a 0.9
frame strong. Per sensor (or camera) the evidence of all its reports is summed per class;
the sensor's weight is its strongest report raised by repetition (x ``1 + 0.5 log2(n)``,
at most x2), shared among the classes in proportion to their summed evidence. So one
chattering sensor cannot outvote three that agree, and a camera that saw a person in
twenty frames and an animal in five says "person", frame after frame, instead of
following its latest frame. The fused class is the best score's; confidence = (its share
of all scores) x (1 - exp(-total)).

>>> fuse([0.0, 0.0, 1.8])
(<TargetClass.ANIMAL: 'animal'>, 0.83)
>>> [round(float(camera_evidence(p)), 2) for p in (0.9, 0.6, 0.3)]
[0.9, 0.34, 0.0]

Separately, :func:`person_llr` weighs the signatures ground sensors reported by how often
their kind reports each when a person or an animal passes: a seismic sensor calls a person
"person" 3 times in 4 and an animal 3 times in 10, so four "person" signatures and no
"animal" one favour a person about 40 to 1, whatever their strength.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from stream.models import TargetClass

CLASSES = (TargetClass.PERSON, TargetClass.VEHICLE, TargetClass.ANIMAL)
#: a class's value -> its index in :data:`CLASSES` (score columns)
INDEX = {c.value: i for i, c in enumerate(CLASSES)}
REPEAT_CAP = 2.0


#: log-odds of a 0.9 camera frame against the uniform prior (1/3 each: odds 1/2)
_LOGIT_09 = math.log(2 * 0.9 / 0.1)


def camera_evidence(confidence: float | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """A camera frame's strength for its class: the log-odds its confidence gives the class
    against the uniform prior, 0 at or below 1/3, scaled so 0.9 gives 0.9."""
    p = np.clip(np.asarray(confidence, float), 1e-6, 1 - 1e-6)
    return np.maximum(np.log(2 * p / (1 - p)), 0.0) * (0.9 / _LOGIT_09)


def contributions(
    kinds: Sequence[str], classes: Sequence[str], values: npt.ArrayLike,
    weights: Mapping[str, float],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Per report: the class index it supports (-1: none) and the score it adds."""
    idx = np.fromiter((INDEX.get(c, -1) for c in classes), np.intp, len(classes))
    w = np.fromiter((weights.get(k, 0.0) for k in kinds), float, len(kinds))
    v = np.asarray(values, float)
    cam = np.fromiter((k == "camera" for k in kinds), bool, len(kinds))
    v = np.where(cam, camera_evidence(v), v)
    return idx, np.where(idx >= 0, w * v, 0.0)


def merge(per_sensor: dict[str, list[float]], sensor: str, cls_idx: int, score: float,
          reports: int = 1, evidence: float | None = None) -> None:
    """Keep the strongest score per sensor and class, count the reports of that class and
    sum their scores (``evidence``; default ``score x reports``). A row is ``[best score
    per class..., reports per class..., summed scores per class...]``."""
    if cls_idx < 0 or score <= 0.0:
        return
    n = len(CLASSES)
    row = per_sensor.setdefault(sensor, [0.0] * (3 * n))
    if len(row) < 3 * n:  # a row saved before sums were kept
        row += [row[i] * row[n + i] for i in range(n)]
    row[cls_idx] = max(row[cls_idx], score)
    row[n + cls_idx] += reports
    row[2 * n + cls_idx] += score * reports if evidence is None else evidence


def total(per_sensor: Mapping[str, Sequence[float]]) -> list[float]:
    """Per class: the sum over sensors of the sensor's weight (best score x repeat factor)
    shared among its classes in proportion to their summed evidence."""
    n = len(CLASSES)
    sums = [0.0] * n
    for row in per_sensor.values():
        best = max(row[:n])
        if best <= 0.0:
            continue
        count = sum(row[n:2 * n])
        weight = best * min(1.0 + 0.5 * math.log2(max(count, 1.0)), REPEAT_CAP)
        ev = list(row[2 * n:3 * n]) if len(row) >= 3 * n else [
            row[i] * row[n + i] for i in range(n)]
        all_ev = sum(ev)
        for i in range(n):
            if ev[i] > 0.0:
                sums[i] += weight * ev[i] / all_ev
    return sums


#: signature columns of :func:`person_llr`'s counts: the classes, then "unknown"
SIGNATURES = len(CLASSES) + 1


def count_signature(counts: dict[str, list[float]], kind: str, cls_idx: int, n: float = 1.0
                    ) -> None:
    """Count ``n`` reports of a ground-sensor kind by signature (``cls_idx`` -1: unknown).

    >>> c: dict[str, list[float]] = {}
    >>> count_signature(c, "seismic", 0, 4); count_signature(c, "seismic", -1)
    >>> c
    {'seismic': [4.0, 0.0, 0.0, 1.0]}
    """
    row = counts.setdefault(kind, [0.0] * SIGNATURES)
    row[cls_idx if cls_idx >= 0 else SIGNATURES - 1] += n


def person_llr(counts: Mapping[str, Sequence[float]],
               table: Mapping[str, Sequence[float]]) -> float:
    """Log likelihood ratio, person against animal, of the signatures counted per kind
    (kinds the table does not know count nothing).

    >>> t = {"seismic": (0.916, 0.0, -1.609, -0.288)}
    >>> round(person_llr({"seismic": [4, 0, 0, 3], "pir": [0, 0, 0, 2]}, t), 2)
    2.8
    """
    return float(sum(n * w for kind, row in counts.items()
                     for n, w in zip(row, table.get(kind, ()), strict=False)))


def signed_person(fused: tuple[TargetClass, float], llr: float, threshold: float | None,
                  shown: str | None = None) -> tuple[TargetClass, float]:
    """A target too faint to classify by its scores (unknown) whose signatures are at least
    ``threshold`` likelier from a person than from an animal (:func:`person_llr`) is a
    person, as confident as those odds say (even prior odds; at most 0.79, short of a
    confident person's 0.8). An alert that ``shown`` it a person keeps it one while the
    odds still favour a person: more hits that say nothing do not flip it back and forth.

    >>> faint = (TargetClass.UNKNOWN, 0.0)
    >>> signed_person(faint, 3.05, 2.5), signed_person(faint, 1.2, 2.5, shown="person")
    ((<TargetClass.PERSON: 'person'>, 0.79), (<TargetClass.PERSON: 'person'>, 0.77))
    >>> signed_person(faint, 1.2, 2.5) == faint == signed_person(faint, 3.0, None)
    True
    >>> signed_person(faint, -0.3, 2.5, shown="person")  # now likelier an animal
    (<TargetClass.UNKNOWN: 'unknown'>, 0.0)
    >>> signed_person((TargetClass.ANIMAL, 0.7), 3.05, 2.5)  # a class it has stays
    (<TargetClass.ANIMAL: 'animal'>, 0.7)
    """
    if fused[0] != TargetClass.UNKNOWN or threshold is None:
        return fused
    if llr < threshold and not (shown == TargetClass.PERSON.value and llr > 0.0):
        return fused
    return TargetClass.PERSON, round(min(0.79, 1.0 / (1.0 + math.exp(-llr))), 2)


def fuse(scores: Sequence[float], min_score: float = 0.3) -> tuple[TargetClass, float]:
    """The class with the best score and a confidence in [0, 1]; unknown below ``min_score``."""
    all_ = float(sum(scores))
    if all_ < min_score:
        return TargetClass.UNKNOWN, 0.0
    best = int(np.argmax(scores))
    conf = (scores[best] / all_) * (1.0 - math.exp(-all_))
    return CLASSES[best], round(conf, 2)
