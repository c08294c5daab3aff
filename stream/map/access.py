"""Who may use the map: anyone on loopback by default; named operators with a token otherwise.

``map_tokens`` is ``name:token`` pairs, comma separated. When set, every request (page,
static files, feed, acks) must carry a token, as ``Authorization: Bearer <token>``, as the
``bw_map`` cookie, or once as ``?token=`` in the page URL (answered with the cookie and a
redirect that drops it from the address bar). An ack then records the token's operator.

>>> from pydantic import SecretStr
>>> parse_tokens(SecretStr("ana:s3cret-1, bo:s3cret-2"))
{'s3cret-1': 'ana', 's3cret-2': 'bo'}
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, False)
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import SecretStr

COOKIE = "bw_map"
#: The signed-in operator's name on a request (None without tokens).
OPERATOR: web.RequestKey[str | None] = web.RequestKey("operator", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AccessError(ValueError):
    """A setting that would expose the map without a token, or a malformed token list."""


def parse_tokens(tokens: SecretStr | None) -> dict[str, str]:
    """``{token: operator name}``; raises :class:`AccessError` on a malformed entry."""
    if tokens is None:
        return {}
    out: dict[str, str] = {}
    for entry in tokens.get_secret_value().split(","):
        name, sep, token = entry.strip().partition(":")
        if not sep or not name.strip() or len(token.strip()) < 8:
            raise AccessError(
                "map_tokens: each entry must be 'name:token' with a token of 8+ characters"
            )
        out[token.strip()] = name.strip()
    return out


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, tokens: dict[str, str]) -> None:
    """Refuse to serve a non-loopback address without tokens."""
    if not is_loopback(host) and not tokens:
        raise AccessError(
            f"the map on {host} would be open to anyone: set BORDERWATCH_MAP_TOKENS "
            "('name:token,...') or listen on 127.0.0.1"
        )


def _operator(tokens: dict[str, str], given: str | None) -> str | None:
    if not given:
        return None
    for token, name in tokens.items():
        if hmac.compare_digest(token.encode(), given.encode()):
            return name
    return None


def middleware(tokens: dict[str, str]) -> Middleware:
    """Sets ``request[OPERATOR]`` (None when no tokens are configured)."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not tokens:
            request[OPERATOR] = None
            return await handler(request)
        auth = request.headers.get("Authorization", "")
        from_query = request.query.get("token")
        given = (auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None) \
            or request.cookies.get(COOKIE) or from_query
        name = _operator(tokens, given)
        if name is None:
            raise web.HTTPUnauthorized(
                text="BorderWatch map: a token is required (open the page as /?token=...)\n"
            )
        if from_query and request.method == "GET" and given == from_query:
            query = {k: v for k, v in request.query.items() if k != "token"}
            redirect = web.HTTPFound(request.rel_url.with_query(query))
            redirect.set_cookie(COOKIE, from_query, httponly=True, samesite="Strict",
                                secure=request.secure)
            raise redirect
        request[OPERATOR] = name
        return await handler(request)

    return check
