"""The HTML report: one page with the tables and figures, and for every failed trial its
scenario file, seed and the command that reruns it."""

from __future__ import annotations

import shlex
from html import escape
from pathlib import Path
from typing import Any

import yaml

from stream.evaluation.campaign import Campaign
from stream.evaluation.execute import make_trial
from stream.evaluation.figures import write_figures
from stream.evaluation.report import COLUMNS, Report, row

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f0f3f7; }
td:first-child, th:first-child { text-align: left; }
tr.all td { font-weight: bold; background: #fafafa; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
code { background: #f5f5f5; padding: 1px 4px; }
td.left { text-align: left; }
"""


def _table(report: Report, rule: str) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    rows = []
    for name, f in report.figures(rule).items():
        cells = "".join(f"<td>{escape(v)}</td>" for v in row(name, f))
        rows.append(f'<tr class="{"all" if name == "all" else ""}">{cells}</tr>')
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _failed(report: Report, campaign: Campaign, folder: Path) -> str:
    failed = report.failed()
    if not failed:
        return "<p>Every trial detected every reported intrusion without a false alert.</p>"
    trials = folder / "trials"
    trials.mkdir(parents=True, exist_ok=True)
    rows = []
    for r in failed:
        scenario = make_trial(campaign, r.family, r.index).scenario
        name = f"{r.family}-{r.index:03d}.yaml"
        (trials / name).write_text(yaml.safe_dump(scenario, sort_keys=False))
        missed = [o.actor_id for o in r.correlated.intrusions if o.reported and not o.detected]
        simulate = (f"borderwatch simulate {shlex.quote(str(trials / name))} --output run.jsonl "
                    f"--truth truth.jsonl --start {campaign.start:.0f}")
        rows.append(
            f"<tr><td>{escape(r.key)}</td><td class=left>{escape(r.description)}</td>"
            f"<td>{r.seed}</td><td class=left>{escape(', '.join(missed) or '-')}</td>"
            f"<td>{len(r.correlated.false_ids)}</td>"
            f'<td class=left><a href="trials/{name}">{name}</a></td>'
            f"<td class=left><code>{escape(report.rerun(r))}</code><br>"
            f"<code>{escape(simulate)}</code></td></tr>")
    head = "".join(f"<th>{c}</th>" for c in ("trial", "what", "seed", "missed", "false",
                                              "scenario", "rerun"))
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def write_html(report: Report, campaign: Campaign, folder: Path,
               det: dict[str, Any] | None = None) -> Path:
    """Write ``index.html``, its figures and the failed trials' scenarios into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    figs = write_figures(report, folder / "figures")
    images = "".join(f'<img alt="{k}" src="figures/{p.name}">' for k, p in figs.items())
    det_html = ""
    if det is not None:
        diff = det["differing"]
        det_html = (f"<h2>Determinism</h2><p>Batch sizes {det['batches']}, reordered within "
                    f"{det['shuffle_within_s']} s: "
                    + (f"{len(diff)} trial(s) differ: {escape(', '.join(diff))}" if diff
                       else "every trial gives the same alerts") + "</p>")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>BorderWatch evaluation: {escape(report.campaign)}</title>
<style>{STYLE}</style></head><body>
<h1>BorderWatch detection quality: campaign <code>{escape(report.campaign)}</code></h1>
<p>{len(report.results)} trials, seed {report.seed}, geofences
<code>{escape(report.geofences)}</code>, {report.wall_s:.0f} s wall time ({report.jobs} job(s)).
Alerts of at least {escape(str(report.options.get("min_severity")))} severity count; an alert
id matches an intrusion within {report.options.get("radius_m")} m of the intruder and
{report.options.get("window_s")} s of its crossing. <em>unseen</em>: intrusions no sensor or
camera reported (not counted in Pd).</p>
<h2>Correlator</h2>{_table(report, "correlated")}
<h2>Naive rule (one alert per zone entry)</h2>{_table(report, "naive")}
<h2>Figures</h2>{images}
{det_html}
<h2>Trials with a miss or a false alert</h2>{_failed(report, campaign, folder)}
</body></html>
"""
    out = folder / "index.html"
    out.write_text(page)
    return out
