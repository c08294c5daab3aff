"""Metric coordinates (UTM 12N, EPSG:32612) for whole arrays at once, and the boundary in them.

Never call these per report: transform the batch's arrays in one go.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString

from geofences.build import boundary_line
from geofences.crs import Array, to_metric


@cache
def boundary_metric() -> LineString:
    """The boundary line in UTM metres, densified so it follows the parallel's curve."""
    dense = shapely.segmentize(boundary_line(), 0.001)
    coords = np.asarray(dense.coords)
    x, y = to_metric(coords[:, 0], coords[:, 1])
    return LineString(np.column_stack([x, y]))


@cache
def _boundary_xy() -> tuple[Array, Array]:
    c = np.asarray(boundary_metric().coords)
    order = np.argsort(c[:, 0])
    return c[order, 0], c[order, 1]


def north_of_boundary(x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where a metric point lies north of (on the US side of) the boundary."""
    bx, by = _boundary_xy()
    return np.asarray(y, float) > np.interp(np.asarray(x, float), bx, by)


def south_of_boundary_m(x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Metres due south of the boundary (negative: north of it)."""
    bx, by = _boundary_xy()
    return np.interp(np.asarray(x, float), bx, by) - np.asarray(y, float)


def cell_keys(lon: npt.ArrayLike, lat: npt.ArrayLike, cell_m: float = 5000.0) -> list[str]:
    """Spatial partition keys (``cell:<ix>:<iy>`` on a ``cell_m`` UTM grid): repartition
    detections by them so one worker sees every detection of an incident."""
    x, y = to_metric(lon, lat)
    ix, iy = np.floor(x / cell_m).astype(np.int64), np.floor(y / cell_m).astype(np.int64)
    return [f"cell:{i}:{j}" for i, j in zip(ix.tolist(), iy.tolist(), strict=True)]
