"""The map's snapshot and event-stream contract over the real broker, with five-on-foot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geofences.index import bundled_doc
from stream.settings import Settings
from tests.conftest import run_cli
from tests.map_helpers import EventStream, Feature, get_json, map_server

pytestmark = pytest.mark.integration


def serious_incident(stream: EventStream) -> Feature | None:
    """The medium-or-worse incident once it has a track, else None."""
    model = stream.model()
    for f in model.values():
        p = f["properties"]
        if p["layer"] == "incident" and p["severity_rank"] >= 1 \
                and f"track:{p['alert_id']}" in model:
            return f
    return None


def upserts(stream: EventStream, fid: str) -> list[dict[str, Any]]:
    return [c for kind, c in stream.events[1:] if c["id"] == fid and c["op"] == "upsert"]


def test_snapshot_then_changes_follow_five_on_foot_and_a_cleared_alert_goes(
    settings: Settings, worker: object, tmp_path: Path
) -> None:
    zones = bundled_doc("nogales-sasabe")["features"]  # zones and the boundary line
    with map_server(settings, tmp_path / "map.log") as url:
        stream = EventStream(url + "api/events")
        try:
            kind, first = stream.wait("the first event", lambda s: s.events and s.events[0])
            assert kind == "snapshot"
            assert first["counts"]["fence"] == len(zones) and first["counts"]["incident"] == 0
            assert all(f["properties"]["stale"] is None for f in first["features"])  # fences

            run_cli(settings, "simulate", "five-on-foot", "--fast", "--quiet", timeout=300)
            incident = stream.wait("an incident with a track", serious_incident, timeout=180)
            alert_id = incident["properties"]["alert_id"]
            fid = f"incident:{alert_id}"

            # one id across updates; every update carries event time and stale time
            updates = upserts(stream, fid)
            assert len(updates) >= 2
            assert {u["feature"]["id"] for u in updates} == {fid}
            assert all(u["feature"]["properties"]["stale"] > u["feature"]["properties"]["ts"]
                       for u in updates)
            assert len({tuple(u["feature"]["geometry"]["coordinates"]) for u in updates}) >= 2
            seqs = [c["seq"] for _, c in stream.events[1:]]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
            sensors = [f for f in stream.model().values() if f["properties"]["layer"] == "sensor"]
            assert sensors and all(f["properties"]["stale"] > f["properties"]["ts"]
                                   for f in sensors)

            # a late joiner's snapshot is the picture the stream's changes built
            late = get_json(url + "api/snapshot")
            stream.wait("the late snapshot's sequence", lambda s: s.last_seq >= late["seq"])
            assert {f["id"]: f for f in late["features"]} == stream.model(upto=late["seq"])

            # closing the alert clears it; the map removes the incident and what hangs on it
            run_cli(settings, "ack", alert_id, "--by", "map-test", "--close")
            # (incident and track are removed by separate changes: wait for both)
            gone = {fid, f"track:{alert_id}"}
            stream.wait(
                "the incident's and its track's removal",
                lambda s: gone <= {c["id"] for _, c in s.events[1:] if c["op"] == "remove"},
            )
            now = get_json(url + "api/snapshot")
            assert not [f["id"] for f in now["features"] if f["id"].endswith(alert_id)]

            # the time slider's replay: before the scenario there was no incident
            replay = get_json(url + f"api/snapshot?at={incident['properties']['raised_ts'] - 1}")
            assert replay["counts"]["incident"] == 0 and replay["counts"]["fence"] == len(zones)
            # (at its first message's time: a later update may share the close's event time,
            # the stream's watermark when the patrol closed it)
            opened = min(u["feature"]["properties"]["ts"] for u in updates)
            replay = get_json(url + f"api/snapshot?at={opened}")
            assert fid in {f["id"] for f in replay["features"]}
        finally:
            stream.close()
