"""Run trials through the real path: the broker, ``borderwatch worker`` processes (the
correlator and the naive rule), the simulator's Kafka sink, and the alerts read back from the
alert topic.

Every trial gets its own topic prefix, consumer groups and fresh workers: a worker keeps
state (incidents, its event clock, sensor faults), so trials never share one. ``workers``
correlators share one consumer group (the topics' partitions split between them, as when a
deployment scales out); the naive rule runs in one. The scenario
is placed like ``simulate --fast`` places it, in the past, so that it ends before the run
starts (workers refuse reports from the future); it moves by whole days from the campaign's
start, which keeps the time of day and the event clock's step grid, so the pure run of the
same placement gives the same alert ids. Camera cues are not fed back (a fast replay is over
before a cue could act); compare with the pure run's ``Feed(cues=False)``.

A trial ends on facts, never on a quiet period: both consumer groups have committed every
message of the trial's sensor topics (lag zero), every correlator's event time was released
past the newest report it saw (``borderwatch_event_time_seconds``), and
the tick that released it is committed too (a batch's outputs are sent before its offsets
are committed). Then the alert and zone-event topics are read to the end of every partition.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import orjson
from pydantic import BaseModel, SecretStr, ValidationError

from simulators.publish import KafkaSink
from simulators.world import World
from stream import kafka_clients, topics
from stream.alerts.feed import read_snapshot
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import stop_process, wait_worker_ready
from stream.correlation.zone_rule import RULE as NAIVE_RULE
from stream.evaluation.facts import NotYet, event_time, samples, wait_lag_zero, wait_released
from stream.evaluation.families import Trial
from stream.evaluation.geography import Site
from stream.evaluation.runner import Outputs, TrialResult, result_of, trial_world
from stream.evaluation.scoring import Options
from stream.models import Alert, ZoneEvent
from stream.settings import Settings
from stream.topics import create_topics, worker_topics

DAY_S = 86_400.0
#: Event seconds published at a time, each step once the correlator consumed the one before.
STEP_S = 10.0
INPUTS = (topics.GROUND, topics.CAMERA, topics.HEALTH)
M = TypeVar("M", bound=BaseModel)


class LiveError(RuntimeError):
    """A live trial could not run to its end; the message says where it stopped."""


def placed_start(start: float, duration_s: float, now: float) -> float:
    """``start`` moved by whole days so that a scenario of ``duration_s`` ends by ``now``.

    >>> s = placed_start(1_800_000_000, 600, now=1_796_000_000)
    >>> (1_800_000_000 - s) % 86_400, 0 <= 1_796_000_000 - (s + 600) < 86_400
    (0.0, True)
    """
    return start - math.ceil((start + duration_s - now) / DAY_S) * DAY_S


@contextlib.contextmanager
def live_broker(settings: Settings, given: bool) -> Iterator[Settings]:
    """``settings`` for the broker to run on: the one given (it must answer), else an
    embedded broker on a free port, stopped afterwards."""
    if given:
        kafka_clients.require_broker(settings)
        yield settings
        return
    port = free_port(settings.broker_host)
    with EmbeddedBroker(settings.broker_host, port) as broker:
        yield settings.model_copy(update={"bootstrap_servers": broker.bootstrap_servers,
                                          "broker_port": port, "broker_profile": "embedded"})


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a ``borderwatch`` child process use ``settings``."""
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude_none=True).items():
        if name == "signing_keys":
            value = orjson.dumps({k: v.get_secret_value() for k, v in value.items()}).decode()
        elif isinstance(value, SecretStr):  # passwords, tokens: the child needs the secret
            value = value.get_secret_value()
        env[f"BORDERWATCH_{name.upper()}"] = str(value)
    return env


@dataclass
class _Worker:
    settings: Settings
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.metrics_host}:{self.settings.metrics_port}/metrics"

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "stream.cli", "worker"], env=settings_env(self.settings),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def check(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise LiveError(f"worker {self.settings.app_id} exited: {self.tail()}")

    def tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-2000:].strip() or f"(no output; log {self.log})"

    def stop(self) -> None:
        stop_process(self.settings.app_id, self.proc)


def _read(settings: Settings, spec: topics.TopicSpec, model: type[M]) -> list[M]:
    out = []
    for _key, value in read_snapshot(settings, spec, timeout=60.0):
        with contextlib.suppress(ValidationError):
            out.append(model.model_validate_json(value or b""))
    return out


class LiveRunner:
    """Runs trials one at a time on the broker of ``base`` (topics, groups and worker ports
    of their own); ``phase(trial key, what)`` hears what each trial is doing."""

    def __init__(self, base: Settings, workdir: Path, *, step_s: float = STEP_S,
                 timeout_s: float = 300.0, phase: Callable[[str, str], None] | None = None,
                 workers: int = 1) -> None:
        self.base, self.workdir, self.timeout_s = base, workdir, timeout_s
        self.step_s = step_s
        self.workers = workers  #: correlator workers, in one consumer group
        self.phase = phase or (lambda _key, _what: None)

    def _settings(self, prefix: str, rule: str, inventory: Path, member: int = 0) -> Settings:
        return self.base.model_copy(update={
            "topic_prefix": prefix, "app_id": f"{prefix}-{rule}", "rule": rule,
            "data_dir": self.workdir / f"{prefix}-{rule}-{member}", "inventory_file": inventory,
            "metrics_port": free_port(self.base.metrics_host), "web_port": free_port(),
        })

    def run(self, trial: Trial, site: Site, opt: Options, start: float) -> TrialResult:
        t0 = time.perf_counter()
        key = trial.key
        prefix = f"{self.base.topic_prefix}-eval-{trial.family}-{trial.index}-" \
                 f"{uuid.uuid4().hex[:6]}"
        world = trial_world(trial, site, start)
        inventory = self.workdir / f"{prefix}.inventory.jsonl"
        inventory.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in world.truth_records()
                                       if r["type"] in ("camera", "sensor")))
        group = [self._settings(prefix, "correlate", inventory, i) for i in range(self.workers)]
        corr, naive = group[0], self._settings(prefix, "naive", inventory)
        workers = [_Worker(s, self.workdir / f"{s.data_dir.name}.log") for s in (*group, naive)]
        deadline = time.monotonic() + self.timeout_s
        try:
            self.phase(key, "creating topics, starting workers")
            create_topics(corr)
            create_topics(naive)
            for w in workers:
                w.start()
            for w in workers:
                assert w.proc is not None
                try:
                    wait_worker_ready(w.url, w.proc, max(1.0, deadline - time.monotonic()))
                except RuntimeError as exc:
                    raise LiveError(f"{exc}: {w.tail()}") from None
            self.phase(key, "publishing")
            messages = self._publish(world, workers[:-1], deadline)
            self.phase(key, "waiting for the workers")
            self._finish(workers[:-1], workers[-1], deadline)
            alerts = _read(corr, topics.ALERTS, Alert)
            zones = _read(corr, topics.ZONE_EVENTS, ZoneEvent)
        except NotYet as exc:
            raise LiveError(f"{key}: {exc} (worker logs in {self.workdir})") from None
        finally:
            for w in workers:
                w.stop()
        self._drop_topics(corr, naive)
        out = Outputs([a for a in alerts if a.rule != NAIVE_RULE],
                      [a for a in alerts if a.rule == NAIVE_RULE], zones)
        return result_of(trial, site, opt, world, out, messages, time.perf_counter() - t0)

    def _publish(self, world: World, group: list[_Worker], deadline: float) -> int:
        """Send the world's messages; with ``step_s``, a step of event time at a time, each
        once the correlators consumed the previous one (a stream read in event order)."""
        sink = KafkaSink(group[0].settings)
        sent = 0
        step: int | None = None
        for emission in world.run():
            if self.step_s > 0:
                cell = math.floor((emission.ts - world.start) / self.step_s)
                if step is not None and cell != step:
                    sink.close()  # waits for every acknowledgement; the sink stays usable
                    self._consumed(group, sent, deadline)
                step = cell
            sink.send(emission)
            sent += 1
        sink.close()
        return sent

    def _consumed(self, group: list[_Worker], sent: int, deadline: float) -> None:
        """Return once the correlators consumed ``sent`` messages of the sensor topics."""
        inputs = {group[0].settings.topic(spec.name) for spec in INPUTS}
        while True:
            n = 0.0
            for w in group:
                got = samples(w.url, "borderwatch_messages_consumed_total")
                n += sum(v for labels, v in got.items() if dict(labels).get("topic") in inputs)
            if n >= sent:
                return
            for w in group:
                w.check()
            if time.monotonic() > deadline:
                raise NotYet(f"the correlator consumed {n:.0f} of {sent} messages")
            time.sleep(0.02)  # poll interval of the worker's /metrics

    def _finish(self, group: list[_Worker], naive: _Worker, deadline: float) -> None:
        """Return once both groups consumed the trial and every correlator that saw a
        report released it (one holding no partition with reports saw none)."""
        corr = group[0]
        inputs = [corr.settings.topic(spec.name) for spec in INPUTS]
        for w in (corr, naive):
            w.check()
            wait_lag_zero(w.settings, w.settings.app_id, inputs, deadline)
        for w in group:  # lag zero: what each saw is final (offsets commit after processing)
            if event_time(w.url)[0]:  # None or 0.0 (its clock's start): it saw no report
                wait_released(w.url, deadline, w.check)
        wait_lag_zero(corr.settings, corr.settings.app_id,
                      [corr.settings.topic(topics.TICKS.name)], deadline)

    def _drop_topics(self, *trial: Settings) -> None:
        """Delete the trial's topics (best effort: a broker may refuse)."""
        names = {s.topic(spec.name) for s in trial for spec in topics.ALL}
        names |= {n for s in trial for n in worker_topics(s)}
        with contextlib.suppress(Exception):
            for fut in kafka_clients.admin(trial[0]).delete_topics(sorted(names)).values():
                fut.result(timeout=30)
