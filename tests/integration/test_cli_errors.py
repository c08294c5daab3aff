"""Every failure a user can cause: one line on stderr, a non-zero exit code, no traceback."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stream import kafka_clients
from stream.broker import free_port
from stream.settings import Settings
from tests.conftest import run_cli
from tests.kafka_helpers import produce
from tests.unit.alert_samples import sample_alert

pytestmark = pytest.mark.integration
SCENARIOS = Path(__file__).parents[2] / "simulators" / "scenarios"


def borderwatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stream.cli", *args],
        env={**os.environ, "COLUMNS": "80", **(env or {})},
        capture_output=True, text=True, timeout=120, check=False,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The only line on stderr, which starts with ``error:``; stdout is empty."""
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr and "%3|" not in result.stderr
    return lines[0]


@pytest.fixture
def nobody() -> Iterator[str]:
    """An address where no broker listens."""
    yield f"127.0.0.1:{free_port()}"


@pytest.mark.parametrize(
    "args",
    [
        ["topics", "list"],
        ["topics", "create"],
        ["alerts", "--timeout", "1"],
        ["worker"],
        ["geofences", "list"],
        ["geofences", "events", "--timeout", "1"],
        ["ack", "alr-0123", "--by", "agent-7"],
        ["sensors"],
    ],
    ids=" ".join,
)
def test_unreachable_broker_is_one_line_with_the_address_and_a_hint(
    args: list[str], nobody: str
) -> None:
    result = borderwatch(*args, "--bootstrap-servers", nobody)
    assert result.returncode == 1
    line = one_error_line(result)
    assert f"cannot reach the Kafka broker at {nobody}" in line
    assert "borderwatch broker" in line and "BORDERWATCH_BOOTSTRAP_SERVERS" in line


def test_simulate_before_the_topics_exist_names_the_fix_and_creates_none(
    settings: Settings,
) -> None:
    """No topic is created with the broker's default partition count behind the user's back
    (the worker would not read the extra partitions): the reports fail once the broker has
    said it has no such topic, and the one line says what to run."""
    result = run_cli(settings, "simulate", "crossing", "--fast", "--quiet", check=False,
                     COLUMNS="200")
    assert result.returncode == 1
    line = one_error_line(result)
    assert "Unknown topic" in line and "borderwatch topics create" in line
    listed = kafka_clients.admin(settings).list_topics(timeout=10).topics
    assert not [t for t in listed if t.startswith(settings.topic(""))], listed


def test_debug_shows_the_traceback(nobody: str) -> None:
    result = borderwatch("--debug", "topics", "list", "--bootstrap-servers", nobody)
    assert result.returncode == 1 and "Traceback" in result.stderr
    env = borderwatch("topics", "list", "--bootstrap-servers", nobody,
                      env={"BORDERWATCH_DEBUG": "1"})
    assert "Traceback" in env.stderr


def test_busy_metrics_port_names_the_option(topics: Settings) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(topics, "worker", check=False, BORDERWATCH_METRICS_PORT=str(port))
    assert result.returncode == 1
    line = one_error_line(result)
    assert f"port {port} is busy" in line and "--metrics-port" in line


def test_scenario_with_lat_lon_swapped_in_an_actor_path(tmp_path: Path) -> None:
    text = (SCENARIOS / "crossing.yaml").read_text()
    swapped = re.sub(r"\[(-111\.\d+), (31\.\d+)\]", r"[\2, \1]", text.split("actors:")[1])
    bad = tmp_path / "swapped.yaml"
    bad.write_text(text.split("actors:")[0] + "actors:" + swapped)
    result = borderwatch("simulate", str(bad), "--output", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2
    line = one_error_line(result)
    assert "actors.0: path point 0" in line and "looks like [lat, lon]" in line
    assert not (tmp_path / "out.jsonl").exists() or not (tmp_path / "out.jsonl").read_text()


@pytest.mark.parametrize("content", ["not json", '{"type": "FeatureCollection"}'])
def test_bad_geofence_file(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "zones.geojson"
    bad.write_text(content)
    result = borderwatch("geofences", "validate", str(bad))
    assert result.returncode in (1, 2)
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    result = borderwatch("simulate", str(tmp_path / "nope.yaml"), "--output", "x.jsonl")
    assert result.returncode == 2
    assert "nope.yaml" in one_error_line(result)


def _publish_alert(settings: Settings, alert_id: str) -> None:
    alert = sample_alert(id=alert_id)
    value = alert.model_dump_json().encode()
    produce(settings, settings.topic("alerts"), [(alert.id.encode(), value)])


def test_ack_checks_the_id_against_the_alert_topic(topics: Settings) -> None:
    _publish_alert(topics, "alr-c4fd2937d65a0b11")
    result = run_cli(topics, "ack", "alr-doesnotexist", "--by", "agent-7", check=False)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "no alert alr-doesnotexist" in line and topics.topic("alerts") in line
    ok = run_cli(topics, "ack", "c4fd2937", "--by", "agent-7", check=False)
    assert ok.returncode == 0, ok.stderr
    assert "ack of alr-c4fd2937d65a0b11 by agent-7 sent" in ok.stderr
    short = run_cli(topics, "ack", "c4fd", "--by", "agent-7", check=False)
    assert short.returncode == 2 and "no alert c4fd" in one_error_line(short)
    _publish_alert(topics, "alr-c4fd2937ffff0000")
    both = run_cli(topics, "ack", "c4fd2937", "--by", "agent-7", check=False)
    assert both.returncode == 2
    assert "c4fd2937 is the start of 2 alert ids" in one_error_line(both)


def test_unknown_sector_lists_the_known_ones(topics: Settings) -> None:
    result = run_cli(topics, "alerts", "--sector", "nogalez", "--timeout", "1", check=False)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "unknown sector 'nogalez'" in line and "nogales, sasabe" in line


def test_tak_server_down_alerts_keep_printing(topics: Settings) -> None:
    _publish_alert(topics, "alr-5ee0000000000001")
    dead = free_port()
    result = run_cli(
        topics, "alerts", "--format", "json", "--from-beginning", "--limit", "1",
        "--timeout", "30", "--tak", f"tcp://127.0.0.1:{dead}", check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"id":"alr-5ee0000000000001"' in result.stdout
    warnings = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("warning: TAK server"), result.stderr
    assert f"127.0.0.1:{dead}" in warnings[0] and "retrying" in warnings[0]


def test_ctrl_c_on_simulate_with_the_broker_down(nobody: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "stream.cli", "simulate", "crossing", "--fast",
         "--bootstrap-servers", nobody],
        env={**os.environ, "COLUMNS": "200"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        for line in proc.stderr or []:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        while not any("unreachable" in ln for ln in seen):
            seen.append(lines.get(timeout=60))  # the simulator says the broker is down
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    while not lines.empty():
        seen.append(lines.get())
    text = "".join(seen)
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "SystemError" not in text
    interrupted = next(ln for ln in seen if ln.startswith("interrupted after"))
    assert re.search(r"0/\d+ acknowledged", interrupted), interrupted
    errors = [ln for ln in seen if ln.startswith("error:")]
    assert len(errors) == 1 and "not acknowledged" in errors[0], text


@pytest.mark.parametrize(
    ("content", "problems"),
    [(None, 1), ("families: 3\n", 2), ("::\n", 2), ("name: x\nfamilies: 3\n", 1),
     ("a: [1, 2\n", 1)],
)
def test_bad_campaign_file(tmp_path: Path, content: str | None, problems: int) -> None:
    path = tmp_path / "campaign.yaml"
    if content is not None:
        path.write_text(content)
    result = borderwatch("evaluate", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}") and "Traceback" not in result.stderr
    # one problem is one line; several are a heading and one line each
    lines = result.stderr.strip().splitlines()
    assert len(lines) == (1 if problems == 1 else 1 + problems), result.stderr
