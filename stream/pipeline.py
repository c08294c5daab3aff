"""The worker's pure core: a batch of raw Kafka messages in, alerts and dead letters out.

No Kafka here; the Faust agent hands messages in and sends what comes out.

>>> from prometheus_client import CollectorRegistry
>>> from geofences.index import GeofenceSet
>>> from stream.settings import Settings
>>> p = Pipeline(Settings(), GeofenceSet.load_bundled(), Metrics(CollectorRegistry()))
>>> raw = RawMessage("borderwatch.sensors.ground", 0, 0, None, b"{}")
>>> p.process([raw], now=1.8e9).dead_letters[0].reason
'missing_field'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from geofences.index import GeofenceSet
from geofences.transitions import TransitionEngine
from stream import memory, topics
from stream.batch import BatchResult, RawMessage
from stream.codec import Decoder, classify, dead_letter, describe, one_letter
from stream.correlation import state_codec
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Arrival, Evidence, Heartbeat, skews
from stream.correlation.inventory import Inventory
from stream.correlation.policies import Policies
from stream.correlation.seen import digest
from stream.correlation.tasking import CameraSite
from stream.correlation.zone_rule import ZoneEntryRule
from stream.metrics import Metrics
from stream.models import (
    AlertAckMessage,
    CameraDetection,
    DeadLetter,
    GroundDetection,
    Report,
    SensorHealth,
    SensorKind,
)
from stream.settings import Settings
from stream.zone_events import add_zone_events


class Pipeline:
    """Decode and validate batches of sensor messages, then correlate them into alerts."""

    def __init__(
        self,
        settings: Settings,
        fences: GeofenceSet,
        metrics: Metrics,
        policies: Policies | None = None,
        inventory: Inventory | None = None,
    ) -> None:
        self.metrics = metrics
        self.acks_topic = settings.topic(topics.ACKS.name)
        self.ticks_topic = settings.topic(topics.TICKS.name)
        self.keys = settings.key_ring()
        self.replayed: set[bytes] = set()  # digests of event ids (.correlation.seen)
        #: sensor or camera id -> the partition it was last heard on (.state_partitions)
        self.heard: dict[str, int] = {}
        self.max_bytes = limit = settings.max_message_bytes
        self.clock_skew_s = settings.clock_skew_s
        self._fault_series: set[tuple[str, str]] = set()
        self.decoders: dict[str, Decoder[Any]] = {
            settings.topic(topics.GROUND.name): Decoder(GroundDetection, limit),
            settings.topic(topics.CAMERA.name): Decoder(CameraDetection, limit),
            settings.topic(topics.HEALTH.name): Decoder(SensorHealth, limit),
        }
        self.naive = ZoneEntryRule(fences) if settings.rule == "naive" else None
        self._settings, self._policies = settings, policies
        self._inventory = inventory or Inventory()
        self.reset(fences)
        self.metrics.policy_version.clear()
        self.metrics.policy_version.labels(version=self.correlator.policies.version).set(1)

    @property
    def fences(self) -> GeofenceSet:
        return self.correlator.fences

    def reset(self, fences: GeofenceSet | None = None) -> None:
        """Forget every incident, sensor, camera and clock learned (the configured sites
        and cameras stay): a worker given other partitions restores theirs."""
        s, fences = self._settings, fences or self.fences
        self.cameras = {c.id: c for c in self._inventory.cameras}
        self.correlator = Correlator(fences, self._policies, self._inventory, s.clock_skew_s)
        self.zones = TransitionEngine(hysteresis_m=s.zone_hysteresis_m,
                                      dwell_s=s.zone_dwell_s, emit_inside=False)
        self.replayed = set()
        self.heard.clear()
        self.use_fences(fences)

    def use_fences(self, fences: GeofenceSet) -> None:
        """Switch to another geofence set; the batch running now finishes on the old one."""
        self.correlator.use_fences(fences)
        if self.naive is not None:
            self.naive.fences = fences
        self.metrics.geofence_version.clear()
        self.metrics.geofence_version.labels(version=fences.version).set(1)

    def restore(self, state: dict[str, Any]) -> None:
        """Resume from persisted state (e.g. a recovered table, keys as in
        :mod:`stream.correlation.state_codec`): the correlator's incidents, the camera
        sites learned from heartbeats and the zone state of tracked alerts."""
        saved = state_codec.decode(state)
        self.correlator.resume(saved)
        # Reports the restored incidents already hold: a restart replays the batches since
        # the last commit, and such a report must not open a second incident elsewhere.
        self.replayed = self.correlator.seen_events()
        for alert_id, value in saved.zones.items():
            self.zones.resume(alert_id, value)
        for cam_id, (lon, lat) in saved.cameras.items():
            self.cameras.setdefault(cam_id, CameraSite(cam_id, float(lon), float(lat)))
        if saved.cameras:
            self.correlator.use_cameras(list(self.cameras.values()))

    def process(self, messages: Sequence[RawMessage], now: float,
                unread: Collection[str] = ()) -> BatchResult:
        """Decode, validate and correlate one batch, message by message, each at the time it
        arrived (its timestamp, at most ``now``). Arrival time only judges reports from the
        future and which partitions went idle (the caller's clock; the core never reads
        one): alerts follow event time, and a batch gives what its messages give one at a
        time. Messages without a timestamp arrived together at ``now`` (a worker's fetch
        holds runs of one partition after another: judged one by one, a partition whose
        first reports follow another's run would find the clock moved past them).
        A batch with nothing to decode (a timer tick) still lets the correlator's clock
        release what idle partitions held back. ``unread``: the assigned sensor partitions
        (``topic:partition``) that hold messages not handed over yet; the clock waits
        for them."""
        out = BatchResult()
        evidence: list[Evidence] = []
        # what each arrival brought (messages delivered together extend the last one)
        arrivals: list[tuple[float, list[Evidence], list[Heartbeat], list[AlertAckMessage]]] = []
        consumed: Counter[tuple[str, str]] = Counter()
        together = False
        for msg in messages:
            self.metrics.messages_consumed.labels(topic=msg.topic).inc()
            at = now if msg.ts is None else min(msg.ts, now)
            mine: list[Evidence] = []
            beats: list[Heartbeat] = []
            acks: list[AlertAckMessage] = []
            if msg.topic == self.ticks_topic:
                if msg.value not in (b"{}", b"", None):
                    out.dead_letters.append(self._letter(msg, "unknown_field", "a tick is {}"))
            elif msg.topic == self.acks_topic:
                self._ack(msg, acks, out.dead_letters)
            elif (decoder := self.decoders.get(msg.topic)) is not None:
                reports, index, letters = decoder.decode_reports(
                    msg.value, topic=msg.topic, partition=msg.partition, offset=msg.offset,
                    key=msg.key)
                self._collect(msg, reports, at, mine, beats, out, consumed)
                ahead = [k for k, r in enumerate(reports) if r.ts > at + self.clock_skew_s]
                if ahead:  # one dead letter for the message, however many of its reports
                    letters = [*letters, self._future(
                        msg, [reports[k] for k in ahead], ahead[0] if index is None
                        else index[ahead[0]], at)]
                if letters:
                    out.dead_letters.append(one_letter(letters))
            # a clock off its gateway's shows in one message
            beats = [replace(b, skew_s=s)
                     for b, s in zip(beats, skews([b.report.ts for b in beats]), strict=True)]
            evidence += mine
            if msg.ts is None and together and arrivals:  # delivered together, one arrival
                _, was, had, acked = arrivals[-1]
                was += mine
                had += beats
                acked += acks
            else:
                arrivals.append((at, mine, beats, acks))
            together = msg.ts is None
        for (topic, kind), n in consumed.items():
            self.metrics.events_consumed.labels(topic=topic, kind=kind).inc(n)
        out.reports = sum(consumed.values())
        if out.reports:
            self.metrics.batch_size.observe(out.reports)
        self._learn_sites(out.health, out.changed)
        if self.naive is not None:  # no incidents, no lifecycle: acks and ticks change nothing
            out.alerts = self.naive.evaluate(evidence, now)
        else:
            held = len(self.correlator.held)
            out.add(self.correlator.receive(
                [Arrival(at, tuple(e), tuple(h), tuple(a)) for at, e, h, a in arrivals]
                or [Arrival(now)], unread))
            if held - len(self.correlator.held) >= memory.TRIM_AFTER_RELEASED:
                memory.trim()  # a burst correlated and freed: its pages back before it says so
        self._finish(out)
        return out

    def tick(self, now: float) -> BatchResult:
        """Run the correlator's clock and timers without new messages."""
        return self.process((), now)

    def _finish(self, out: BatchResult) -> None:
        add_zone_events(self.zones, self.fences, self.metrics, out)
        if self.naive is None:
            # seen before released: a scrape between the two never shows released > seen early
            self.metrics.event_time.labels(clock="seen").set(self.correlator.watermark)
            if self.correlator.frontier is not None:
                self.metrics.event_time.labels(clock="released").set(self.correlator.frontier)
            faults = self.correlator.open_faults()
            for (sector, fault), n in faults.items():
                self.metrics.sensor_faults.labels(sector=sector, fault=fault).set(n)
            for sector, fault in self._fault_series - faults.keys():
                self.metrics.sensor_faults.labels(sector=sector, fault=fault).set(0)
            self._fault_series |= faults.keys()
        for late in out.late:
            self.metrics.late_events.labels(topic=late.topic).inc()
        for sector, n in out.rate_limited.items():
            self.metrics.alerts_rate_limited.labels(sector=sector).inc(n)

    def _collect(self, msg: RawMessage, reports: Sequence[Report], at: float,
                 mine: list[Evidence], beats: list[Heartbeat], out: BatchResult,
                 consumed: Counter[tuple[str, str]]) -> None:
        """One message's valid reports (``at``: when it arrived): detections become
        evidence, heartbeats health; those from the future (see :meth:`_future`) and
        those restored incidents already hold are left out."""
        topic, partition, offset = msg.topic, msg.partition, msg.offset
        heard, replayed, limit = self.heard, self.replayed, at + self.clock_skew_s
        for report in reports:
            if report.ts > limit:
                continue
            heard[report.sensor_id] = partition
            if isinstance(report, SensorHealth):
                out.health.append(report)
                beats.append(Heartbeat(report, topic, partition))
                consumed[topic, report.kind] += 1
            elif replayed and digest(report.event_id) in replayed:
                self.metrics.replayed_reports.inc()
            else:
                mine.append(Evidence(report, topic, partition, offset))
                consumed[topic, "camera" if isinstance(report, CameraDetection)
                         else report.kind] += 1

    def _future(self, msg: RawMessage, ahead: Sequence[Report], index: int,
                now: float) -> DeadLetter:
        """One dead letter for the reports of ``msg`` from the future (``index``: the first
        one's position in it)."""
        ts = max(r.ts for r in ahead)
        return dead_letter(
            "future_ts",
            f"{len(ahead)} report(s) up to {ts - now:.1f} s ahead of the worker's clock "
            f"(tolerance {self.clock_skew_s:g} s)",
            msg.value, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key,
            index=index, rejected=len(ahead),
        )

    def _learn_sites(self, health: Sequence[SensorHealth], changed: dict[str, Any]) -> None:
        """Devices report their position in heartbeats: cameras become tasking targets,
        sensors get a place for their tamper alerts."""
        cameras = False
        for h in health:
            if h.lon is None or h.lat is None:
                continue
            if h.kind == SensorKind.CAMERA:
                site = self.cameras.get(h.sensor_id)
                if site is None or (site.lon, site.lat) != (h.lon, h.lat):
                    self.cameras[h.sensor_id] = CameraSite(h.sensor_id, h.lon, h.lat)
                    changed[state_codec.key(state_codec.CAM, h.sensor_id)] = [h.lon, h.lat]
                    cameras = True
            elif self.correlator.place_sensor(h.sensor_id, h.lon, h.lat):
                changed[state_codec.key(state_codec.SITE, h.sensor_id)] = [h.lon, h.lat]
        if cameras:
            self.correlator.use_cameras(list(self.cameras.values()))

    def _letter(self, msg: RawMessage, reason: str, detail: str) -> DeadLetter:
        return dead_letter(reason, detail, msg.value, topic=msg.topic, partition=msg.partition,
                           offset=msg.offset, key=msg.key)

    def _ack(self, msg: RawMessage, acks: list[AlertAckMessage], dead: list[DeadLetter]) -> None:
        """A patrol's ack, as strict as a sensor report; for an alert this worker knows."""
        raw = msg.value or b""
        if len(raw) > self.max_bytes:
            dead.append(self._letter(msg, "too_large", f"{len(raw)} bytes > {self.max_bytes}"))
            return
        try:
            ack = AlertAckMessage.model_validate_json(raw)
        except ValidationError as exc:
            dead.append(self._letter(msg, classify(exc.errors()[0]), describe(exc.errors())))
            return
        refused = self.keys.check_model(ack)
        if refused is not None:
            dead.append(self._letter(msg, refused, f"ack key {ack.key_id!r}"))
            return
        if self.naive is None and not self.correlator.has_alert(ack.alert_id):
            dead.append(self._letter(msg, "unknown_alert", f"no alert {ack.alert_id}"))
            return
        acks.append(ack)
