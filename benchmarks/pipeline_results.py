"""The cases ``benchmarks.pipeline`` runs, what each measured, and the table it prints."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table

console = Console(width=120)


@dataclass
class Case:
    name: str
    command: list[str]
    reports_per_message: int
    reports: int
    rule: str = "correlate"


@dataclass
class Result:
    case: Case
    events_per_s: float
    p50_ms: float
    p99_ms: float
    alerts: int
    #: rule -> its new alerts' latencies, seconds: read back, and sent (the worker's
    #: producer timestamp on the alert)
    by_rule: dict[str, tuple[np.ndarray, np.ndarray]]
    #: latency phase: per batch phase (process, send), mean seconds a batch and batches
    cycle: dict[str, tuple[float, int]]
    #: the worker's CPU milliseconds (its process_cpu_seconds_total) per 1,000 reports of
    #: the backlog: less swayed than events/s by what else the machine runs
    cpu_ms_per_1k: float


def print_results(results: list[Result], args: argparse.Namespace) -> None:
    """The table of every case, the correlator's latencies, and what the load was."""
    base = results[-1].events_per_s
    table = Table(title="BorderWatch pipeline: embedded broker, one worker, same machine")
    for col in ("path", "reports", "events/s", "x per-event", "CPU ms/1k", "alerts", "p50 ms",
                "p99 ms"):
        table.add_column(col, justify="right" if col != "path" else "left")
    for r in results:
        table.add_row(r.case.name, f"{r.case.reports:,}", f"{r.events_per_s:,.0f}",
                      f"{r.events_per_s / base:.1f}", f"{r.cpu_ms_per_1k:,.0f}", str(r.alerts),
                      f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}")
    console.print(table)
    for r in results:
        for rule, (lat, sent) in r.by_rule.items():
            if r.case.rule == "correlate":
                console.print(
                    f"{r.case.name}: {rule} {len(lat):,} new alerts, read back p50"
                    f" {np.percentile(lat, 50):,.2f} s, p99 {np.percentile(lat, 99):,.2f} s,"
                    f" max {lat.max():,.2f} s; sent by the worker p50"
                    f" {np.percentile(sent, 50):,.2f} s, max {sent.max():,.2f} s"
                )
    for r in (r for r in results if r.cycle):  # the worker's borderwatch_batch_seconds
        console.print(f"{r.case.name}: batches in the latency phase, mean " + ", ".join(
            f"{phase} {mean:.2f} s" for phase, (mean, _) in r.cycle.items())
            + f" ({max(n for _, n in r.cycle.values())} batches)")
    console.print(
        f"latency phase: {args.rate:,.0f} reports/s offered for {args.seconds:g} s,"
        f" 1 in {args.strip_every:,} in the strip, a crossing every {args.crossing_every:,};"
        " alerts: new alerts timed (the correlator's from the report that completed its rule)"
    )
