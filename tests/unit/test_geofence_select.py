"""A set is chosen by bundled name or by file everywhere; a worker refuses an invalid set
with the validator's message on one line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from geofences.index import bundled_doc, bundled_names, open_set, set_document
from geofences.store import InvalidSet, load_valid
from stream.cli import app

runner = CliRunner()


def test_bundled_sets_are_found_by_name_and_files_by_path(tmp_path: Path) -> None:
    assert "nogales-sasabe" in bundled_names()
    for name in bundled_names():
        fences = open_set(name)
        assert fences.frame.has_boundary and fences.zones
        assert open_set(name) is fences  # loaded once
    f = tmp_path / "mine.geojson"
    f.write_bytes(orjson.dumps(bundled_doc("nogales-sasabe")))
    assert set_document(str(f)) == bundled_doc("nogales-sasabe")
    with pytest.raises(ValueError, match="neither a bundled set"):
        set_document("atlantis")


def test_load_valid_names_every_error(tmp_path: Path) -> None:
    doc = bundled_doc("nogales-sasabe")
    doc["features"] = [f for f in doc["features"] if f["properties"]["zone_type"] != "boundary"]
    bad = tmp_path / "no-line.geojson"
    bad.write_bytes(orjson.dumps(doc))
    with pytest.raises(InvalidSet, match="no_boundary"):
        load_valid(bad)


def test_worker_refuses_an_invalid_set_with_one_line(tmp_path: Path) -> None:
    doc = bundled_doc("nogales-sasabe")
    doc["features"] = [f for f in doc["features"] if f["properties"]["zone_type"] != "boundary"]
    doc["features"][0]["properties"]["zone_type"] = "moat"
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(orjson.dumps(doc))
    res = runner.invoke(app, ["worker", "--geofences", str(bad)], terminal_width=80)
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith("error: geofence set") and "unknown_zone_type" in lines[0]
    assert "no_boundary" in lines[0]
    res = runner.invoke(app, ["worker", "--geofences", "atlantis"])
    assert res.exit_code == 2 and "neither a bundled set" in res.output


def test_geofences_commands_take_a_bundled_name(tmp_path: Path) -> None:
    res = runner.invoke(app, ["geofences", "list", "--bundled"])
    assert res.exit_code == 0 and all(n in res.output for n in bundled_names())
    for name in bundled_names():
        res = runner.invoke(app, ["geofences", "validate", name])
        assert res.exit_code == 0 and f"ok: {name}" in res.output, res.output
    png = tmp_path / "m.png"
    res = runner.invoke(app, ["geofences", "render", bundled_names()[-1], "--out", str(png)])
    assert res.exit_code == 0 and png.read_bytes()[:4] == b"\x89PNG"
    res = runner.invoke(app, ["geofences", "validate", "atlantis"])
    assert res.exit_code == 2 and "not a bundled set either" in res.output
