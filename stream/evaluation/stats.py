"""Exact bounds for detection probability and false-alert rates.

>>> round(pd_lower(49, 50), 3), round(pd_lower(98, 100), 3), round(pd_lower(29, 29), 3)
(0.909, 0.938, 0.902)
>>> lo, hi = poisson_interval(0, 1.0)
>>> lo, round(hi, 3)
(0.0, 3.689)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import beta, chi2


def pd_lower(k: int, n: int, confidence: float = 0.95) -> float:
    """Exact one-sided Clopper-Pearson lower bound of a proportion (k of n detected)."""
    if n == 0 or k == 0:
        return 0.0
    return float(beta.ppf(1 - confidence, k, n - k + 1))


def poisson_interval(k: int, exposure: float, confidence: float = 0.95
                     ) -> tuple[float, float]:
    """Exact two-sided interval of a Poisson rate: ``k`` events over ``exposure`` units."""
    if exposure <= 0:
        return (math.nan, math.nan)
    a = 1 - confidence
    lo = 0.0 if k == 0 else float(chi2.ppf(a / 2, 2 * k)) / 2
    hi = float(chi2.ppf(1 - a / 2, 2 * k + 2)) / 2
    return lo / exposure, hi / exposure


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) or ``None`` when there are no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, float), q))
