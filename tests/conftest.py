"""Shared fixtures. Integration tests get a real embedded broker (one per session)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import stop_process, wait_worker_ready
from stream.settings import Settings
from stream.topics import create_topics


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """The embedded Tansu broker on a free loopback port, for the whole session."""
    with EmbeddedBroker(port=free_port()) as b:
        yield b


@pytest.fixture
def settings(broker: EmbeddedBroker, tmp_path: Path) -> Settings:
    """Settings for one test: its own topic prefix, consumer group, ports and state dir."""
    tag = uuid.uuid4().hex[:8]
    return Settings(
        bootstrap_servers=broker.bootstrap_servers,
        broker_profile="embedded",
        topic_prefix=f"t{tag}",
        app_id=f"bw-test-{tag}",
        data_dir=tmp_path / "state",
        metrics_port=free_port(),
        web_port=free_port(),
        partitions=2,
        max_message_bytes=262_144,
    )


@pytest.fixture
def topics(settings: Settings) -> Settings:
    """``settings`` with every project topic created on the broker."""
    create_topics(settings)
    return settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process use ``settings``."""
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if name == "signing_keys":
            value = json.dumps({k: v.get_secret_value() for k, v in settings.signing_keys.items()})
        env[f"BORDERWATCH_{name.upper()}"] = str(value)
    return env


def run_cli(
    settings: Settings, *args: str, timeout: float = 120, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """``borderwatch ARGS`` in a child process using ``settings`` (and extra ``env``),
    its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "stream.cli", *args],
        env={**settings_env(settings), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """A ``borderwatch worker`` process for ``settings``, ready to consume."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stream.cli", "worker"],
            env=settings_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    try:
        wait_worker_ready(url, proc, timeout=90)
    except RuntimeError:
        stop_process("worker", proc)
        raise RuntimeError(f"worker failed to start:\n{log.read_text()[-4000:]}") from None
    return proc


@pytest.fixture
def worker(topics: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A running worker on freshly created topics; stopped after the test."""
    proc = start_worker(topics, tmp_path / "worker.log")
    yield proc
    stop_process("worker", proc)
