"""Scale rows of the pipeline benchmark: 1, 2 and 3 workers in one consumer group.

Companion of :mod:`benchmarks.pipeline`, with its load (seismic reports from fixed sites,
100 at most a message; its crossings), keyed by ``--keying`` (:mod:`benchmarks.scale_load`):
``gateway`` (the default, as deployed: each site belongs to one of ``--gateways`` gateways,
contiguous stretches along the line, and a message carries one gateway's reports, keyed by
it, so one sensor stays on one partition) or ``round-robin`` (``benchmarks.pipeline``'s
keying: consecutive reports a message, keyed by ``--gateways`` ids in turn, so every
sensor is heard on every partition). Each row: fresh topics
(``--partitions``, default 6: even over 1, 2 and 3 workers), N ``borderwatch worker``
processes with the correlator in one group, all ready on an empty topic (no report is taken
before the group is whole), then the same backlog (same seed, same bytes; event time as if
offered at ``--rate``). It ends on facts: the group committed the end of every sensor
partition (lag zero), every worker released its event time past the newest report it saw,
the tick that did it is committed, and the alert topic is read to its end.

    python -m benchmarks.scale [--workers 1,2,3] [--reports 300000] [--rate 10000]
        [--partitions 6] [--sites 2500] [--strip-every 1000] [--crossing-every 20000]
        [--keying gateway|round-robin] [--gateways 64] [--seed 1] [--idle-s 5] [--rounds 1]
        [--start EPOCH_S]

The measure is CPU, not wall-clock speedup (2 shared cores): user + system CPU-seconds of
the worker processes (``/proc/<pid>/stat``) from the first report produced to the end, per
1,000 reports, and its ratio to the first worker count's. The machine is shared and
noisy: ``--rounds N`` runs the counts N times in turn (1, 2, 3, 1, 2, 3, ...) and prints
the ratios of the medians too. Before producing, the ready workers' idle
CPU is measured for ``--idle-s`` (fetch polls, timers: about 0.03 CPU-s a second a worker
here); the "less idle" column takes that rate over the row's time off each worker's CPU.
The default backlog is the pipeline benchmark's, 300,000 reports: a row ends only once
every worker released its event time (its sources idle for ``lateness.idle_s``, then a
tick), so each worker spends about ten idle seconds in every row, which against 100,000
reports was a tenth of one worker's CPU and a fifth of three workers'.
Wall seconds and reports/s run from the first report produced to lag zero. Alerts are
compared with the first row's as (alert id, final state, highest severity, sector of the
last message); correlation is per worker over the partitions it owns, so other worker
counts may differ, and the output says by how much and which. The backlog's event times
start ``--start`` (default: from the clock, so that all of it lies in the past); where they
fall on the correlator's step grid can change an answer, so the run prints its start and
``--start`` builds the same backlog again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from benchmarks import stop_cleanly_on_signals
from benchmarks.pipeline import console
from benchmarks.scale_group import Group, group_settings
from benchmarks.scale_load import KEYINGS, Keyed, keyed_backlog, produce_keyed
from benchmarks.stormy_night import Load
from stream import kafka_clients
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import scrape_total
from stream.models import Alert
from stream.topics import GROUND

#: One alert as compared across rows: final state, highest severity, sector (of its last message).
Summary = tuple[str, str, str | None]


def parse_cpu(stat: str, hz: int) -> float:
    """User + system CPU-seconds from the text of ``/proc/<pid>/stat`` (the name in
    parentheses may hold spaces, so fields are counted after its closing one)."""
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / hz  # utime, stime: fields 14 and 15


def cpu_seconds(pid: int) -> float:
    """CPU-seconds (user + system) process ``pid`` has used so far."""
    return parse_cpu(Path(f"/proc/{pid}/stat").read_text(), os.sysconf("SC_CLK_TCK"))


def final_alerts(alerts: Iterable[Alert]) -> dict[str, Summary]:
    """Alert id -> (final state, highest severity, sector): the state and sector of its
    highest revision (a duplicate delivery changes nothing), the highest severity of any."""
    last: dict[str, Alert] = {}
    worst: dict[str, Alert] = {}
    for a in alerts:
        if a.id not in last or a.revision >= last[a.id].revision:
            last[a.id] = a
        if a.id not in worst or a.severity.rank > worst[a.id].severity.rank:
            worst[a.id] = a
    return {i: (a.state.value, worst[i].severity.value, a.sector) for i, a in last.items()}


def differences(base: dict[str, Summary], other: dict[str, Summary]) -> list[str]:
    """One line per alert id whose summary differs between ``base`` and ``other``, sorted."""
    return [f"{i}: {base.get(i, 'absent')} vs {other.get(i, 'absent')}"
            for i in sorted(base.keys() | other.keys()) if base.get(i) != other.get(i)]


def compare_line(base: dict[str, Summary], other: dict[str, Summary]) -> str:
    """"identical", or how many alert ids differ: missing from ``other``, extra in it, or
    in both with another summary."""
    diff = differences(base, other)
    if not diff:
        return f"identical ({len(base):,} alerts)"
    gone, new = len(base.keys() - other.keys()), len(other.keys() - base.keys())
    return (f"{len(diff):,} of {len(base.keys() | other.keys()):,} alert ids differ: {gone:,} "
            f"missing, {new:,} extra, {len(diff) - gone - new:,} changed")


def _each(values: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in values)


#: the workers' counters a row sums (``borderwatch_<name>_total``)
COUNTED = ("late_events", "dead_letters", "send_failures", "alerts_rate_limited")


@dataclass
class Row:
    workers: int
    wall_s: float  # first report produced to lag zero
    alerts: dict[str, Summary]
    cpu_s: list[float]  # per worker, first report produced to the end
    idle_s: list[float]  # per worker, its idle rate over the same time
    batches: list[float]  # per worker, batches it correlated
    state_keys: list[float]  # per worker, keys of its correlation table at the end
    #: summed over the workers: reports judged late, dead letters, send failures, alerts
    #: folded by the rate limit (an answer that differs says here why, or that none did)
    counts: dict[str, float]


def _idle_rates(group: Group, seconds: float, label: str) -> list[float]:
    """CPU-seconds a second each ready worker uses with nothing to do (timer ticks, polls,
    heartbeats), measured over ``seconds``."""
    with console.status(f"{label} measuring the ready workers' idle CPU for {seconds:g} s"):
        pids = [m.proc.pid for m in group.members]
        t, cpu = time.monotonic(), [cpu_seconds(p) for p in pids]
        time.sleep(seconds)
        group.check()
        took = time.monotonic() - t
        return [(cpu_seconds(p) - c) / took for p, c in zip(pids, cpu, strict=True)]


def run_row(n: int, broker: EmbeddedBroker, state: Path, partitions: int,
            messages: list[Keyed], reports: int, idle_s: float, timeout: float,
            midway: Callable[[Group, str], None] | None = None) -> Row:
    """``n`` workers in one group take ``messages`` on fresh topics; see the module doc.
    ``midway``: called once the group consumed a third of the reports, with the second half
    of the messages not produced yet (a member killed, one more added); CPU then counts the
    members at the end."""
    group = Group(group_settings(broker, partitions, state), state, timeout)
    s = group.s
    label = f"[{n} worker{'s' if n > 1 else ''}]"
    try:
        group.start(n, label)
        idle = _idle_rates(group, idle_s, label)
        cpu0 = {m.proc.pid: cpu_seconds(m.proc.pid) for m in group.members}
        t0 = time.monotonic()
        producer = kafka_clients.producer(s, **{"linger.ms": 20, "batch.num.messages": 10000})
        half = len(messages) // 2 if midway else len(messages)
        produce_keyed(producer, s.topic(GROUND.name), messages[:half])
        if midway is not None:
            group.drain(reports // 3, label)
            midway(group, label)
            produce_keyed(producer, s.topic(GROUND.name), messages[half:])
        group.drain(None if midway else reports, label)
        wall = time.monotonic() - t0
        group.released(label)
        cpu = [cpu_seconds(m.proc.pid) - cpu0.get(m.proc.pid, 0.0) for m in group.members]
        idle = [r * (time.monotonic() - t0) for r in idle[:len(cpu)]]
        batches = [scrape_total(u, "borderwatch_batch_reports_count") or 0.0 for u in group.urls]
        keys = [scrape_total(u, "borderwatch_state_keys") or 0.0 for u in group.urls]
        counts = {c: sum(scrape_total(u, f"borderwatch_{c}_total") or 0.0 for u in group.urls)
                  for c in COUNTED}
        with console.status(f"{label} reading the alert topic to its end"):
            alerts = [Alert.model_validate_json(v or b"")
                      for _, v in kafka_clients.read_to_end(s, s.topic("alerts"), timeout=120)]
    finally:
        group.stop()
    return Row(n, wall, final_alerts(alerts), cpu, idle, batches, keys, counts)


def per_1k(r: Row, reports: int) -> tuple[float, float]:
    """CPU-seconds per 1,000 reports of a row: all of it, and less the workers' idle CPU."""
    return (sum(r.cpu_s) / reports * 1000,
            (sum(r.cpu_s) - sum(r.idle_s)) / reports * 1000)


def medians(rows: list[Row], reports: int) -> dict[int, tuple[float, float]]:
    """Worker count -> the median over its rows of :func:`per_1k` (each column its own).

    >>> r = lambda n, cpu: Row(n, 1.0, {}, [cpu], [0.0], [], [], {})
    >>> medians([r(1, 5.0), r(2, 6.0), r(1, 7.0), r(2, 5.0), r(1, 9.0)], 1000)
    {1: (7.0, 7.0), 2: (5.5, 5.5)}
    """
    out: dict[int, tuple[float, float]] = {}
    for n in dict.fromkeys(r.workers for r in rows):
        g, net = zip(*(per_1k(r, reports) for r in rows if r.workers == n), strict=True)
        out[n] = (statistics.median(g), statistics.median(net))
    return out


def print_rows(rows: list[Row], reports: int, keying: str) -> None:
    """The table (ratios to the first worker count's median), then how each row's alerts
    compare with the first row's, and with more than one round the medians."""
    base = rows[0]
    med = medians(rows, reports)
    b_gross, b_net = med[base.workers]
    table = Table(title=f"BorderWatch scale rows: {reports:,} reports keyed {keying}, one "
                        "consumer group, embedded broker, same machine")
    x = f"x {base.workers}w"
    for col in ("workers", "CPU s", "CPU s / 1k reports", x,
                "less idle / 1k", x, "wall s", "reports/s", "alerts", f"vs {base.workers}w"):
        table.add_column(col, justify="right")
    for r in rows:
        g, n = per_1k(r, reports)
        diff = differences(base.alerts, r.alerts)
        table.add_row(str(r.workers), f"{sum(r.cpu_s):.1f}",
                      f"{g:.3f}", f"{g / b_gross:.2f}", f"{n:.3f}", f"{n / b_net:.2f}",
                      f"{r.wall_s:.1f}", f"{reports / r.wall_s:,.0f}", f"{len(r.alerts):,}",
                      "identical" if not diff else f"{len(diff):,} differ")
    console.print(table)
    for r in rows:
        console.print(f"{r.workers} worker(s), each: CPU s {_each(r.cpu_s, '.1f')}, idle CPU s "
                      f"{_each(r.idle_s, '.2f')}, batches {_each(r.batches, '.0f')}, "
                      f"state keys {_each(r.state_keys, ',.0f')}; "
                      + ", ".join(f"{c.replace('_', ' ')} {v:,.0f}" for c, v in r.counts.items()))
    for r in rows[1:]:
        console.print(f"alerts, {r.workers} workers vs {base.workers}: "
                      f"{compare_line(base.alerts, r.alerts)}")
        for line in differences(base.alerts, r.alerts)[:3]:
            console.print(f"  {line}")
    if len(rows) > len(med):
        rounds = len(rows) // len(med)
        console.print(f"median of {rounds} rounds (run in turn: " + ", ".join(
            f"{n}w" for n in med) + ", ...), CPU s / 1k reports: " + "; ".join(
            f"{n}w {g:.3f} (x {g / b_gross:.2f}), less idle {net:.3f} (x {net / b_net:.2f})"
            for n, (g, net) in med.items()))
    console.print("CPU: user + system of the workers from the first report produced to the "
                  "end; less idle: minus each worker's idle rate (measured once ready) over "
                  "that time. Wall: first report produced to lag zero.")


def main() -> None:
    stop_cleanly_on_signals()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="1,2,3", help="worker counts, one row each")
    ap.add_argument("--reports", type=int, default=300_000, help="backlog of every row")
    ap.add_argument("--rate", type=float, default=10_000.0, help="event-time reports/s")
    ap.add_argument("--partitions", type=int, default=6, help="partitions of keyed topics")
    ap.add_argument("--sites", type=int, default=2500, help="sensor sites in strip and buffer")
    ap.add_argument("--strip-every", type=int, default=1000,
                    help="1 report in this many is from a site in the border strip")
    ap.add_argument("--crossing-every", type=int, default=20_000,
                    help="one crossing (two strip sensors saying person) in this many")
    ap.add_argument("--keying", choices=KEYINGS, default="gateway", help="see the doc")
    ap.add_argument("--gateways", type=int, default=64, help="gateways keying the messages")
    ap.add_argument("--seed", type=int, default=1, help="seed of the report strengths")
    ap.add_argument("--idle-s", type=float, default=5.0,
                    help="seconds the ready workers' idle CPU is measured")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds a row may take")
    ap.add_argument("--start", type=float, default=None,
                    help="event time of the backlog's first report (default: from the clock)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the worker counts this many times in turn; ratios of medians")
    args = ap.parse_args()
    counts = [int(c) for c in args.workers.split(",")]
    if max(counts) > args.partitions:
        ap.error(f"{max(counts)} workers need at least as many partitions")
    load = Load(args.sites, args.strip_every, args.crossing_every)
    # all in the past; the same start gives the same backlog (where it falls on the step grid)
    start = args.start or float(int(time.time() - args.reports / args.rate - 60))
    console.print(f"backlog from event time {start:.0f} (--start {start:.0f} builds it again)")
    with console.status(f"building the backlog of {args.reports:,} reports"):
        messages = keyed_backlog(load, args.keying, args.reports, args.rate, start, args.seed,
                                 args.gateways)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(port=free_port()) as broker:
        for n in [n for _ in range(max(1, args.rounds)) for n in counts]:
            rows.append(run_row(n, broker, Path(tmp), args.partitions, messages,
                                args.reports, args.idle_s, args.timeout))
            console.print(f"{n} worker(s): {sum(rows[-1].cpu_s):.1f} CPU s, "
                          f"{len(rows[-1].alerts):,} alerts")
    print_rows(rows, args.reports, f"by {args.keying} ({len(messages):,} messages)")


if __name__ == "__main__":
    main()
