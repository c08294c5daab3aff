"""WGS84 <-> UTM 12N helpers for the simulators (distances in metres, never degrees)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

_FWD = Transformer.from_crs("EPSG:4326", "EPSG:32612", always_xy=True)
_INV = Transformer.from_crs("EPSG:32612", "EPSG:4326", always_xy=True)

Array = npt.NDArray[np.float64]


def to_metric(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    x, y = _FWD.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_wgs84(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Array, Array]:
    lon, lat = _INV.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)
