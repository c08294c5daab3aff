"""A reload to a set with another boundary and frame switches every user of the frame at
once, and open incidents keep their place on the ground."""

from __future__ import annotations

import numpy as np

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.inventory import Inventory
from stream.correlation.tasking import CameraSite
from tests.unit.correlation_builders import T0, lonlat, walk_north

AZ = GeofenceSet.load_bundled("nogales-sasabe")
NM = GeofenceSet.load_bundled("new-mexico")


def test_switching_sets_moves_incidents_cameras_and_the_boundary_to_the_new_frame() -> None:
    assert AZ.frame.crs != NM.frame.crs
    cam_lon, cam_lat = lonlat(0.0, 1200.0)
    cor = Correlator(AZ, inventory=Inventory((CameraSite("cam-1", cam_lon, cam_lat),)))
    cor.process(walk_north("s", 0.0, -100.0, 400.0), now=T0 + 400)
    (inc,) = [i for i in cor.incidents.values() if i.kind == "detection"]
    assert inc.track is not None and inc.boundary_reached
    before = AZ.frame.to_wgs84([inc.x, inc.x0], [inc.y, inc.y0])
    path_before = AZ.frame.to_wgs84(inc.path[:, 1], inc.path[:, 2])
    times = inc.path[:, 0].copy()
    assert len(times) >= 2
    cor.use_fences(NM)
    assert cor.frame is NM.frame and cor.cameras.frame is NM.frame
    after = NM.frame.to_wgs84([inc.x, inc.x0], [inc.y, inc.y0])
    assert np.allclose(before, after, atol=1e-7)  # the same places on the ground
    assert np.array_equal(inc.path[:, 0], times)  # the path too, at the same times
    assert np.allclose(path_before, NM.frame.to_wgs84(inc.path[:, 1], inc.path[:, 2]),
                       atol=1e-7)
    cx, cy = NM.frame.to_metric([cam_lon], [cam_lat])
    assert np.allclose([cor.cameras.x[0], cor.cameras.y[0]], [cx[0], cy[0]])
    # the track's speed is the same in metres, whatever the frame
    assert abs(float(np.hypot(inc.track["vx"], inc.track["vy"])) - inc.track["speed_mps"]) < 0.05
