"""The compose stack's Kafka: SASL/SCRAM over TLS, mutual TLS for the broker and admin,
least-privilege ACLs per principal, and secrets each service gets only its own of.

Validated with a compose implementation (`docker-compose config`, no Docker engine) and by
running the secrets script; the set-up job's ACLs are read from deploy/kafka/init.sh.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.integration.test_observability_config import ROOT, compose_config

pytestmark = pytest.mark.integration

INIT = ROOT / "deploy" / "kafka" / "init.sh"
BORDERWATCH = ("topics", "worker", "simulator")


def run_init(tmp_path: Path) -> list[list[str]]:
    """Run the set-up job's script with the Kafka tools replaced by recorders: the
    command lines it would run, in order."""
    bin_dir, secrets, log = tmp_path / "bin", tmp_path / "run-secrets", tmp_path / "calls"
    bin_dir.mkdir()
    secrets.mkdir()
    for tool in ("kafka-configs.sh", "kafka-acls.sh"):
        (bin_dir / tool).write_text(f'#!/bin/bash\nprintf "%s\\0" {tool} "$@" >> {log}\n'
                                    f'printf "\\n" >> {log}\n')
        (bin_dir / tool).chmod(0o755)
    for user in ("worker", "sim", "patrol", "hq", "ops"):
        (secrets / f"{user}_password").write_text(f"pw-{user}")
    r = subprocess.run(["bash", str(INIT)], capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "KAFKA_BIN": str(bin_dir),
                            "SECRETS_DIR": str(secrets)})
    assert r.returncode == 0, r.stderr
    return [line.strip("\0").split("\0") for line in log.read_text().splitlines()]


def acls(calls: list[list[str]]) -> set[tuple[str, str, str]]:
    """(principal, operation, resource) of every ACL the script adds; a prefixed resource
    ends in ``*``."""
    out = set()
    for call in calls:
        if call[0] != "kafka-acls.sh":
            continue
        args = call[1:]
        who = args[args.index("--allow-principal") + 1].removeprefix("User:")
        kind = "topic" if "--topic" in args else "group"
        name = args[args.index(f"--{kind}") + 1]
        if "--resource-pattern-type" in args:
            assert args[args.index("--resource-pattern-type") + 1] == "prefixed"
            name += "*"
        ops = [args[i + 1] for i, a in enumerate(args) if a == "--operation"]
        out |= {(who, op, f"{kind} {name}") for op in ops}
    return out


def test_kafka_has_no_plaintext_listener_and_authorizes_every_request() -> None:
    env = compose_config()["services"]["kafka"]["environment"]
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert protocols == {"CLIENT": "SASL_SSL", "CONTROLLER": "SSL", "BROKER": "SSL"}
    assert env["KAFKA_LISTENER_NAME_BROKER_SSL_CLIENT_AUTH"] == "required"
    assert env["KAFKA_LISTENER_NAME_CONTROLLER_SSL_CLIENT_AUTH"] == "required"
    assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert set(env["KAFKA_SUPER_USERS"].split(";")) == {"User:kafka", "User:admin"}


def test_every_borderwatch_service_uses_tls_and_only_its_own_secret() -> None:
    services = compose_config()["services"]
    principals = {}
    for name in BORDERWATCH:
        env = services[name]["environment"]
        assert env["BORDERWATCH_SECURITY_PROTOCOL"] in ("SSL", "SASL_SSL"), name
        assert env["BORDERWATCH_SSL_CA_FILE"] == "/run/secrets/ca"
        secrets = {s["source"] if isinstance(s, dict) else s for s in services[name]["secrets"]}
        passwords = {s for s in secrets if s.endswith("_password")}
        if env["BORDERWATCH_SECURITY_PROTOCOL"] == "SASL_SSL":
            user = env["BORDERWATCH_SASL_USERNAME"]
            assert passwords == {f"{user}_password"}, name
            assert "BORDERWATCH_SASL_PASSWORD" not in env  # a secret file, not the environment
            principals[name] = user
        else:
            assert not passwords and "admin_key" in secrets, name
            principals[name] = "admin"
    assert principals == {"topics": "admin", "worker": "worker", "simulator": "sim"}
    assert "admin_keystore" not in services["worker"]["secrets"]


def test_acls_give_each_principal_least_privilege(tmp_path: Path) -> None:
    calls = run_init(tmp_path)
    granted = acls(calls)

    def writes(who: str) -> set[str]:
        return {res for w, op, res in granted if w == who and op in ("Write", "All")}

    assert writes("sim") == {"topic borderwatch.sensors.*"}
    assert writes("patrol") == {"topic borderwatch.alert-acks"}
    assert writes("hq") == {"topic borderwatch.geofences", "topic borderwatch.policies"}
    assert writes("ops") == set()
    assert {"topic borderwatch.alerts", "topic borderwatch.deadletters", "topic borderwatch-*",
            "group borderwatch*"} <= writes("worker")
    assert not any("sensors" in r or "acks" in r or "geofences" in r for r in writes("worker"))
    # no role may create or alter topics beyond the worker's own state topics
    assert {res for _, op, res in granted if op in ("All", "Create", "Alter")} == {
        "topic borderwatch-*", "group borderwatch*"}
    # every ACL is an allow for one of the SCRAM users the script creates, with its password
    users = {c[c.index("--entity-name") + 1]: c[-1] for c in calls if c[0] == "kafka-configs.sh"}
    assert set(users) == {w for w, _, _ in granted} == {"worker", "sim", "patrol", "hq", "ops"}
    assert all(f"password=pw-{u}]" in add for u, add in users.items())
    assert all("--command-config" in c for c in calls)


def test_init_script_is_valid_bash() -> None:
    r = subprocess.run(["bash", "-n", str(INIT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_secrets_script_makes_what_compose_mounts(tmp_path: Path) -> None:
    out = tmp_path / "secrets"
    run = subprocess.run([str(ROOT / "scripts" / "compose-secrets"), str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    files = {Path(s["file"]).name for s in compose_config()["secrets"].values()}
    assert files <= {p.name for p in out.iterdir()}, files
    ca = x509.load_pem_x509_certificate((out / "ca.pem").read_bytes())
    for name, san in (("kafka", "kafka"), ("admin", "admin")):
        cert = x509.load_pem_x509_certificate((out / f"{name}.pem").read_bytes())
        cert.verify_directly_issued_by(ca)
        assert cert.subject.rfc4514_string() == f"CN={name}"  # the principal (mapping rule)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san in sans.get_values_for_type(x509.DNSName)
        keystore = (out / f"{name}.keystore.pem").read_bytes()
        assert keystore.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, as Kafka reads
        load_pem_private_key(keystore, password=None)
    passwords = {p.read_text() for p in out.glob("*.password")}
    assert len(passwords) == 5 and all(re.fullmatch(r"[0-9a-f]{48}", p) for p in passwords)
    assert oct((out / "ca.key").stat().st_mode)[-3:] == "600"
    again = subprocess.run([str(ROOT / "scripts" / "compose-secrets"), str(out)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and {p.read_text() for p in out.glob("*.password")} == passwords
