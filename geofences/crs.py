"""WGS84 <-> UTM zone 12N, the metric CRS for distances and buffers along this stretch.

Never measure or buffer in degrees: project, work in metres, project back.

>>> x, y = to_metric([-111.0], [31.3333])
>>> round(float(x[0]))
500000
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

WGS84 = "EPSG:4326"
UTM12N = "EPSG:32612"
Array = npt.NDArray[np.float64]

_FWD = Transformer.from_crs(WGS84, UTM12N, always_xy=True)
_INV = Transformer.from_crs(UTM12N, WGS84, always_xy=True)


def to_metric(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """Longitudes and latitudes (degrees) to UTM 12N eastings and northings (metres)."""
    x, y = _FWD.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_wgs84(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Array, Array]:
    """UTM 12N eastings and northings (metres) to longitudes and latitudes (degrees)."""
    lon, lat = _INV.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)
