"""``borderwatch geofences``: validate, publish, list, render and build geofence sets, and
follow the zone events of tracked alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from confluent_kafka import KafkaException
from rich.table import Table

from geofences.index import GeofenceSet, bundled_doc, bundled_names
from geofences.store import KEY, InvalidSet, encode, stamp
from geofences.validate import Report, fix, validate
from stream import kafka_clients, topics
from stream.cli.common import (
    Bootstrap,
    FromBeginning,
    IdleTimeout,
    Limit,
    connected_settings,
    console,
)

app = typer.Typer(help="Validate, publish, list and draw geofence sets.", no_args_is_help=True)

FileArg = Annotated[str, typer.Argument(
    metavar="NAME|FILE", show_default=False,
    help="A bundled set's name (see `geofences list --bundled`) or a GeoJSON "
    "FeatureCollection file with the boundary and zones.")]


def _bundled(ref: str) -> bool:
    return not Path(ref).exists() and ref.removesuffix(".geojson") in bundled_names()


def _read(ref: str) -> Any:
    """The document of a bundled set (by name) or of a file; exits 2 when neither."""
    if _bundled(ref):
        return bundled_doc(ref)
    path = Path(ref)
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        console.print(f"[red]error:[/] cannot read {path}: {exc.strerror} (not a bundled set "
                      f"either: {', '.join(bundled_names())})", soft_wrap=True)
        raise typer.Exit(2) from exc
    except orjson.JSONDecodeError as exc:
        console.print(f"[red]error:[/] {path} is not JSON: {exc}")
        raise typer.Exit(2) from exc


def _print_report(path: str, report: Report) -> None:
    for p in report.errors:
        console.print(f"[red]error:[/] {path}: {p}")
    for p in report.warnings:
        console.print(f"[yellow]warning:[/] {path}: {p}")


def _read_valid(path: str) -> Any:
    """The document at ``path``, after printing its validation report; exits if invalid."""
    doc = _read(path)
    report = validate(doc)
    _print_report(path, report)
    if not report.ok:
        raise typer.Exit(1)
    return doc


@app.command("validate")
def validate_cmd(
    file: FileArg,
    fix_: Annotated[
        bool, typer.Option("--fix", help="Close rings and make_valid bad polygons.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Where --fix writes the repaired set (default: FILE.fixed.geojson)."),
    ] = None,
) -> None:
    """Check a set: its boundary line and home side, ids, zone types, time windows,
    coordinates (range, lat/lon order), rings."""
    doc = _read(file)
    report = validate(doc)
    _print_report(file, report)
    if report.ok:
        console.print(f"[green]ok:[/] {file}: {len(doc['features'])} features")
        return
    if not fix_:
        if report.fixable:
            console.print("hint: every error can be repaired with --fix")
        raise typer.Exit(1)
    fixed, notes = fix(doc)
    for note in notes:
        console.print(f"fixed: {note}")
    again = validate(fixed)
    target = out or (Path(f"{file.removesuffix('.geojson')}.fixed.geojson") if _bundled(file)
                     else Path(file).with_suffix(".fixed.geojson"))
    if not again.ok:
        _print_report(file, again)
        console.print("[red]error:[/] errors remain after --fix; nothing written")
        raise typer.Exit(1)
    target.write_bytes(orjson.dumps(fixed, option=orjson.OPT_INDENT_2) + b"\n")
    console.print(f"[green]ok:[/] wrote {target}")


@app.command("publish")
def publish(
    file: FileArg,
    version: Annotated[
        str | None,
        typer.Option(help="Version to publish (default: the file's, else a content hash)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Republish a version that exists with other content.")
    ] = False,
    bootstrap_servers: Bootstrap = None,
) -> None:
    """Validate a set (bundled NAME or FILE) and publish it as the set in force; running
    workers switch to it, boundary and metric frame included."""
    from stream.agents.geofences import FenceLog, newest_valid

    doc = _read_valid(file)
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    try:
        keys = settings.key_ring()
        value = encode(doc, version, sign=keys.sign_doc if keys.enabled else None)
    except InvalidSet as exc:  # pragma: no cover - validate() above already refused
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    stamped = orjson.loads(value)
    new_version = stamped["borderwatch"]["version"]
    reader = FenceLog(settings)
    try:
        current, _ = newest_valid(reader.read_to_end(10.0))
    finally:
        reader.close()
    if current and current.version == new_version and not force:
        if current.doc.get("features") == stamped.get("features"):
            console.print(f"version {new_version} is already in force: nothing to do")
            return
        console.print(f"[red]error:[/] version {new_version} is already published with other "
                      "content: give a new --version (or --force)")
        raise typer.Exit(1)
    producer = kafka_clients.producer(settings, **{"message.max.bytes": 16_000_000})
    try:
        producer.produce(settings.topic(topics.GEOFENCES.name), value, KEY)
        left = producer.flush(30)
    except KafkaException as exc:
        console.print(f"[red]error:[/] could not publish to {settings.bootstrap_servers}: {exc}")
        raise typer.Exit(1) from exc
    if left:
        console.print(f"[red]error:[/] not acknowledged by {settings.bootstrap_servers}")
        raise typer.Exit(1)
    console.print(f"[green]published[/] {file} as version {new_version} "
                  f"({len(doc['features'])} zones, {len(value):,} bytes)")


def _list_bundled() -> None:
    table = Table("name", "version", "zones", "boundary km", "metric CRS")
    table.columns[0].no_wrap = True
    for name in bundled_names():
        fences = GeofenceSet.load_bundled(name)
        crs = fences.frame.crs
        if crs.startswith("+proj=aeqd"):
            crs = "local equidistant"
        table.add_row(name, fences.version, str(len(fences.zones)),
                      f"{fences.frame.length / 1000:,.1f}", crs)
    console.print(table)


@app.command("list")
def list_(
    history: Annotated[
        bool, typer.Option(help="Also list older versions still in the log.")
    ] = False,
    bundled: Annotated[
        bool, typer.Option("--bundled", help="List the sets that ship with BorderWatch "
                           "(no broker needed).")
    ] = False,
    bootstrap_servers: Bootstrap = None,
) -> None:
    """Show the geofence set in force (from the compacted topic) and its zones."""
    from stream.agents.geofences import FenceLog, newest_valid

    if bundled:
        _list_bundled()
        return
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    reader = FenceLog(settings)
    try:
        records = reader.read_to_end(10.0)
    finally:
        reader.close()
    current, errors = newest_valid(records)
    for err in errors:
        console.print(f"[yellow]rejected:[/] {err}")
    if current is None:
        console.print(f"no geofence set published on {settings.topic(topics.GEOFENCES.name)}: "
                      "workers use their configured set (BORDERWATCH_GEOFENCES, default "
                      "nogales-sasabe; see `geofences list --bundled`)")
        raise typer.Exit(1)
    fences = GeofenceSet.from_geojson(current.doc)
    when = datetime.fromtimestamp(current.published_ts, UTC).isoformat(timespec="seconds")
    console.print(f"active version [bold]{current.version}[/] published {when} "
                  f"(offset {current.offset}), {len(fences.zones)} zones")
    table = Table("id", "type", "name", "sector", "active", "area km²")
    table.columns[0].no_wrap = True
    for i, z in enumerate(fences.zones):
        area = fences.metric_geometry(i).area / 1e6
        window = "always" if z.window is None else orjson.dumps(z.window.to_json()).decode()
        table.add_row(z.id, z.zone_type, z.name, z.sector or "", window, f"{area:,.2f}")
    console.print(table)
    if history:
        for rec in records:
            meta = (orjson.loads(rec.value or b"{}") or {}).get("borderwatch") or {}
            console.print(f"offset {rec.offset}: version {meta.get('version', '?')}")


@app.command("events")
def events(
    bootstrap_servers: Bootstrap = None,
    from_beginning: FromBeginning = False,
    limit: Limit = None,
    timeout: IdleTimeout = None,
    sector: Annotated[str | None, typer.Option(help="Only zones of this patrol sector.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Follow tracked alerts entering, leaving and dwelling in zones (Ctrl-C stops)."""
    from stream.alerts.feed import read_topic
    from stream.models import ZoneEvent

    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    shown = 0
    try:
        for ev in read_topic(settings, topics.ZONE_EVENTS, ZoneEvent,
                             from_beginning=from_beginning, timeout=timeout):
            if sector is not None and ev.sector != sector:
                continue
            if json_:
                print(ev.model_dump_json(), flush=True)
            else:
                when = datetime.fromtimestamp(ev.ts, UTC).strftime("%H:%M:%S")
                stay = f" after {ev.ts - ev.since:.0f} s" if ev.kind != "enter" else ""
                console.print(f"{when} [bold]{ev.kind:>5}[/] {ev.zone_type} {ev.zone_id} "
                              f"({ev.zone_name}){stay}  alert {ev.alert_id} "
                              f"at {ev.lat:.5f}, {ev.lon:.5f}", highlight=False)
            shown += 1
            if limit is not None and shown >= limit:
                break
    except KafkaException as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass


@app.command("render")
def render_cmd(
    file: FileArg,
    out: Annotated[Path, typer.Option("--out", help="PNG to write.")] = Path("map.png"),
) -> None:
    """Draw a set's zones (bundled NAME or FILE), coloured by type, and its boundary to a PNG
    (in the set's metric frame)."""
    from geofences.render import render

    fences = GeofenceSet.from_geojson(stamp(_read_valid(file)))
    console.print(f"wrote {render(fences, out)}")


@app.command("build")
def build(
    names: Annotated[
        list[str] | None, typer.Argument(help="Bundled sets to build (default: all).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="File to write when one set is named (default: its bundled file)."),
    ] = None,
) -> None:
    """Regenerate bundled sets from their cited boundary facts (metric buffers in each
    set's own frame)."""
    from geofences import build as builder

    unknown = sorted(set(names or ()) - set(builder.STRETCHES))
    if unknown:
        console.print(f"[red]error:[/] no bundled set {', '.join(unknown)} "
                      f"(bundled: {', '.join(builder.STRETCHES)})")
        raise typer.Exit(2)
    if out is not None and len(names or ()) != 1:
        console.print("[red]error:[/] --out writes one set: name it, e.g. "
                      "`geofences build new-mexico --out my.geojson`")
        raise typer.Exit(2)
    for path in builder.main(out, names):
        console.print(f"wrote {path}")
