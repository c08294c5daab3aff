"""Draw each dashboard's panels as a PNG from a live Prometheus (a preview, not Grafana).

Every panel query runs against ``--prometheus`` with Grafana's "All" variables; time
series use ``query_range`` over the last ``--minutes``. Needs matplotlib.

    python dashboards/render.py --prometheus http://127.0.0.1:9090 --out docs
"""

from __future__ import annotations

import argparse
import json
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).resolve().parent
VARS = {"$__rate_interval": "1m", "$__interval": "5s", "$__range": "1h"}


def substitute(expr: str) -> str:
    for name, value in VARS.items():
        expr = expr.replace(name, value)
    return re.sub(r"\$\{?(\w+)\}?", ".*", expr)


def api(base: str, path: str, **params: str) -> list[dict[str, Any]]:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as r:
        return list(json.loads(r.read())["data"]["result"])


def legend(fmt: str, metric: dict[str, str]) -> str:
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m[1], ""), fmt)
    return text or " ".join(v for k, v in metric.items() if k != "__name__") or "value"


def draw(ax: Any, panel: dict[str, Any], base: str, minutes: float) -> None:
    ax.set_title(panel["title"], fontsize=8, loc="left")
    ax.tick_params(labelsize=6)
    end = time.time()
    if panel["type"] == "timeseries":
        for t in panel["targets"]:
            rows = api(base, "/api/v1/query_range", query=substitute(t["expr"]),
                       start=str(end - minutes * 60), end=str(end), step="5")
            for r in rows[:8]:
                xs = [(float(ts) - end) / 60 for ts, _ in r["values"]]
                ys = [float(v) for _, v in r["values"]]
                ax.plot(xs, ys, linewidth=1, label=legend(t.get("legendFormat", ""), r["metric"]))
        if ax.lines:
            ax.legend(fontsize=5, loc="upper left")
        ax.set_xlabel("minutes", fontsize=6)
        return
    values: list[tuple[str, float]] = []
    for t in panel["targets"]:
        for r in api(base, "/api/v1/query", query=substitute(t["expr"])):
            values.append((legend(t.get("legendFormat", ""), r["metric"]), float(r["value"][1])))
    if panel["type"] == "stat":
        ax.axis("off")
        text = "\n".join(v[0] if panel["options"].get("textMode") == "name" else f"{v[1]:g}"
                         for v in values[:3]) or "no data"
        ax.text(0.5, 0.4, text, ha="center", va="center", fontsize=16)
        return
    values = values[:14]
    ax.barh([v[0][:40] for v in values], [v[1] for v in values])
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=5)


def render(dashboard: Path, base: str, out: Path, minutes: float) -> Path:
    dash = json.loads(dashboard.read_text())
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    fig = plt.figure(figsize=(16, rows * 0.42))
    fig.suptitle(f"{dash['title']} (panel queries against a live Prometheus)", fontsize=11)
    for p in dash["panels"]:
        g = p["gridPos"]
        pad = 0.07 if p["type"] in ("table", "bargauge") else 0.0  # room for bar labels
        ax = fig.add_axes((g["x"] / 24 + 0.03 + pad, 1 - (g["y"] + g["h"]) / rows * 0.94 - 0.01,
                           g["w"] / 24 - 0.05 - pad, g["h"] / rows * 0.94 - 0.05))
        draw(ax, p, base, minutes)
    path = out / f"dashboard-{dashboard.stem}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prometheus", default="http://127.0.0.1:9090")
    ap.add_argument("--out", type=Path, default=HERE.parent / "docs")
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    for dashboard in sorted(HERE.glob("*.json")):
        print(render(dashboard, args.prometheus, args.out, args.minutes))


if __name__ == "__main__":
    main()
