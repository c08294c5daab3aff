"""The map's web server without a broker: access control, ack validation, the snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from geofences.index import GeofenceSet, bundled_doc
from stream.map import access, server
from stream.map.server import make_app
from stream.models import AlertAckMessage
from stream.settings import Settings
from tests.unit.alert_samples import T, sample_alert

Client = TestClient[web.Request, web.Application]
Check = Callable[[Client], Awaitable[None]]


def serve(check: Check, tokens: str | None = None) -> None:
    settings = Settings(map_tokens=SecretStr(tokens) if tokens else None)
    app = make_app(settings, access.parse_tokens(settings.map_tokens), read_topics=False)

    async def run() -> None:
        async with TestClient(TestServer(app)) as client:
            await check(client)

    asyncio.run(run())


def test_snapshot_has_the_fences_in_force_on_loopback_without_a_token() -> None:
    async def check(client: Client) -> None:
        r = await client.get("/api/snapshot")
        assert r.status == 200
        snap = await r.json()
        assert snap["counts"]["fence"] == len(bundled_doc("nogales-sasabe")["features"])
        assert snap["geofence_version"] == GeofenceSet.load_bundled().version
        assert (await (await client.get("/api/config")).json())["operator"] is None
        page = await client.get("/")
        assert page.status == 200 and "leaflet.js" in await page.text()
        assert (await client.get("/static/vendor/leaflet/leaflet.js")).status == 200
        assert (await client.get("/api/snapshot?at=soon")).status == 400

    serve(check)


def test_tokens_guard_page_feed_and_acks_and_name_the_operator() -> None:
    async def check(client: Client) -> None:
        for path in ("/", "/api/snapshot", "/api/events", "/static/app.js"):
            assert (await client.get(path)).status == 401, path
        assert (await client.post("/api/ack", json={"alert_id": "a"})).status == 401
        assert (await client.get("/api/config?token=wrong-token")).status == 401
        r = await client.get("/?token=ana-secret-1", allow_redirects=False)
        assert r.status == 302 and r.headers["Location"] == "/"
        assert "HttpOnly" in r.headers["Set-Cookie"]
        client.session.cookie_jar.update_cookies({access.COOKIE: "ana-secret-1"})
        cfg = await (await client.get("/api/config")).json()
        assert cfg["operator"] == "ana"
        client.session.cookie_jar.clear()
        bearer = {"Authorization": "Bearer bo-secret-22"}
        cfg = await (await client.get("/api/config", headers=bearer)).json()
        assert cfg["operator"] == "bo"

    serve(check, tokens="ana:ana-secret-1,bo:bo-secret-22")


def test_bad_acks_get_one_clear_answer() -> None:
    async def check(client: Client) -> None:
        assert (await client.post("/api/ack", data="alert_id=x")).status == 415
        r = await client.post("/api/ack", json={"alert_id": "alr-1", "by": " "})
        assert r.status == 400 and "name someone" in (await r.json())["error"]
        r = await client.post("/api/ack", json={"alert_id": "alr-1", "by": "x", "action": "zap"})
        assert r.status == 400
        r = await client.post("/api/ack", json={"alert_id": "alr-1", "by": "ana"})
        assert r.status == 404 and "no open alert" in (await r.json())["error"]

    serve(check)


def test_a_non_loopback_address_needs_tokens() -> None:
    with pytest.raises(access.AccessError, match="BORDERWATCH_MAP_TOKENS"):
        access.check_exposure("0.0.0.0", {})
    access.check_exposure("0.0.0.0", {"tok-12345678": "ana"})
    with pytest.raises(access.AccessError, match="name:token"):
        access.parse_tokens(SecretStr("ana"))


def test_an_ack_with_a_token_records_the_operator_not_what_the_page_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[tuple[AlertAckMessage, int | None]] = []
    monkeypatch.setattr(server, "send_ack",
                        lambda _settings, msg, _timeout, partition: sent.append((msg, partition)))
    settings = Settings(map_tokens=SecretStr("ana:ana-secret-1"))
    app = server.make_app(settings, access.parse_tokens(settings.map_tokens), read_topics=False)
    app[server.SERVICE].ingest([sample_alert()], now=T + 20)

    async def run() -> None:
        async with TestClient(TestServer(app)) as client:
            r = await client.post(
                "/api/ack", headers={"Authorization": "Bearer ana-secret-1"},
                json={"alert_id": sample_alert().id, "action": "close", "by": "mallory"})
            assert r.status == 202, await r.text()

    asyncio.run(run())
    assert [(m.alert_id, m.by, m.action) for m, _ in sent] == [
        (sample_alert().id, "ana", "close")]
    # to the partition the worker holding the alert reads: its first evidence's
    assert [p for _, p in sent] == [sample_alert().evidence[0].partition]
