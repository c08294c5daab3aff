"""A consumer group of ``borderwatch worker`` processes, for the scale rows and their tests.

Each member runs the correlator with its own ports and state directory under the group's
app id, on fresh topics. :meth:`Group.kill` ends a member with SIGKILL (no shutdown, no
last commit), :meth:`Group.add` starts one more while the others work (a rebalance); both
return once the group is working again. Everything waits on facts: readiness on each
worker's /metrics, lag zero on the group's committed offsets, event time released.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pipeline import console
from benchmarks.worker_metrics import consumed
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import scrape_total, stop_process
from stream.evaluation.facts import wait_lag_zero, wait_released
from stream.evaluation.live import settings_env
from stream.settings import Settings
from stream.topics import GROUND, TICKS, create_topics


@dataclass
class Member:
    proc: subprocess.Popen[bytes]
    url: str  # its /metrics
    log: Path


def group_settings(broker: EmbeddedBroker, partitions: int, state: Path) -> Settings:
    """Settings of a fresh group: its own topic prefix, app id and state directory."""
    tag = uuid.uuid4().hex[:6]
    return Settings(bootstrap_servers=broker.bootstrap_servers, topic_prefix=f"scale{tag}",
                    app_id=f"scale-{tag}", data_dir=state / tag, partitions=partitions,
                    rule="correlate")


class Group:
    """Workers of one consumer group on the topics of ``settings`` (created here)."""

    def __init__(self, settings: Settings, state: Path, timeout: float) -> None:
        self.s, self.state = settings, state
        self.deadline = time.monotonic() + timeout
        self.members: list[Member] = []
        self.started = 0
        create_topics(settings)

    @property
    def urls(self) -> list[str]:
        return [m.url for m in self.members]

    def start(self, n: int, label: str) -> None:
        """Start ``n`` members; return once every member says ready."""
        with console.status(f"{label} starting {n} worker(s) in group {self.s.app_id}"):
            fresh = [self._spawn() for _ in range(n)]
            self._wait_ready(fresh)

    def add(self, label: str) -> Member:
        """One more member, ready (given partitions by the rebalance its arrival starts)."""
        with console.status(f"{label} a worker joins group {self.s.app_id}"):
            m = self._spawn()
            self._wait_ready([m])
        return m

    def kill(self, i: int) -> Member:
        """End member ``i`` at once (SIGKILL to its process group) and forget it."""
        m = self.members.pop(i)
        os.killpg(m.proc.pid, signal.SIGKILL)
        m.proc.wait()
        return m

    def check(self) -> None:
        """Raise if a member exited, with the end of its log."""
        for m in self.members:
            if m.proc.poll() is not None:
                tail = m.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"worker exited with code {m.proc.returncode}:\n{tail}")

    def consumed(self) -> float:
        """Reports the members consumed so far (a killed member's are gone)."""
        return sum(consumed(u) for u in self.urls)

    def drain(self, reports: int | None, label: str) -> None:
        """Progress while the members take ``reports`` of the backlog, then lag zero on the
        sensor topic (``reports`` None: lag zero alone; after a kill the members' counts
        miss what the killed one consumed, and the others read again what it did not
        commit)."""
        with console.status(label) as status:
            while (reports is not None and (n := self.consumed()) < reports
                   and time.monotonic() < self.deadline):
                self.check()
                status.update(f"{label}: {n:,.0f}/{reports:,} reports consumed")
                time.sleep(0.2)
            status.update(f"{label}: waiting for the group to commit every sensor partition")
            wait_lag_zero(self.s, self.s.app_id, [self.s.topic(GROUND.name)], self.deadline)

    def released(self, label: str) -> None:
        """Every member released its event time past the newest report it saw (once its
        sources are idle) and the group committed the tick that did it (outputs go first)."""
        with console.status(f"{label} waiting for every worker to release its event time"):
            for u in self.urls:
                wait_released(u, self.deadline, self.check)
            wait_lag_zero(self.s, self.s.app_id, [self.s.topic(TICKS.name)], self.deadline)

    def stop(self) -> None:
        for i, m in enumerate(self.members):
            stop_process(f"worker {i}", m.proc)

    def _spawn(self) -> Member:
        """A member: its own ports and state directory, the group's app id."""
        i = self.started
        self.started += 1
        w = self.s.model_copy(update={"metrics_port": free_port(), "web_port": free_port(),
                                      "data_dir": self.s.data_dir / f"w{i}"})
        w.data_dir.mkdir(parents=True)
        log = self.state / f"{self.s.app_id}-w{i}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"],
                                    env=settings_env(w), stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        m = Member(proc, f"http://127.0.0.1:{w.metrics_port}/metrics", log)
        self.members.append(m)
        return m

    def _wait_ready(self, members: list[Member]) -> None:
        """Return once every one of ``members`` says ready in one round of scrapes."""
        while not all(scrape_total(m.url, "borderwatch_worker_ready") == 1.0 for m in members):
            self.check()
            if time.monotonic() > self.deadline:
                raise RuntimeError(f"workers not all ready after {self.started} starts")
            time.sleep(0.25)
