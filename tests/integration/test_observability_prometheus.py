"""A real Prometheus scrapes a running worker; every dashboard query must return data.

Needs the Debian package ``prometheus`` (``apt-get install prometheus``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream.broker import free_port
from stream.cli.demo import start_prometheus
from stream.cli.processes import stop_process, wait_http_ok
from stream.evaluation.facts import until
from stream.settings import Settings
from tests.conftest import run_cli
from tests.kafka_helpers import produce

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "dashboards").glob("*.json"))
RULES = ROOT / "prometheus" / "rules" / "borderwatch.rules.yml"
#: What Grafana would put in place of its variables when "All" is selected.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "5s", "$__range": "1h"}


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(f"'{binary}' is not installed: apt-get install prometheus", pytrace=False)
    return path


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Gauges refreshed every second so a short test sees them."""
    return settings.model_copy(update={"health_interval": 1.0})


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, **params: str) -> Any:
        q = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{q}", timeout=10) as r:
            return json.loads(r.read())

    def query(self, expr: str) -> list[dict[str, Any]]:
        try:
            body = self.get("/api/v1/query", query=expr)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{expr}: {exc.read().decode()}") from None
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def value(self, expr: str) -> float:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else float("nan")

    def wait(self, expr: str, ok: Any, timeout: float = 60.0) -> float:
        last = [float("nan")]

        def value() -> float | None:
            last[0] = self.value(expr)
            return last[0] if ok(last[0]) else None

        return until(value, timeout, lambda: f"{expr} = {last[0]} after {timeout:.0f}s")

    def wait_scrapes_since(self, since: float, n: int, timeout: float = 60.0) -> None:
        """Until every target has been scraped at least ``n`` times after ``since`` (epoch s)."""
        last = [float("nan")]

        def scraped() -> bool | None:
            window_ms = max(1, int((time.time() - since) * 1000))
            last[0] = self.value(f"min(count_over_time(up[{window_ms}ms]))")
            return True if last[0] >= n else None

        until(scraped, timeout,
              lambda: f"{last[0]} scrapes of every target since {since} after {timeout:.0f}s")


@pytest.fixture
def sim_port() -> int:
    """Where the test's simulator serves /metrics."""
    return free_port()


@pytest.fixture
def prometheus(settings: Settings, sim_port: int, tmp_path: Path) -> Iterator[Prometheus]:
    """Prometheus (Debian package) on a free loopback port scraping the worker and simulator."""
    binary = require("prometheus")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(json.dumps({  # JSON is YAML
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": "borderwatch-worker",
             "static_configs": [{"targets": [f"127.0.0.1:{settings.metrics_port}"]}]},
            {"job_name": "borderwatch-simulator",
             "static_configs": [{"targets": [f"127.0.0.1:{sim_port}"]}]},
        ],
    }))
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        if not wait_http_ok(f"http://127.0.0.1:{port}/-/ready", timeout=30):
            log_text = (tmp_path / "prometheus.log").read_text()
            raise RuntimeError(f"prometheus did not start:\n{log_text}")
        yield Prometheus(f"http://127.0.0.1:{port}")
    finally:
        stop_process("prometheus", proc)
        log.close()


def health(
    sid: str, seq: int, ts: float, lon: float, lat: float, **extra: object
) -> dict[str, Any]:
    return {"v": 1, "sensor_id": sid, "seq": seq, "kind": "seismic", "ts": ts, "battery": 0.9,
            "lon": lon, "lat": lat, **extra}


def substitute(expr: str) -> str:
    for name, value in GRAFANA_VARS.items():
        expr = expr.replace(name, value)
    return re.sub(r"\$\{?(\w+)\}?", ".*", expr)  # dashboard variables: "All" is ".*"


def panel_queries() -> list[tuple[str, str, str]]:
    out = []
    for path in DASHBOARDS:
        dash = json.loads(path.read_text())
        for p in dash["panels"]:
            for t in p.get("targets", []):
                out.append((dash["title"], p["title"], t["expr"]))
    return out


def variable_queries() -> list[tuple[str, str, str]]:
    out = []
    for path in DASHBOARDS:
        dash = json.loads(path.read_text())
        for v in dash["templating"]["list"]:
            m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", v["query"]["query"])
            assert m, f"{path.name}: variable {v['name']} is not label_values(metric, label)"
            out.append((dash["title"], m[1], m[2]))
    return out


def test_dashboards_exist_and_query_only_project_metrics() -> None:
    assert {p.name for p in DASHBOARDS} >= {"pipeline-health.json", "border-sectors.json"}
    queries = panel_queries()
    assert len(queries) >= 20
    for _, _, expr in queries:
        names = set(re.findall(r"\b(borderwatch_\w+|up)\b", expr))
        assert names, expr


def test_every_dashboard_query_returns_data_after_a_scenario(
    settings: Settings, worker: subprocess.Popen[bytes], prometheus: Prometheus, sim_port: int
) -> None:
    # Prometheus has scraped the idle worker, so every increase below shows in rate().
    prometheus.wait('up{job="borderwatch-worker"}', lambda v: v == 1)
    prometheus.wait("count(borderwatch_processing_latency_seconds_bucket)", lambda v: v > 0)
    prometheus.wait("min(count_over_time(borderwatch_processing_latency_seconds_count[1m]))",
                    lambda v: v >= 2)
    # Sensors that report where they stand, so health is counted per sector.
    now = time.time()
    beats = [
        health("nog-1", 1, now, -111.0, 31.34),
        health("nog-2", 1, now, -111.0, 31.35, battery=0.05),
        health("nog-3", 1, now, -111.01, 31.35, tamper=True),
        health("nog-4", 1, now - 900, -111.02, 31.35),  # silent for 15 min: offline
        health("sas-1", 1, now, -111.40, 31.50),
    ]
    produce(settings, settings.topic("sensors.health"),
            [(b"gw-test", orjson.dumps({"v": 1, "source": "gw-test", "reports": beats}))])
    # A few refused messages so the dead-letter panel has something to show.
    produce(settings, settings.topic("sensors.ground"), [(b"bad", b"not json"), (b"bad", b"[1]")])
    # 600 s of scenario in about 6 s, so Prometheus scrapes the simulator while it runs.
    sim = run_cli(settings, "simulate", "crossing", "--speed", "100",
                  "--metrics-port", str(sim_port), "--quiet", check=False)
    assert sim.returncode == 0, sim.stderr[-2000:]

    alerts = prometheus.wait("sum(borderwatch_alerts_total)", lambda v: v > 0)
    tampered = 'sum(borderwatch_sensors{sector="nogales", status="tampered"})'
    prometheus.wait(tampered, lambda v: v == 1)
    prometheus.wait("sum(borderwatch_open_incidents)", lambda v: v >= 1)  # alerts read back
    # Two more scrapes of every target, so each rate() window holds two samples after the run.
    prometheus.wait_scrapes_since(time.time(), 2)

    failures = []
    for dash, title, expr in panel_queries():
        try:
            result = prometheus.query(substitute(expr))
            if not result or all(r["value"][1] == "NaN" for r in result):
                failures.append(f"{dash} / {title}: no data for {expr}")
            shown = ", ".join(f"{r['metric']}={r['value'][1]}" for r in result[:6])
            print(f"{dash} / {title}: {shown}")  # shown with pytest -s
        except AssertionError as exc:
            failures.append(f"{dash} / {title}: invalid: {exc}")
    for dash, metric, label in variable_queries():
        values = {r["metric"].get(label) for r in prometheus.query(metric)} - {None}
        if not values:
            failures.append(f"{dash}: variable label_values({metric}, {label}) has no values")
    assert not failures, "\n".join(failures)

    # What the panels show is what happened.
    assert alerts >= 1
    assert prometheus.value('sum(borderwatch_dead_letters_total{reason="not_json"})') == 1
    assert prometheus.value('sum(borderwatch_dead_letters_total{reason="not_object"})') == 1
    sensors = {
        (r["metric"]["sector"], r["metric"]["status"]): float(r["value"][1])
        for r in prometheus.query("sum by (sector, status) (borderwatch_sensors)")
    }
    # ours (3 online, 1 offline, 1 low, 1 tampered) plus the scenario's, all online near 111°W
    assert sensors[("nogales", "online")] >= 3 and sensors[("nogales", "offline")] == 1
    assert sensors[("nogales", "low_battery")] == 1 and sensors[("sasabe", "online")] == 1
    opened = prometheus.value("sum(borderwatch_open_incidents)")
    assert 1 <= opened <= prometheus.value('sum(borderwatch_alerts_total{state="new"})')
    assert prometheus.value("sum(borderwatch_geofence_set_info)") == 1
    # the scenario's incidents were written to the changelog, and counted by kind
    assert prometheus.value('sum(borderwatch_state_written_bytes_total{kind="inc"})') > 0
    # every batch timed in both phases (a scrape may fall between a batch's two)
    processed = prometheus.value('sum(borderwatch_batch_seconds_count{phase="process"})')
    sent = prometheus.value('sum(borderwatch_batch_seconds_count{phase="send"})')
    assert sent >= 1 and processed - sent in (0, 1)

    # The alert rules load and evaluate without errors against the live data.
    groups = prometheus.get("/api/v1/rules")["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) == 8
    assert all(r["health"] == "ok" for r in rules), [r.get("lastError") for r in rules]


def test_demo_prometheus_scrapes_the_worker_with_the_rules(
    settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    require("prometheus")
    started: list[tuple[str, subprocess.Popen[bytes] | None]] = []
    try:
        url = start_prometheus(settings, started)
        assert url is not None
        prom = Prometheus(url)
        prom.wait('up{job="borderwatch-worker"}', lambda v: v == 1, timeout=30)
        assert prom.value("borderwatch_worker_ready") == 1
        groups = prom.get("/api/v1/rules")["data"]["groups"]
        assert sum(len(g["rules"]) for g in groups) == 8
    finally:
        for name, proc in started:
            stop_process(name, proc)
    assert all(p is not None and p.poll() is not None for _, p in started)
