"""Alert rules under ``promtool test rules``, Prometheus configs, and docker-compose.yml.

Run for real with the Debian packages ``prometheus`` (promtool) and ``docker-compose``
(``docker compose`` is used instead when the Docker CLI plugin is installed); neither
needs a Docker engine.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "prometheus"
COMPOSE = ROOT / "docker-compose.yml"
#: A pinned tag names a version: at least one digit, never "latest" or a bare major.
PINNED = re.compile(r"^[\w./-]+:(v?\d+\.\d+[\w.-]*)$")


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("'promtool' is not installed: apt-get install prometheus", pytrace=False)
    return path


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and run(docker, "compose", "version").returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy is None:
        pytest.fail("no compose implementation: apt-get install docker-compose", pytrace=False)
    return [legacy]


def test_alert_rules_pass_their_promtool_unit_tests() -> None:
    r = run(promtool(), "test", "rules", str(PROM / "tests" / "borderwatch.rules.test.yml"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


def test_every_alert_rule_has_a_unit_test() -> None:
    rules = yaml.safe_load((PROM / "rules" / "borderwatch.rules.yml").read_text())
    names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    tests = yaml.safe_load((PROM / "tests" / "borderwatch.rules.test.yml").read_text())
    tested = {
        t["alertname"]
        for case in tests["tests"]
        for t in case["alert_rule_test"]
        if t["exp_alerts"]  # a test that expects the alert to fire
    }
    assert names == tested
    assert {
        "BorderWatchWorkerDown", "BorderWatchConsumerLagGrowing", "BorderWatchLatencyP99OverBudget",
        "BorderWatchDeadLetterRate", "BorderWatchSensorsOffline", "BorderWatchSectorSilent",
    } <= names


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-local.yml"])
def test_prometheus_configs_are_valid(config: str) -> None:
    r = run(promtool(), "check", "config", str(PROM / config))
    assert r.returncode == 0, r.stdout + r.stderr


@functools.cache
def compose_config() -> dict[str, Any]:
    """``compose config``: the file as a real compose implementation resolves it."""
    r = run(*compose_command(), "-f", str(COMPOSE), "config")
    assert r.returncode == 0, f"compose config failed:\n{r.stderr}"
    doc: dict[str, Any] = yaml.safe_load(r.stdout)
    return doc


def test_compose_file_is_valid_and_has_the_stack() -> None:
    services = compose_config()["services"]
    assert set(services) == {
        "kafka", "kafka-init", "topics", "worker", "simulator", "prometheus", "grafana"
    }
    # Topic job before workers, workers before the simulator: health and completion gates.
    worker = services["worker"]
    assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["simulator"]["depends_on"]["worker"]["condition"] == "service_healthy"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"
    for name in ("kafka", "worker", "prometheus", "grafana"):
        assert services[name]["healthcheck"]["test"], name
    assert services["topics"]["command"] == ["topics", "create"]


def test_compose_kafka_is_official_image_in_kraft_mode_on_a_named_volume() -> None:
    doc = compose_config()
    kafka = doc["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    volume = kafka["volumes"][0]
    source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
    target = volume["target"] if isinstance(volume, dict) else volume.split(":")[1]
    assert source in doc["volumes"] and target == env["KAFKA_LOG_DIRS"]


def test_compose_workers_scale_in_one_group() -> None:
    services = compose_config()["services"]
    worker = services["worker"]
    # --scale worker=N: no fixed container name or host port, one consumer group, and
    # enough partitions for several workers.
    assert "container_name" not in worker and "ports" not in worker
    env = worker["environment"]
    assert "BORDERWATCH_APP_ID" not in env  # every replica uses the default group id
    assert int(env["BORDERWATCH_PARTITIONS"]) >= 3
    topics_env = services["topics"]["environment"]
    assert topics_env["BORDERWATCH_PARTITIONS"] == env["BORDERWATCH_PARTITIONS"]
    # Prometheus finds every replica by the service's DNS name on the metrics port.
    prom = yaml.safe_load((PROM / "prometheus.yml").read_text())
    job = next(j for j in prom["scrape_configs"] if j["job_name"] == "borderwatch-worker")
    sd = job["dns_sd_configs"][0]
    assert sd["names"] == ["worker"] and str(sd["port"]) == env["BORDERWATCH_METRICS_PORT"]
    assert env["BORDERWATCH_METRICS_HOST"] == "0.0.0.0"


def test_every_image_tag_is_pinned() -> None:
    services = compose_config()["services"]
    images = {name: s["image"] for name, s in services.items()}
    assert len(images) == len(services), "every service names its image"
    unpinned = {n: i for n, i in images.items() if not PINNED.match(i)}
    assert not unpinned, f"unpinned images: {unpinned}"
    bases = re.findall(r"(?m)^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text())
    assert bases and all(PINNED.match(b) for b in bases), bases


def test_pin_check_rejects_floating_tags() -> None:
    for floating in ("grafana/grafana", "grafana/grafana:latest", "apache/kafka:3", "python:slim"):
        assert not PINNED.match(floating), floating
    assert PINNED.match("prom/prometheus:v2.54.1") and PINNED.match("python:3.11.10-slim-bookworm")


def test_compose_mounts_the_repository_configs() -> None:
    services = compose_config()["services"]
    mounts = [
        v if isinstance(v, str) else f"{v['source']}:{v['target']}"
        for name in ("prometheus", "grafana")
        for v in services[name]["volumes"]
    ]
    sources = [Path(m.split(":")[0]) for m in mounts if m.startswith("/")]
    assert sources and all(p.exists() for p in sources), sources
    provisioning = ROOT / "deploy" / "grafana" / "provisioning"
    ds = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert ds["datasources"][0]["uid"] == "prometheus"
    dash = yaml.safe_load((provisioning / "dashboards" / "borderwatch.yml").read_text())
    assert dash["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert any(m.split(":")[1] == "/var/lib/grafana/dashboards" for m in mounts)
