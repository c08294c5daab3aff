"""``borderwatch map``'s web server (aiohttp): the page, its snapshot, its event stream, acks.

Routes:

- ``GET /`` the page; ``GET /static/...`` its script, style and the vendored Leaflet.
- ``GET /api/config`` tile layer, history length, the signed-in operator.
- ``GET /api/snapshot[?at=T]`` the picture as a GeoJSON FeatureCollection (at event time T).
- ``GET /api/events`` Server-Sent Events: ``snapshot`` first, then one ``change`` per
  feature upsert or removal, each with its sequence number as the SSE id.
- ``POST /api/ack`` ``{"alert_id", "action": "ack"|"close", "note", "by"}``: the same ack
  message as ``borderwatch ack``; ``by`` is the token's operator when tokens are set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from confluent_kafka import KafkaException

from stream.alerts.acks import AckNotDelivered, make_ack, send_ack
from stream.map import access
from stream.map.feed import MapReader
from stream.map.service import MapService, default_fences
from stream.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
KEEPALIVE_S = 15.0
SERVICE: web.AppKey[MapService] = web.AppKey("service", MapService)
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def config(request: web.Request) -> web.Response:
    settings, service = request.app[SETTINGS], request.app[SERVICE]
    return _json({
        "tile_url": settings.map_tile_url,
        "tile_attribution": settings.map_tile_attribution,
        "history_s": settings.map_history_s,
        "operator": request[access.OPERATOR],
        "feed_error": service.feed_error,
        "read": service.read,
        "now": time.time(),
    })


async def snapshot(request: web.Request) -> web.Response:
    at = request.query.get("at")
    try:
        t = float(at) if at is not None else None
    except ValueError:
        raise web.HTTPBadRequest(text="at: epoch seconds expected\n") from None
    service = request.app[SERVICE]
    snap = service.snapshot() if t is None else await service.replayed(t)
    return _json({**snap, "now": time.time()})


def _sse(event: str, seq: int, data: dict[str, Any]) -> bytes:
    return b"event: %s\nid: %d\ndata: %s\n\n" % (event.encode(), seq, orjson.dumps(data))


async def events(request: web.Request) -> web.StreamResponse:
    service = request.app[SERVICE]
    resp = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",  # proxies must not buffer the stream
    })
    await resp.prepare(request)
    snap, queue = service.subscribe()
    try:
        await resp.write(_sse("snapshot", snap["seq"], {**snap, "now": time.time()}))
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                await resp.write(b": keep-alive\n\n")
                continue
            if event is None:
                break  # too slow: the browser reconnects and gets a fresh snapshot
            seq, change = event
            await resp.write(_sse("change", seq, {"seq": seq, **change.to_json()}))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        service.unsubscribe(queue)
    return resp


async def ack(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON\n")
    try:
        body = await request.json(loads=orjson.loads)
        alert_id, action = str(body["alert_id"]), body.get("action", "ack")
        by = request[access.OPERATOR] or str(body.get("by") or "")
        note = body.get("note") or None
        if action not in ("ack", "close"):
            raise ValueError("action must be 'ack' or 'close'")
        msg = make_ack(alert_id, by, time.time(), note, action)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        return _json({"error": f"bad ack: {exc}"}, status=400)
    if not request.app[SERVICE].has_alert(alert_id):
        return _json({"error": f"no open alert {alert_id}"}, status=404)
    try:
        await asyncio.to_thread(send_ack, request.app[SETTINGS], msg, 15.0,
                                request.app[SERVICE].ack_partitions.get(alert_id))
    except AckNotDelivered as exc:
        return _json({"error": str(exc)}, status=502)
    return _json({"sent": msg.model_dump()}, status=202)


async def follow(app: web.Application) -> None:
    """Read the topics into the service; retry while the broker or topics are missing."""
    settings, service = app[SETTINGS], app[SERVICE]
    while True:
        try:
            reader = await asyncio.to_thread(MapReader, settings)
        except KafkaException as exc:
            service.feed_error = str(exc)
            log.warning("map feed: %s (retrying)", exc)
            await asyncio.sleep(5.0)
            continue
        service.feed_error = None
        try:
            while True:
                items = await asyncio.to_thread(reader.poll, 0.5)
                if items:
                    service.ingest(items, time.time())
        finally:
            await asyncio.to_thread(reader.close)


async def _background(app: web.Application) -> Any:
    task = asyncio.create_task(follow(app))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def make_app(
    settings: Settings, tokens: dict[str, str], read_topics: bool = True
) -> web.Application:
    """The web application; ``read_topics=False`` serves only the fences (tests)."""
    app = web.Application(middlewares=[access.middleware(tokens)])
    app[SETTINGS] = settings
    app[SERVICE] = MapService(settings, default_fences(settings))
    app.router.add_get("/", index)
    app.router.add_get("/api/config", config)
    app.router.add_get("/api/snapshot", snapshot)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/ack", ack)
    app.router.add_static("/static", STATIC)
    if read_topics:
        app.cleanup_ctx.append(_background)
    return app


async def start(settings: Settings) -> tuple[web.AppRunner, str]:
    """Start serving; returns the runner (``await runner.cleanup()`` stops) and the page URL.
    Raises :class:`access.AccessError` for an exposed address without tokens."""
    tokens = access.parse_tokens(settings.map_tokens)
    access.check_exposure(settings.map_host, tokens)
    runner = web.AppRunner(make_app(settings, tokens), handle_signals=False,
                           shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, settings.map_host, settings.map_port)
    await site.start()
    port = runner.addresses[0][1]
    host = f"[{settings.map_host}]" if ":" in settings.map_host else settings.map_host
    return runner, f"http://{host}:{port}/"
