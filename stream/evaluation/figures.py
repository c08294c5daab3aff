"""The report's figures (matplotlib, rendered to PNG files without a display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from stream.evaluation.report import Report

RULE_LABELS = {"correlated": "correlator", "naive": "naive rule"}
COLOURS = {"correlated": "#1f77b4", "naive": "#ff7f0e"}


def _families(report: Report) -> list[str]:
    return report.families()


def pd_figure(report: Report, path: Path) -> Path:
    fams = [f for f in _families(report) if report.figures("correlated")[f].intrusions]
    fig, ax = plt.subplots(figsize=(10, 4.2))
    x = np.arange(len(fams))
    for k, rule in enumerate(("correlated", "naive")):
        figs = report.figures(rule)
        pd = [figs[f].pd or 0.0 for f in fams]
        lo = [figs[f].pd_lower95 or 0.0 for f in fams]
        pos = x + (k - 0.5) * 0.38
        ax.bar(pos, pd, 0.36, color=COLOURS[rule], alpha=0.85, label=f"{RULE_LABELS[rule]} Pd")
        ax.scatter(pos, lo, marker="_", s=260, color="black", zorder=3,
                   label="exact 95% lower bound" if k == 0 else None)
    ax.axhline(0.9, color="grey", ls="--", lw=1, label="Pd 0.9")
    ax.set_xticks(x, fams, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability of detection")
    ax.set_title("Pd per family, with its one-sided 95% Clopper-Pearson lower bound")
    ax.legend(loc="lower left", fontsize=8)
    return _save(fig, path)


def false_figure(report: Report, path: Path) -> Path:
    fams = _families(report)
    fig, ax = plt.subplots(figsize=(10, 4.2))
    x = np.arange(len(fams))
    for k, rule in enumerate(("correlated", "naive")):
        figs = report.figures(rule)
        rate = np.array([figs[f].false_rate or 0.0 for f in fams])
        hi = np.array([figs[f].false_rate_high or 0.0 for f in fams])
        lo = np.array([figs[f].false_rate_low or 0.0 for f in fams])
        pos = x + (k - 0.5) * 0.38
        ax.bar(pos, rate + 1e-3, 0.36, color=COLOURS[rule], alpha=0.85, label=RULE_LABELS[rule])
        ax.errorbar(pos, rate + 1e-3, yerr=[rate - lo, hi - rate], fmt="none", ecolor="black",
                    capsize=3, lw=1)
    ax.set_yscale("log")
    ax.set_xticks(x, fams, rotation=30, ha="right")
    ax.set_ylabel("false medium+ alerts per km per day")
    ax.set_title("False alerts per family (exact 95% Poisson interval)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def latency_figure(report: Report, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for rule in ("correlated", "naive"):
        for field, ls in (("latency_first_s", "-"), ("latency_crossing_s", ":")):
            v = np.sort([getattr(o, field) for r in report.results
                         for o in getattr(r, rule).intrusions
                         if o.detected and getattr(o, field) is not None])
            if v.size:
                ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", ls=ls,
                        color=COLOURS[rule],
                        label=f"{RULE_LABELS[rule]}, from "
                              + ("first report" if field == "latency_first_s" else "crossing"))
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("seconds from the first report (solid) or the crossing (dotted) to the alert")
    ax.set_ylabel("fraction of detected intrusions")
    ax.set_title("Detection latency (event time)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def heading_figure(report: Report, path: Path) -> Path:
    errs = [o.heading_error_deg for r in report.results for o in r.correlated.intrusions
            if o.heading_error_deg is not None]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.hist(errs, bins=list(range(0, 181, 10)), color=COLOURS["correlated"], alpha=0.85)
    ax.set_xlim(0, 180)
    ax.set_xlabel("heading error of tracked alerts (degrees)")
    ax.set_ylabel("alerts")
    ax.set_title(f"Heading error, correlator ({len(errs)} tracked alerts)")
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_figures(report: Report, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "pd": pd_figure(report, folder / "pd.png"),
        "false": false_figure(report, folder / "false-alerts.png"),
        "latency": latency_figure(report, folder / "latency.png"),
        "heading": heading_figure(report, folder / "heading.png"),
    }
