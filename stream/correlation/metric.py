"""Spatial partition keys in a geofence set's metric frame.

Never call per report: transform the batch's arrays in one go.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geofences.frame import Frame


def cell_keys(frame: Frame, lon: npt.ArrayLike, lat: npt.ArrayLike,
              cell_m: float = 5000.0) -> list[str]:
    """Spatial partition keys (``cell:<ix>:<iy>`` on a ``cell_m`` grid in ``frame``):
    repartition detections by them so one worker sees every detection of an incident."""
    x, y = frame.to_metric(lon, lat)
    ix, iy = np.floor(x / cell_m).astype(np.int64), np.floor(y / cell_m).astype(np.int64)
    return [f"cell:{i}:{j}" for i, j in zip(ix.tolist(), iy.tolist(), strict=True)]
