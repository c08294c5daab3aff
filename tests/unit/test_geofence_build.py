"""The bundled zones are reproducible from the boundary line and measured in metres."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from typer.testing import CliRunner

from geofences.build import BUFFERS_M, STRIP_M
from geofences.index import ZONE_TYPES, GeofenceSet
from stream.cli import app

BUNDLED = Path(__file__).parents[2] / "geofences" / "data" / "nogales-sasabe.geojson"
FENCES = GeofenceSet.load_bundled()
LINE_M = FENCES.frame.line


def test_build_command_regenerates_the_bundled_file_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "zones.geojson"
    result = CliRunner().invoke(app, ["geofences", "build", "nogales-sasabe", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == BUNDLED.read_bytes()


def test_bundled_set_has_a_zone_of_every_type() -> None:
    assert {z.zone_type for z in FENCES.zones} == set(ZONE_TYPES)


@pytest.mark.parametrize(("zone_id", "depth_m"), [
    ("strip-nog-sas", STRIP_M), *((f"buffer-{int(m // 1000)}km", m) for m in BUFFERS_M),
])
def test_strip_and_buffers_are_as_deep_as_asked_in_metres(zone_id: str, depth_m: float) -> None:
    zone = FENCES.metric_geometry(FENCES.ids[zone_id])
    # the far side lies depth_m from the line everywhere (Hausdorff: no point further)
    assert shapely.hausdorff_distance(zone.exterior, LINE_M) == pytest.approx(depth_m, abs=0.05)
    assert zone.area / LINE_M.length == pytest.approx(depth_m, rel=0.01)
    assert zone.centroid.y > LINE_M.centroid.y  # on the US side


def test_refuge_closed_area_matches_the_published_size_and_touches_the_line() -> None:
    zone = FENCES.metric_geometry(FENCES.ids["closed-buenos-aires-nwr"])
    assert zone.area / 4046.856 == pytest.approx(3_500, rel=0.03)  # acres
    assert shapely.distance(zone, LINE_M) < 0.05
    port = FENCES.metric_geometry(FENCES.ids["poe-sasabe"])
    assert shapely.intersection(zone, port).area < 1.0


@pytest.mark.parametrize(("port", "on_line_m"), [("poe-nogales-deconcini", 250.0),
                                                 ("poe-sasabe", 150.0)])
def test_ports_stand_on_the_line_over_their_width(port: str, on_line_m: float) -> None:
    """Both ports sit at an end of the stretch: half their width runs along its line."""
    zone = FENCES.metric_geometry(FENCES.ids[port])
    shared = shapely.intersection(zone.buffer(0.05), LINE_M).length
    assert shared == pytest.approx(on_line_m, abs=0.5)
    assert zone.centroid.y > LINE_M.interpolate(LINE_M.project(zone.centroid)).y
