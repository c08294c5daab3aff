"""Helpers of the map tests: a ``borderwatch map`` process and a Server-Sent Events reader."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import yaml

from simulators.boundary import Boundary
from stream.broker import free_port, wait_for_port
from stream.cli.processes import stop_process
from stream.settings import Settings
from tests.conftest import settings_env

Feature = dict[str, Any]


@contextmanager
def map_server(settings: Settings, log: Path, **env: str) -> Iterator[str]:
    """``borderwatch map`` on a free loopback port; yields its URL."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stream.cli", "map", "--port", str(port)],
            env={**settings_env(settings), **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        if not wait_for_port("127.0.0.1", port, 60):  # (with tokens, /api/config answers 401)
            raise RuntimeError(f"map did not start:\n{log.read_text()[-3000:]}")
        yield url
    finally:
        stop_process("map", proc)


class EventStream:
    """Reads ``/api/events`` in a thread; keeps every event, in order."""

    def __init__(self, url: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._cond = threading.Condition()
        self._resp = urllib.request.urlopen(url, timeout=60)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        event, data = "message", b""
        try:
            for raw in self._resp:
                line = raw.rstrip(b"\r\n")
                if line.startswith(b"event: "):
                    event = line[7:].decode()
                elif line.startswith(b"data: "):
                    data += line[6:]
                elif not line and data:
                    with self._cond:
                        self.events.append((event, orjson.loads(data)))
                        self._cond.notify_all()
                    event, data = "message", b""
        except (OSError, ValueError, AttributeError):
            pass  # closed (http.client drops its socket mid-read)

    def close(self) -> None:
        self._resp.close()

    def wait(self, what: str, ok: Callable[[EventStream], Any], timeout: float = 120.0) -> Any:
        """Block until ``ok(self)`` is truthy (re-checked on every new event); its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (got := ok(self)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; {len(self.events)} "
                                         f"events, model counts {self.counts()}")
                self._cond.wait(left)
            return got

    def model(self, upto: int | None = None) -> dict[str, Feature]:
        """The picture folded from the first snapshot and the changes (up to seq ``upto``)."""
        kind, snap = self.events[0]
        assert kind == "snapshot"
        out = {f["id"]: f for f in snap["features"]}
        for kind, c in self.events[1:]:
            assert kind == "change", kind
            if upto is not None and c["seq"] > upto:
                break
            if c["op"] == "upsert":
                out[c["id"]] = c["feature"]
            else:
                out.pop(c["id"], None)
        return out

    @property
    def last_seq(self) -> int:
        return int(self.events[-1][1]["seq"]) if self.events else -1

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        if self.events:
            for f in self.model().values():
                out[f["properties"]["layer"]] = out.get(f["properties"]["layer"], 0) + 1
        return out


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return orjson.loads(r.read())


def five_on_foot_on(set_name: str, folder: Path) -> str:
    """Bundled five-on-foot on the geofence set ``set_name``, as a scenario file (its sensor
    lines and paths already follow that set's boundary; the camera tower keeps its place
    relative to the line; the Nogales wildlife corridor's herds stay home)."""
    if set_name == "nogales-sasabe":
        return "five-on-foot"
    doc = yaml.safe_load(resources.files("simulators").joinpath(
        "scenarios", "five-on-foot.yaml").read_text())
    src, dst = Boundary.bundled("nogales-sasabe"), Boundary.bundled(set_name)
    for cam in doc["cameras"]:
        x, y = src.to_metric([cam["lon"]], [cam["lat"]])
        along, offset = src.along(float(x[0]), float(y[0])), float(src.offset(x, y)[0])
        lon, lat = dst.lonlat(*dst.point(along, offset))
        (ux, uy, *_), (vx, vy, *_) = src.frame(along), dst.frame(along)
        turn = math.degrees(math.atan2(vx, vy) - math.atan2(ux, uy))
        cam.update(lon=round(float(np.asarray(lon).ravel()[0]), 6),
                   lat=round(float(np.asarray(lat).ravel()[0]), 6),
                   bearing_deg=round((cam["bearing_deg"] + turn) % 360, 1))
    doc.update(geofences=set_name, wildlife=[], name=f"five-on-foot-{set_name}")
    path = folder / f"five-on-foot-{set_name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)
