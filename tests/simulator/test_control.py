"""Tests of the shared simulator machinery: clock, request log, faults and /_sim/ routes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.control import (
    FaultInjector,
    RequestLog,
    RequestRecord,
    SimClock,
    iso,
    make_app,
)

from .conftest import START, Serve


async def echo(request: web.Request) -> web.Response:
    """An API handler returning a JSON document."""
    return web.json_response({"id": request.match_info["id"], "items": list(range(40))})


async def listing(request: web.Request) -> web.Response:
    """A list page naming its own media URL, the way vendor answers do."""
    own = str(request.url.origin())
    return web.json_response(
        {
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {"id": 1, "snapshot": f"{own}/media/1.jpg?token=t", "at": "2026-01-01T00:00:00Z"}
            ],
        },
        headers={"X-Extra": "kept"},
    )


async def stream(request: web.Request) -> web.StreamResponse:
    """A streamed handler (faults that rewrite bodies leave it alone)."""
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"chunk")
    return response


async def boom(_: web.Request) -> web.Response:
    """A handler that fails unexpectedly."""
    raise RuntimeError("unexpected")


async def forbidden(_: web.Request) -> web.Response:
    """A handler raising an HTTP error."""
    raise web.HTTPForbidden


def build(log: RequestLog, faults: FaultInjector, clock: SimClock | None = None) -> web.Application:
    """A small instrumented app."""
    return make_app(
        "acme",
        log,
        faults,
        account_of=lambda request: request.headers.get("X-Account"),
        routes=[
            web.get("/api/items/{id}", echo),
            web.get("/api/stream", stream),
            web.get("/api/boom", boom),
            web.get("/api/forbidden", forbidden),
            web.get("/api/list", listing),
        ],
        clock=clock,
        reshape=lambda _request, body: {**body, "shaped": True},
    )


async def read(session: aiohttp.ClientSession, url: str, give_up_after: float = 10) -> bytes:
    """GET a body, giving up after ``give_up_after`` seconds."""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=give_up_after)) as response:
        return await response.read()


@pytest.fixture
async def app_url(serve: Serve, clock: SimClock) -> tuple[str, RequestLog, FaultInjector]:
    """A served instrumented app with its log and injector."""
    log, faults = RequestLog(clock), FaultInjector(seed=7)
    return await serve(build(log, faults, clock)), log, faults


def test_clock_frozen_and_advancing() -> None:
    """A frozen clock only moves when advanced; a following clock adds its offset."""
    clock = SimClock(START)
    assert clock() == START
    assert clock.advance(90) == START + timedelta(seconds=90)
    following = SimClock(base=lambda: START)
    following.advance(5)
    assert following.now() == START + timedelta(seconds=5)
    assert iso(START) == "2026-04-21T12:00:00Z"


async def test_log_counts_per_endpoint_and_account(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """Every API request is logged with its route template, account and status."""
    url, log, _ = app_url
    for item, account in (("1", "alice"), ("2", "alice"), ("3", "bob")):
        async with session.get(f"{url}/api/items/{item}", headers={"X-Account": account}) as r:
            assert r.status == 200
    async with session.get(f"{url}/api/forbidden") as r:
        assert r.status == 403
    async with session.get(f"{url}/api/missing") as r:
        assert r.status == 404
    async with session.get(f"{url}/api/boom") as r:
        assert r.status == 500
    assert log.count() == 6
    assert log.count(account="alice") == 2
    assert log.count(path_prefix="/api/items") == 3
    assert log.count(vendor="acme", status=403, method="get") == 1
    assert log.records[0].timestamp == START
    async with session.get(f"{url}/_sim/counters") as r:
        counters = await r.json()
    assert counters["total"] == 6
    assert counters["endpoints"]["GET /api/items/{id}"] == 3
    assert counters["accounts"] == {"alice": 2, "bob": 1, "-": 3}
    async with session.get(f"{url}/_sim/requests", params={"account": "bob"}) as r:
        listed = await r.json()
    assert listed["count"] == 1
    assert listed["requests"][0]["path"] == "/api/items/3"
    assert listed["requests"][0]["timestamp"] == "2026-04-21T12:00:00Z"
    # Control traffic is never logged as API traffic.
    assert log.count() == 6
    log.clear()
    assert log.count() == 0


async def test_status5xx_for_n_requests(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """A 5xx fault answers the next N matching requests, then stops."""
    url, log, faults = app_url
    async with session.post(
        f"{url}/_sim/faults", json={"kind": "status5xx", "count": 2, "status": 502}
    ) as r:
        assert r.status == 201
        assert (await r.json())["kind"] == "status5xx"
    statuses = []
    for _ in range(3):
        async with session.get(f"{url}/api/items/1") as r:
            statuses.append(r.status)
    assert statuses == [502, 502, 200]
    assert faults.faults == []
    assert log.count(status=502) == 2


async def test_fault_limited_to_path_and_method(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """A fault with a path prefix and method leaves other requests alone until cleared."""
    url, _, faults = app_url
    faults.add("status5xx", path_prefix="/api/items/2", method="GET")
    async with session.get(f"{url}/api/items/1") as r:
        assert r.status == 200
    for _ in range(2):
        async with session.get(f"{url}/api/items/2") as r:
            assert r.status == 503
    async with session.get(f"{url}/_sim/faults") as r:
        assert (await r.json())[0]["hits"] == 2
    async with session.delete(f"{url}/_sim/faults") as r:
        assert r.status == 204
    async with session.get(f"{url}/api/items/2") as r:
        assert r.status == 200


async def test_share_is_seeded(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """A share-based fault hits some requests, reproducibly for a seed."""
    url, _, faults = app_url
    faults.add("status5xx", share=0.5)
    statuses = []
    for _ in range(20):
        async with session.get(f"{url}/api/items/1") as r:
            statuses.append(r.status)
    replay = FaultInjector(seed=7)
    replay.add("status5xx", share=0.5)
    expected = [503 if replay.pick("GET", "/api/items/1") else 200 for _ in range(20)]
    assert statuses == expected
    assert 0 < statuses.count(503) < 20


async def test_malformed_json(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """Malformed JSON keeps status and content type but the body does not parse."""
    url, _, faults = app_url
    faults.add("malformed_json", count=1)
    async with session.get(f"{url}/api/items/1") as r:
        assert r.status == 200
        assert r.content_type == "application/json"
        body = await r.text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_truncated_body(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """A truncated body ends before its Content-Length; the next request works again."""
    url, log, faults = app_url
    faults.add("truncated", count=1)
    with pytest.raises(aiohttp.ClientPayloadError):
        await read(session, f"{url}/api/items/1")
    async with session.get(f"{url}/api/items/1") as r:
        assert (await r.json())["id"] == "1"
    assert log.count(path_prefix="/api/items") == 2


async def test_streamed_responses_are_not_rewritten(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """Body faults cannot rewrite an already streamed response; it passes unchanged."""
    url, _, faults = app_url
    faults.add("malformed_json", count=1)
    async with session.get(f"{url}/api/stream") as r:
        assert await r.read() == b"chunk"


async def test_slow_answers_after_delay(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """A slow fault delays, then answers normally (a short client timeout gives up)."""
    url, _, faults = app_url
    faults.add("slow", count=1, delay=0.05)
    async with session.get(f"{url}/api/items/1") as r:
        assert r.status == 200
    faults.add("slow", count=1, delay=5)
    with pytest.raises(TimeoutError):
        async with session.get(f"{url}/api/items/1", timeout=aiohttp.ClientTimeout(total=0.2)) as r:
            await r.read()


class SignallingLog(RequestLog):
    """A request log that signals each record, so tests wait without polling."""

    def __init__(self) -> None:
        """Create the log and its event."""
        super().__init__()
        self.recorded = asyncio.Event()

    def record(self, *args: Any, **kwargs: Any) -> RequestRecord:
        """Record and signal."""
        entry = super().record(*args, **kwargs)
        self.recorded.set()
        return entry


async def test_timeout_is_released_on_shutdown(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    """A timeout fault never answers in time; stopping the server releases the held request."""
    log, faults = SignallingLog(), FaultInjector()
    app = build(log, faults)
    url = await serve(app)
    async with session.post(f"{url}/_sim/faults", json={"kind": "timeout"}) as r:
        assert (await r.json())["delay"] is None
    with pytest.raises(TimeoutError):
        async with session.get(f"{url}/api/items/1", timeout=aiohttp.ClientTimeout(total=0.2)) as r:
            await r.read()
    assert log.count() == 0  # still held
    await app.shutdown()
    async with asyncio.timeout(5):
        await log.recorded.wait()
    assert log.records[0].status == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "meteor"}, "unknown fault kind"),
        ({"kind": "status5xx", "count": 0}, "count"),
        ({"kind": "status5xx", "share": 2}, "share"),
        ({"kind": "status5xx", "status": 404}, "5xx"),
        ({"kind": "slow", "delay": -1}, "delay"),
        ({"kind": "slow", "colour": "red"}, "unknown fields"),
        ({"kind": "off_origin", "origin": "ftp://elsewhere"}, "origin"),
        ([1, 2], "JSON object"),
    ],
)
async def test_bad_fault_requests(
    app_url: tuple[str, RequestLog, FaultInjector],
    session: aiohttp.ClientSession,
    body: object,
    message: str,
) -> None:
    """Invalid fault definitions answer 400 with the reason."""
    url, _, _ = app_url
    async with session.post(f"{url}/_sim/faults", json=body) as r:
        assert r.status == 400
        assert message in await r.text()


async def test_control_rejects_non_json(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """Control endpoints answer 400 to a body that is not JSON."""
    url, _, _ = app_url
    async with session.post(f"{url}/_sim/faults", data=b"{nope") as r:
        assert r.status == 400


async def test_clock_routes(
    app_url: tuple[str, RequestLog, FaultInjector],
    session: aiohttp.ClientSession,
    clock: SimClock,
) -> None:
    """POST /_sim/clock advances the shared clock; bad values are refused."""
    url, _, _ = app_url
    async with session.post(f"{url}/_sim/clock", json={"seconds": 60}) as r:
        assert (await r.json())["now"] == "2026-04-21T12:01:00Z"
    async with session.get(f"{url}/_sim/clock") as r:
        assert (await r.json())["now"] == "2026-04-21T12:01:00Z"
    assert clock() == START + timedelta(minutes=1)
    for bad in ({"seconds": -1}, {"seconds": True}, {}):
        async with session.post(f"{url}/_sim/clock", json=bad) as r:
            assert r.status == 400


async def test_off_origin_moves_own_urls_and_names_a_next_elsewhere(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """off_origin: every URL of this server moves to `origin`; every page gets a `next` there."""
    url, _, faults = app_url
    faults.add("off_origin", path_prefix="/api/list", origin="http://127.0.0.2:9")
    async with session.get(f"{url}/api/list?limit=1") as r:
        body, extra = await r.json(), r.headers["X-Extra"]
    assert body["results"][0]["snapshot"] == "http://127.0.0.2:9/media/1.jpg?token=t"
    assert body["next"] == "http://127.0.0.2:9/api/list?limit=1"
    assert extra == "kept"
    faults.clear()
    faults.add("off_origin", count=1)
    async with session.get(f"{url}/api/list") as r:
        assert (await r.json())["next"] == "http://example.com/api/list"
    faults.add("off_origin", path_prefix="/api/stream")
    assert await read(session, f"{url}/api/stream") == b"chunk"


async def test_spec_examples_fault_uses_the_vendor_reshaper(
    app_url: tuple[str, RequestLog, FaultInjector], session: aiohttp.ClientSession
) -> None:
    """spec_examples: the app's reshaper rewrites the JSON answer."""
    url, _, faults = app_url
    faults.add("spec_examples", path_prefix="/api/")
    async with session.get(f"{url}/api/list") as r:
        assert (await r.json())["shaped"] is True
    async with session.get(f"{url}/api/forbidden") as r:
        assert r.status == 403
