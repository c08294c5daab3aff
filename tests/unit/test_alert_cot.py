"""Cursor-on-Target output, parsed by TAK libraries (takproto, pytak) and the XML parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytak
import pytest
import takproto

from stream.alerts.cot import COT_TYPES, cot_time, cot_uid, to_cot
from stream.models import AlertState, Severity, TargetClass
from tests.unit.alert_samples import ACK, T, sample_alert


def tak(xml: bytes) -> Any:
    msg = takproto.parse_proto(takproto.xml2proto(xml.decode()))
    assert msg is not None
    return msg


def test_alert_event_parses_with_uid_type_times_and_point() -> None:
    ev = tak(to_cot(sample_alert())).cotEvent
    assert ev.uid == "borderwatch.alr-0123456789abcdef"
    assert ev.type == "a-s-G-U" and ev.how == "m-f"
    assert ev.sendTime == ev.startTime == int((T + 11) * 1000)
    assert ev.staleTime == int((T + 11 + 600) * 1000)
    assert ev.lat == pytest.approx(31.3335678) and ev.lon == pytest.approx(-111.0001234)
    assert ev.hae == 9999999.0 and ev.le == 9999999.0 and ev.ce == 50.0
    assert ev.detail.track.course == pytest.approx(3.5)
    assert ev.detail.track.speed == pytest.approx(1.31)
    assert ev.detail.contact.callsign.startswith("BW high person")
    assert "<remarks>" in ev.detail.xmlDetail and "rule track" in ev.detail.xmlDetail


def test_every_update_keeps_the_marker_uid_and_type_follows_class() -> None:
    for cls, cot_type in COT_TYPES.items():
        a = sample_alert(cls=cls, state=AlertState.UPDATED, revision=3, updated_ts=T + 99)
        ev = tak(to_cot(a)).cotEvent
        assert (ev.uid, ev.type) == (cot_uid(a), cot_type)
        assert ev.sendTime == int((T + 99) * 1000)
    assert tak(to_cot(sample_alert(rule="tamper"))).cotEvent.type == "a-f-G-E-S"


def test_cleared_alert_becomes_a_delete_event_for_the_marker() -> None:
    a = sample_alert(state=AlertState.CLEARED, revision=5, reason="confirmed-animal",
                     updated_ts=T + 300)
    xml = to_cot(a)
    ev = tak(xml).cotEvent
    assert ev.type == "t-x-d-d" and ev.uid != cot_uid(a)
    root = ET.fromstring(xml)
    link = root.find("detail/link")
    assert link is not None and link.get("uid") == cot_uid(a) and link.get("relation") == "none"
    assert root.find("detail/__forcedelete") is not None
    assert ev.staleTime > ev.startTime == int((T + 300) * 1000)


def test_a_tamper_alert_names_its_device_in_remarks() -> None:
    xml = to_cot(sample_alert(rule="tamper", device="cam-3", cls=TargetClass.UNKNOWN))
    assert "; tamper cam-3" in (ET.fromstring(xml).findtext("detail/remarks") or "")


def test_ack_and_prediction_appear_in_remarks() -> None:
    xml = to_cot(sample_alert(ack=ACK, severity=Severity.CRITICAL, cls=TargetClass.VEHICLE))
    remarks = ET.fromstring(xml).findtext("detail/remarks") or ""
    assert "acknowledged by agent-7" in remarks and "predicted crossing 31.33334" in remarks


def test_same_attributes_as_a_pytak_event() -> None:
    ref = pytak.gen_cot_xml(lat=31.3, lon=-111.0, uid="x", cot_type="a-u-G")
    assert ref is not None
    ours = ET.fromstring(to_cot(sample_alert()))
    assert set(ref.attrib) <= set(ours.attrib)
    ref_point, our_point = ref.find("point"), ours.find("point")
    assert ref_point is not None and our_point is not None
    assert set(ref_point.attrib) == set(our_point.attrib)
    # same time format as pytak: ISO 8601, UTC, 'Z'
    assert ours.get("time") == cot_time(T + 11) == "2027-01-15T08:00:11.000Z"
