"""The neighbours the fault watch compares a sensor with: the same as measuring every site."""

import random

import numpy as np

from geofences.frame import Frame
from stream.correlation.site_grid import SiteGrid

FRAME = Frame("EPSG:32612")


def brute(sites: dict[str, list[float]], sensor: str, radius: float) -> list[str]:
    names = list(sites)
    x, y = FRAME.to_metric([sites[n][0] for n in names], [sites[n][1] for n in names])
    i = names.index(sensor)
    near = np.hypot(x - x[i], y - y[i]) <= radius
    return sorted(n for n, ok in zip(names, near.tolist(), strict=True) if ok and n != sensor)


def test_neighbours_match_every_site_measured_as_sites_arrive_and_move() -> None:
    rng = random.Random(3)
    sites = {f"s-{k}": [-111.0 + rng.uniform(-0.05, 0.0), 31.33 + rng.uniform(0.0, 0.02)]
             for k in range(400)}
    grid = SiteGrid()
    for k in range(0, 400, 37):
        assert sorted(grid.near(sites, FRAME, 300.0, f"s-{k}", (0, 0))) == brute(
            sites, f"s-{k}", 300.0)
    sites["s-999"] = list(sites["s-5"])  # a new sensor beside s-5
    assert "s-999" in grid.near(sites, FRAME, 300.0, "s-5", (0, 0))
    sites["s-999"] = [-110.5, 31.5]  # it moved far away
    grid.forget("s-999")
    assert "s-999" not in grid.near(sites, FRAME, 300.0, "s-5", (0, 0))
    assert grid.near(sites, FRAME, 300.0, "s-999", (0, 0)) == []
