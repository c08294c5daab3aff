"""Signed control: forged or unsigned acks, alerts and geofence sets are refused."""

from __future__ import annotations

import orjson
import pytest
from pydantic import SecretStr

from geofences.index import GeofenceSet
from geofences.store import InvalidSet, decode, encode
from stream.alerts.acks import make_ack
from stream.models import Severity
from stream.settings import Settings
from stream.signing import KeyRing
from tests.unit.test_control_inputs import ack, opened
from tests.unit.test_pipeline_core import TS, msg

KEYS = {"patrol-2026-12": SecretStr("k" * 32), "worker-2026-12": SecretStr("w" * 32)}


def signed_pipeline():  # type: ignore[no-untyped-def]
    from prometheus_client import CollectorRegistry

    from stream.metrics import Metrics
    from stream.pipeline import Pipeline

    s = Settings(topic_prefix="bw", signing_keys=KEYS, signing_key_id="worker-2026-12")
    return Pipeline(s, GeofenceSet.load_bundled(), Metrics(CollectorRegistry()))


def test_only_acks_signed_with_a_ring_key_are_accepted() -> None:
    p = signed_pipeline()
    alert = opened(p)
    (unsigned,) = p.process([ack(alert.id)], now=TS + 6).dead_letters
    assert unsigned.reason == "unsigned"
    patrol = KeyRing(KEYS, "patrol-2026-12")
    good = patrol.sign_model(make_ack(alert.id, "agent-7", TS + 5))
    mallory = KeyRing({"patrol-2026-12": SecretStr("guess")}, "patrol-2026-12")
    forged = mallory.sign_model(make_ack(alert.id, "mallory", TS + 5, action="close"))
    tampered = good.model_copy(update={"action": "close"})
    for bad in (forged, tampered):
        (letter,) = p.process([msg("alert-acks", bad.model_dump_json().encode())],
                              now=TS + 7).dead_letters
        assert letter.reason == "bad_signature"
    result = p.process([msg("alert-acks", good.model_dump_json().encode())], now=TS + 8)
    assert result.dead_letters == [] and result.alerts[0].ack is not None


def test_alerts_carry_a_signature_a_reader_checks() -> None:
    p = signed_pipeline()
    ring = KeyRing(KEYS, "worker-2026-12")
    alert = ring.sign_model(opened(p))
    assert alert.key_id == "worker-2026-12" and alert.sig
    wire = type(alert).model_validate_json(alert.model_dump_json())
    assert ring.check_model(wire) is None
    assert ring.check_model(wire.model_copy(update={"severity": Severity.LOW})) == "bad_signature"
    assert ring.check_model(wire.model_copy(update={"sig": None})) == "unsigned"
    assert KeyRing({}).check_model(wire.model_copy(update={"sig": None})) is None


def test_a_geofence_set_must_be_signed_by_a_publisher_key() -> None:
    doc = dict(GeofenceSet.load_bundled().source or {})
    publisher = KeyRing(KEYS, "patrol-2026-12")
    value = encode(doc, sign=publisher.sign_doc)
    assert decode(value, check=publisher.check_doc).version == orjson.loads(value)[
        "borderwatch"]["version"]
    with pytest.raises(InvalidSet, match="unsigned"):
        decode(encode(doc), check=publisher.check_doc)
    forged = orjson.loads(value)
    forged["features"] = forged["features"][:1]  # a one-zone set, re-routing everything
    with pytest.raises(InvalidSet, match="bad_signature"):
        decode(orjson.dumps(forged), check=publisher.check_doc)


def test_a_signing_key_outside_the_ring_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="not in the key ring"):
        Settings(signing_keys=KEYS, signing_key_id="other").key_ring()


def test_keys_never_show_in_settings_output() -> None:
    s = Settings(signing_keys=KEYS)
    assert "k" * 32 not in repr(s) and "k" * 32 not in s.model_dump_json()
