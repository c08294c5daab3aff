"""Settings from the environment and CLI flags; every subcommand has --help."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from stream.cli import app
from stream.settings import Settings

runner = CliRunner()


def test_environment_prefix_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERWATCH_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("BORDERWATCH_BROKER_PROFILE", "kafka")
    monkeypatch.setenv("BORDERWATCH_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("BORDERWATCH_SASL_USERNAME", "bw")
    monkeypatch.setenv("BORDERWATCH_SASL_PASSWORD", "s3cret")
    s = Settings()
    assert s.bootstrap_servers == "kafka-1:9092,kafka-2:9092" and s.broker_profile == "kafka"
    assert "s3cret" not in repr(s)
    assert s.kafka_client_config()["sasl.password"] == "s3cret"
    assert "session.timeout.ms" not in s.consumer_config("g")


def test_embedded_profile_shortens_group_timeouts() -> None:
    s = Settings(broker_profile="embedded")
    assert s.consumer_config("g")["session.timeout.ms"] == 6000
    prod = s.producer_config()
    assert prod["enable.idempotence"] is True and prod["acks"] == "all"


def test_faust_settings_follow_the_profile() -> None:
    from stream.app import faust_settings

    emb = faust_settings(Settings(broker_profile="embedded", bootstrap_servers="a:1,b:2"))
    assert emb["broker"] == ["tansu://a:1", "tansu://b:2"]
    assert emb["producer_max_batch_size"] == 1 and emb["broker_session_timeout"] == 6
    kafka = faust_settings(Settings(broker_profile="kafka"))
    assert "producer_max_batch_size" not in kafka and "broker_session_timeout" not in kafka
    assert kafka["store"] == "memory://" and kafka["producer_acks"] == -1
    assert kafka["broker"] == ["bwkafka://127.0.0.1:9092"]


def _commands(group: Any, path: list[str]) -> list[list[str]]:
    """Every command path of the CLI (typer's groups have ``commands``)."""
    out = [path]
    for name, sub in sorted((getattr(group, "commands", None) or {}).items()):
        out += _commands(sub, [*path, name])
    return out


@pytest.mark.parametrize("cmd", _commands(typer.main.get_command(app), []), ids=" ".join)
def test_every_command_has_help(cmd: list[str]) -> None:
    result = runner.invoke(app, [*cmd, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_options_show_their_environment_variable() -> None:
    result = runner.invoke(app, ["worker", "--help"], env={"COLUMNS": "200"})
    assert "BORDERWATCH_BOOTSTRAP_SERVERS" in result.output


def test_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERWATCH_BROKER_PROFILE", "zookeeper")
    result = runner.invoke(app, ["topics", "list"])
    assert result.exit_code == 2
    assert "broker_profile" in result.output


def test_configuration_doc_lists_every_setting() -> None:
    from pathlib import Path

    from stream.cli.config_doc import settings_markdown

    doc = Path(__file__).parents[2] / "docs" / "configuration.md"
    assert doc.read_text() == settings_markdown(), "run: python -m stream.cli.config_doc"


def test_every_option_reads_its_environment_variable(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    env = {
        "BORDERWATCH_SIMULATE_OUTPUT": str(out),
        "BORDERWATCH_SIMULATE_DURATION": "60",
        "BORDERWATCH_SIMULATE_QUIET": "1",
    }
    result = runner.invoke(app, ["simulate", "crossing"], env=env)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines and all(json.loads(x)["ts"] for x in lines)
    assert max(json.loads(x)["ts"] for x in lines) - min(json.loads(x)["ts"] for x in lines) <= 60
