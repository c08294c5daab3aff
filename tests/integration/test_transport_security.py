"""TLS and SASL against real endpoints: the embedded broker behind a TLS front that asks
for client certificates (a CA made by the test), and the embedded broker enforcing SASL.
A worker and the CLI work over mutual TLS; an untrusted CA and a wrong password each end
as one clear line."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import stop_process
from stream.models import Alert
from stream.settings import Settings
from stream.topics import create_topics
from tests.conftest import run_cli, start_worker
from tests.kafka_helpers import consume, produce
from tests.tls_helpers import Pair, TestCa, TlsProxy

pytestmark = pytest.mark.integration


@dataclass
class TlsBroker:
    bootstrap_servers: str
    ca: TestCa
    client: Pair
    proxy: TlsProxy


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    """Tansu on a loopback port, advertised as the TLS front's port; the front requires a
    client certificate signed by the test CA."""
    ca = TestCa(tmp_path_factory.mktemp("pki"))
    server = ca.issue("broker", server=True)
    client = ca.issue("worker", server=False, key_password="key-pass")
    plain, front = free_port(), free_port()
    with EmbeddedBroker(port=plain, advertised_port=front), \
            TlsProxy(front, ("127.0.0.1", plain), server, client_ca=ca.ca_file) as proxy:
        yield TlsBroker(f"127.0.0.1:{front}", ca, client, proxy)


def tls_settings(b: TlsBroker, tmp_path: Path, **over: object) -> Settings:
    tag = uuid.uuid4().hex[:8]
    given: dict[str, object] = dict(
        bootstrap_servers=b.bootstrap_servers, security_protocol="SSL",
        ssl_ca_file=b.ca.ca_file, ssl_cert_file=b.client.cert, ssl_key_file=b.client.key,
        ssl_key_password="key-pass", topic_prefix=f"tls{tag}", app_id=f"bw-tls-{tag}",
        data_dir=tmp_path / "state", metrics_port=free_port(), web_port=free_port(),
        partitions=2)
    given.update(over)
    return Settings(**given)  # type: ignore[arg-type]


def camera(seq: int) -> bytes:
    return orjson.dumps({"v": 1, "camera_id": f"cam-{seq}", "seq": seq, "ts": time.time(),
                         "lon": -111.0, "lat": 31.33341, "cls": "person", "confidence": 0.95})


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_worker_and_cli_round_trip_over_mutual_tls(tls_broker: TlsBroker, tmp_path: Path) -> None:
    s = tls_settings(tls_broker, tmp_path)
    create_topics(s)
    before = tls_broker.proxy.handshakes
    worker = start_worker(s, tmp_path / "worker.log")
    try:
        produce(s, s.topic("sensors.camera"), [(b"cam-1", camera(1))])
        shown = run_cli(s, "alerts", "--from-beginning", "--limit", "1", "--format", "json",
                        "--timeout", "120")
        alert = Alert.model_validate_json(shown.stdout.strip().splitlines()[0])
        assert "cam-1:1" in {e.event_id for e in alert.evidence}
        assert consume(s, s.topic("alerts"), expect=1, timeout=30)
        assert worker.poll() is None
    finally:
        stop_process("worker", worker)
    # every client (worker's Faust consumer and producer, CLI, test helpers) came through
    # the TLS front with a client certificate: the broker's own port is never advertised
    assert tls_broker.proxy.handshakes - before >= 4


def test_an_untrusted_broker_certificate_is_one_clear_line(
    tls_broker: TlsBroker, tmp_path: Path
) -> None:
    stranger = TestCa(tmp_path / "other", "Some other CA")
    s = tls_settings(tls_broker, tmp_path, ssl_ca_file=stranger.ca_file)
    for command in (["worker"], ["topics", "list"]):
        line = one_error_line(run_cli(s, *command, check=False, timeout=60))
        assert "TLS with the Kafka broker" in line and "certificate verify failed" in line, line
        assert "BORDERWATCH_SSL_CA_FILE" in line


def test_a_missing_client_certificate_is_one_clear_line(
    tls_broker: TlsBroker, tmp_path: Path
) -> None:
    s = tls_settings(tls_broker, tmp_path, ssl_cert_file=None, ssl_key_file=None,
                     ssl_key_password=None)
    line = one_error_line(run_cli(s, "topics", "list", check=False, timeout=60))
    assert "closed the connection" in line and "BORDERWATCH_SSL_CERT_FILE" in line, line


def test_a_wrong_password_is_one_clear_line_and_never_shown(tmp_path: Path) -> None:
    with EmbeddedBroker(port=free_port(), authentication=True) as broker:
        s = Settings(bootstrap_servers=broker.bootstrap_servers,
                     security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                     sasl_username="patrol", sasl_password="Wrong-Pass-77")
        for command in (["worker"], ["topics", "list"]):
            result = run_cli(s, *command, check=False, timeout=60)
            line = one_error_line(result)
            assert "refused authentication" in line and "BORDERWATCH_SASL_PASSWORD" in line
            assert "Wrong-Pass-77" not in result.stdout + result.stderr
