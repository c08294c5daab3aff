"""The alert table for people: fits 80 columns, keeps the id ack needs, worst and newest first."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rich.console import Console

from stream.alerts.formats import AlertTable, fit, short_ids, to_text
from stream.models import Ack, AlertState, Severity, TargetClass
from tests.unit.alert_samples import T, sample_alert

SNAPSHOT_80 = """\
BorderWatch alerts: 3 open, 1 cleared, 5 messages
id       severity state     age class   sector  ack        zone       rule
────────────────────────────────────────────────────────────────────────────────
c4fd2937 critical escalated  6m person  nogales agent-7 4m closed-bu… confident…
5be3a1c9 high     new        3m unknown nogales            strip-nog… tamper
c4fd29aa medium   updated    5m vehicle sasabe             poe-sasabe two-modal…
00000000 critical cleared    6m person  nogales            strip-nog… track
"""


def table() -> AlertTable:
    t = AlertTable()
    first = dict(id="alr-c4fd2937d65a0b11", severity=Severity.CRITICAL,
                 state=AlertState.ESCALATED, zone_id="closed-buenos-aires-nwr",
                 rule="confident-detection", raised_ts=T)
    t.add(sample_alert(**first, updated_ts=T + 100))
    t.add(sample_alert(**first, updated_ts=T + 130, ack=Ack(by="agent-7", at=T + 120)))
    t.add(sample_alert(id="alr-5be3a1c9d0e2f4a6", severity=Severity.HIGH, rule="tamper",
                       cls=TargetClass.UNKNOWN, raised_ts=T + 200, updated_ts=T + 200))
    t.add(sample_alert(id="alr-c4fd29aa00000000", severity=Severity.MEDIUM,
                       state=AlertState.UPDATED, rule="two-modalities", cls=TargetClass.VEHICLE,
                       sector="sasabe", zone_id="poe-sasabe", raised_ts=T + 50,
                       updated_ts=T + 260))
    t.add(sample_alert(id="alr-0000000000000001", severity=Severity.CRITICAL,
                       state=AlertState.CLEARED, raised_ts=T + 10, updated_ts=T + 300))
    return t


def render(t: AlertTable, width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(t.render(T + 400, width))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def test_80_columns_snapshot() -> None:
    text = render(table(), 80)
    assert text == SNAPSHOT_80
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_id_ack_needs_is_never_cut_at_any_width() -> None:
    t = table()
    ids = short_ids(list(t.latest))
    for width in (40, 60, 80, 100, 140):
        text = render(t, width)
        assert all(ids[i] in text for i in ids), text
        assert "…" not in "".join(line[:8] for line in text.splitlines())


def test_wide_has_every_column_and_the_full_id() -> None:
    t = table()
    t.wide = True
    text = render(t, 250)
    for header in ("msgs", "lat, lon", "conf", "zone name"):
        assert header in text
    assert "alr-c4fd2937d65a0b11" in text and "closed-buenos-aires-nwr" in text
    assert "confident-detection    2" in text  # two messages of that alert


def test_a_health_alert_names_its_sensor_in_the_rule_column() -> None:
    t = AlertTable()
    t.add(sample_alert(rule="sensor-fault", device="strip-021", fault="dead",
                       cls=TargetClass.UNKNOWN))
    assert "sensor-fault strip-021" in render(t, 120)


def test_a_roomy_terminal_shows_message_counts_and_whole_values() -> None:
    text = render(table(), 120)
    assert "msgs" in text and "closed-buenos-aires-nwr" in text and "…" not in text


def test_rows_sorted_open_first_then_severity_then_recency() -> None:
    lines = render(table(), 120).splitlines()[3:]
    assert [ln.split()[0] for ln in lines] == ["c4fd2937", "5be3a1c9", "c4fd29aa", "00000000"]


def test_short_ids_grow_until_unique() -> None:
    ids = short_ids(["alr-c4fd2937d65a0b11", "alr-c4fd2937ffff0000"])
    assert ids == {"alr-c4fd2937d65a0b11": "c4fd2937d", "alr-c4fd2937ffff0000": "c4fd2937f"}


def test_fit_drops_the_least_useful_columns_first() -> None:
    widths = {"id": 8, "severity": 8, "state": 9, "age": 3, "msgs": 4, "rule": 19}
    assert fit(widths, 45) == {"id": 8, "severity": 8, "state": 9, "age": 3, "rule": 13}
    assert list(fit(widths, 30)) == ["id", "severity", "state", "age"]


def test_cot_and_cap_are_one_document_per_line() -> None:
    alert = sample_alert(ack=Ack(by="agent-7", at=T + 20, note="line one\nline two"))
    for fmt, tag in (("cot", "event"), ("cap", "{urn:oasis:names:tc:emergency:cap:1.2}alert")):
        text = to_text(alert, fmt)
        assert "\n" not in text and text.startswith("<?xml")
        assert ET.fromstring(text.encode()).tag == tag
