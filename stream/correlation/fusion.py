"""Classification fusion: sensor signatures and camera classes -> one class with a confidence.

Each sensor (or camera) contributes a score to one class: its kind's weight times its
strength (camera: its confidence). Per sensor its strongest score per class counts, raised
by repeated reports of that class (x ``1 + 0.5 log2(n)``, at most x2), so one chattering
sensor cannot outvote three that agree. The fused class is the best score's;
confidence = (its share of all scores) x (1 - exp(-total)).

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
REPEAT_CAP = 2.0


def contributions(
    kinds: Sequence[str], classes: Sequence[str], values: npt.ArrayLike,
    weights: Mapping[str, float],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Per report: the class index it supports (-1: none) and the score it adds."""
    idx = np.fromiter((_INDEX.get(c, -1) for c in classes), np.intp, len(classes))
    w = np.fromiter((weights.get(k, 0.0) for k in kinds), float, len(kinds))
    return idx, np.where(idx >= 0, w * np.asarray(values, float), 0.0)


def merge(per_sensor: dict[str, list[float]], sensor: str, cls_idx: int, score: float,
          reports: int = 1) -> None:
    """Keep the strongest score per sensor and class and count the reports of that class
    (a row is ``[best score per class..., reports per class...]``)."""
    if cls_idx < 0 or score <= 0.0:
        return
    n = len(CLASSES)
    row = per_sensor.setdefault(sensor, [0.0] * (2 * n))
    row[cls_idx] = max(row[cls_idx], score)
    row[n + cls_idx] += reports


def total(per_sensor: Mapping[str, Sequence[float]]) -> list[float]:
    """Per class: the sum over sensors of best score x repeat factor."""
    n = len(CLASSES)
    sums = [0.0] * n
    for row in per_sensor.values():
        for i in range(n):
            if row[i] > 0.0:
                sums[i] += row[i] * min(1.0 + 0.5 * math.log2(max(row[n + i], 1.0)), REPEAT_CAP)
    return sums


def fuse(scores: Sequence[float], min_score: float = 0.3) -> tuple[TargetClass, float]:
    """The class with the best score and a confidence in [0, 1]; unknown below ``min_score``."""
    all_ = float(sum(scores))
    if all_ < min_score:
        return TargetClass.UNKNOWN, 0.0
    best = int(np.argmax(scores))
    conf = (scores[best] / all_) * (1.0 - math.exp(-all_))
    return CLASSES[best], round(conf, 2)
