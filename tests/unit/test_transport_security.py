"""TLS and SASL settings: checked at load, the same for librdkafka and Faust, and the
SASL password never in a log record, at any level."""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.protocol.admin import ApiVersionResponse_v0, SaslHandShakeResponse_v1
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError
from typer.testing import CliRunner

from stream.app import broker_credentials
from stream.cli import app
from stream.settings import Settings
from tests.tls_helpers import TestCa

PASSWORD = "TopSecret-42"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCa:
    return TestCa(tmp_path_factory.mktemp("ca"))


@pytest.mark.parametrize(("given", "says"), [
    ({"security_protocol": "SASL_SSL"}, "needs BORDERWATCH_SASL_USERNAME and"),
    ({"security_protocol": "SASL_PLAINTEXT", "sasl_username": "bw"}, "BORDERWATCH_SASL_PASSWORD"),
    ({"security_protocol": "SSL", "ssl_cert_file": "c.pem"}, "go together"),
    ({"security_protocol": "SSL", "ssl_ca_file": "missing.pem"}, "missing.pem: no such file"),
    ({"ssl_ca_file": "ca.pem"}, "does not use TLS"),
    ({"security_protocol": "SSL", "ssl_key_password": "x"}, "without BORDERWATCH_SSL_KEY_FILE"),
])
def test_contradictory_security_settings_fail_at_load(given: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Settings(**given)


def test_a_bad_combination_is_one_line_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BORDERWATCH_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("BORDERWATCH_SASL_PASSWORD", PASSWORD)
    result = CliRunner().invoke(app, ["topics", "list"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "needs BORDERWATCH_SASL_USERNAME" in lines[0], result.output
    assert PASSWORD not in result.output


def test_librdkafka_clients_get_the_ca_client_certificate_and_key(ca: TestCa) -> None:
    client = ca.issue("client-a", server=False, key_password="k3y")
    s = Settings(security_protocol="SASL_SSL", sasl_mechanism="scram-sha-512",
                 sasl_username="bw", sasl_password=PASSWORD, ssl_ca_file=ca.ca_file,
                 ssl_cert_file=client.cert, ssl_key_file=client.key, ssl_key_password="k3y")
    for conf in (s.kafka_client_config(), s.producer_config(), s.consumer_config("g")):
        assert conf["security.protocol"] == "SASL_SSL"
        assert conf["sasl.mechanism"] == "SCRAM-SHA-512"
        assert conf["ssl.ca.location"] == str(ca.ca_file)
        assert conf["ssl.certificate.location"] == str(client.cert)
        assert conf["ssl.key.location"] == str(client.key)
        assert conf["ssl.key.password"] == "k3y"
    assert "k3y" not in repr(s) and PASSWORD not in repr(s)


def test_faust_uses_tls_whenever_the_protocol_says_so(ca: TestCa) -> None:
    client = ca.issue("client-b", server=False, key_password="k3y")
    tls = {"ssl_ca_file": ca.ca_file, "ssl_cert_file": client.cert,
           "ssl_key_file": client.key, "ssl_key_password": "k3y"}
    assert broker_credentials(Settings()) is None

    only_tls = broker_credentials(Settings(security_protocol="SSL", **tls))
    assert isinstance(only_tls, faust.SSLCredentials)
    auth = credentials_to_aiokafka_auth(only_tls)
    assert auth["security_protocol"] == "SSL"
    context = auth["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs()[0]["subject"] == ((("commonName", "BorderWatch test CA"),),)

    both = credentials_to_aiokafka_auth(broker_credentials(Settings(
        security_protocol="SASL_SSL", sasl_username="bw", sasl_password=PASSWORD,
        sasl_mechanism="SCRAM-SHA-256", **tls)))
    assert both["security_protocol"] == "SASL_SSL" and both["ssl_context"] is not None
    assert both["sasl_mechanism"] == "SCRAM-SHA-256"

    plain = credentials_to_aiokafka_auth(broker_credentials(Settings(
        security_protocol="SASL_PLAINTEXT", sasl_username="bw", sasl_password=PASSWORD)))
    assert plain["security_protocol"] == "SASL_PLAINTEXT" and plain["ssl_context"] is None


def test_a_wrong_key_password_is_an_error_not_a_plain_connection(ca: TestCa) -> None:
    client = ca.issue("client-c", server=False, key_password="right")
    with pytest.raises(ssl.SSLError):
        broker_credentials(Settings(security_protocol="SSL", ssl_ca_file=ca.ca_file,
                                    ssl_cert_file=client.cert, ssl_key_file=client.key,
                                    ssl_key_password="wrong"))


class SaslListener:
    """Accepts one Kafka connection, offers SASL PLAIN, keeps the bytes of the
    authenticate request it receives (which carry the password) and hangs up."""

    def __init__(self) -> None:
        self.received = b""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = struct.unpack(">i", await reader.readexactly(4))[0]
                frame = await reader.readexactly(size)
                api_key, _, correlation = struct.unpack(">hhi", frame[:8])
                if api_key == 18:  # ApiVersions
                    body = ApiVersionResponse_v0(
                        error_code=0, api_versions=[(17, 0, 1), (36, 0, 1), (3, 0, 1)]
                    ).encode()
                elif api_key == 17:  # SaslHandshake
                    body = SaslHandShakeResponse_v1(
                        error_code=0, enabled_mechanisms=["PLAIN"]).encode()
                else:  # SaslAuthenticate: keep it, refuse by hanging up
                    self.received += frame
                    return
                reply = struct.pack(">i", correlation) + body
                writer.write(struct.pack(">i", len(reply)) + reply)
                await writer.drain()
        except asyncio.IncompleteReadError:
            return
        finally:
            writer.close()


def test_the_sasl_password_is_not_logged_even_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                        sasl_username="bw", sasl_password=PASSWORD)
    auth = credentials_to_aiokafka_auth(broker_credentials(settings))
    listener = SaslListener()

    async def attempt() -> None:
        server = await asyncio.start_server(listener.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{port}",
                                    request_timeout_ms=3000, **auth)
        try:
            with pytest.raises(Exception):  # noqa: B017 - refused, whatever aiokafka calls it
                await asyncio.wait_for(producer.start(), 20)
        finally:
            await producer.stop()
            server.close()

    asyncio.run(attempt())
    assert PASSWORD.encode() in listener.received, "the attempt reached authentication"
    requests = [r.getMessage() for r in caplog.records if r.name == "aiokafka.conn"]
    assert any("SaslAuthenticateRequest" in m for m in requests), requests
    assert not [r for r in caplog.records if PASSWORD in r.getMessage()]


def test_a_password_can_come_from_a_secrets_directory(tmp_path: Path) -> None:
    (tmp_path / "borderwatch_sasl_password").write_text(PASSWORD + "\n")
    code = ("from stream.settings import Settings; s = Settings(); "
            "assert s.sasl_password.get_secret_value() == %r, s; print(s.sasl_username)")
    env = {**os.environ, "BORDERWATCH_SECRETS_DIR": str(tmp_path),
           "BORDERWATCH_SECURITY_PROTOCOL": "SASL_SSL", "BORDERWATCH_SASL_USERNAME": "worker"}
    r = subprocess.run([sys.executable, "-c", code % PASSWORD], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "worker", r.stderr
