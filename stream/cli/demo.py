"""``borderwatch demo``: broker, topics, worker, simulator and a live alert table in one go."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from stream.alerts.feed import read_alerts
from stream.broker import BrokerError, EmbeddedBroker, free_port, wait_for_port
from stream.cli.alert_view import LiveAlerts
from stream.cli.common import console, make_settings, port_free, stop_cleanly_on_signals
from stream.cli.interrupts import SIGNALLED
from stream.cli.processes import stop_process, wait_http_ok, wait_worker_ready
from stream.settings import Settings
from stream.topics import create_topics

Started = list[tuple[str, subprocess.Popen[bytes] | None]]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "stream.cli", *args]


RULES = Path(__file__).resolve().parents[2] / "prometheus" / "rules" / "borderwatch.rules.yml"


def start_prometheus(
    settings: Settings, started: list[tuple[str, subprocess.Popen[bytes] | None]]
) -> str | None:
    """Where the ``prometheus`` binary is installed, run one scraping the worker; its URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        console.print("prometheus not installed (apt-get install prometheus): not started")
        return None
    port = free_port() if wait_for_port("127.0.0.1", 9090, 0.1) else 9090
    home = tempfile.mkdtemp(prefix="borderwatch-prometheus-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    config = {  # JSON is YAML
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
        "rule_files": [str(RULES)] if RULES.is_file() else [],
        "scrape_configs": [{
            "job_name": "borderwatch-worker",
            "static_configs": [{"targets": [f"{settings.metrics_host}:{settings.metrics_port}"]}],
        }],
    }
    (Path(home) / "prometheus.yml").write_text(json.dumps(config, indent=2))
    with (Path(home) / "prometheus.log").open("wb") as log:
        proc = subprocess.Popen(
            [binary, f"--config.file={home}/prometheus.yml", f"--storage.tsdb.path={home}/data",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    started.append(("prometheus", proc))
    if not wait_http_ok(f"http://127.0.0.1:{port}/-/ready", timeout=30):
        log_text = (Path(home) / "prometheus.log").read_text()
        raise RuntimeError(f"prometheus did not start: {log_text[-2000:]}")
    return f"http://127.0.0.1:{port}"


def start_map(settings: Settings, env: dict[str, str], started: Started, state: str) -> str | None:
    """``borderwatch map`` on its port (a free one if that is busy); its URL, None if it failed
    (the demo goes on without it)."""
    port = settings.map_port
    if wait_for_port(settings.map_host, port, 0.1):
        port = free_port(settings.map_host)
        console.print(f"port {settings.map_port} is busy: using {port} for the map")
    log_path = Path(state) / "map.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(_cli("map", "--host", settings.map_host, "--port", str(port)),
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    started.append(("map", proc))
    url = f"http://{settings.map_host}:{port}/"
    if not wait_http_ok(url + "api/config", timeout=30):
        console.print(f"[yellow]map did not start:[/] {log_path.read_text()[-500:].strip()}")
        return None
    return url


def demo(
    scenario: Annotated[str, typer.Option(help="Scenario to run.")] = "crossing",
    speed: Annotated[float, typer.Option(min=0.001, help="Scenario speed-up.")] = 1.0,
    broker_port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_BROKER_PORT",
            show_envvar=True,
            help="Embedded broker port (default: 9092, else a free one).",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_METRICS_PORT",
            show_envvar=True,
            help="Worker /metrics port (default: 9108).",
        ),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop by itself after this many seconds.")
    ] = None,
    map_port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_MAP_PORT",
            show_envvar=True,
            help="Port of the live map (default: 8080, else a free one).",
        ),
    ] = None,
) -> None:
    """Run the whole pipeline on the embedded broker and show alerts as they arrive."""
    base = make_settings(broker_port=broker_port, metrics_port=metrics_port, map_port=map_port)
    port = base.broker_port
    if wait_for_port(base.broker_host, port, 0.1):
        port = free_port(base.broker_host)
        console.print(f"port {base.broker_port} is busy: using {port} for the broker")
    mport = base.metrics_port
    if mport and not port_free(base.metrics_host, mport):
        mport = free_port(base.metrics_host)
        console.print(f"port {base.metrics_port} is busy: using {mport} for the worker's metrics")
    settings = base.model_copy(
        update={
            "broker_port": port,
            "bootstrap_servers": f"{base.broker_host}:{port}",
            "broker_profile": "embedded",
            "metrics_port": mport or free_port(base.metrics_host),
        }
    )
    started: list[tuple[str, subprocess.Popen[bytes] | None]] = []
    broker = EmbeddedBroker(settings.broker_host, port)
    stop_cleanly_on_signals()
    try:
        with tempfile.TemporaryDirectory(prefix="borderwatch-demo-") as state:
            _run(settings, broker, state, started, scenario, speed, duration)
    except (BrokerError, RuntimeError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        console.print("interrupted: stopping")
    except Exception:
        if not SIGNALLED.is_set():
            raise
        console.print("interrupted: stopping")  # Ctrl-C surfaced as another error
    finally:
        for name, proc in reversed(started):
            stop_process(name, proc)
        broker.stop()
        names = ", ".join([n for n, _ in reversed(started)] + ["broker"])
        console.print(f"stopped cleanly: {names}")


def _run(
    settings: Settings,
    broker: EmbeddedBroker,
    state: str,
    started: list[tuple[str, subprocess.Popen[bytes] | None]],
    scenario: str,
    speed: float,
    duration: float | None,
) -> None:
    env = {
        **os.environ,
        "BORDERWATCH_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "BORDERWATCH_BROKER_PROFILE": "embedded",
        "BORDERWATCH_DATA_DIR": state,
        "BORDERWATCH_METRICS_PORT": str(settings.metrics_port),
    }
    with console.status("starting the embedded broker"):
        broker.start()
    console.print(f"broker   [bold]{settings.bootstrap_servers}[/] (Tansu, in memory)")
    with console.status("creating topics"):
        create_topics(settings)
    console.print("topics   created")
    metrics_url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    worker_log = Path(state) / "worker.log"
    with worker_log.open("wb") as out:  # its lines would tear the live table
        worker = subprocess.Popen(
            _cli("worker"), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    started.append(("worker", worker))
    with console.status("starting the worker (joining its consumer group)"):
        try:
            wait_worker_ready(metrics_url, worker, timeout=90)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {_last_line(worker_log)}") from None
    console.print(f"worker   ready; metrics at [bold]{metrics_url}[/]")
    with console.status("starting the map"):
        map_url = start_map(settings, env, started, state)
    if map_url:
        console.print(f"map      [bold]{map_url}[/] (live operating picture in a browser)")
    with console.status("starting Prometheus"):
        prometheus_url = start_prometheus(settings, started)
    if prometheus_url:
        console.print(f"prometheus [bold]{prometheus_url}[/] (scrapes the worker, with the rules)")
    sim = subprocess.Popen(
        _cli("simulate", scenario, "--speed", str(speed), "--quiet"),
        env=env,
        start_new_session=True,
    )
    started.append(("simulator", sim))
    console.print(
        f"simulator running scenario [bold]{scenario}[/] at {speed:g}x; Ctrl-C stops everything"
    )
    deadline = None if duration is None else time.monotonic() + duration

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise _Done
        if worker.poll() is not None:
            raise RuntimeError(
                f"worker exited with code {worker.returncode}: {_last_line(worker_log)}"
            )

    view = LiveAlerts(console)
    with view:
        try:
            stream = read_alerts(settings, from_beginning=True, idle=view.idle(check))
            for _alert in view.follow(stream, lambda _a: True):
                check()
        except _Done:
            pass
    table = view.table
    console.print(f"{len(table.messages)} alerts received ({table.total} messages)")


def _last_line(log: Path) -> str:
    """The worker's last log line (why it stopped), or a pointer to ``--verbose``."""
    try:
        lines = [x for x in log.read_text(errors="replace").splitlines() if x.strip()]
    except OSError:
        lines = []
    return lines[-1].strip() if lines else "no output"


class _Done(Exception):
    pass
