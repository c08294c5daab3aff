"""WGS84 <-> UTM 12N for the simulators (distances in metres, never degrees)."""

from geofences.crs import Array, to_metric, to_wgs84

__all__ = ["Array", "to_metric", "to_wgs84"]
