"""Every validation error names its feature; --fix repairs rings; the CLI exits non-zero."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from geofences.store import InvalidSet, decode, encode
from geofences.validate import fix, validate
from stream.cli.geofences import app

SQUARE = [[-111.0, 31.40], [-110.99, 31.40], [-110.99, 31.41], [-111.0, 31.41], [-111.0, 31.40]]


def feature(fid: str | None = "a", zone_type: str | None = "buffer", ring: Any = None,
            **props: Any) -> dict[str, Any]:
    p: dict[str, Any] = {**props}
    if fid is not None:
        p["id"] = fid
    if zone_type is not None:
        p["zone_type"] = zone_type
    return {"type": "Feature", "properties": p,
            "geometry": {"type": "Polygon", "coordinates": [ring or copy.deepcopy(SQUARE)]}}


def line(fid: str = "border", coords: Any = None, **props: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"id": fid, "zone_type": "boundary", "home_side": "left", **props}
    return {"type": "Feature", "properties": p, "geometry": {
        "type": "LineString", "coordinates": coords or [[-110.98, 31.39], [-111.01, 31.39]]}}


def doc(*features: dict[str, Any], boundary: bool = True) -> dict[str, Any]:
    """A FeatureCollection of ``features`` and (last) a boundary line south of them."""
    return {"type": "FeatureCollection", "features": [*features, *([line()] if boundary else [])]}


def codes(d: Any) -> list[tuple[str, str]]:
    return [(p.code, p.feature) for p in validate(d).errors]


def test_a_good_set_and_the_bundled_set_pass() -> None:
    assert validate(doc(feature())).ok
    bundled = Path(__file__).parents[2] / "geofences" / "data" / "nogales-sasabe.geojson"
    assert validate(orjson.loads(bundled.read_bytes())).ok


@pytest.mark.parametrize(("bad", "code"), [
    (feature(ring=[[y, x] for x, y in SQUARE]), "swapped_lat_lon"),
    (feature(ring=[[-111.0, 91.0], *SQUARE[1:4], [-111.0, 91.0]]), "out_of_range"),
    (feature(ring=[[-181.0, 31.4], *SQUARE[1:4], [-181.0, 31.4]]), "out_of_range"),
    (feature(ring=SQUARE[:4]), "unclosed_ring"),
    (feature(ring=[[-111.0, 31.40], [-110.99, 31.41], [-110.99, 31.40], [-111.0, 31.41],
                   [-111.0, 31.40]]), "invalid_geometry"),
    (feature(zone_type="moat"), "unknown_zone_type"),
    (feature(zone_type=None), "missing_zone_type"),
    (feature(fid=None), "missing_id"),
    (feature(active={"from": "25:00", "to": "06:00"}), "bad_time_window"),
    (feature(active={"from": "19:00", "to": "06:00", "tz": "Mars/Olympus"}), "bad_time_window"),
    (feature(dwell_s=-1), "bad_property"),
    (feature(ring=SQUARE[:3]), "too_few_positions"),
    (feature(ring=[["a", 1], *SQUARE[1:]]), "bad_coordinates"),
])
def test_each_error_names_the_feature(bad: dict[str, Any], code: str) -> None:
    fid = bad["properties"].get("id", "")
    assert codes(doc(feature("ok"), bad)) == [(code, fid)]
    (problem,) = validate(doc(feature("ok"), bad)).errors
    assert problem.index == 1 and "#1" in str(problem)


def test_swapped_in_range_is_caught_against_the_expected_area() -> None:
    # in Europe both orders are valid coordinates: only the expected area tells them apart
    ring = [[48.0, 11.0], [48.0, 11.1], [48.1, 11.1], [48.1, 11.0], [48.0, 11.0]]
    d = {**doc(feature(ring=ring)), "borderwatch": {"expected_area": [5, 45, 15, 55]}}
    (p,) = validate(d).errors
    assert p.code == "swapped_lat_lon" and "longitude first" in p.message


def test_duplicate_ids_name_both_features() -> None:
    (p,) = validate(doc(feature("x"), feature("y"), feature("x"))).errors
    assert (p.code, p.feature, p.index) == ("duplicate_id", "x", 2) and "#0" in p.message


def test_document_errors() -> None:
    assert codes([1, 2]) == [("not_feature_collection", "")]
    assert codes({"type": "FeatureCollection", "features": []}) == [("no_features", "")]
    point = feature()
    point["geometry"] = {"type": "Point", "coordinates": [-111.0, 31.4]}
    assert codes(doc(point)) == [("unsupported_geometry", "a")]


def test_a_set_without_a_boundary_is_refused_and_the_message_says_what_is_missing() -> None:
    (p,) = validate(doc(feature(), feature("b"), boundary=False)).errors
    assert p.code == "no_boundary" and "2 zone(s)" in p.message and "'boundary'" in str(p)


@pytest.mark.parametrize(("bad", "code"), [
    (line(home_side="north"), "bad_home_side"),
    (line(home_side=None), "bad_home_side"),
    (line(coords=[[-111.0, 31.39], [-111.0, 31.39]]), "too_few_positions"),
    (line(coords=[[31.39, -110.98], [31.39, -111.01]]), "swapped_lat_lon"),
    ({**feature("border", "boundary", home_side="left")}, "unsupported_geometry"),
])
def test_boundary_lines_are_checked(bad: dict[str, Any], code: str) -> None:
    assert codes(doc(feature("ok"), bad, boundary=False)) == [(code, "border")]


def test_far_away_fence_is_only_a_warning() -> None:
    ring = [[x + 30, y + 10] for x, y in SQUARE]  # Atlantic, valid but unexpected
    rep = validate(doc(feature(ring=ring)))
    assert rep.ok and [w.code for w in rep.warnings] == ["outside_expected_area"]


def test_fix_closes_rings_and_makes_bow_ties_valid() -> None:
    bow = [[-111.0, 31.40], [-110.99, 31.41], [-110.99, 31.40], [-111.0, 31.41], [-111.0, 31.40]]
    bad = doc(feature("open", ring=SQUARE[:4]), feature("bow", ring=bow))
    assert validate(bad).fixable
    fixed, notes = fix(bad)
    assert validate(fixed).ok and len(notes) == 2
    assert fixed["features"][1]["geometry"]["type"] == "MultiPolygon"
    assert not validate(bad).ok  # the input is untouched


def test_store_refuses_invalid_sets_and_round_trips_valid_ones() -> None:
    with pytest.raises(InvalidSet, match="unknown_zone_type"):
        encode(doc(feature(zone_type="moat")))
    value = encode(doc(feature()), version="v7", now=123.0)
    got = decode(value, offset=4)
    assert (got.version, got.published_ts, got.offset) == ("v7", 123.0, 4)
    with pytest.raises(InvalidSet, match="not JSON"):
        decode(b"{")


runner = CliRunner()


def test_cli_validate(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_bytes(orjson.dumps(doc(feature())))
    bad.write_bytes(orjson.dumps(doc(feature(ring=SQUARE[:4]), feature("a"))))
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 1
    assert "unclosed_ring" in res.output and "duplicate_id" in res.output
    one = tmp_path / "one.geojson"
    one.write_bytes(orjson.dumps(doc(feature(ring=SQUARE[:4]))))
    res = runner.invoke(app, ["validate", str(one), "--fix"])
    assert res.exit_code == 0, res.output
    assert validate(orjson.loads((tmp_path / "one.fixed.geojson").read_bytes())).ok
    res = runner.invoke(app, ["validate", str(tmp_path / "missing.geojson")])
    assert res.exit_code == 2 and "cannot read" in res.output


def test_cli_render(tmp_path: Path) -> None:
    src = tmp_path / "set.geojson"
    src.write_bytes(orjson.dumps(doc(feature(), feature("b", "restricted"))))
    res = runner.invoke(app, ["render", str(src), "--out", str(tmp_path / "m.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_sets_time_zone_must_be_an_iana_name() -> None:
    good = {**doc(feature()), "borderwatch": {"timezone": "America/Denver"}}
    bad = {**doc(feature()), "borderwatch": {"timezone": "Mars/Olympus"}}
    assert validate(good).ok
    assert [(p.code, p.index) for p in validate(bad).errors] == [("bad_property", -1)]
