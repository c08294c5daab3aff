"""Write the Grafana dashboards of this folder from one short description each.

Run ``python dashboards/generate.py`` after editing; the JSON files are what Grafana
provisions (``deploy/grafana/provisioning``) and what the tests check against a real
Prometheus (every panel query must be valid and return data after a scenario).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "prometheus"}
RATE = "$__rate_interval"


def rate(metric: str, by: str, sel: str) -> str:
    """``sum by (by) (rate(metric{sel}[$__rate_interval]))``."""
    selector = f"{{{sel}}}" if sel else ""
    return f"sum by ({by}) (rate({metric}{selector}[{RATE}]))"


def target(expr: str, legend: str = "", ref: str = "A", *, instant: bool = False) -> dict[str, Any]:
    t: dict[str, Any] = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref}
    if instant:
        t.update(instant=True, range=False, format="table")
    return t


def panel(
    kind: str, title: str, targets: list[dict[str, Any]], *, w: int = 12, h: int = 8,
    unit: str = "short", desc: str = "", stack: bool = False, **options: Any,
) -> dict[str, Any]:
    refs = "ABCDEFGH"
    for i, t in enumerate(targets):
        t["refId"] = refs[i]
    custom: dict[str, Any] = {}
    if kind == "timeseries":
        custom = {"fillOpacity": 20 if stack else 5, "lineWidth": 1, "showPoints": "never",
                  "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    return {
        "type": kind, "title": title, "description": desc, "datasource": DS,
        "gridPos": {"w": w, "h": h}, "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
        "options": options,
    }


def variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name, "label": label, "type": "query", "datasource": DS,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "definition": query, "refresh": 2, "includeAll": True, "multi": True,
        "allValue": ".*", "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
    }


def layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flow panels left to right, 24 columns wide; give them ids."""
    x = y = row_h = 0
    for i, p in enumerate(panels, start=1):
        g = p["gridPos"]
        if x + g["w"] > 24:
            x, y, row_h = 0, y + row_h, 0
        g.update(x=x, y=y)
        x += g["w"]
        row_h = max(row_h, g["h"])
        p["id"] = i
    return panels


def dashboard(uid: str, title: str, desc: str, panels: list[dict[str, Any]],
              variables: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": uid, "title": title, "description": desc, "tags": ["borderwatch"],
        "timezone": "utc", "schemaVersion": 39, "version": 1, "editable": True,
        "refresh": "10s", "time": {"from": "now-30m", "to": "now"},
        "templating": {"list": variables}, "annotations": {"list": []},
        "panels": layout(panels),
    }


def pipeline_health() -> dict[str, Any]:
    sel = 'instance=~"$instance"'
    lat = f"borderwatch_processing_latency_seconds_bucket{{{sel}}}"
    batch = f"borderwatch_batch_reports_bucket{{{sel}}}"
    panels = [
        panel("stat", "Workers up", [target('sum(up{job="borderwatch-worker"})')], w=4, h=4,
              desc="Worker processes answering Prometheus scrapes."),
        panel("stat", "Workers ready", [target(f"sum(borderwatch_worker_ready{{{sel}}})")],
              w=4, h=4, desc="Workers in their consumer group with partitions assigned."),
        panel("stat", "Assigned partitions",
              [target(f"sum(borderwatch_assigned_partitions{{{sel}}})")], w=4, h=4),
        panel("stat", "Geofence set in force",
              [target(f"count by (version) (borderwatch_geofence_set_info{{{sel}}})",
                      "{{version}}", instant=True)],
              w=6, h=4, textMode="name", desc="Version label of the set every worker uses."),
        panel("stat", "Policy set in force",
              [target(f"count by (version) (borderwatch_policy_set_info{{{sel}}})",
                      "{{version}}", instant=True)], w=6, h=4, textMode="name"),
        panel("timeseries", "Throughput: reports consumed by topic and kind",
              [target(rate("borderwatch_events_consumed_total", "topic, kind", sel),
                      "{{topic}} {{kind}}")], unit="reqps", stack=True),
        panel("timeseries", "Kafka messages consumed by topic",
              [target(rate("borderwatch_messages_consumed_total", "topic", sel),
                      "{{topic}}")], unit="reqps",
              desc="One message may carry a gateway's or a camera frame's batch of reports."),
        panel("timeseries", "Latency: event time to alert produced",
              [target(f"histogram_quantile({q}, sum by (le) (rate({lat}[{RATE}])))", f"p{n}")
               for q, n in ((0.5, 50), (0.95, 95), (0.99, 99))], unit="s",
              desc="Budget: 1 s on average, 2 s at most (alert rule at p99 > 2 s)."),
        panel("timeseries", "Reports per processing batch",
              [target(f"histogram_quantile({q}, sum by (le) (rate({batch}[{RATE}])))", f"p{n}")
               for q, n in ((0.5, 50), (0.95, 95))]),
        panel("timeseries", "Batch cycle: correlating, then waiting for the broker",
              [target(f"histogram_quantile(0.95, sum by (le, phase) (rate("
                      f"borderwatch_batch_seconds_bucket{{{sel}}}[{RATE}])))", "p95 {{phase}}")],
              unit="s", desc="A report arriving during a batch waits for it to end: the "
                             "two phases' sum bounds how soon its alert can go out."),
        panel("timeseries", "Consumer lag by topic",
              [target(f"sum by (topic) (borderwatch_consumer_lag_messages{{{sel}}})", "{{topic}}")],
              desc="High watermark minus committed offset, summed over partitions."),
        panel("table", "Consumer lag per partition",
              [target(f"max by (topic, partition, instance) "
                      f"(borderwatch_consumer_lag_messages{{{sel}}})", instant=True)]),
        panel("timeseries", "Dead letters by reason",
              [target(f"sum by (reason) (rate(borderwatch_dead_letters_total{{{sel}}}[{RATE}]))",
                      "{{reason}}")], unit="reqps", stack=True),
        panel("timeseries", "Late events by topic",
              [target(f"sum by (topic) (rate(borderwatch_late_events_total{{{sel}}}[{RATE}]))",
                      "{{topic}}")], unit="reqps",
              desc="Reports older than the allowed lateness, diverted to the late-events topic."),
        panel("timeseries", "Alert messages produced by state",
              [target(f"sum by (state) (rate(borderwatch_alerts_total{{{sel}}}[{RATE}]))",
                      "{{state}}")], unit="reqps", stack=True),
        panel("timeseries", "State written to the changelog by key kind",
              [target(f"sum by (kind) "
                      f"(rate(borderwatch_state_written_bytes_total{{{sel}}}[{RATE}]))",
                      "{{kind}}")], unit="Bps", stack=True,
              desc="Every incident a batch touches is written whole: what the changelog "
                   "topic takes in before compaction."),
        panel("timeseries", "Alerts held back by rate limits",
              [target(f"sum by (sector) "
                      f"(rate(borderwatch_alerts_rate_limited_total{{{sel}}}[{RATE}]))",
                      "{{sector}}")], unit="reqps"),
    ]
    sim_lat = f"borderwatch_sim_delivery_latency_seconds_bucket[{RATE}]"
    panels += [
        panel("timeseries", "Simulator: reports produced by kind",
              [target(rate("borderwatch_sim_events_produced_total", "kind", ""), "{{kind}}")],
              w=8, unit="reqps", stack=True, desc="Acknowledged by the broker."),
        panel("timeseries", "Simulator: produce errors",
              [target(f"sum(rate(borderwatch_sim_produce_errors_total[{RATE}])) or "
                      f"sum(rate(borderwatch_sim_messages_produced_total[{RATE}])) * 0", "errors")],
              w=8, unit="reqps",
              desc="Messages the broker refused for good; 0 while a simulator runs without any."),
        panel("timeseries", "Simulator: delivery latency",
              [target(f"histogram_quantile({q}, sum by (le) (rate({sim_lat})))", f"p{n}")
               for q, n in ((0.5, 50), (0.99, 99))], w=8, unit="s",
              desc="Produce call to broker acknowledgement."),
    ]
    variables = [variable("instance", "Worker", "label_values(borderwatch_worker_ready, instance)")]
    return dashboard(
        "borderwatch-pipeline", "BorderWatch: Pipeline health",
        "Throughput, latency, lag, dead letters and late events of the BorderWatch workers.",
        panels, variables,
    )


def border_sectors() -> dict[str, Any]:
    s = 'sector=~"$sector"'

    def sensors(status: str = "") -> str:
        matchers = [s] + ([f'status=~"{status}"'] if status else [])
        return "borderwatch_sensors{" + ", ".join(matchers) + "}"

    panels = [
        panel("stat", "Open incidents", [target(f"sum(borderwatch_open_incidents{{{s}}})")],
              w=6, h=5, colorMode="background"),
        panel("bargauge", "Open incidents by sector and severity",
              [target(f"sum by (sector, severity) (borderwatch_open_incidents{{{s}}})",
                      "{{sector}} {{severity}}", instant=True)], w=18, h=5,
              displayMode="gradient", orientation="horizontal"),
        panel("timeseries", "Alerts by sector and severity",
              [target(f"sum by (sector, severity) "
                      f"(rate(borderwatch_alerts_total{{{s}, state=\"new\"}}[{RATE}]))",
                      "{{sector}} {{severity}}")], unit="reqps", stack=True,
              desc="New alerts per second (one per incident)."),
        panel("bargauge", "Alert messages in the last hour by sector and severity",
              [target(f"sum by (sector, severity) (increase(borderwatch_alerts_total{{{s}}}[1h]))",
                      "{{sector}} {{severity}}", instant=True)],
              displayMode="basic", orientation="horizontal"),
        panel("timeseries", "Sensors online and offline by sector",
              [target(f"sum by (sector, status) ({sensors('online|offline')})",
                      "{{sector}} {{status}}")],
              desc="Offline: no heartbeat for longer than the configured limit."),
        panel("bargauge", "Sensors offline (fraction) by sector",
              [target(f"sum by (sector) ({sensors('offline')}) / "
                      f"sum by (sector) ({sensors('online|offline')})",
                      "{{sector}}", instant=True)], unit="percentunit",
              displayMode="gradient", orientation="horizontal", min=0, max=1),
        panel("table", "Sensor health by sector and kind",
              [target(f"sum by (sector, kind, status) ({sensors()})", instant=True)],
              desc="Counts, never one row per sensor: sector x kind x status."),
        panel("timeseries", "Low battery, tampered and faulty sensors",
              [target(f"sum by (sector, status) "
                      f"({sensors('low_battery|tampered|fault')})",
                      "{{sector}} {{status}}")]),
        panel("timeseries", "Heartbeats received by sector",
              [target(f"sum by (sector) "
                      f"(rate(borderwatch_sector_heartbeats_total{{{s}}}[{RATE}]))", "{{sector}}")],
              unit="reqps", desc="A sector at zero for 10 minutes raises BorderWatchSectorSilent."),
    ]
    variables = [
        variable("sector", "Sector", "label_values(borderwatch_sector_heartbeats_total, sector)")
    ]
    return dashboard(
        "borderwatch-sectors", "BorderWatch: Border sectors",
        "Alerts, open incidents and sensor health per border sector.", panels, variables,
    )


DASHBOARDS = {"pipeline-health.json": pipeline_health, "border-sectors.json": border_sectors}


def main() -> None:
    for name, build in DASHBOARDS.items():
        (HERE / name).write_text(json.dumps(build(), indent=2) + "\n")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
