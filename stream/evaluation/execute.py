"""Expand a campaign into trials and run them, in this process or in ``jobs`` processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geofences.index import GeofenceSet, open_set
from stream.evaluation.campaign import Campaign
from stream.evaluation.families import Trial, generate
from stream.evaluation.geography import Site
from stream.evaluation.runner import Feed, TrialResult, run_trial
from stream.evaluation.scoring import Options
from stream.models import Severity

if TYPE_CHECKING:
    from stream.evaluation.live import LiveRunner


def load_fences(name: str) -> GeofenceSet:
    """A bundled geofence set by name (``nogales-sasabe``) or a GeoJSON file."""
    return open_set(name)


def options(c: Campaign) -> Options:
    m = c.matching
    return Options(radius_m=m.radius_m, window_s=m.window_s, sector_m=m.sector_m,
                   heading_lag_m=m.heading_lag_m,
                   min_severity=Severity(m.min_severity).rank)


def trial_keys(c: Campaign, only: Sequence[str] = ()) -> list[tuple[str, int]]:
    """Every (family, index) of the campaign, or those named ``family/index`` or ``family``."""
    keys = [(f, i) for f, spec in c.enabled() for i in range(spec.trials)]
    if only:
        want = set(only)
        keys = [(f, i) for f, i in keys if f in want or f"{f}/{i}" in want]
    return keys


@dataclass(frozen=True)
class Job:
    campaign: dict[str, Any]
    family: str
    index: int
    feed: Feed
    start: float | None = None  # the campaign's start unless given


_CACHE: dict[str, tuple[Campaign, Site]] = {}


def _context(campaign: dict[str, Any]) -> tuple[Campaign, Site]:
    key = repr(sorted(campaign.items()))
    if key not in _CACHE:
        c = Campaign.model_validate(campaign)
        _CACHE[key] = (c, Site.of(load_fences(c.geofences)))
    return _CACHE[key]


def make_trial(campaign: Campaign, family: str, index: int) -> Trial:
    _, site = _context(campaign.model_dump())
    return generate(campaign, family, index, site)


def run_job(job: Job) -> TrialResult:
    c, site = _context(job.campaign)
    return run_trial(generate(c, job.family, job.index, site), site, options(c),
                     c.start if job.start is None else job.start, job.feed)


def run_campaign(c: Campaign, keys: Sequence[tuple[str, int]], jobs: int = 1,
                 feed: Feed = Feed(), done: Callable[[TrialResult], None] | None = None,
                 start: float | None = None) -> list[TrialResult]:
    """Run the trials (from ``start``, else the campaign's); results in trial order.
    ``done`` is called as each one finishes."""
    data = c.model_dump()
    work = [Job(data, f, i, feed, start) for f, i in keys]
    results: dict[tuple[str, int], TrialResult] = {}
    if jobs <= 1:
        for job in work:
            r = run_job(job)
            results[job.family, job.index] = r
            if done:
                done(r)
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [pool.submit(run_job, job) for job in work]
            for fut in as_completed(futures):
                r = fut.result()
                results[r.family, r.index] = r
                if done:
                    done(r)
    return [results[k] for k in keys]


def run_live(c: Campaign, keys: Sequence[tuple[str, int]], runner: LiveRunner, start: float,
             done: Callable[[TrialResult], None] | None = None) -> list[TrialResult]:
    """Run the trials one after another through broker and workers (``runner``)."""
    _, site = _context(c.model_dump())
    out = []
    for f, i in keys:
        r = runner.run(make_trial(c, f, i), site, options(c), start)
        out.append(r)
        if done:
            done(r)
    return out


def live_start(c: Campaign, keys: Sequence[tuple[str, int]], now: float) -> float:
    """Where live trials start: the campaign's start moved by whole days so that the
    longest trial ends by ``now`` (see :func:`stream.evaluation.live.placed_start`)."""
    from stream.evaluation.live import placed_start

    longest = max(float(make_trial(c, f, i).scenario["duration_s"]) for f, i in keys)
    return placed_start(c.start, longest, now)
