"""What a worker's ``/metrics`` says, for the benchmarks: reports consumed and done so far,
and its batch cycle (how long its batches took to correlate, then to send) between two reads.

>>> text = '''# TYPE borderwatch_batch_seconds histogram
... borderwatch_batch_seconds_sum{phase="process"} 3.0
... borderwatch_batch_seconds_count{phase="process"} 4.0
... borderwatch_batch_seconds_sum{phase="send"} 1.0
... borderwatch_batch_seconds_count{phase="send"} 4.0
... '''
>>> before = {"process": (1.0, 2.0), "send": (0.5, 2.0)}
>>> cycle(before, phases_of(text))
{'process': (1.0, 2), 'send': (0.25, 2)}
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from stream.cli.processes import scrape, scrape_total

Phases = dict[str, tuple[float, float]]


def consumed(url: str) -> float:
    """Reports the worker consumed so far (0 while it cannot be reached)."""
    return scrape_total(url, "borderwatch_events_consumed_total") or 0.0


def done(url: str) -> float:
    """Reports whose batch the worker finished (outputs and state on the broker)."""
    return scrape_total(url, "borderwatch_reports_done_total") or 0.0


def cpu_seconds(url: str) -> float:
    """CPU seconds the worker's process has used (0 while it cannot be reached)."""
    return scrape_total(url, "process_cpu_seconds_total") or 0.0


def phases_of(text: str) -> Phases:
    """Per batch phase: (seconds in it, batches) since the worker started."""
    out: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name in ("borderwatch_batch_seconds_sum", "borderwatch_batch_seconds_count"):
                row = out.setdefault(s.labels["phase"], [0.0, 0.0])
                row[s.name.endswith("_count")] += s.value
    return {k: (v[0], v[1]) for k, v in out.items()}


def phases(url: str) -> Phases:
    """:func:`phases_of` the worker's ``/metrics`` (nothing if it cannot be reached)."""
    text = scrape(url)
    return {} if text is None else phases_of(text)


def cycle(before: Phases, after: Phases) -> dict[str, tuple[float, int]]:
    """Per phase, between two reads: mean seconds a batch, and batches."""
    out = {}
    for phase, (total, n) in sorted(after.items()):
        t0, n0 = before.get(phase, (0.0, 0.0))
        if n > n0:
            out[phase] = ((total - t0) / (n - n0), int(n - n0))
    return out
