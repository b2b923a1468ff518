"""HttpCore's one credential rule: same scheme, host and port as the base URL, redirects too."""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging

import aiohttp
from aiohttp import web
import pytest

from custom_components.camhub.providers.budget import RequestBudget
from custom_components.camhub.providers.errors import OffOriginError, ProtocolError
from custom_components.camhub.providers.http import HttpCore, origin_of, origin_text
from tests.two_hosts import JPEG, Elsewhere, serve_app, serve_elsewhere

SECRET = {"X-Token": "tok-secret"}


@pytest.fixture
async def elsewhere() -> AsyncIterator[Elsewhere]:
    """The second origin on 127.0.0.2."""
    async with serve_elsewhere() as running:
        yield running


@pytest.fixture
async def api(elsewhere: Elsewhere) -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """An API on 127.0.0.1 that redirects home or away; its base URL and the headers it saw."""
    seen: list[dict[str, str]] = []

    async def ok(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"ok": True})

    async def home(_: web.Request) -> web.Response:
        raise web.HTTPFound("/v1/ok")

    async def away(_: web.Request) -> web.Response:
        raise web.HTTPFound(elsewhere.url("/media/a.jpg?sig=1"))

    app = web.Application()
    app.router.add_get("/v1/ok", ok)
    app.router.add_post("/v1/home", home)
    app.router.add_get("/v1/away", away)
    async with serve_app(app) as origin:
        yield f"{origin}/v1/", seen


@pytest.fixture
async def core(api: tuple[str, list[dict[str, str]]]) -> AsyncIterator[HttpCore]:
    """An HttpCore on the API's base URL."""
    async with aiohttp.ClientSession() as session:
        yield HttpCore(
            session,
            vendor="test",
            base_url=api[0],
            budget=RequestBudget.unlimited(),
            secrets=lambda: ("tok-secret",),
        )


def test_origins_compare_scheme_host_and_port() -> None:
    assert origin_of("https://API.example.com/v1/") == ("https", "api.example.com", 443)
    assert origin_of("https://api.example.com:443/x") == origin_of("https://api.example.com/y")
    assert origin_of("http://api.example.com/") != origin_of("https://api.example.com/")
    assert origin_of("ftp://api.example.com/") is None
    assert origin_of("http://[::1") is None
    assert origin_of("/relative") is None
    assert origin_text("https://h.example/p?token=x") == "https://h.example:443"
    assert origin_text("nope") == "a non-http(s) URL"


async def test_same_origin_redirect_keeps_credentials(
    core: HttpCore, api: tuple[str, list[dict[str, str]]]
) -> None:
    node = await core.json("POST", "home", credentials=SECRET)
    assert node.raw == {"ok": True}
    assert api[1][0]["X-Token"] == "tok-secret"


async def test_credentials_never_go_elsewhere(core: HttpCore, elsewhere: Elsewhere) -> None:
    port = int(core.base_url.split(":")[2].split("/")[0])
    for url in (
        elsewhere.url("/v1/ok"),  # another host
        core.base_url.replace("http://", "https://") + "ok",  # another scheme
        core.base_url.replace(f":{port}/", f":{port % 65000 + 1}/") + "ok",  # another port
    ):
        with pytest.raises(OffOriginError, match="next") as refused:
            await core.json("GET", url, credentials=SECRET, field="next")
        assert refused.value.field == "next"
    # A credential passed as a plain header is still a credential.
    with pytest.raises(OffOriginError):
        await core.json("GET", elsewhere.url("/v1/ok"), headers={"Authorization": "Bearer x"})
    # A redirect from our API to another host does not take them along.
    with pytest.raises(OffOriginError, match="redirect"):
        await core.request("GET", "away", credentials=SECRET)
    assert elsewhere.seen == []
    # Media elsewhere is signed: it is fetched there, without credentials, redirect or not.
    assert (await core.fetch_media(core.url("away"), credentials=SECRET)).content == JPEG
    assert (await core.fetch_media(elsewhere.url("/b.jpg"), credentials=SECRET)).content == JPEG
    assert len(elsewhere.seen) == 2
    assert elsewhere.credentials == []


async def test_a_url_that_is_not_http_is_a_protocol_error(
    core: HttpCore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for url in ("javascript:alert(1)", "http://[::1", "ftp://127.0.0.1/x"):
        with pytest.raises(ProtocolError):
            await core.json("GET", url, credentials=SECRET, field="next")
        with pytest.raises(ProtocolError):
            await core.fetch_media(url)
    assert "tok-secret" not in caplog.text
