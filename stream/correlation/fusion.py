"""Classification fusion: sensor signatures and camera classes -> one class with a confidence.

Each sensor (or camera) contributes a score to one class: its kind's weight times its
strength (camera: its confidence). Per sensor only its strongest score per class counts,
so one chattering sensor cannot outvote three that agree. The fused class is the best
score's; confidence = (its share of all scores) x (1 - exp(-total)).

>>> fuse([0.0, 0.0, 1.8])
(<TargetClass.ANIMAL: 'animal'>, 0.83)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from stream.models import TargetClass

CLASSES = (TargetClass.PERSON, TargetClass.VEHICLE, TargetClass.ANIMAL)
_INDEX = {c.value: i for i, c in enumerate(CLASSES)}


def contributions(
    kinds: Sequence[str], classes: Sequence[str], values: npt.ArrayLike,
    weights: Mapping[str, float],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Per report: the class index it supports (-1: none) and the score it adds."""
    idx = np.fromiter((_INDEX.get(c, -1) for c in classes), np.intp, len(classes))
    w = np.fromiter((weights.get(k, 0.0) for k in kinds), float, len(kinds))
    return idx, np.where(idx >= 0, w * np.asarray(values, float), 0.0)


def merge(per_sensor: dict[str, list[float]], sensor: str, cls_idx: int, score: float) -> bool:
    """Keep the strongest score per sensor and class; True if it changed."""
    if cls_idx < 0 or score <= 0.0:
        return False
    row = per_sensor.setdefault(sensor, [0.0] * len(CLASSES))
    if score <= row[cls_idx]:
        return False
    row[cls_idx] = score
    return True


def total(per_sensor: Mapping[str, Sequence[float]]) -> list[float]:
    sums = [0.0] * len(CLASSES)
    for row in per_sensor.values():
        for i, v in enumerate(row):
            sums[i] += v
    return sums


def fuse(scores: Sequence[float], min_score: float = 0.3) -> tuple[TargetClass, float]:
    """The class with the best score and a confidence in [0, 1]; unknown below ``min_score``."""
    all_ = float(sum(scores))
    if all_ < min_score:
        return TargetClass.UNKNOWN, 0.0
    best = int(np.argmax(scores))
    conf = (scores[best] / all_) * (1.0 - math.exp(-all_))
    return CLASSES[best], round(conf, 2)
