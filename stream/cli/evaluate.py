"""``borderwatch evaluate``: run a generated campaign against ground truth and report Pd with
confidence bounds, false alerts, latency, heading, class and sector, next to the naive rule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from stream.cli.common import Bootstrap, Quiet, console

if TYPE_CHECKING:  # the evaluation stack (scipy, matplotlib) loads only when a run starts
    from stream.evaluation.campaign import Campaign
    from stream.evaluation.runner import Feed, TrialResult
    from stream.evaluation.thresholds import Thresholds


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=console,
                    disable=quiet)


def _batches(text: str | None, option: str = "--batches", like: str = "1,100,5000"
             ) -> list[int]:
    if not text:
        return []
    try:
        out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        out = []
    if not out or any(b < 1 for b in out):
        console.print(f"[red]error:[/] {option} takes positive numbers like {like}, "
                      f"not {text!r}")
        raise typer.Exit(2)
    return out


def _say_agreement(out: Console, diff: list[str], trials: int, what: str) -> None:
    """One line: every trial gave the same alerts ``what`` (e.g. with batch sizes [1, 100]),
    or which did not."""
    if diff:
        out.print(f"[red]{len(diff)} of {trials} trial(s) give other alerts with {what}:[/] "
                  + ", ".join(diff))
    else:
        out.print(f"[green]all {trials} trials give the same alerts with {what}[/]")


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
    places: Annotated[
        str | None,
        typer.Option(help="Scale check: correlate every trial as these many correlators "
                          "sharing the boundary by place (e.g. 1,2,3; each reads its "
                          "stretches and alerts on what began there, as workers would) and "
                          "report trials whose alerts differ."),
    ] = None,
    shuffle_within: Annotated[
        float, typer.Option(min=0, help="With --batches: also reorder reports within S s.")
    ] = 0.0,
    markdown_out: Annotated[
        Path | None, typer.Option("--markdown", help="Write both tables as Markdown.")
    ] = None,
    thresholds: Annotated[
        Path | None,
        typer.Option(help="Fail (exit 1) when a figure misses a bound of this file "
                          "(campaigns/thresholds.yaml); may add a determinism check."),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Run the trials through the broker and `borderwatch "
                           "worker` processes (one per rule, fresh for each trial), the "
                           "simulator publishing, the alerts read back from the alert topic; "
                           "then the pure run of the same trials, and list where they differ. "
                           "Starts an embedded broker unless --bootstrap-servers is given.")
    ] = False,
    live_step: Annotated[
        float, typer.Option(min=0, help="With --live: event seconds published at a time, each "
                            "once the worker consumed the previous (0: all in one burst, as "
                            "`simulate --fast`).")
    ] = 10.0,
    workers: Annotated[
        int, typer.Option(min=1, help="With --live: correlator workers in one consumer group "
                          "(no more than the topics' partitions, BORDERWATCH_PARTITIONS).")
    ] = 1,
    bootstrap_servers: Bootstrap = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v",
                           help="List every failed trial; detail the first ten trials.")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Expand the campaign into seeded scenarios, run each through the pipeline's pure core in
    event time (or with --live through broker and workers), and score the alerts against the
    ground truth."""
    from stream.evaluation.campaign import CampaignError, load_campaign
    from stream.evaluation.execute import trial_keys
    from stream.evaluation.report import (
        RULES,
        Report,
        differing,
        failures_table,
        markdown,
        outcome,
        tables,
        trial_detail,
    )
    from stream.evaluation.runner import Feed
    from stream.evaluation.thresholds import violations

    try:
        c = load_campaign(campaign)
    except CampaignError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    sizes = _batches(batches)
    owners = _batches(places, "--places", "1,2,3")
    keys = trial_keys(c, trial or ())
    if not keys:
        console.print(f"[red]error:[/] no trial matches {trial!r} in {campaign}")
        raise typer.Exit(2)
    limits = _thresholds(thresholds)
    det = limits.determinism if limits is not None else None
    if not sizes and det is not None:
        sizes, shuffle_within = det.batches, det.shuffle_within_s
    det_keys = [k for k in keys if det is None or not det.families or k[0] in det.families]
    if not owners and det is not None and det.places:
        owners, place_keys = det.places, det_keys
    else:
        place_keys = keys
    out = Console(width=max(Console().width, 160))
    t0 = time.perf_counter()
    agreement: dict[str, Any] | None = None
    if live:
        from stream.cli.evaluate_live import run_live

        results, start = run_live(c, keys, bootstrap_servers, live_step, quiet, workers)
        pure = _run(c, keys, jobs, Feed(cues=False), f"{c.name} pure, same placement", quiet,
                    start)
        agreement = {"start": start, "pure": pure}
    else:
        results = _run(c, keys, jobs, Feed(), c.name, quiet)
    report = Report(c.name, str(campaign), c.seed, c.geofences, results,
                    wall_s=time.perf_counter() - t0, jobs=jobs,
                    options=c.matching.model_dump())
    for table in tables(report):
        out.print(table)
    fails = failures_table(report, limit=len(keys) if verbose else 20)
    if fails is not None:
        out.print(fails)
    if verbose:
        for r in results[:10]:
            out.print(trial_detail(r))
    doc = report.as_dict()
    doc["campaign_spec"] = c.model_dump()
    if agreement is not None:
        from stream.cli.evaluate_live import compare

        doc["live"] = {"start": agreement["start"], "cues": False, "step_s": live_step,
                       "workers": workers, "differing": compare(results, agreement["pure"], out)}
    diff: list[str] = []
    split: list[str] = []
    if sizes:
        runs = [_run(c, det_keys, jobs, Feed(batch=b, shuffle_s=shuffle_within, cues=False),
                     f"{c.name} in batches of {b}", quiet) for b in sizes]
        diff = differing(runs)
        doc["determinism"] = {"batches": sizes, "shuffle_within_s": shuffle_within,
                              "trials": len(det_keys), "differing": diff,
                              "alert_ids": {r[0].key: [len(outcome(x)) for x in r]
                                            for r in zip(*runs, strict=True)
                                            if r[0].key in diff}}
        _say_agreement(out, diff, len(det_keys), f"batch sizes {sizes}")
    if owners:
        runs = [_run(c, place_keys, jobs, Feed(places=n, cues=False), f"{c.name} by {n} "
                     f"place owner(s)", quiet) for n in owners]
        split = differing(runs)
        doc["places"] = {"owners": owners, "trials": len(place_keys), "differing": split}
        _say_agreement(out, split, len(place_keys), f"{owners} place owners")
    out.print(f"{len(keys)} trials in {time.perf_counter() - t0:.0f} s wall time "
              f"({jobs} job(s))")
    if json_out is not None:
        json_out.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        out.print(f"JSON report: {json_out}")
    if markdown_out is not None:
        markdown_out.write_text(markdown(report))
        out.print(f"Markdown tables: {markdown_out}")
    if html_out is not None:
        from stream.evaluation.html import write_html

        page = write_html(report, c, html_out, doc.get("determinism"))
        out.print(f"HTML report: {page}")
    if limits is not None:
        bad = violations(limits, {rule: report.figures(rule) for rule in RULES})
        if det is not None and len(diff) > det.differing_max:
            bad.append(f"determinism: {len(diff)} trials differ > {det.differing_max}")
        if split:
            bad.append(f"places: {len(split)} trials differ with {owners} owners > 0")
        for line in bad:
            out.print(f"[red]threshold not met:[/] {line}")
        if bad:
            raise typer.Exit(1)
        out.print(f"[green]every threshold of {thresholds} met[/]")


def _thresholds(path: Path | None) -> Thresholds | None:
    from stream.evaluation.thresholds import load_thresholds

    if path is None:
        return None
    try:
        return load_thresholds(path)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(map(str, e["loc"]))
        console.print(f"[red]error:[/] {path}: {where}: {e['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(2) from exc
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/] {path}: {exc}")
        raise typer.Exit(2) from exc


def _run(c: Campaign, keys: list[tuple[str, int]], jobs: int, feed: Feed, label: str,
         quiet: bool, start: float | None = None) -> list[TrialResult]:
    from stream.evaluation.execute import run_campaign

    with _progress(quiet) as bar:
        task = bar.add_task(label, total=len(keys), last="")

        def done(r: TrialResult) -> None:
            bar.update(task, advance=1, last=r.key)

        return run_campaign(c, keys, jobs=jobs, feed=feed, done=done, start=start)
