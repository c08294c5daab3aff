"""``borderwatch evaluate --live``: the trials through broker and worker processes, then the
pure run of the same trials, and where the two differ."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from stream.cli.common import console, make_settings

if TYPE_CHECKING:
    from stream.evaluation.campaign import Campaign
    from stream.evaluation.runner import TrialResult


def _line(r: TrialResult) -> str:
    s = r.correlated
    found = sum(o.detected for o in s.intrusions if o.reported)
    seen = sum(o.reported for o in s.intrusions)
    return (f"{r.key:<16} {r.messages:>6} messages  {s.alert_ids} alert id(s), "
            f"{len(s.false_ids)} false, {found}/{seen} intrusions alerted  {r.wall_s:5.1f} s")


def run_live(c: Campaign, keys: list[tuple[str, int]], bootstrap: str | None, step_s: float,
             quiet: bool, workers: int = 1) -> tuple[list[TrialResult], float]:
    """Live results in trial order, and the start the trials were placed at."""
    from simulators.publish import PublishError
    from stream.broker import BrokerError
    from stream.cli.evaluate import _progress
    from stream.evaluation.execute import live_start, run_live
    from stream.evaluation.live import LiveError, LiveRunner, live_broker
    from stream.kafka_clients import BrokerUnreachable

    settings = make_settings(bootstrap_servers=bootstrap)
    if workers > settings.partitions:
        console.print(f"[red]error:[/] {workers} correlator workers need at least as many "
                      f"partitions (BORDERWATCH_PARTITIONS is {settings.partitions})")
        raise typer.Exit(2)
    start = live_start(c, keys, time.time())
    workdir = Path(tempfile.mkdtemp(prefix="borderwatch-evaluate-"))
    with _progress(quiet) as bar:
        task = bar.add_task(f"{c.name} live", total=len(keys), last="")

        def phase(key: str, what: str) -> None:
            bar.update(task, last=f"{key}: {what}")

        def done(r: TrialResult) -> None:
            bar.update(task, advance=1, last=r.key)
            if not quiet:
                bar.console.print(_line(r))

        try:
            with live_broker(settings, given=bootstrap is not None) as s:
                if not quiet:
                    at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(start))
                    bar.console.print(f"live on {s.bootstrap_servers} "
                                      f"({'given' if bootstrap else 'embedded broker'}), "
                                      f"{s.partitions} partitions per topic, {workers} "
                                      f"correlator worker(s), trials placed at {at} UTC")
                runner = LiveRunner(s, workdir, step_s=step_s, phase=phase, workers=workers)
                results = run_live(c, keys, runner, start, done)
        except (LiveError, BrokerUnreachable, BrokerError, PublishError) as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from exc
    shutil.rmtree(workdir, ignore_errors=True)
    return results, start


def compare(live: list[TrialResult], pure: list[TrialResult], out: Any) -> dict[str, list[str]]:
    """Print and return, per trial, where the live run differs from the pure one."""
    from stream.evaluation.agreement import differences

    diff = {a.key: d for a, b in zip(live, pure, strict=True) if (d := differences(a, b))}
    if not diff:
        out.print(f"[green]live and pure runs agree on all {len(live)} trials[/] (alert ids, "
                  "final states, severities and every scored figure)")
        return diff
    out.print(f"[red]{len(diff)} of {len(live)} trial(s) differ between the live and the pure "
              "run[/] (live / pure):")
    for key, lines in diff.items():
        for line in lines:
            out.print(f"  {key}  {line}")
    return diff
