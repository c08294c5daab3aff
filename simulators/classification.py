"""Target classes, the classes a device reports, and cumulative confusion tables.

Shared by the ground-sensor and camera models: a confusion matrix says, for each true
class, how often each class is reported; missing probability mass goes to ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simulators.boundary import Array

#: Target classes an actor can have, in array column order.
CLASSES = ("person", "vehicle", "animal")
#: Classes a sensor or camera can report, in column order (``unknown`` last).
REPORTED = ("person", "vehicle", "animal", "unknown")
#: Confusion rows: the three target classes, then ``unknown`` = a nuisance alarm.
ROWS = ("person", "vehicle", "animal", "unknown")


def confusion_table(matrix: Mapping[Any, Mapping[Any, float]], where: str) -> Array:
    """Cumulative ``(4, 4)`` table over :data:`ROWS` x :data:`REPORTED`; the rest -> unknown."""
    table = np.zeros((len(ROWS), len(REPORTED)))
    for r, row in enumerate(ROWS):
        probs = {str(k): float(v) for k, v in matrix.get(row, {}).items()}
        known = sum(probs.get(c, 0.0) for c in REPORTED[:-1])
        if known > 1.0 + 1e-9:
            raise ValueError(
                f"{where}: probabilities for true class {row!r} add up to {known:.3f} > 1"
            )
        table[r, :-1] = [probs.get(c, 0.0) for c in REPORTED[:-1]]
        table[r, -1] = max(0.0, 1.0 - known)
    return np.cumsum(table, axis=1)
