"""The campaign's figures: terminal tables (rich) and the JSON report."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from stream.evaluation.runner import TrialResult
from stream.evaluation.summary import Figures, summarise

RULES = ("correlated", "naive")


@dataclass
class Report:
    """Figures per rule: overall and per family, plus every trial's outcome."""

    campaign: str
    campaign_file: str
    seed: int
    geofences: str
    results: list[TrialResult]
    wall_s: float = 0.0
    jobs: int = 1
    options: dict[str, Any] = field(default_factory=dict)

    def families(self) -> list[str]:
        return list(dict.fromkeys(r.family for r in self.results))

    def figures(self, rule: str) -> dict[str, Figures]:
        out = {f: summarise([getattr(r, rule) for r in self.results if r.family == f])
               for f in self.families()}
        out["all"] = summarise([getattr(r, rule) for r in self.results])
        return out

    def rerun(self, r: TrialResult) -> str:
        return (f"borderwatch evaluate {shlex.quote(self.campaign_file)} --trial {r.key} "
                "--verbose")

    def failed(self) -> list[TrialResult]:
        return [r for r in self.results if not r.correlated.passed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign, "campaign_file": self.campaign_file, "seed": self.seed,
            "geofences": self.geofences, "wall_s": round(self.wall_s, 2), "jobs": self.jobs,
            "options": self.options, "trials": len(self.results),
            "rules": {rule: {k: v.as_dict() for k, v in self.figures(rule).items()}
                      for rule in RULES},
            "results": [trial_dict(r, self.rerun(r)) for r in self.results],
        }


def trial_dict(r: TrialResult, rerun: str) -> dict[str, Any]:
    def rule(s: Any) -> dict[str, Any]:
        return {
            "passed": s.passed, "alert_ids": s.alert_ids, "false_ids": s.false_ids,
            "nuisance_ids": s.nuisance_ids, "faults": s.faults,
            "faults_alerted": s.faults_alerted,
            "intrusions": [dict(vars(o)) for o in s.intrusions],
        }

    return {"trial": r.key, "family": r.family, "index": r.index, "seed": r.seed,
            "description": r.description, "messages": r.messages,
            "wall_s": round(r.wall_s, 3), "rerun": rerun,
            "correlated": rule(r.correlated), "naive": rule(r.naive)}


NONE = "-"


def _g(v: float) -> str:
    """Rates from 0.001 to 100,000 readably: 0.012, 3.4, 27, 1,234."""
    if v == 0:
        return "0"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.2g}" if v < 10 else f"{v:.1f}"


def _n(v: float | None, fmt: str = ".0f") -> str:
    return NONE if v is None else format(v, fmt)


def _pct(v: float | None) -> str:
    return NONE if v is None else f"{100 * v:.0f}%"


COLUMNS = ("family", "trials", "unseen", "Pd (k/n)", "Pd lower 95%", "false", "false %",
           "false /km/day [95%]", "dup per intr", "latency first p50/p99 s",
           "latency crossing p50/p99 s", "heading err p50/p90°", "class", "sector", "dwell",
           "health")


def row(name: str, f: Figures) -> list[str]:
    rate = (f"{_g(f.false_rate)} [{_g(f.false_rate_low)}, {_g(f.false_rate_high)}]"
            if f.false_rate is not None and f.false_rate_low is not None
            and f.false_rate_high is not None else NONE)
    pd = f"{_pct(f.pd)} ({f.detected}/{f.intrusions})" if f.intrusions else NONE
    return [
        name, str(f.trials), str(f.unreported), pd, _n(f.pd_lower95, ".3f"), str(f.false_alerts),
        _pct(f.false_fraction), rate, _n(f.duplicates_per_intrusion, ".2f"),
        f"{_n(f.latency_first_p50)}/{_n(f.latency_first_p99)}",
        f"{_n(f.latency_crossing_p50)}/{_n(f.latency_crossing_p99)}",
        f"{_n(f.heading_p50)}/{_n(f.heading_p90)}", _pct(f.class_right), _pct(f.sector_right),
        f"{f.dwell_seen}/{f.dwell_expected}" if f.dwell_expected else NONE,
        f"{f.faults_alerted}/{f.faults}" if f.faults else NONE,
    ]


def tables(report: Report) -> list[Table]:
    out = []
    for rule, title in (("correlated", "correlator"), ("naive", "naive rule (one alert per "
                                                                "zone entry)")):
        t = Table(title=f"{report.campaign}: {title}", title_justify="left")
        for c in COLUMNS:
            t.add_column(c, justify="left" if c == "family" else "right", overflow="fold",
                         no_wrap=c in ("family", "Pd (k/n)"))
        figs = report.figures(rule)
        for name, f in figs.items():
            t.add_row(*row(name, f), style="bold" if name == "all" else None,
                      end_section=name == list(figs)[-2] if len(figs) > 1 else False)
        out.append(t)
    return out


def markdown(report: Report) -> str:
    """Both rules' tables as Markdown (for ``docs/evaluation.md``)."""
    out = []
    for rule, title in (("correlated", "Correlator"), ("naive", "Naive rule")):
        out.append(f"**{title}**\n")
        out.append("| " + " | ".join(COLUMNS) + " |")
        out.append("|" + "---|" * len(COLUMNS))
        for name, f in report.figures(rule).items():
            cells = row(name, f)
            if name == "all":
                cells = [f"**{c}**" for c in cells]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def failures_table(report: Report, limit: int = 20) -> Table | None:
    failed = report.failed()
    if not failed:
        return None
    t = Table(title=f"{len(failed)} trial(s) with a miss or a false alert "
                    f"(first {min(limit, len(failed))}; all in --json/--html)",
              title_justify="left")
    for c in ("trial", "what", "missed", "false", "rerun"):
        t.add_column(c, overflow="fold")
    for r in failed[:limit]:
        missed = [o.actor_id for o in r.correlated.intrusions if not o.detected]
        t.add_row(r.key, r.description, ", ".join(missed) or NONE,
                  str(len(r.correlated.false_ids)), f"--trial {r.key}")
    return t


def trial_detail(r: TrialResult) -> Table:
    """One trial's intrusions as the correlator and the naive rule saw them."""
    t = Table(title=f"{r.key} (seed {r.seed}): {r.description}", title_justify="left")
    for c in ("rule", "intruder", "alert id", "dup", "latency first/crossing s",
              "heading err°", "class", "sector", "dwell"):
        t.add_column(c)
    for rule in RULES:
        s = getattr(r, rule)
        for o in s.intrusions:
            t.add_row(rule, o.actor_id + ("" if o.reported else " (no report)"),
                      o.alert_id or "[red]missed[/]", str(o.duplicates),
                      f"{_n(o.latency_first_s)}/{_n(o.latency_crossing_s)}",
                      _n(o.heading_error_deg), str(o.class_right), str(o.sector_right),
                      f"{o.dwell_seen}" if o.dwell_expected else NONE)
        if s.false_ids:
            t.add_row(rule, "[red]false[/]", ", ".join(s.false_ids[:6])
                      + (f" (+{len(s.false_ids) - 6})" if len(s.false_ids) > 6 else ""),
                      "", "", "", "", "", "")
    return t


SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def outcome(r: TrialResult) -> dict[str, tuple[str, str]]:
    """Per alert id: its final state and highest severity (what a patrol ends up seeing)."""
    out: dict[str, tuple[str, str]] = {}
    for ident, state, severity in r.fingerprint:
        prev = out.get(ident)
        top = severity if prev is None or SEVERITY_RANK[severity] > SEVERITY_RANK[prev[1]] \
            else prev[1]
        out[ident] = (state, top)
    return out


def differing(results: Sequence[Sequence[TrialResult]]) -> list[str]:
    """Trials whose alert ids, final states or highest severities differ between runs."""
    out = []
    for group in zip(*results, strict=True):
        first = outcome(group[0])
        if any(outcome(g) != first for g in group[1:]):
            out.append(group[0].key)
    return out
