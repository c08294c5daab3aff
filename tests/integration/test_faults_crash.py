"""Fault suite: a worker killed with SIGKILL ten times while a scenario plays gives the same
alert ids as a clean run, of every severity (none missing, none extra), and for every alert
id revisions that never go backwards once (id, revision) duplicates (a replay after a kill
re-sends what it had sent) are dropped.

The crashed run is judged done by what its last worker correlated and then committed:
every sensor partition committed to its end (a partition whose commit stopped after a
restart was Faust's seek after a rebalance, see stream/faust_seek.py)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pytest

from stream.broker import free_port
from stream.cli.processes import scrape_total, stop_process
from stream.evaluation.facts import wait_released
from stream.models import Alert
from stream.settings import Settings
from stream.topics import CAMERA, GROUND, HEALTH, LATE, TICKS, create_topics
from tests.conftest import run_cli, settings_env, start_worker
from tests.integration.test_scenarios import alerts_by_id, read_alerts_by_id, serious
from tests.kafka_helpers import committed, consume_to_end, dump_topic, produce, wait_committed

pytestmark = [pytest.mark.integration, pytest.mark.faults]

SPEED = "12"  # five-on-foot's 25 minutes in ~125 s of replay
KILLS = 10


def another(settings: Settings, tmp: Path) -> Settings:
    """The same broker, its own topics, group, ports and state."""
    tag = uuid.uuid4().hex[:8]
    s = settings.model_copy(update={"topic_prefix": f"t{tag}", "app_id": f"bw-test-{tag}",
                                    "metrics_port": free_port(), "web_port": free_port(),
                                    "data_dir": tmp / f"state-{tag}", "log_level": "INFO"})
    create_topics(s)
    return s


def replay(settings: Settings, recording: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "stream.cli", "replay", str(recording), "--speed", SPEED,
         "--quiet"], env=settings_env(settings), stdout=subprocess.DEVNULL,
    )


def chunks(recording: Path, n: int) -> list[Path]:
    """The recording cut into ``n`` consecutive files of (nearly) equal line counts."""
    lines = recording.read_text().splitlines(keepends=True)
    size = -(-len(lines) // n)
    out = []
    for i in range(n):
        part = recording.with_name(f"{recording.stem}-{i:02d}.jsonl")
        part.write_text("".join(lines[i * size:(i + 1) * size]))
        out.append(part)
    return out


def wait_consumed(
    settings: Settings, proc: subprocess.Popen[bytes], n: int, timeout: float
) -> None:
    """Until this worker process has consumed ``n`` messages (or ``timeout`` s passed)."""
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (scrape_total(url, "borderwatch_messages_consumed_total") or 0) >= n:
            return


def newest_report(recording: Path) -> float:
    """The event time of the newest report in a recording (batches or single reports)."""
    newest = 0.0
    for line in recording.read_bytes().splitlines():
        value = orjson.loads(line)["value"]
        reports = value["reports"] if isinstance(value.get("reports"), list) else [value]
        newest = max(newest, *(float(r["ts"]) for r in reports))
    return newest


def alerts_after_kills(settings: Settings, last_ts: float, timeout: float = 180.0
                       ) -> dict[str, list[Alert]]:
    """Every alert message of the crashed run once its last worker has correlated the
    recording's newest report (event time seen at ``last_ts``, released past it) and then
    committed a tick sent after that (the batches before it sent their outputs first)."""
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    deadline = time.monotonic() + timeout
    wait_released(url, deadline, seen_at_least=last_ts)
    ticks = settings.topic(TICKS.name)
    produce(settings, ticks, [(b"tick", b"{}")])
    wait_committed(settings, [ticks], max(1.0, deadline - time.monotonic()))
    wait_committed(settings, [settings.topic(t.name) for t in (GROUND, CAMERA, HEALTH)], 30)
    return read_alerts_by_id(settings)


def revisions_never_go_back(alerts: dict[str, list[Alert]]) -> list[str]:
    """Ids where, in topic order, a message is neither a replayed (id, revision) already
    sent nor a revision above every one before it (what a consumer deduplicating by
    (id, revision) would see go backwards)."""
    bad = []
    for k, msgs in alerts.items():
        seen: set[int] = set()
        for m in msgs:
            if m.revision not in seen and seen and m.revision < max(seen):
                bad.append(k)
                break
            seen.add(m.revision)
    return bad


def diagnose(tmp: Path, runs: dict[str, Settings],
             alerts: dict[str, dict[str, list[Alert]]], at_kills: list[dict[str, int]]) -> str:
    """What differs between the runs' medium+ alerts, in one line each. Left beside the
    test's logs: every alert message and late event of each run, and of the crashed run its
    sensor topics, its state changelog and its group's committed offsets at each kill."""
    crashed = runs["crashed"]
    (tmp / "committed-at-kills.json").write_bytes(orjson.dumps(at_kills))
    for topic in [crashed.topic(t.name) for t in (GROUND, CAMERA, HEALTH, TICKS)] + [
            f"{crashed.app_id}-correlation-changelog"]:
        (tmp / f"dump-{topic}.json").write_bytes(orjson.dumps(dump_topic(crashed, topic)))
    lines = []
    for name, s in runs.items():
        late = consume_to_end(s, s.topic(LATE.name))
        (tmp / f"{name}-late.jsonl").write_bytes(b"\n".join(v for _, v in late))
        with (tmp / f"{name}-alerts.jsonl").open("w") as out:
            for msgs in alerts[name].values():
                out.writelines(m.model_dump_json() + "\n" for m in msgs)
        for k, msgs in serious(alerts[name]).items():
            first = msgs[0]
            lines.append(f"{name} {k}: {first.rule} {first.zone_id} evidence "
                         f"{[e.event_id for e in first.evidence][:6]}; {len(late)} late")
    return "\n".join(lines)


@pytest.mark.timeout(900)  # ten restarts of the worker on a loaded machine
def test_ten_kills_give_the_clean_runs_alert_ids(topics: Settings, tmp_path: Path) -> None:
    recording = tmp_path / "five.jsonl"
    run_cli(topics, "simulate", "five-on-foot", "--quiet", "--output", str(recording),
            # it happened just before the replays: paced replays send nothing from the future
            "--start", str(round(time.time()) - 1600), timeout=300)
    clean, crashed = topics, another(topics, tmp_path)
    parts = chunks(recording, KILLS + 1)
    clean_worker = start_worker(clean, tmp_path / "clean.log")
    worker = start_worker(crashed, tmp_path / "crash-0.log")
    players = [replay(clean, recording)]
    kills = 0
    sensors = [crashed.topic(t.name) for t in (GROUND, CAMERA, HEALTH)]
    at_kills: list[dict[str, int]] = []
    try:
        # The crashed run plays the recording in KILLS + 1 parts, one after another; after each
        # part but the last the worker is killed once it has consumed a third of that part
        # (a slow restart cannot make a kill miss the scenario), then restarted.
        for i, part in enumerate(parts):
            if len(players) > 1:  # the parts play one after another
                assert players[-1].wait(timeout=300) == 0
            players.append(replay(crashed, part))
            if i == KILLS:
                break
            lines = len(part.read_text().splitlines())
            wait_consumed(crashed, worker, max(1, lines // 3), timeout=60)
            worker.kill()  # SIGKILL: no commit, no flush
            worker.wait()
            at_kills.append(committed(crashed, sensors))
            kills += 1
            worker = start_worker(crashed, tmp_path / f"crash-{kills}.log")
        for p in players:
            assert p.wait(timeout=300) == 0
        clean_alerts = alerts_by_id(clean)
        crash_alerts = alerts_after_kills(crashed, newest_report(recording))
    finally:
        for p in players:  # a failed wait above must not leave a replay running
            if p.poll() is None:
                p.kill()
                p.wait()
        stop_process("worker", worker)
        stop_process("worker", clean_worker)
    assert serious(clean_alerts), "the scenario raises a medium-or-above alert"
    assert set(serious(crash_alerts)) == set(serious(clean_alerts)), diagnose(
        tmp_path, {"clean": clean, "crashed": crashed},
        {"clean": clean_alerts, "crashed": crash_alerts}, at_kills)
    extra = {k: [(a.revision, a.state.value, a.severity.value, a.rule, a.zone_id,
                  [e.event_id for e in a.evidence][:5]) for a in v]
             for k, v in crash_alerts.items() if k not in clean_alerts}
    missing = sorted(set(clean_alerts) - set(crash_alerts))
    assert not extra and not missing, (
        f"alert ids only the crashed run raised: {extra}; only the clean run: {missing}\n"
        + diagnose(tmp_path, {"clean": clean, "crashed": crashed},
                   {"clean": clean_alerts, "crashed": crash_alerts}, at_kills))
    assert revisions_never_go_back(crash_alerts) == []
