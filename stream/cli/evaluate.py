"""``borderwatch evaluate``: run a generated campaign against ground truth and report Pd with
confidence bounds, false alerts, latency, heading, class and sector, next to the naive rule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from stream.cli.common import Quiet, console
from stream.evaluation.campaign import CampaignError, load_campaign
from stream.evaluation.execute import run_campaign, trial_keys
from stream.evaluation.report import Report, differing, failures_table, tables
from stream.evaluation.runner import Feed, TrialResult


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=console,
                    disable=quiet)


def _batches(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        out = []
    if not out or any(b < 1 for b in out):
        console.print(f"[red]error:[/] --batches takes positive sizes like 1,100,5000, "
                      f"not {text!r}")
        raise typer.Exit(2)
    return out


def evaluate(
    campaign: Annotated[Path, typer.Argument(help="Campaign file (YAML or JSON).")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel processes.")] = 1,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write an HTML report into this folder.")
    ] = None,
    trial: Annotated[
        list[str] | None,
        typer.Option("--trial", help="Run only FAMILY/INDEX (or a whole FAMILY); repeatable."),
    ] = None,
    batches: Annotated[
        str | None,
        typer.Option(help="Determinism check: run every trial with these batch sizes "
                          "(e.g. 1,100,5000) and report trials whose alerts differ."),
    ] = None,
    shuffle_within: Annotated[
        float, typer.Option(min=0, help="With --batches: also reorder reports within S s.")
    ] = 0.0,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every failed trial.")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Expand the campaign into seeded scenarios, run each through the pipeline's pure core in
    event time, and score the alerts against the ground truth."""
    try:
        c = load_campaign(campaign)
    except CampaignError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    sizes = _batches(batches)
    keys = trial_keys(c, trial or ())
    if not keys:
        console.print(f"[red]error:[/] no trial matches {trial!r} in {campaign}")
        raise typer.Exit(2)
    out = Console(width=max(Console().width, 160))
    t0 = time.perf_counter()
    feeds = ([Feed()] if not sizes else
             [Feed(batch=b, shuffle_s=shuffle_within, cues=False) for b in sizes])
    runs: list[list[TrialResult]] = []
    for feed in feeds:
        label = c.name if feed.batch is None else f"{c.name} (batches of {feed.batch})"
        with _progress(quiet) as bar:
            task = bar.add_task(label, total=len(keys), last="")

            def done(r: TrialResult, task: TaskID = task, bar: Progress = bar) -> None:
                bar.update(task, advance=1, last=r.key)

            runs.append(run_campaign(c, keys, jobs=jobs, feed=feed, done=done))
    report = Report(c.name, str(campaign), c.seed, c.geofences, runs[0],
                    wall_s=time.perf_counter() - t0, jobs=jobs,
                    options=c.matching.model_dump())
    for table in tables(report):
        out.print(table)
    fails = failures_table(report, limit=len(keys) if verbose else 20)
    if fails is not None:
        out.print(fails)
    doc = report.as_dict()
    if sizes:
        diff = differing(runs)
        doc["determinism"] = {"batches": sizes, "shuffle_within_s": shuffle_within,
                              "differing": diff}
        if diff:
            out.print(f"[red]{len(diff)} trial(s) differ between batch sizes {sizes}:[/] "
                      + ", ".join(diff))
        else:
            out.print(f"[green]all {len(keys)} trials give the same alerts with batches "
                      f"{sizes}[/]")
    out.print(f"{len(keys)} trials in {report.wall_s:.0f} s wall time ({jobs} job(s))")
    if json_out is not None:
        json_out.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        out.print(f"JSON report: {json_out}")
    if html_out is not None:
        from stream.evaluation.html import write_html

        page = write_html(report, doc, html_out)
        out.print(f"HTML report: {page}")
