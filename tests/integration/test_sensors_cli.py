"""`borderwatch sensors`: every sensor's health from the heartbeats on the health topic."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from stream.settings import Settings
from tests.conftest import run_cli
from tests.kafka_helpers import produce

pytestmark = pytest.mark.integration

NOGALES = (-111.0, 31.33341)
SASABE = (-111.54, 31.48)


def beat(sensor: str, seq: int, ts: float, where: tuple[float, float] | None,
         **extra: object) -> dict[str, object]:
    value: dict[str, object] = {"v": 1, "sensor_id": sensor, "seq": seq, "kind": "seismic",
                                "ts": ts, "battery": 0.9, **extra}
    if where is not None:
        value |= {"lon": where[0], "lat": where[1]}
    return value


@pytest.fixture
def heartbeats(topics: Settings) -> Settings:
    now = time.time()
    single = [
        beat("s-ok", 1, now - 600, NOGALES),
        beat("s-ok", 2, now - 5, NOGALES),  # newest wins
        beat("s-dead", 1, now - 900, NOGALES),  # offline (180 s without heartbeat)
        beat("s-tamper", 7, now - 10, SASABE, tamper=True),
        beat("s-nopos", 1, now - 10, None, battery=0.05),
    ]
    batch = {"v": 1, "source": "gw-1",
             "reports": [beat("s-fault", 1, now - 20, SASABE, fault=True)]}
    items = [(str(b["sensor_id"]).encode(), orjson.dumps(b)) for b in single]
    produce(topics, topics.topic("sensors.health"), [*items, (b"gw-1", orjson.dumps(batch))])
    return topics


def sensors_json(settings: Settings, *args: str, **env: str) -> dict[str, dict[str, object]]:
    out = run_cli(settings, "sensors", "--format", "json", *args, **env).stdout
    rows = [orjson.loads(line) for line in out.splitlines()]
    return {str(r["sensor_id"]): r for r in rows}


def test_every_sensor_with_its_health(heartbeats: Settings) -> None:
    rows = sensors_json(heartbeats)
    assert set(rows) == {"s-ok", "s-dead", "s-tamper", "s-nopos", "s-fault"}
    assert rows["s-ok"]["online"] is True and rows["s-ok"]["problems"] == []
    assert float(rows["s-ok"]["age_s"]) < 120  # type: ignore[arg-type]
    assert rows["s-dead"]["online"] is False and rows["s-dead"]["problems"] == ["offline"]
    assert rows["s-tamper"]["sector"] == "sasabe" and rows["s-tamper"]["problems"] == ["tamper"]
    assert rows["s-fault"]["problems"] == ["fault"]
    assert rows["s-nopos"]["sector"] == "unknown" and rows["s-nopos"]["problems"] == [
        "low battery"
    ]


def test_a_sensor_the_inventory_lists_but_no_heartbeat_names_is_never_heard(
        heartbeats: Settings, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.jsonl"
    records = [{"type": "sensor", "id": "s-ok", "kind": "seismic", "lon": NOGALES[0],
                "lat": NOGALES[1], "gateway": "gw-1"},
               {"type": "sensor", "id": "s-new", "kind": "pir", "lon": SASABE[0],
                "lat": SASABE[1], "gateway": "gw-1"},
               {"type": "camera", "id": "cam-1", "lon": SASABE[0], "lat": SASABE[1]}]
    inventory.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    env = {"BORDERWATCH_INVENTORY_FILE": str(inventory)}
    rows = sensors_json(heartbeats, **env)
    assert set(rows) == {"s-ok", "s-dead", "s-tamper", "s-nopos", "s-fault", "s-new"}
    assert rows["s-new"] == {"sensor_id": "s-new", "kind": "pir", "sector": "sasabe",
                             "online": False, "last_heartbeat_ts": None, "age_s": None,
                             "battery": None, "tamper": False, "fault": False,
                             "problems": ["never heard"]}
    assert rows["s-ok"]["problems"] == []  # heard: its heartbeat says, not the inventory
    table = run_cli(heartbeats, "sensors", "--sector", "sasabe", COLUMNS="80", **env).stdout
    line = next(line for line in table.splitlines() if line.startswith("s-new"))
    assert line.split()[3:] == ["offline", "never", "-", "never", "heard"]
    missing = run_cli(heartbeats, "sensors", check=False,
                      BORDERWATCH_INVENTORY_FILE=str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: inventory ")  # one message, however wrapped
    assert "No such file or directory" in missing.stderr and "Traceback" not in missing.stderr


def test_problem_and_sector_filters(heartbeats: Settings) -> None:
    assert set(sensors_json(heartbeats, "--problem")) == {"s-dead", "s-tamper", "s-nopos",
                                                          "s-fault"}
    assert set(sensors_json(heartbeats, "--sector", "sasabe")) == {"s-tamper", "s-fault"}
    bad = run_cli(heartbeats, "sensors", "--sector", "sasabee", check=False)
    assert bad.returncode == 2 and "known sectors are nogales, sasabe" in bad.stderr


def test_table_fits_80_columns_problems_first(heartbeats: Settings) -> None:
    out = run_cli(heartbeats, "sensors", COLUMNS="80").stdout
    lines = out.splitlines()
    assert lines[0].startswith("5 sensors: 4 online, 1 offline, 4 needing attention")
    assert max(len(line) for line in lines) <= 80
    body = [line.split()[0] for line in lines[2:] if line.strip()]
    assert body[-1] == "s-ok" and set(body[:-1]) == {"s-dead", "s-tamper", "s-nopos", "s-fault"}
